"""Integer targets that add up: per period, and per region and year.

The yearly targets round the cumulative curve and take differences, so they add up to the
scope (the regulator's table does the same). Quarterly (period) and regional targets follow
the same rule: a period's target is the difference of the rounded cumulative at its end and at
the end of the period before, so a year's periods add up to its yearly target; regional
cumulative figures at each year's end are apportioned from the rounded total by largest
remainder, so each year's regional targets add up to the yearly target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from capplan.core.results import Plan, segment_table


def apportion(total: int, parts: np.ndarray) -> np.ndarray:
    """Whole numbers adding up to `total`, as close to `parts` (which add up to about total)
    as largest-remainder rounding gets: floors, then one more for the largest remainders."""
    parts = np.clip(np.asarray(parts, float), 0.0, None)
    whole = np.floor(parts + 1e-9).astype(int)
    spare = int(total) - int(whole.sum())
    if spare > 0:
        order = np.argsort(-(parts - whole), kind="stable")
        whole[order[:spare]] += 1
    elif spare < 0:
        order = np.argsort(parts - whole, kind="stable")
        for k in order:
            if spare == 0:
                break
            take = min(whole[k], -spare)
            whole[k] -= take
            spare += take
    return whole


def period_targets(plan: Plan) -> pd.DataFrame:
    """Per planned period: its target (items), the rounded cumulative at its end, and its
    year; the periods of a year add up to the year's target."""
    periods = plan.periods
    cumulative = np.rint(periods["cumulative"].to_numpy(float)).astype(int)
    before = round(float(periods["cumulative"].iloc[0] - periods["completed"].iloc[0]))
    completed = np.diff(np.concatenate([[before], cumulative]))
    table = pd.DataFrame({"period": periods["period"], "year": periods["year"],
                          "completed": completed, "cumulative": cumulative})
    return table[table["year"] <= plan.trajectory["year"].max()].reset_index(drop=True)


def regional_targets(plan: Plan) -> pd.DataFrame:
    """Per planned year and region: its target (items completed); each year's regional
    targets add up to the yearly target."""
    flows = segment_table(plan)
    years = plan.periods.groupby("period", sort=False)["year"].first()
    flows = flows.assign(year=flows["period"].map(years))
    by_year = (flows.groupby(["year", "region"])["execution"].sum()
               .unstack(fill_value=0).sort_index())
    regions = list(by_year.columns)
    planned = plan.trajectory[~plan.trajectory["realised"]].set_index("year")
    rows, done_before = [], np.zeros(len(regions), int)
    running = np.zeros(len(regions))
    start = int(planned["cumulative"].iloc[0] - planned["completed"].iloc[0])
    for year in by_year.index[by_year.index <= plan.trajectory["year"].max()]:
        running += by_year.loc[year].to_numpy(float)
        total = int(planned.loc[year, "cumulative"]) - start if year in planned.index else \
            round(running.sum())
        cumulative = apportion(total, running)
        for region, value in zip(regions, cumulative - done_before, strict=True):
            rows.append({"year": int(year), "region": region, "completed": int(value)})
        done_before = cumulative
    return pd.DataFrame(rows, columns=["year", "region", "completed"])
