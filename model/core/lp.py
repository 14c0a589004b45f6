"""A linear programme held as numpy arrays: columns with bounds, rows with bounds, and the
constraint matrix as triplets. Families of variables and constraints add blocks to it; the
solver backends read it as a column-wise sparse matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INF = float("inf")


@dataclass
class RowBlock:
    """A named block of rows: one constraint family (or part of one)."""

    family: str
    start: int
    stop: int


@dataclass
class LinearProgram:
    """min c'x subject to row_lower <= A x <= row_upper, col_lower <= x <= col_upper."""

    col_lower: list[np.ndarray] = field(default_factory=list)
    col_upper: list[np.ndarray] = field(default_factory=list)
    col_integer: list[np.ndarray] = field(default_factory=list)
    row_lower: list[np.ndarray] = field(default_factory=list)
    row_upper: list[np.ndarray] = field(default_factory=list)
    entries_row: list[np.ndarray] = field(default_factory=list)
    entries_col: list[np.ndarray] = field(default_factory=list)
    entries_val: list[np.ndarray] = field(default_factory=list)
    row_blocks: list[RowBlock] = field(default_factory=list)
    num_col: int = 0
    num_row: int = 0

    def add_cols(
        self, n: int, lower: float | np.ndarray = 0.0, upper: float | np.ndarray = INF,
        integer: bool = False,
    ) -> np.ndarray:
        """Add n columns; returns their indices."""
        idx = np.arange(self.num_col, self.num_col + n)
        self.col_lower.append(_filled(lower, n))
        self.col_upper.append(_filled(upper, n))
        self.col_integer.append(np.full(n, integer))
        self.num_col += n
        return idx

    def add_rows(
        self, family: str, n: int, lower: float | np.ndarray = -INF,
        upper: float | np.ndarray = INF,
    ) -> np.ndarray:
        """Add n rows of a constraint family; returns their indices."""
        idx = np.arange(self.num_row, self.num_row + n)
        self.row_lower.append(_filled(lower, n))
        self.row_upper.append(_filled(upper, n))
        self.row_blocks.append(RowBlock(family, self.num_row, self.num_row + n))
        self.num_row += n
        return idx

    def add_terms(self, rows: np.ndarray, cols: np.ndarray, coef: float | np.ndarray) -> None:
        """A[rows[i], cols[i]] += coef[i] (broadcast); zero coefficients are dropped."""
        rows, cols = np.asarray(rows), np.asarray(cols)
        if isinstance(coef, (int, float)):  # the common case, without a mask
            if coef == 0:
                return
            self.entries_row.append(rows)
            self.entries_col.append(cols)
            self.entries_val.append(np.full(rows.shape, float(coef)))
            return
        vals = np.broadcast_to(np.asarray(coef, float), rows.shape)
        keep = vals != 0
        self.entries_row.append(rows[keep])
        self.entries_col.append(cols[keep])
        self.entries_val.append(vals[keep])

    def finish(self) -> CompiledLP:
        """The programme as flat arrays with the matrix in column-wise (CSC) form."""
        rows = _cat(self.entries_row, int)
        cols = _cat(self.entries_col, int)
        vals = _cat(self.entries_val, float)
        order = np.lexsort((rows, cols))
        rows, cols, vals = rows[order], cols[order], vals[order]
        if len(rows):
            new = np.ones(len(rows), bool)
            new[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
            starts = np.flatnonzero(new)
            vals = np.add.reduceat(vals, starts)
            rows, cols = rows[starts], cols[starts]
        col_start = np.zeros(self.num_col + 1, dtype=np.int32)
        np.cumsum(np.bincount(cols, minlength=self.num_col), out=col_start[1:])
        return CompiledLP(
            col_lower=_cat(self.col_lower, float),
            col_upper=_cat(self.col_upper, float),
            col_integer=_cat(self.col_integer, bool),
            row_lower=_cat(self.row_lower, float),
            row_upper=_cat(self.row_upper, float),
            col_start=col_start,
            row_index=rows.astype(np.int32),
            values=vals,
            row_blocks=list(self.row_blocks),
        )


@dataclass
class CompiledLP:
    """Flat arrays of a linear programme; the matrix column-wise (start, index, value)."""

    col_lower: np.ndarray
    col_upper: np.ndarray
    col_integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_start: np.ndarray
    row_index: np.ndarray
    values: np.ndarray
    row_blocks: list[RowBlock]

    @property
    def num_col(self) -> int:
        return len(self.col_lower)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """A x for a column vector x."""
        counts = np.diff(self.col_start)
        cols = np.repeat(np.arange(self.num_col), counts)
        return np.bincount(self.row_index, weights=self.values * x[cols], minlength=self.num_row)

    def family_rows(self, family: str) -> np.ndarray:
        """Row indices of a constraint family."""
        parts = [np.arange(b.start, b.stop) for b in self.row_blocks if b.family == family]
        return np.concatenate(parts) if parts else np.zeros(0, int)


def _filled(value: float | np.ndarray, n: int) -> np.ndarray:
    """n values: a scalar repeated or an array of length n, copied as floats."""
    if isinstance(value, (int, float)):
        return np.full(n, float(value))
    return np.broadcast_to(np.asarray(value, float), (n,)).copy()


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
