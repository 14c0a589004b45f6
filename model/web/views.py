"""What a page shows of a result: its sentences, tables and chart data, as plain JSON.

A view is made once, in the worker that computed the result, from the result's public
attributes and its JSON document, and kept beside the run's downloads; a result page is then
rendered from it without solving anything. A run recorded by the command line has no view:
`from_document` makes one from its ledger document.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from capplan.report.documents import Result

View = dict[str, Any]


def cell(value: Any) -> Any:
    """A table cell as JSON: numbers plain (NaN as None), everything else as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int | str):
        return value
    return str(value)


def table(name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """A DataFrame as a named table of columns and rows."""
    frame = frame.reset_index(drop=True)
    return {"name": name, "columns": [str(c) for c in frame.columns],
            "rows": [[cell(v) for v in row] for row in frame.itertuples(index=False)]}


def records_table(name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """JSON records (a document's list) as a named table."""
    columns: list[str] = []
    for r in records:
        columns += [str(k) for k in r if str(k) not in columns]
    return {"name": name, "columns": columns,
            "rows": [[cell(r.get(c)) for c in columns] for r in records]}


def regulator_table(doc: dict[str, Any]) -> dict[str, Any]:
    """The yearly table as the regulator's letter shapes it: per year the items completed,
    the cumulative total and its share of the scope (realised years first), then the
    capacity the plan uses."""
    capacity = {int(r["year"]): r for r in doc.get("capacity") or []}
    rows = []
    for r in doc.get("trajectory") or []:
        cap = capacity.get(int(r["year"]), {})
        rows.append([int(r["year"]), r["completed"], r["cumulative"], r.get("share"),
                     bool(r.get("realised")), cap.get("engineering"), cap.get("execution")])
    return {"name": "trajectory", "columns": ["year", "completed", "cumulative", "share",
                                              "realised", "engineering", "execution"],
            "rows": rows}


def cumulative_chart(series: list[tuple[str, list[tuple[int, float]]]], scope: float,
                     deadline: int | None) -> dict[str, Any]:
    """The cumulative curves (items done by the end of each year) with the 95% and 100%
    lines and the deadline year."""
    years = sorted({y for _, points in series for y, _ in points})
    return {"kind": "cumulative", "x": [str(y) for y in years],
            "series": [{"label": label,
                        "values": [dict(points).get(y) for y in years]}
                       for label, points in series],
            "lines": [{"label": "95%", "value": 0.95 * scope},
                      {"label": "100%", "value": float(scope)}],
            "marker": str(deadline) if deadline is not None and str(deadline) in
            [str(y) for y in years] else None}


def plan_view(doc: dict[str, Any], scope: float, deadline: int | None,
              infeasibility: list[str]) -> View:
    """A plan: milestones, the regulator's table, the cumulative chart; or why there is
    none."""
    view: View = {"status": doc.get("status"), "milestones": doc.get("milestones"),
                  "sentences": infeasibility, "tables": [], "charts": []}
    if doc.get("status") == "optimal":
        points = [(int(r["year"]), float(r["cumulative"])) for r in doc["trajectory"]]
        view["tables"].append(regulator_table(doc))
        view["charts"].append(cumulative_chart([(doc.get("scenario") or "plan", points)],
                                               scope, deadline))
        view["scope_choice"] = doc.get("scope")
    return view


def variants_view(result: Any, sentences: list[str]) -> View:
    """Compare and what-if: one cumulative chart with a curve per variant, the comparison
    (milestones and the months each costs) and the yearly targets side by side."""
    instance = result.loaded.instance
    series = []
    for o in result.outcomes:
        if o.solution.status.value != "optimal":
            continue
        t = o.plan.trajectory
        series.append((o.variant.label, [(int(y), float(c)) for y, c in
                                         zip(t["year"], t["cumulative"], strict=True)]))
    tables = [table("comparison", result.summary), table("targets",
                                                         result.targets.reset_index())]
    if getattr(result, "marginal", None) is not None:
        tables.append(table("marginal", result.marginal))
    return {"status": None, "milestones": None, "sentences": sentences, "tables": tables,
            "charts": [cumulative_chart(series, float(instance.scope),
                                        instance.programme.deadline)] if series else []}


def sweep_view(result: Any) -> View:
    """A sweep: the verdict, the milestones' spread, the fan chart and the tornado."""
    s = result.sweep
    instance = result.loaded.instance
    fan = s.fan
    charts: list[dict[str, Any]] = [{
        "kind": "fan", "x": [str(p) for p in fan["period"]],
        "band": {"low": [cell(v) for v in fan["P10"]], "high": [cell(v) for v in fan["P90"]],
                 "label": "P10-P90"},
        "series": [{"label": "P50", "values": [cell(v) for v in fan["P50"]]},
                   {"label": "plan", "values": [cell(v) for v in fan["plan"]]}],
        "lines": [{"label": "95%", "value": 0.95 * float(instance.scope)},
                  {"label": "100%", "value": float(instance.scope)}],
        "marker": next((str(p) for p in fan["period"]
                        if instance.programme.deadline is not None
                        and str(p).startswith(str(instance.programme.deadline))), None)}]
    tables = [table("milestones", s.summary), table("yearly", s.yearly.round(1))]
    if len(s.tornado):
        charts.append({"kind": "tornado",
                       "bars": [{"label": str(r["risk"]), "value": cell(r["swing_months"]),
                                 "title": str(r["description"])}
                                for r in s.tornado.to_dict("records")]})
        tables.append(table("tornado", s.tornado))
    return {"status": "done", "milestones": result.to_dict()["milestones"],
            "sentences": result.verdict(), "tables": tables, "charts": charts}


def tradeoff_view(result: Any) -> View:
    """The trade-off: the least peak capacity each finish (and p95) date needs, as a table
    and a curve per milestone."""
    frame = result.table
    column = f"least_peak_{result.stage}"
    charts = []
    if {column, "by", "milestone"} <= set(frame.columns):
        dates = sorted({str(b) for b in frame["by"]})
        series = []
        for milestone, rows in frame.groupby("milestone", sort=False):
            values = dict(zip((str(b) for b in rows["by"]), rows[column], strict=True))
            series.append({"label": str(milestone),
                           "values": [cell(values.get(d)) for d in dates]})
        charts.append({"kind": "line", "x": dates, "series": series, "lines": [],
                       "marker": None})
    return {"status": None, "milestones": None, "sentences": [],
            "tables": [table("tradeoff", frame)], "charts": charts}


def make_view(result: Result) -> View:
    """The view of any result the page computes."""
    doc = result.to_dict()
    kind = result.kind
    if kind == "plan":
        instance = result.loaded.instance
        why = getattr(result, "infeasibility", None)
        lines = []
        if why is not None:
            lines = [str(v) for v in why.table().get("note", []) if v]
            lines = lines or [f"{k}: {v}" for k, v in why.as_dict().items()
                              if isinstance(v, str | int | float)]
        view = plan_view(doc, float(instance.scope), instance.programme.deadline, lines)
        if why is not None:
            view["tables"].append(table("infeasibility", why.table()))
    elif kind in ("compare", "whatif"):
        asked: Any = result
        view = variants_view(result, asked.sentences() if kind == "whatif" else [])
    elif kind == "sweep":
        view = sweep_view(result)
    elif kind == "tradeoff":
        view = tradeoff_view(result)
    elif kind == "report":  # the annex: its tables here, its documents to download
        view = {"status": None, "milestones": None, "sentences": [],
                "tables": [table(n, f) for n, f in result.tables().items()], "charts": []}
    else:  # explain, evaluate
        said: Any = result  # both have sentences()
        view = {"status": doc.get("status"),
                "milestones": doc.get("milestones") or doc.get("optimal_milestones"),
                "sentences": said.sentences(),
                "tables": [table(n, f) for n, f in result.tables().items()], "charts": []}
    view.update(kind=kind, name=result.loaded.instance.programme.name,
                scenario=result.loaded.scenario, overrides=list(result.loaded.overrides),
                input_sha256=result.loaded.sha256)
    return view


def from_document(doc: dict[str, Any], kind: str) -> View:
    """A view from a recorded document alone (a run of the command line): the plan's table
    and chart when it has a trajectory, every list of records as a table."""
    if kind in ("plan", "replan") and doc.get("trajectory"):
        last = (doc["trajectory"] or [{}])[-1]
        share = float(last.get("share") or 0.0)
        scope = float(last["cumulative"]) * 100.0 / share if share else float(
            last.get("cumulative") or 0)
        deadline = (doc.get("deadline") or {}).get("year")
        view = plan_view(doc, round(scope), deadline, [])
    else:
        view = {"status": doc.get("status"),
                "milestones": doc.get("milestones") or doc.get("optimal_milestones"),
                "sentences": [str(s) for s in doc.get("verdict") or doc.get("explanation")
                              or []], "tables": [], "charts": []}
        for key, value in doc.items():
            if (isinstance(value, list) and value and all(isinstance(r, dict) for r in value)
                    and key not in ("segment_flows",)):
                view["tables"].append(records_table(key, value))
    view.update(kind=kind, name=doc.get("name"), scenario=doc.get("scenario"),
                overrides=list(doc.get("overrides") or []),
                input_sha256=doc.get("input_sha256"))
    return view
