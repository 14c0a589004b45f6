"""The typed result of every command and its JSON document.

Each API function (`capplan.plan`, `compare`, ...) returns one of these: the data as Python
objects and pandas tables, `to_dict()` giving the command's JSON document, versioned by its
`"schema"` (`capplan/<command>/<n>`: the number grows when a key changes meaning or goes away),
`tables()` the tables written as CSV and Excel, and `charts()` its PNG charts. The documents
are what the ledger records and what `--format json` prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from capplan.core.backends import Status
from capplan.core.milestones import items_needed
from capplan.core.results import Plan, segment_flow_records, trajectory_records, trajectory_rows
from capplan.core.routing import STAGES, time_step_note
from capplan.core.solve import Solution
from capplan.inputs.load import Loaded
from capplan.questions.infeasibility import Infeasibility
from capplan.version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from capplan.core.context import Built
    from capplan.cycle.replan import Replanned
    from capplan.questions.evaluate import Evaluation
    from capplan.questions.explain import TailExplanation
    from capplan.questions.variants import Outcome
    from capplan.report.charts import Series
    from capplan.residents.notices import Residents
    from capplan.residents.register import Register
    from capplan.uncertainty.sweep import Sweep

VERSION = 1


def schema(kind: str) -> str:
    """The versioned name of a command's document, e.g. `capplan/plan/1`."""
    return f"capplan/{kind}/{VERSION}"


def rounded(value: Any, digits: int = 1) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def plan_document(
    loaded: Loaded, solution: Solution, plan: Plan, infeasibility: Infeasibility | None = None
) -> dict[str, Any]:
    """The `--format json` object of DESIGN.md, plus what a recorded run needs."""
    doc: dict[str, Any] = {
        "schema": schema("plan"),
        "status": solution.status.value,
        "instance": str(loaded.path),
        "name": loaded.instance.programme.name,
        "scenario": loaded.scenario,
        "overrides": loaded.overrides,
        "trajectory": trajectory_records(plan),
        "milestones": plan.milestones,
        "milestone_basis": solution.basis,
        "scope": plan.scope,
        "capacity": [
            {"year": int(r["year"]), **{s: rounded(r[s]) for s in STAGES}}
            for r in trajectory_rows(plan) if not r["realised"]
        ],
        "objective": {k: rounded(v, 2) if isinstance(v, float) else v
                      for k, v in plan.objective.items()},
        "start": loaded.instance.programme.start_label,
        "segment_flows": segment_flow_records(plan),
        "deadline": {k: rounded(v, 2) if isinstance(v, float) else v
                     for k, v in plan.deadline.items()},
        "solver": {
            "name": solution.solver, "version": solution.solver_version,
            "method": solution.method, "seconds": round(solution.solver_seconds, 4),
            "build_seconds": round(solution.build_seconds + solution.load_seconds, 4),
            "total_seconds": round(solution.seconds, 4), "solves": solution.solves,
            "algorithm": solution.algorithm,
        },
        "input_sha256": loaded.sha256,
        "capplan_version": __version__,
    }
    if infeasibility is not None:
        doc["infeasibility"] = infeasibility.as_dict()
    return doc


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (numpy scalars and NaN made plain)."""
    out = []
    for row in frame.to_dict("records"):
        out.append({str(k): plain(v) for k, v in row.items()})
    return out


def plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if math.isnan(float(value)) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def front(doc: dict[str, Any]) -> dict[str, Any]:
    """What the front sheet of a results workbook records about the run."""
    keys = ("schema", "instance", "scenario", "overrides", "targets_file", "stage",
            "input_sha256")
    return {k: doc[k] for k in keys if k in doc}


# --- results, one per command --------------------------------------------------------------


@dataclass
class PlanResult:
    """`capplan plan`: the solved plan of one instance (or why it has none)."""

    kind: ClassVar[str] = "plan"
    loaded: Loaded
    built: Built
    solution: Solution
    plan: Plan
    infeasibility: Infeasibility | None = None

    @property
    def status(self) -> str:
        """optimal, infeasible, or how the solver ended."""
        return self.solution.status.value

    @property
    def milestones(self) -> dict[str, str | None]:
        """p50, p95 and finish as period labels (None beyond the horizon)."""
        return dict(self.plan.milestones)

    @property
    def trajectory(self) -> pd.DataFrame:
        """Per year: completed, cumulative, share, realised, capacity per stage."""
        return self.plan.trajectory

    @property
    def solver(self) -> tuple[str | None, str | None]:
        """The solver's name and version, for the ledger."""
        return self.solution.solver, self.solution.solver_version

    @property
    def notes(self) -> list[str]:
        """What the reader should know about the plan's resolution: by year, how coarse the
        step is (core.routing.time_step_note); none by quarter or month."""
        note = time_step_note(self.loaded.instance, self.built.routing)
        return [note] if note else []

    def to_dict(self) -> dict[str, Any]:
        needed = items_needed(self.loaded.instance, "p95")
        return {**plan_document(self.loaded, self.solution, self.plan, self.infeasibility),
                "units": {"waiting": "item-years (items waiting, summed over periods, times "
                                     "the period's length in years)",
                          "capacity": "throughput per year, concurrent items at once"},
                "milestone_notes": {"p95": f"the first period with {needed:,.0f} whole items "
                                           "done (95% of the scope, rounded up); the yearly "
                                           "table rounds the cumulative"},
                "notes": self.notes}

    def tables(self) -> dict[str, pd.DataFrame]:
        if self.solution.status != Status.OPTIMAL:
            return {}
        return {"trajectory": self.plan.trajectory, **integer_targets(self.loaded, self.plan),
                "periods": self.plan.periods, "flows": self.plan.flows}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        return plan_charts(self.loaded, self.plan, lang)


def integer_targets(loaded: Loaded, plan: Plan) -> dict[str, pd.DataFrame]:
    """The plan's whole-number targets below the year (`capplan.core.targets`): per period
    when periods are shorter than a year (`period_targets`: a year's periods add up to its
    target), and per region and year when there is more than one region
    (`regional_targets`: each year's regions add up to its target)."""
    from capplan.core.targets import period_targets, regional_targets

    out = {}
    if loaded.instance.programme.granularity != "year":
        out["period_targets"] = period_targets(plan)
    if len({s.region for s in loaded.instance.segment}) > 1:
        regional = regional_targets(plan)
        out["regional_targets"] = (regional.pivot(index="year", columns="region",
                                                  values="completed")
                                   .reset_index().rename_axis(columns=None))
    return out


def plan_charts(loaded: Loaded, plan: Plan, lang: str = "en",
                baseline: Series | None = None) -> dict[str, bytes]:
    """The cumulative curve (with `baseline`, a re-plan's plan in force, when given) and the
    yearly targets of one plan, realised years in grey, as PNG files."""
    from capplan.report.charts import cumulative_chart, targets_chart
    from capplan.report.words import word

    if plan.trajectory.empty:
        return {}
    name = loaded.scenario or word("plan", lang)
    targets = plan.trajectory[["year", "completed"]].rename(columns={"completed": name})
    realised = [int(y) for y in plan.trajectory.loc[plan.trajectory["realised"], "year"]]
    return {"cumulative.png": cumulative_chart([(name, plan, loaded.instance)], lang,
                                               baseline=baseline),
            "targets.png": targets_chart(
                f"{loaded.instance.programme.name}: {word('yearly_targets', lang)}", targets,
                realised, lang)}


def variant_charts(title: str, outcomes: list[Outcome], targets: pd.DataFrame,
                   lang: str = "en") -> dict[str, bytes]:
    """The cumulative curves and the yearly targets of variants, as PNG files."""
    from capplan.report.charts import cumulative_chart, targets_chart
    from capplan.report.words import word

    instance = outcomes[0].loaded.instance
    history = [int(y) for y in instance.history.completed]
    return {
        "cumulative.png": cumulative_chart([(o.variant.label, o.plan, o.loaded.instance)
                                            for o in outcomes], lang),
        "targets.png": targets_chart(
            f"{instance.programme.name}: {word('yearly_targets', lang)} ({title})", targets,
            history, lang),
    }


@dataclass
class CompareResult:
    """`capplan compare`: several variants side by side."""

    kind: ClassVar[str] = "compare"
    loaded: Loaded
    outcomes: list[Outcome]
    summary: pd.DataFrame
    targets: pd.DataFrame
    solver: tuple[str | None, str | None] = (None, None)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": schema(self.kind), "instance": str(self.loaded.path),
                "overrides": self.loaded.overrides,
                "baseline": self.outcomes[0].variant.label,
                "variants": records(self.summary),
                "targets": records(self.targets.reset_index()),
                "input_sha256": self.loaded.sha256}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"comparison": self.summary, "targets": self.targets.reset_index()}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        return variant_charts(self.kind, self.outcomes, self.targets.reset_index(), lang)


@dataclass
class WhatifResult:
    """`capplan whatif`: the plan with and without added capacity, the months gained, and
    (with `marginal`) the gains of 100 more units per stage and year."""

    kind: ClassVar[str] = "whatif"
    loaded: Loaded
    outcomes: list[Outcome]
    additions: list[str]
    gains: dict[str, Any] | None
    summary: pd.DataFrame
    targets: pd.DataFrame
    marginal: pd.DataFrame | None = None
    solver: tuple[str | None, str | None] = (None, None)
    described: list[str] = field(default_factory=list)
    """The additions in the user's words (`500 more execution capacity from 2026`)."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"schema": schema(self.kind), "instance": str(self.loaded.path),
                               "scenario": self.loaded.scenario,
                               "overrides": self.loaded.overrides,
                               "input_sha256": self.loaded.sha256}
        if self.additions:
            doc["additions"] = self.additions
            doc["described"] = self.described
            doc["gains"] = self.gains
        doc["variants"] = records(self.summary)
        if self.marginal is not None:
            doc["marginal"] = records(self.marginal)
        return doc

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"comparison": self.summary, "targets": self.targets.reset_index()}
        if self.marginal is not None:
            out["marginal"] = self.marginal
        return out

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        return variant_charts(self.kind, self.outcomes, self.targets.reset_index(), lang)

    def sentences(self) -> list[str]:
        """The gains in words."""
        from capplan.questions.whatif import joined, moved

        g = self.gains
        if not g:
            return []
        saved = g["waiting_saved"]
        # waiting_saved compares the plans `finish, waiting` (the finish at its earliest):
        # said so, as the variants' own plans (the instance's terms) can differ in waiting
        waiting = ("the least waiting at the earliest finish cannot be compared"
                   if saved is None
                   else "the least waiting at the earliest finish does not change"
                   if round(saved) == 0
                   else f"the least waiting at the earliest finish "
                        f"{'falls' if saved > 0 else 'rises'} by {abs(saved):,.0f} item-years")
        return [f"With {joined(self.described or self.additions)}: the earliest finish "
                f"{moved(g['finish_gain_months'])}, the earliest p95 "
                f"{moved(g['p95_gain_months'])}, and {waiting}."]


@dataclass
class ExplainResult:
    """`capplan explain`: what the tail is made of, what binds there, what shortens it."""

    kind: ClassVar[str] = "explain"
    loaded: Loaded
    base: Outcome
    tail: TailExplanation | None
    solver: tuple[str | None, str | None] = (None, None)

    @property
    def status(self) -> str:
        return self.base.solution.status.value

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"schema": schema(self.kind), "status": self.status,
                               "instance": str(self.loaded.path),
                               "scenario": self.loaded.scenario,
                               "overrides": self.loaded.overrides,
                               "milestones": self.base.plan.milestones,
                               "input_sha256": self.loaded.sha256}
        if self.tail is not None:
            t = self.tail
            doc.update({"tail_start": t.start, "segments": records(t.composition),
                        "regions": records(t.regions),
                        "binding": records(t.binding.drop(columns=["years"])),
                        "changes": records(t.changes), "explanation": t.sentences()})
        return doc

    def tables(self) -> dict[str, pd.DataFrame]:
        if self.tail is None:
            return {}
        t = self.tail
        return {"segments": t.composition, "regions": t.regions,
                "binding": t.binding.drop(columns=["years"]), "changes": t.changes}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        from capplan.report.charts import shares_chart
        from capplan.report.words import word

        if self.tail is None:
            return {}
        return {"tail.png": shares_chart(
            f"{self.loaded.instance.programme.name}: {word('tail_title', lang)}",
            self.tail.composition, "segment",
            {"last_5_share": word("last_5", lang), "last_1_share": word("last_1", lang)})}

    def sentences(self) -> list[str]:
        if self.tail is None:
            return [f"The plan is {self.status}: nothing to explain; see `capplan plan`."]
        return self.tail.sentences()


@dataclass
class TradeoffResult:
    """`capplan tradeoff`: the least capacity each finish date needs: the least peak, and with
    it held the least capacity cost (capacity-years when no costs are given)."""

    kind: ClassVar[str] = "tradeoff"
    loaded: Loaded
    stage: str
    table: pd.DataFrame
    solver: tuple[str | None, str | None] = (None, None)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": schema(self.kind), "instance": str(self.loaded.path),
                "scenario": self.loaded.scenario, "overrides": self.loaded.overrides,
                "stage": self.stage, "tradeoff": records(self.table),
                "input_sha256": self.loaded.sha256}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"tradeoff": self.table}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        from capplan.report.charts import tradeoff_chart
        from capplan.report.words import word

        return {"tradeoff.png": tradeoff_chart(
            f"{self.loaded.instance.programme.name}: {word(self.stage, lang)}, "
            f"{word('capacity_needed', lang)}", self.table, f"least_peak_{self.stage}", lang)}


@dataclass
class EvaluateResult:
    """`capplan evaluate`: can given yearly targets be delivered, and what they imply."""

    kind: ClassVar[str] = "evaluate"
    loaded: Loaded
    targets_file: str | None
    evaluation: Evaluation
    solver: tuple[str | None, str | None] = (None, None)

    def to_dict(self) -> dict[str, Any]:
        r = self.evaluation
        return {
            "schema": schema(self.kind), "instance": str(self.loaded.path),
            "scenario": self.loaded.scenario, "overrides": self.loaded.overrides,
            "targets_file": self.targets_file,
            "feasible": r.feasible, "first_failing_year": r.first_failing_year,
            "shortfall": None if r.shortfall is None else round(r.shortfall, 1),
            "reaches_scope": r.reaches_scope, "implied": r.implied,
            "optimal_milestones": r.optimal.milestones,
            "with_targets_milestones": r.with_targets.milestones if r.with_targets else None,
            "targets": records(r.table), "verdict": r.sentences(),
            "input_sha256": self.loaded.sha256,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"targets": self.evaluation.table}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        from capplan.report.charts import targets_chart, targets_vs_plan_chart
        from capplan.report.words import word

        table = self.evaluation.table
        name = self.loaded.instance.programme.name
        bars = table[["year", "target", "optimal"]].astype(float).rename(
            columns={"target": word("given_targets", lang),
                     "optimal": word("optimal_plan", lang)})
        bars["year"] = bars["year"].astype(int)
        realised = [int(y) for y in table.loc[table["realised"], "year"]]
        return {"targets.png": targets_chart(
                    f"{name}: {word('given_targets', lang)} / {word('optimal_plan', lang)}",
                    bars, realised, lang),
                "targets_vs_plan.png": targets_vs_plan_chart(
                    f"{name}: {word('targets_vs_plan', lang)}", table,
                    self.evaluation.optimal.trajectory, self.loaded.instance, lang)}

    def sentences(self) -> list[str]:
        return self.evaluation.sentences()


@dataclass
class ReplanResult:
    """`capplan replan`: the plan redone from actuals, and the variance against the plan in
    force."""

    kind: ClassVar[str] = "replan"
    replanned: Replanned
    infeasibility: Infeasibility | None = None

    @property
    def loaded(self) -> Loaded:
        return self.replanned.loaded

    @property
    def status(self) -> str:
        return self.replanned.solution.status.value

    @property
    def solver(self) -> tuple[str | None, str | None]:
        s = self.replanned.solution
        return s.solver, s.solver_version

    @property
    def title(self) -> str:
        r = self.replanned
        return (f"{r.loaded.instance.programme.name}: plan against actuals to "
                f"{r.actuals.as_of.label}")

    def to_dict(self) -> dict[str, Any]:
        r = self.replanned
        a = r.actuals
        return {
            **plan_document(r.loaded, r.solution, r.plan, self.infeasibility),
            "schema": schema(self.kind),
            "as_of": a.as_of.label,
            "as_of_order": [a.as_of.year, a.as_of.last_quarter],
            "actuals": {"file": a.source, "sha256": a.sha256, "content": a.content},
            "baseline": {"source": r.baseline.source, "start": r.baseline.start,
                         "milestones": r.baseline.milestones,
                         "trajectory": r.baseline.trajectory,
                         "segment_flows": r.baseline.segment_flows},
            "notes": r.resumed.notes,
            "variance": records(r.variance),
            "milestone_moves": r.moves,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        r = self.replanned
        if r.solution.status != Status.OPTIMAL:
            return {"variance": r.variance}
        return {"variance": r.variance, "trajectory": r.plan.trajectory,
                "periods": r.plan.periods, "flows": r.plan.flows}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        from capplan.report.charts import trajectory_series, variance_chart
        from capplan.report.words import localise, word

        r = self.replanned
        out = {"variance.png": variance_chart(localise(self.title, lang), r.variance, lang)}
        if r.solution.status == Status.OPTIMAL:
            baseline = (trajectory_series(word("baseline", lang), r.baseline.trajectory)
                        if r.baseline.trajectory else None)
            out.update(plan_charts(r.loaded, r.plan, lang, baseline))
        return out


@dataclass
class SweepResult:
    """`capplan sweep`: the spread of the milestones and yearly production over samples of
    the risk register, each risk's weight, and robust targets."""

    kind: ClassVar[str] = "sweep"
    loaded: Loaded
    sweep: Sweep
    samples: int
    seed: int
    workers: int
    dask: str | None = None
    solver: tuple[str | None, str | None] = (None, None)

    def verdict(self) -> list[str]:
        """The sweep in sentences."""
        from capplan.inputs.schema import expand_terms
        from capplan.uncertainty.summary import percent

        summary = {r["milestone"]: r for r in records(self.sweep.summary)}
        lines = [f"{name}: P10 {row['P10']}, P50 {row['P50']}, P90 {row['P90']}"
                 for name, row in summary.items()]
        deadline = self.loaded.instance.programme.deadline
        if deadline is not None:
            share = summary["finish"][f"% by {deadline}"] / 100.0
            lines.append(f"Probability of finishing by the end of {deadline}: {percent(share)}")
        if "p95" not in expand_terms(self.loaded.instance.objective.terms):
            lines.append("p95 is not an objective term: each sample's p95 is that of one of its "
                         "plans with the same finish and least waiting, and such plans can "
                         "differ in it by quarters; add p95 to objective.terms to have it "
                         "optimised")
        info = self.sweep.robust_info
        if info:
            finish = info["implied_finish"]
            lines.append(
                f"Targets reached in at least {percent(info['share'])} of the samples "
                f"(checked: {percent(info['reached_in'])}, per-year level "
                f"{percent(info['quantile_share'])}) finish "
                + (f"by the end of {finish}" if finish else "beyond the horizon"))
        return lines

    def to_dict(self) -> dict[str, Any]:
        s = self.sweep
        summary = {r["milestone"]: r for r in records(s.summary)}
        return {
            "schema": schema(self.kind),
            "instance": str(self.loaded.path), "scenario": self.loaded.scenario,
            "overrides": self.loaded.overrides, "samples": self.samples, "seed": self.seed,
            "workers": self.workers, "dask": self.dask, "status": "done",
            "milestones": {name: row["P50"] for name, row in summary.items()},
            "summary": records(s.summary), "yearly": records(s.yearly.round(2)),
            "trajectory": [{"year": int(r["year"]), "completed": round(float(r["P50"]))}
                           for r in s.yearly.to_dict("records")],
            "tornado": records(s.tornado),
            "robust": records(s.robust) if s.robust is not None else None,
            "robust_info": s.robust_info or None,
            "plan_milestones": s.deterministic_milestones,
            "verdict": self.verdict(),
            "timing": {k: round(v, 3) for k, v in s.timing.items()},
            "input_sha256": self.loaded.sha256,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        s = self.sweep
        out = {"milestones": s.summary, "yearly": s.yearly.round(1)}
        if len(s.tornado):  # none with --tornado-samples 0: no empty table or file
            out["tornado"] = s.tornado.drop(columns="description")
        if s.robust is not None:
            out["robust_targets"] = s.robust.round(2)
        out.update(fan=s.fan.round(1), samples=s.samples)
        return out

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        from capplan.report.charts import fan_chart, heatmap_chart, tornado_chart
        from capplan.report.words import word

        s, name = self.sweep, self.loaded.instance.programme.name
        from capplan.report.words import localise

        files = {"fan.png": fan_chart(localise(
            f"{name}: {word('cumulative_title', lang)}, {self.samples} samples", lang), s.fan,
            self.loaded.instance, lang)}
        if len(s.tornado):
            files["tornado.png"] = tornado_chart(f"{name}: {word('swing', lang)}", s.tornado,
                                                 lang)
            files["heatmap.png"] = heatmap_chart(
                f"{name}: {word('likelihood', lang)} x {word('impact', lang)}", s.tornado,
                lang)
        return files


@dataclass
class ResidentsResult:
    """`capplan residents`: expected quarters per (pseudonymous) address, their letters, and
    summaries that name no address."""

    kind: ClassVar[str] = "residents"
    loaded: Loaded
    register: Register
    residents: Residents | None
    rule: str
    samples: int
    seed: int
    solver: tuple[str | None, str | None] = (None, None)

    @property
    def status(self) -> str:
        return "done" if self.residents is not None else "infeasible"

    def to_dict(self) -> dict[str, Any]:
        reg = self.register
        doc: dict[str, Any] = {
            "schema": schema(self.kind), "status": self.status,
            "instance": str(self.loaded.path), "scenario": self.loaded.scenario,
            "overrides": self.loaded.overrides, "input_sha256": self.loaded.sha256,
            "register": {"sha256": reg.sha256, "addresses": len(reg),
                         "dropped_columns": list(reg.dropped)},
            "rule": self.rule, "samples": self.samples,
            "seed": self.seed if self.samples else None,
        }
        r = self.residents
        if r is not None:
            doc.update({
                "milestones": r.milestones, "postponement_check": r.check, "notes": r.notes,
                "segments": records(r.segments), "regions": records(r.regions),
                "timing": {k: round(v, 3) for k, v in r.timing.items()},
            })
        return doc

    def tables(self) -> dict[str, pd.DataFrame]:
        r = self.residents
        if r is None:
            return {}
        table = r.table.drop(columns=[c for c in ("reason_key",) if c in r.table])
        return {"residents": table, "letters": r.letters, "segments": r.segments,
                "regions": r.regions}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        return {}


@dataclass
class Validation:
    """`capplan validate`: the instance checked and its model built, not solved."""

    kind: ClassVar[str] = "validate"
    loaded: Loaded
    columns: int
    rows: int
    solver: tuple[str | None, str | None] = (None, None)
    notes: tuple[str, ...] = ()
    """What the reader should know about the model's resolution (a coarse time step)."""

    def to_dict(self) -> dict[str, Any]:
        inst = self.loaded.instance
        return {"schema": schema(self.kind), "status": "valid",
                "instance": str(self.loaded.path), "name": inst.programme.name,
                "scenario": self.loaded.scenario, "overrides": self.loaded.overrides,
                "segments": len(inst.segment), "measures": len(inst.measure),
                "scope": inst.scope, "columns": self.columns, "rows": self.rows,
                "notes": list(self.notes), "input_sha256": self.loaded.sha256}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        return {}


@dataclass
class Reproduction:
    """`capplan runs reproduce`: a recorded run solved again from its recorded input."""

    kind: ClassVar[str] = "reproduce"
    run_id: int
    command: str
    same: bool
    differences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": schema(self.kind), "run": self.run_id, "command": self.command,
                "identical": self.same, "differences": self.differences}


Result = (PlanResult | CompareResult | WhatifResult | ExplainResult | TradeoffResult
          | EvaluateResult | ReplanResult | SweepResult | ResidentsResult | Validation)


def output_files(result: Result, lang: str | None = None) -> dict[str, str | bytes]:
    """Every file a command writes into `--out`: its tables as CSV and one workbook (a front
    sheet with the headline, formats, units), its JSON document and its charts in `lang`
    (default: the locale's; residents: tables and JSON only, no workbook)."""
    import json

    from capplan.report.words import checked
    from capplan.report.workbook import headline
    from capplan.report.workbook import results_workbook as workbook

    lang = checked(lang)

    def results_workbook(tables: dict[str, pd.DataFrame], _: Any) -> bytes:
        return workbook(tables, headline(result, lang), lang)

    doc = result.to_dict()
    tables = result.tables()
    files: dict[str, str | bytes] = {f"{name}.csv": frame.to_csv(index=False)
                                     for name, frame in tables.items()}
    if isinstance(result, PlanResult | ReplanResult):
        files = {}
        plan = result.plan if isinstance(result, PlanResult) else result.replanned.plan
        if isinstance(result, ReplanResult):
            files["variance.csv"] = result.replanned.variance.to_csv(index=False)
        if plan.status == Status.OPTIMAL:
            from capplan.report.files import capacity_csv, trajectory_csv

            files["trajectory.csv"] = trajectory_csv(plan)
            files["capacity.csv"] = capacity_csv(plan)
            for name in ("period_targets", "regional_targets"):
                if name in tables:
                    files[f"{name}.csv"] = tables[name].to_csv(index=False)
            files[f"{result.kind}.xlsx"] = results_workbook(tables, front(doc))
        files["plan.json"] = json.dumps(doc, indent=2) + "\n"
    elif isinstance(result, ResidentsResult):
        files[f"{result.kind}.json"] = json.dumps(doc, indent=2) + "\n"
        return files
    else:
        files[f"{result.kind}.json"] = json.dumps(doc, indent=2) + "\n"
        files[f"{result.kind}.xlsx"] = results_workbook(tables, front(doc))
    files.update(result.charts(lang))
    if isinstance(result, SweepResult) and parquet_available():
        files["samples.parquet"] = result.sweep.samples.to_parquet(index=False)
    return files


def parquet_available() -> bool:
    """Whether Parquet files can be written (the `parquet` extra: pyarrow)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None
