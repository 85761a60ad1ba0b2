"""The data of a trend chart (facts per year, the fact_totals line) and its table, shared by 总览 and 趋势."""
from __future__ import annotations

import pandas as pd

from . import _charts as ch
from . import _queries as q
from ._page import Export

SPLIT_DIMENSION = {"": "region", "region": "region", "partner": "partner"}


def effective_split(f: q.Filters, split: str = "") -> str:
    """The split asked for; a region or partner filter without a split shows those places' own facts (the
    全疆 facts, which name no place, are not in them)."""
    split = split if split in ("region", "partner") else ""
    if not split and (f.regions or f.partners):
        split = "region" if f.regions else "partner"
    return split


def data(f: q.Filters, split: str = "") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(one fact per year/group/status/basis, fact_totals rows, indicator info). A chart is of one indicator:
    without one it is empty (never a mix of indicators); a region or partner filter without a split shows
    those places' own facts (the 全疆 facts are not in them)."""
    split = effective_split(f, split)
    if not f.indicator:
        empty = q.series_facts(q.Filters(indicator="s:", year_from=1, year_to=0))
        return empty, q.fact_totals(q.Filters()), {}
    cells = q.series_facts(f, split)
    if split:
        top = cells.groupby(split)["fact_id"].count().sort_values(ascending=False).index[:q.TOP_GROUPS]
        cells = cells[cells[split].isin(top)]
    totals = q.fact_totals(f, SPLIT_DIMENSION[split])
    info = q.indicator_info(f.indicator)
    return cells, totals, info


def figure(f: q.Filters, split: str = "", kind: str = "line"):
    split = effective_split(f, split)
    cells, totals, info = data(f, split)
    return ch.trend_figure(cells, totals, f, info, split, kind), cells, totals, info


def table(f: q.Filters, cells: pd.DataFrame, totals: pd.DataFrame, split: str = "") -> tuple[pd.DataFrame, list]:
    """One row per point of the chart, in the chart's unit; and the facts behind each row."""
    unit, div = ch.display_unit(f.unit, list(cells["value_norm"]) + list(totals["total"]))
    rows, facts = [], []
    group = {"region": "地区", "partner": "援疆省市"}.get(split, "")
    for r in cells.sort_values(["year", "status", "basis"]).itertuples(index=False):
        row = {"年份": int(r.year)}
        if group:
            row[group] = getattr(r, split)
        row.update({"状态": ch.STATUS_ZH.get(r.status, r.status), "口径": ch.BASIS_ZH.get(r.basis, r.basis),
                    f"数值（{unit}）": r.value_norm / div, "起始年份": None if pd.isna(r.period_start) else int(r.period_start),
                    "约数": "是" if r.approx else "", "冲突": "是" if r.conflict else "",
                    "提及次数": int(r.n_mentions), "文档数": int(r.n_documents), "加总事实数": None,
                    "事实编号": int(r.fact_id)})
        rows.append(row)
        facts.append([int(r.fact_id)])
    dim = "援疆省市" if split == "partner" else "地区"
    behind = q.total_fact_ids_by_year(f, SPLIT_DIMENSION[split]) if len(totals) else {}
    for y, t, n in zip(totals["year"], totals["total"], totals["n_facts"]):
        row = {"年份": int(y)}
        if group:
            row[group] = f"各{dim}合计"
        row.update({"状态": "实际", "口径": f"各{dim}合计", f"数值（{unit}）": t / div, "起始年份": None, "约数": "",
                    "冲突": "", "提及次数": None, "文档数": None, "加总事实数": int(n), "事实编号": None})
        rows.append(row)
        facts.append(behind.get(int(y), []))
    frame = pd.DataFrame(rows)
    if len(frame):
        for col in ("起始年份", "提及次数", "文档数", "加总事实数", "事实编号"):
            frame[col] = frame[col].astype("Int64")
    return frame, facts


def export(f: q.Filters, split: str = "") -> Export:
    split = effective_split(f, split)
    cells, totals, info = data(f, split)
    frame, facts = table(f, cells, totals, split)
    unit, _ = ch.display_unit(f.unit, list(cells["value_norm"]) + list(totals["total"]))
    title = f"{info.get('label') or f.indicator} 逐年（{unit}）"
    return Export(frame, title, [i for row in facts for i in row],
                  source=ch.source_line(len(cells), int(cells["n_mentions"].sum()) if len(cells) else 0))


def point(point: dict, f: q.Filters, split: str = "") -> tuple[list, str]:
    split = effective_split(f, split)
    custom = point.get("customdata") or []
    if len(custom) >= 2 and custom[1] == "total":
        year = int(custom[0])
        ids = q.total_fact_ids(f, year, SPLIT_DIMENSION[split if split in ("region", "partner") else ""])
        return ids, f"{year}年 合计所加总的 {len(ids)} 条事实"
    if custom and custom[0] is not None:
        return [int(custom[0])], f"{point.get('x')}年 · 事实 #{int(custom[0])}"
    return [], ""
