"""The pivot's data: one indicator's facts as regions, partners or years against each other, one fact per cell."""
from __future__ import annotations

import pandas as pd

from . import _charts as ch
from . import _queries as q

DIMS = [{"label": "地区", "value": "region"}, {"label": "年份", "value": "year"}, {"label": "援疆省市", "value": "partner"}]
DIM_ZH = {d["value"]: d["label"] for d in DIMS}
ALL_LABEL = "全疆"


def _dims(rows, cols) -> tuple[str, str]:
    rows = rows if isinstance(rows, str) and rows in DIM_ZH else "region"
    cols = cols if isinstance(cols, str) and cols in DIM_ZH and cols != rows else ("year" if rows != "year" else "region")
    return rows, cols


def place_of(rows: str, cols: str) -> str:
    dims = {rows, cols}
    if dims == {"region", "partner"}:
        return "link"
    return "partner" if "partner" in dims else "region"


def cells(f: q.Filters, rows: str, cols: str, status: str, basis: str | None) -> pd.DataFrame:
    """One fact per cell; with regions as a dimension against years, the 全疆 facts as their own row."""
    rows, cols = _dims(rows, cols)
    place = place_of(rows, cols)
    year = None
    if "year" not in (rows, cols):   # two place dimensions: one year, the latest in the range
        found = q.fact_years(f, place, status)
        year = found[0] if found else None
        if year is None:
            return pd.DataFrame()
    data = q.fact_cells(f, place, [rows, cols] if year is None else [rows, cols], status, basis, year)
    if place == "region" and "year" in (rows, cols) and not f.regions:
        whole = q.fact_cells(f, "", ["year"], status, basis).assign(region=ALL_LABEL)
        data = pd.concat([whole, data], ignore_index=True) if len(whole) else data
    return data


def pivot(f: q.Filters, rows: str, cols: str, status: str, basis: str | None):
    """(table in one display unit, fact ids per row, unit, raw cells)."""
    rows, cols = _dims(rows, cols)
    data = cells(f, rows, cols, status, basis) if f.indicator else pd.DataFrame()
    if data.empty:
        return pd.DataFrame(), [], f.unit or "", data
    unit, div = ch.display_unit(f.unit, data["value_norm"])
    data = data.assign(shown=data["value_norm"] / div)
    grid = data.pivot_table(index=rows, columns=cols, values="shown", aggfunc="first", sort=True)
    if rows == "region" and ALL_LABEL in grid.index:
        grid = grid.loc[[ALL_LABEL] + [i for i in grid.index if i != ALL_LABEL]]
    ids = data.groupby(rows)["fact_id"].apply(lambda s: [int(i) for i in s]).to_dict()
    frame = grid.reset_index().rename(columns={rows: f"{DIM_ZH[rows]} \\ {DIM_ZH[cols]}"})
    frame.columns = [str(int(c)) + "年" if isinstance(c, (int, float)) and cols == "year" else str(c) for c in frame.columns]
    return frame, [ids.get(k, []) for k in grid.index], unit, data
