"""The annex an advice letter attaches: Word (python-docx) or self-contained HTML (Jinja2).

`build_annex` solves what the annex shows; `AnnexResult.document(lang, kind)` renders it.
What it holds, in order: the yearly targets of every scenario in the regulator's shape
(realised years marked), the cumulative chart with the scenarios as a band and the 95% and
100% milestones, the milestones and the deadline's verdict per scenario, the tail explained
(who makes up the last 5% and 1%, what binds there), the price of each measure in every
scenario (the months 95% and 100% come later with it than without), the risks' fan and
heatmap when the instance has a risk register, the claims checked when given, every
assumption and source of the instance file, and the ledger id and input hash that
reproduce it.

The wording lives in `templates/annex.<lang>.toml` (Jinja2 expressions, editable by a
communications team); the HTML layout in `templates/annex.html.j2`. Both need the `report`
extra (`pip install 'capplan[report]'`).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from capplan.core.backends import Status
from capplan.inputs.load import Loaded
from capplan.report.words import checked, label, localise, number, percent
from capplan.version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from capplan.questions.explain import TailExplanation
    from capplan.questions.variants import Outcome
    from capplan.report.documents import SweepResult

TEMPLATES = Path(__file__).parent / "templates"
EXTRA = "pip install 'capplan[report]'"


class ClaimsCheck(Protocol):
    """What the annex needs of a claims check (the result of `capplan claims`): its JSON
    document, its tables and its verdict in sentences. Given, the annex adds a section with
    them; see `AnnexResult.claims`."""

    def to_dict(self) -> dict[str, Any]: ...

    def tables(self) -> dict[str, pd.DataFrame]: ...

    def sentences(self) -> list[str]: ...


@dataclass
class Assumption:
    """One commented line of the instance file: where, what it sets, and its source (a
    section of docs/sources.md) or the assumption and its reason."""

    line: int
    setting: str
    source: str

    @property
    def is_assumption(self) -> bool:
        return "assumption" in self.source.lower()


def assumptions(loaded: Loaded) -> list[Assumption]:
    """Every line of a TOML instance whose comment cites docs/sources.md or states an
    assumption, with the setting it documents (the code before the comment; for a comment
    on a line of its own, the comment alone). None for a workbook."""
    path = Path(str(loaded.path))
    if path.suffix.lower() != ".toml" or not path.exists():
        return []
    out = []
    for number_, text in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        code, hash_, comment = _split_comment(text)
        if not hash_:
            continue
        comment = comment.strip()
        if "assumption" in comment.lower() or "docs/sources.md" in comment:
            out.append(Assumption(number_, code.strip(), comment))
    return out


def _split_comment(line: str) -> tuple[str, str, str]:
    """A TOML line split at its comment's `#` (a `#` inside a string is not one)."""
    quote: str | None = None
    for k, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:k], "#", line[k + 1:]
    return line, "", ""


@dataclass
class ScenarioPlan:
    """One scenario's plan in the annex (`scenario` None: the instance as it is)."""

    label: str
    scenario: str | None
    outcome: Outcome
    reason: str = ""
    """Why there is no plan, when infeasible."""

    @property
    def optimal(self) -> bool:
        return self.outcome.solution.status == Status.OPTIMAL


@dataclass
class AnnexResult:
    """`capplan report`: everything the annex shows, solved once; render with
    `document(lang, kind)`."""

    kind: ClassVar[str] = "report"
    loaded: Loaded
    plans: list[ScenarioPlan]
    prices: list[dict[str, Any]]
    tail: TailExplanation | None
    risks: SweepResult | None
    sources: list[Assumption]
    claims: ClaimsCheck | None = None
    """A claims check to include (the result of `capplan claims`), or None."""
    run_id: int | None = None
    """The ledger id the annex was recorded under (set once recorded)."""
    solver: tuple[str | None, str | None] = (None, None)
    lang: str = "en"
    charts_cache: dict[str, dict[str, bytes]] = field(default_factory=dict, repr=False)

    # --- the data ----------------------------------------------------------------------------

    def targets(self) -> pd.DataFrame:
        """Per year: realised or not, and each scenario's completed items (the regulator's
        shape: one row per year, a column per scenario)."""
        import pandas as pd

        columns: dict[str, pd.Series] = {}
        realised: dict[int, bool] = {}
        for p in self.plans:
            if not p.optimal:
                continue
            traj = p.outcome.plan.trajectory
            columns[p.label] = traj.set_index("year")["completed"]
            for year, flag in zip(traj["year"], traj["realised"], strict=True):
                realised[int(year)] = realised.get(int(year), True) and bool(flag)
        table = pd.DataFrame(columns).sort_index().fillna(0).astype(int)
        table.index.name = "year"
        table.insert(0, "realised", [realised.get(int(y), False) for y in table.index])
        return table.reset_index()

    def milestones(self) -> list[dict[str, Any]]:
        rows = []
        for p in self.plans:
            ms = p.outcome.plan.milestones if p.optimal else {}
            deadline = p.outcome.plan.deadline if p.optimal else {}
            rows.append({"scenario": p.label, "status": p.outcome.solution.status.value,
                         "p50": ms.get("p50"), "p95": ms.get("p95"),
                         "finish": ms.get("finish"),
                         "deadline_done": deadline.get("done") if deadline else None,
                         "deadline_share": deadline.get("share") if deadline else None,
                         "deadline_met": deadline.get("met") if deadline else None,
                         "reason": p.reason})
        return rows

    def to_dict(self) -> dict[str, Any]:
        from capplan.report.documents import records, schema

        base = next((p for p in self.plans if p.optimal), None)
        return {
            "schema": schema(self.kind), "instance": str(self.loaded.path),
            "scenario": self.loaded.scenario, "overrides": self.loaded.overrides,
            "scenarios": [p.label for p in self.plans],
            "status": "done",
            "milestones": base.outcome.plan.milestones if base else {},
            "trajectory": (records(base.outcome.plan.trajectory[["year", "completed",
                                                                  "cumulative"]])
                           if base else []),
            "targets": records(self.targets()),
            "scenario_milestones": self.milestones(),
            "measure_prices": self.prices,
            "tail": self.tail.sentences() if self.tail else [],
            "risks": self.risks.verdict() if self.risks else None,
            "assumptions": [{"line": a.line, "setting": a.setting, "source": a.source}
                            for a in self.sources],
            "claims": self.claims.to_dict() if self.claims is not None else None,
            "input_sha256": self.loaded.sha256, "capplan_version": __version__,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        import pandas as pd

        return {"targets": self.targets(), "milestones": pd.DataFrame(self.milestones()),
                "measure_prices": pd.DataFrame(self.prices)}

    def charts(self, lang: str = "en") -> dict[str, bytes]:
        """The cumulative chart (scenarios as a band), and with risks the fan and heatmap."""
        if lang in self.charts_cache:
            return self.charts_cache[lang]
        from capplan.report.charts import cumulative_chart
        from capplan.report.words import word

        shown = [(p.label, p.outcome.plan, p.outcome.loaded.instance) for p in self.plans
                 if p.optimal]
        out: dict[str, bytes] = {}
        if shown:
            out["cumulative.png"] = cumulative_chart(
                shown, lang, band=True,
                title=f"{self.loaded.instance.programme.name}: "
                      f"{word('cumulative_title', lang)} ({word('markers', lang)})")
        if self.risks is not None:
            risk_charts = self.risks.charts(lang)
            for name in ("fan.png", "heatmap.png"):
                if name in risk_charts:
                    out[name] = risk_charts[name]
        self.charts_cache[lang] = out
        return out

    # --- the document ------------------------------------------------------------------------

    def document(self, lang: str | None = None, kind: str = "docx") -> bytes:
        """The annex as a Word document (`docx`) or a self-contained HTML page (`html`)."""
        lang = checked(lang)
        context = self.context(lang)
        if kind == "html":
            return render_html(context).encode("utf-8")
        return render_docx(context)

    def context(self, lang: str) -> dict[str, Any]:
        """Everything the templates fill in: the wording rendered, the tables as rows of
        formatted cells, the charts as PNG bytes."""
        words = wording(lang)
        inst = self.loaded.instance
        history = [int(y) for y in inst.history.completed]
        values = {
            "name": inst.programme.name, "scenarios": [p.label for p in self.plans],
            "run_id": self.run_id if self.run_id is not None else words["text"]["not_recorded"],
            "input_hash": self.loaded.sha256, "version": __version__,
            "scope": number(inst.scope, lang), "deadline": inst.programme.deadline,
            "last_realised": max(history) if history else inst.programme.start - 1,
            "samples": self.risks.samples if self.risks else 0,
            "seed": self.risks.seed if self.risks else None,
            "start": self.tail.start if self.tail else "",
        }
        values["realised_mark"] = words["text"]["realised_mark"]
        text = _fill(words, values)
        t = text["text"]
        targets = self.targets()
        scenario_columns = [c for c in targets.columns if c not in ("year", "realised")]
        target_rows = [[str(int(r["year"])) + (f" ({t['realised_mark']})" if r["realised"]
                                               else "")]
                       + [number(r[c], lang) for c in scenario_columns]
                       for r in targets.to_dict("records")]
        cumulative_rows = []
        running = {c: float(inst.history.completed_before) for c in scenario_columns}
        for r in targets.to_dict("records"):
            row = [str(int(r["year"]))]
            for c in scenario_columns:
                running[c] += float(r[c])
                row.append(number(running[c], lang))
            cumulative_rows.append(row)
        milestone_rows = []
        for m in self.milestones():
            if m["status"] != "optimal":
                milestone_rows.append([m["scenario"], "", "", "", _render(
                    t["infeasible"], {"reason": localise(m["reason"] or m["status"], lang)})])
                continue
            verdict = ""
            if m["deadline_done"] is not None:
                verdict = (f"{number(m['deadline_done'], lang)} "
                           f"({percent(m['deadline_share'], lang)}), "
                           + (t["deadline_met"] if m["deadline_met"] else t["deadline_not_met"]))
            milestone_rows.append([m["scenario"], m["p50"] or "", m["p95"] or "",
                                   m["finish"] or "", verdict])
        price_rows = [[p["measure"], p["scenario"], p["p95_with"] or "", p["p95_without"] or "",
                       _months(p["p95_months"], lang), p["finish_with"] or "",
                       p["finish_without"] or "", _months(p["finish_months"], lang)]
                      for p in self.prices]
        tail_rows = []
        tail_lines: list[str] = []
        if self.tail is not None:
            for r in self.tail.composition.to_dict("records"):
                if float(r["last_5"]) > 0:
                    tail_rows.append([str(r["segment"]), percent(r["last_5_share"], lang, 0),
                                      percent(r["last_1_share"], lang, 0)])
            # the explanation's sentences (segments, the limits that bind, the change that
            # shortens the tail most); in Dutch through the phrase book
            tail_lines = [localise(line, lang) for line in self.tail.sentences()]
        claims = None
        if self.claims is not None:
            from capplan.report.terminal import _cell as cell

            claims = {"sentences": [localise(line, lang) for line in self.claims.sentences()],
                      "tables": [{"name": name, "header": [label(str(c), lang)
                                                           for c in frame.columns],
                                  "rows": [[cell(v, lang) for v in row]
                                           for row in frame.itertuples(index=False)]}
                                 for name, frame in self.claims.tables().items()]}
        return {
            "lang": lang, "words": text, "values": values,
            "target_header": [t["year"], *scenario_columns], "target_rows": target_rows,
            "cumulative_rows": cumulative_rows,
            "milestone_header": [t["scenario"], "p50", "p95", "100%",
                                 _render(t["done_by_deadline"], values)],
            "milestone_rows": milestone_rows,
            "price_header": [t["measure"], t["scenario"], f"95% {t['with_measure']}",
                             f"95% {t['without_measure']}", t["p95_months"],
                             f"100% {t['with_measure']}", f"100% {t['without_measure']}",
                             t["finish_months"]],
            "price_rows": price_rows, "has_measures": bool(inst.measure),
            "tail_header": [t["segment"], t["last_5"], t["last_1"]], "tail_rows": tail_rows,
            "tail_lines": tail_lines, "has_risks": self.risks is not None,
            "risk_lines": [localise(line, lang) for line in self.risks.verdict()]
            if self.risks else [],
            "assumption_header": [t["line"], t["setting"], t["source"]],
            "assumption_rows": [[str(a.line), a.setting, a.source] for a in self.sources],
            "claims": claims, "charts": self.charts(lang),
        }


def _months(value: Any, lang: str) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + number(value, lang)


# --- wording ---------------------------------------------------------------------------------


def wording(lang: str) -> dict[str, Any]:
    """The annex's wording in `lang` (templates/annex.<lang>.toml)."""
    import tomllib

    return tomllib.loads((TEMPLATES / f"annex.{lang}.toml").read_text(encoding="utf-8"))


def _render(text: str, values: dict[str, Any]) -> str:
    from jinja2 import Environment, StrictUndefined

    return Environment(undefined=StrictUndefined, autoescape=False).from_string(text).render(
        **values)


def _fill(words: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The wording with its placeholders filled in (a placeholder not known yet stays)."""
    out: dict[str, Any] = {}
    for key, value in words.items():
        if isinstance(value, dict):
            out[key] = _fill(value, values)
        else:
            try:
                out[key] = _render(str(value), values)
            except Exception:  # a placeholder filled in a later pass
                out[key] = str(value)
    return out


# --- Word ------------------------------------------------------------------------------------


def render_docx(context: dict[str, Any]) -> bytes:
    """The annex as a .docx (python-docx): headings, paragraphs, tables and pictures."""
    from docx import Document
    from docx.shared import Inches, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    w, h, t = context["words"], context["words"]["headings"], context["words"]["text"]
    doc.core_properties.title = w["title"]
    doc.add_heading(w["title"], level=0)
    doc.add_paragraph(w["intro"])

    def table(header: list[str], rows: list[list[str]]) -> None:
        grid = doc.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, value in zip(grid.rows[0].cells, header, strict=True):
            cell.text = value
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = value

    def picture(name: str) -> None:
        if name in context["charts"]:
            doc.add_picture(io.BytesIO(context["charts"][name]), width=Inches(6.5))

    doc.add_heading(h["targets"], level=1)
    doc.add_paragraph(t["targets"])
    table(context["target_header"], context["target_rows"])
    doc.add_heading(h["cumulative"], level=1)
    doc.add_paragraph(t["cumulative"])
    picture("cumulative.png")
    table(context["target_header"], context["cumulative_rows"])
    doc.add_heading(h["milestones"], level=1)
    doc.add_paragraph(t["milestones"])
    table(context["milestone_header"], context["milestone_rows"])
    doc.add_heading(h["tail"], level=1)
    if context["tail_rows"]:
        doc.add_paragraph(t["tail"])
        table(context["tail_header"], context["tail_rows"])
        for line in context["tail_lines"]:
            doc.add_paragraph(line, style="List Bullet")
    else:
        doc.add_paragraph(t["no_tail"])
    doc.add_heading(h["measures"], level=1)
    if context["has_measures"]:
        doc.add_paragraph(t["measures"])
        table(context["price_header"], context["price_rows"])
    else:
        doc.add_paragraph(t["no_measures"])
    doc.add_heading(h["risks"], level=1)
    if context["has_risks"]:
        doc.add_paragraph(t["risks"])
        picture("fan.png")
        picture("heatmap.png")
        for line in context["risk_lines"]:
            doc.add_paragraph(line, style="List Bullet")
    else:
        doc.add_paragraph(t["no_risks"])
    if context["claims"] is not None:  # the claims check, when one is given
        doc.add_heading(h["claims"], level=1)
        doc.add_paragraph(t["claims"])
        for line in context["claims"]["sentences"]:
            doc.add_paragraph(line, style="List Bullet")
        for part in context["claims"]["tables"]:
            table(part["header"], part["rows"])
    doc.add_heading(h["assumptions"], level=1)
    if context["assumption_rows"]:
        doc.add_paragraph(t["assumptions"])
        table(context["assumption_header"], context["assumption_rows"])
    else:
        doc.add_paragraph(t["no_assumptions"])
    doc.add_heading(h["reproduce"], level=1)
    doc.add_paragraph(t["reproduce"])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- HTML ------------------------------------------------------------------------------------


def render_html(context: dict[str, Any]) -> str:
    """The annex as one HTML page (templates/annex.html.j2), its charts embedded as data
    URIs so the file stands alone."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup, escape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(
        ["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    code = re.compile(r"`([^`]+)`")
    env.filters["code"] = lambda text: Markup(code.sub(r"<code>\1</code>", str(escape(text))))
    images = {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
              for name, png in context["charts"].items()}
    return env.get_template("annex.html.j2").render(**context, images=images)


# --- solving what the annex shows ------------------------------------------------------------


def measure_prices(base: Loaded, plans: list[ScenarioPlan], solver: str,
                   run: Any) -> list[dict[str, Any]]:
    """Per measure and scenario: the milestones with the measure in and out, and the months
    95% and 100% come later with it (`run(variant)` solves a variant of `base`)."""
    from capplan.inputs.calendar import months_between
    from capplan.questions.variants import Variant

    rows = []
    for measure in base.instance.measure:
        for p in plans:
            if not p.optimal:
                continue
            mode = next(m.mode for m in p.outcome.loaded.instance.measure if m.id == measure.id)
            plans_by_mode = {}
            for value in ("in", "out"):
                if mode == value:
                    plans_by_mode[value] = p.outcome
                    continue
                variant = Variant(f"{p.label} {measure.id}={value}", p.scenario,
                                  (f"measure.{measure.id}.mode={value}",))
                plans_by_mode[value] = run(variant)
            taken = plans_by_mode["in"].plan.milestones
            left = plans_by_mode["out"].plan.milestones
            rows.append({"measure": measure.id, "scenario": p.label,
                         "p95_with": taken.get("p95"), "p95_without": left.get("p95"),
                         "p95_months": months_between(left.get("p95"), taken.get("p95")),
                         "finish_with": taken.get("finish"),
                         "finish_without": left.get("finish"),
                         "finish_months": months_between(left.get("finish"),
                                                         taken.get("finish"))})
    return rows


def scenario_plans(base: Loaded, scenarios: list[str], solver: str,
                   run: Any) -> list[ScenarioPlan]:
    """The instance as it is and each scenario, each solved (`run(variant)`)."""
    from capplan.questions.infeasibility import explain as why_infeasible
    from capplan.questions.variants import Variant
    out = []
    for scenario in [None, *scenarios]:
        label = scenario or "base"
        outcome = run(Variant(label, scenario, ()))
        reason = ""
        if outcome.solution.status == Status.INFEASIBLE:
            why = why_infeasible(outcome.loaded.instance, outcome.solution.failed_term, solver)
            reason = "; ".join(why.describe()[:1]) if why else ""
        out.append(ScenarioPlan(label, scenario, outcome, reason))
    return out


def build_annex(base: Loaded, scenarios: list[str], solver: str = "highs",
                risks: SweepResult | None = None,
                claims: ClaimsCheck | None = None) -> AnnexResult:
    """Solve what the annex shows: the instance as it is and each scenario, each measure in
    and out in every scenario, the tail of the plan as it is (its make-up and binding
    limits); `risks` a sweep of the risk register, `claims` a claims check, both optional."""
    from capplan.questions.compare import progress_of
    from capplan.questions.explain import tail_makeup
    from capplan.questions.variants import run as solve

    report = progress_of(None)
    total = (1 + len(scenarios)) * (1 + len(base.instance.measure))

    def run(variant: Any) -> Outcome:
        outcome = solve(base, variant, solver)
        report(1, total)
        return outcome

    plans = scenario_plans(base, scenarios, solver, run)
    prices = measure_prices(base, plans, solver, run)
    tail = tail_makeup(plans[0].outcome) if plans[0].optimal else None
    return AnnexResult(base, plans, prices, tail, risks, assumptions(base), claims,
                       solver=(solver, None))
