"""Errors that reach the user as one clear message (exit code 2)."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: names the file, the key and what is wrong.

    `problems` holds one (key, problem) pair per fault; the message shows them all at once.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.message())

    def message(self) -> str:
        """One message: `source: key: problem`, or a short list when there are several."""
        if len(self.problems) == 1:
            key, problem = self.problems[0]
            return f"{self.source}: {key}: {problem}" if key else f"{self.source}: {problem}"
        lines = [f"{self.source}: {len(self.problems)} problems"]
        lines += [f"  {key}: {problem}" if key else f"  {problem}"
                  for key, problem in self.problems]
        return "\n".join(lines)
