"""The filter bar every page shows, and the round trip between its values and the URL query string."""
from __future__ import annotations

from dash import dcc, html

from . import _queries as q

SCOPES = [{"label": "全部 All", "value": ""}, {"label": "总量 Programme", "value": "program"},
          {"label": "单个项目 Project", "value": "project"}]
DEFAULT_METRIC = "investment"


MAX_CHOICES = 100
YEAR_LIMITS = (1900, 2100)


def _text(value) -> str | None:
    """A single choice: a non-empty string, anything else (lists, numbers, dicts) counts as no choice."""
    return value if isinstance(value, str) and value else None


def _split(value) -> tuple:
    """A multiple choice from a widget (list) or the URL ('a,b' or a repeated parameter): strings only."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return ()
    out = []
    for v in value:
        for part in (v.split(",") if isinstance(v, str) else ()):
            if part and part not in out:
                out.append(part)
    return tuple(out[:MAX_CHOICES])


def _int(value):
    """A year from a widget or the URL; None unless it is a plausible one (huge or odd values are dropped)."""
    if isinstance(value, bool):
        return None
    try:
        year = int(float(value)) if isinstance(value, (int, float, str)) else None
    except (TypeError, ValueError, OverflowError):
        return None
    return year if year is not None and YEAR_LIMITS[0] <= year <= YEAR_LIMITS[1] else None


def _int_any(value):
    """An integer from a URL value, or None."""
    value = value[0] if isinstance(value, list) and value else value
    try:
        return int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    except (ValueError, OverflowError):
        return None


def _years(value) -> tuple:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None, None
    return _int(value[0]), _int(value[1])  # a reversed range stays reversed: it selects nothing, and says so


def _single(query: dict, key: str):
    value = query.get(key)
    return value[0] if isinstance(value, list) and value else value


def unit_options(metric: str | None) -> list[dict]:
    return [{"label": f"{u}（{n} 条）", "value": u} for u, n in q.units(_text(metric)).itertuples(index=False)]


def pick_unit(metric: str | None, unit: str | None) -> str | None:
    """The requested unit if the metric has it, else the metric's most common unit."""
    found = q.units(_text(metric))["unit_norm"].tolist()
    return unit if unit in found else (found[0] if found else None)


def state_from_query(query: dict) -> dict:
    """Widget values from URL query values (missing, repeated or bad values fall back to defaults)."""
    ids = set(q.metrics()["metric"])
    metric = _single(query, "metric")
    metric = metric if isinstance(metric, str) and metric in ids else (DEFAULT_METRIC if DEFAULT_METRIC in ids else None)
    lo, hi = q.year_range()
    y0, y1 = _years([_single(query, "y0"), _single(query, "y1")])
    years = [max(y0, lo) if (y0 and lo) else lo, min(y1, hi) if (y1 and hi) else hi]
    scope = _single(query, "scope")
    unit = _single(query, "unit")
    return {"metric": metric, "unit": pick_unit(metric, unit if isinstance(unit, str) else None), "years": years,
            "region": list(_split(query.get("region"))), "partner": list(_split(query.get("partner"))),
            "scope": scope if scope in ("program", "project") else ""}


def filters_from_values(metric, unit, years, region, partner, scope) -> q.Filters:
    """Filters from widget values, whatever their type: a hand-made request cannot make a query fail."""
    y0, y1 = _years(years)
    return q.Filters(_text(metric), _text(unit), y0, y1, _split(region), _split(partner),
                     scope if scope in ("program", "project") else None)


def _with_unknown(options: list[dict], chosen: list) -> list[dict]:
    """Keep a value asked for in the URL but absent from the data (Dash 4 drops values without an option)."""
    known = {o["value"] for o in options}
    return options + [{"label": f"{v}（数据中没有）", "value": v} for v in chosen if v not in known]


def filter_bar(prefix: str, state: dict) -> html.Div:
    """Metric, unit, year range, region, partner and scope controls with ids '<prefix>-<name>'."""
    lo, hi = q.year_range()
    lo, hi = lo or 2000, hi or 2000
    metric_opts = [{"label": f"{r.label_zh} {r.label_en}", "value": r.metric}
                   for r in q.metrics().itertuples(index=False)]
    region_opts = [{"label": "全疆/未指明", "value": q.NO_REGION}] + [{"label": r, "value": r} for r in q.regions()]
    partner_opts = [{"label": "未指明", "value": q.NO_PARTNER}] + [{"label": p, "value": p} for p in q.partners()]
    marks = {y: str(y) for y in range(lo, hi + 1, max(1, (hi - lo) // 8 or 1))}
    field = lambda label, child, width: html.Div([html.Label(label, className="flabel"), child],  # noqa: E731
                                                 className="field", style={"width": width})
    return html.Div([
        field("指标 Metric", dcc.Dropdown(id=f"{prefix}-metric", options=metric_opts, value=state["metric"],
                                          clearable=False), "220px"),
        field("单位 Unit", dcc.Dropdown(id=f"{prefix}-unit", options=unit_options(state["metric"]),
                                        value=state["unit"], clearable=False), "150px"),
        field("年份 Years", dcc.RangeSlider(id=f"{prefix}-years", min=lo, max=hi, step=1, value=state["years"],
                                            marks=marks, allowCross=False,
                                            tooltip={"placement": "bottom", "always_visible": False}), "300px"),
        field("地区 Region", dcc.Dropdown(id=f"{prefix}-region", options=_with_unknown(region_opts, state["region"]),
                                          value=state["region"],
                                          multi=True, placeholder="全部地区"), "220px"),
        field("援疆省市 Partner", dcc.Dropdown(id=f"{prefix}-partner", options=_with_unknown(partner_opts, state["partner"]),
                                               value=state["partner"], multi=True, placeholder="全部省市"), "220px"),
        field("范围 Scope", dcc.Dropdown(id=f"{prefix}-scope", options=SCOPES, value=state["scope"],
                                         clearable=False), "150px"),
    ], className="filter-bar", id=f"{prefix}-filters")
