"""Server-side paging for the figures grid: AG Grid's sort and filter models turned into safe SQL."""
from __future__ import annotations

import pandas as pd

from . import _queries as q
from ._charts import BASIS_ZH, STATUS_ZH
from ._source import metric_label, needs_review, value_text

TEXT_OPS = {"contains": "contains({}, ?)", "notContains": "NOT contains({}, ?)", "equals": "{} = ?",
            "notEqual": "{} <> ?", "startsWith": "starts_with({}, ?)", "endsWith": "suffix({}, ?)"}
NUM_OPS = {"equals": "=", "notEqual": "<>", "greaterThan": ">", "greaterThanOrEqual": ">=", "lessThan": "<",
           "lessThanOrEqual": "<="}
TEXT_COLUMNS = {"metric", "subject", "text", "unit_norm", "region", "partner", "scope", "sentence", "title"}
NUMBER_COLUMNS = {"figure_id", "year", "value_norm", "value", "fact_id", "page"}
EXPORT_ROWS = 1_000      # keeps the export under 200 ms at 1M figures; bulk data: 查询 SQL or `python -m etl export`


def _column(col: str) -> str:
    return "d.title" if col == "title" else f"f.{col}"


def _num(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) < 1e300 else None


def filter_sql(model: dict | None) -> tuple[str, list]:
    """AND of the grid's column filters; unknown columns, operators and malformed entries are ignored."""
    clauses, params = ["TRUE"], []
    for col, spec in (model.items() if isinstance(model, dict) else ()):
        if not isinstance(spec, dict):
            continue
        conds = spec.get("conditions") if isinstance(spec.get("conditions"), list) else [spec]
        parts = []
        for c in (c for c in conds if isinstance(c, dict)):
            if not isinstance(c.get("filter"), (str, int, float)) or isinstance(c.get("filter"), bool):
                continue
            op = c.get("type")
            if col in TEXT_COLUMNS and op in TEXT_OPS and c.get("filter") not in (None, ""):
                parts.append(TEXT_OPS[op].format(_column(col)))
                params.append(str(c["filter"]))
            elif col in NUMBER_COLUMNS and op in NUM_OPS and _num(c["filter"]) is not None:
                parts.append(f"{_column(col)} {NUM_OPS[op]} ?")
                params.append(_num(c["filter"]))
            elif col in NUMBER_COLUMNS and op == "inRange" and None not in (_num(c["filter"]), _num(c.get("filterTo"))):
                parts.append(f"{_column(col)} BETWEEN ? AND ?")
                params += [_num(c["filter"]), _num(c.get("filterTo"))]
        if parts:
            joiner = " OR " if spec.get("operator") == "OR" else " AND "
            clauses.append("(" + joiner.join(parts) + ")")
    return " AND ".join(clauses), params


def order_of(sort_model: list | None) -> list[tuple[str, bool]]:
    return [(s["colId"], s.get("sort") == "desc") for s in (sort_model if isinstance(sort_model, list) else [])
            if isinstance(s, dict) and isinstance(s.get("colId"), str) and s["colId"] in q.SORTABLE]


def display_rows(frame: pd.DataFrame) -> list[dict]:
    """Grid rows: original value with unit, normalised value, labels, flags."""
    out = []
    try:
        labels = q.indicator_options().set_index("key")["label"].to_dict() if q.has("facts") else {}
    except q.DatabaseUnavailable:
        labels = {}
    for r in frame.itertuples(index=False):
        fact, page = getattr(r, "fact_id", None), getattr(r, "page", None)
        indicator = getattr(r, "indicator", None)
        out.append({"fact_id": None if fact is None or pd.isna(fact) else int(fact),
                    "status": STATUS_ZH.get(getattr(r, "status", None), ""), "basis": BASIS_ZH.get(getattr(r, "basis", None), ""),
                    "review": "需复核" if needs_review(r) else "", "page": None if page is None or pd.isna(page) else int(page),
                    "figure_id": int(r.figure_id), "year": None if pd.isna(r.year) else int(r.year),
                    "metric": labels.get(indicator) if isinstance(indicator, str) and indicator in labels
                    else metric_label(r.metric), "subject": r.subject if isinstance(r.subject, str) else "",
                    "value": value_text(r).split(" → ")[0],
                    "value_norm": None if pd.isna(r.value_norm) else round(float(r.value_norm), 4),
                    "unit_norm": r.unit_norm if isinstance(r.unit_norm, str) else "", "conversion": value_text(r),
                    "approx": "约" if r.approx else "", "conflict": f"冲突组 {int(r.conflict_group)}" if r.conflict
                    and not pd.isna(r.conflict_group) else ("冲突" if r.conflict else ""),
                    "region": r.region if isinstance(r.region, str) else "全疆/未指明",
                    "partner": r.partner if isinstance(r.partner, str) else "",
                    "scope": "单个项目" if r.scope == "project" else "总量", "sentence": r.sentence,
                    "title": r.title if isinstance(r.title, str) else "", "text": r.text})
    return out


def _row(value, default: int) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1e9 \
        else default


def page(f: q.Filters, request: dict) -> dict:
    start = _row(request.get("startRow"), 0)
    end = max(start, _row(request.get("endRow"), start + 100))
    extra, params = filter_sql(request.get("filterModel"))
    rows = q.figure_rows(f, order_of(request.get("sortModel")), start, max(1, min(end - start, 500)), extra, params)
    count = q.count_figures(f, extra, params)
    return {"rowData": display_rows(rows), "rowCount": count}


def export_frame(f: q.Filters, request: dict | None) -> pd.DataFrame:
    request = request or {}
    extra, params = filter_sql(request.get("filterModel"))
    rows = q.figure_rows(f, order_of(request.get("sortModel")), 0, EXPORT_ROWS, extra, params)
    frame = pd.DataFrame(display_rows(rows))
    names = {"figure_id": "编号", "fact_id": "事实编号", "status": "状态", "basis": "口径", "review": "需复核",
             "page": "页码", "year": "年份", "metric": "指标", "subject": "事项", "value": "原文数值",
             "value_norm": "标准化数值", "unit_norm": "标准化单位", "conversion": "换算", "approx": "约数",
             "conflict": "冲突", "region": "地区", "partner": "援疆省市", "scope": "范围", "sentence": "原句",
             "title": "文档", "text": "原文片段"}
    return frame.rename(columns=names) if len(frame) else pd.DataFrame(columns=list(names.values()))
