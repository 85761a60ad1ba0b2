"""The filter bar every page shows, and the round trip between its values and the URL query string."""
from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from . import _queries as q

SCOPES = [{"label": "全部 All", "value": ""}, {"label": "总量 Programme", "value": "program"},
          {"label": "单个项目 Project", "value": "project"}]
DEFAULT_METRIC = "investment"
FILTER_PROPS = ("metric", "unit", "years", "region", "partner", "scope")


def _split(value) -> tuple:
    if not value:
        return ()
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return tuple(v for v in str(value).split(",") if v)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def unit_options(metric: str | None) -> list[dict]:
    return [{"label": f"{u}（{n} 条）", "value": u} for u, n in q.units(metric).itertuples(index=False)]


def pick_unit(metric: str | None, unit: str | None) -> str | None:
    """The requested unit if the metric has it, else the metric's most common unit."""
    found = q.units(metric)["unit_norm"].tolist()
    return unit if unit in found else (found[0] if found else None)


def state_from_query(query: dict) -> dict:
    """Widget values from URL query values (missing or bad values fall back to defaults)."""
    ids = set(q.metrics()["metric"])
    metric = query.get("metric") if query.get("metric") in ids else (DEFAULT_METRIC if DEFAULT_METRIC in ids else None)
    lo, hi = q.year_range()
    y0, y1 = _int(query.get("y0")), _int(query.get("y1"))
    years = [max(y0, lo) if (y0 and lo) else lo, min(y1, hi) if (y1 and hi) else hi]
    scope = query.get("scope") if query.get("scope") in ("program", "project") else ""
    return {"metric": metric, "unit": pick_unit(metric, query.get("unit")), "years": years,
            "region": list(_split(query.get("region"))), "partner": list(_split(query.get("partner"))),
            "scope": scope}


def filters_from_values(metric, unit, years, region, partner, scope) -> q.Filters:
    years = years or [None, None]
    return q.Filters(metric or None, unit or None, _int(years[0]), _int(years[1]), _split(region),
                     _split(partner), scope or None)


def query_string(metric, unit, years, region, partner, scope, **extra) -> str:
    """The URL query for these values (what the page writes into the address bar)."""
    pairs = {"metric": metric, "unit": unit, "y0": (years or [None])[0], "y1": (years or [None, None])[-1],
             "region": ",".join(region or []), "partner": ",".join(partner or []), "scope": scope}
    pairs.update(extra)
    return "?" + urlencode({k: v for k, v in pairs.items() if v not in (None, "", [])})


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
        field("地区 Region", dcc.Dropdown(id=f"{prefix}-region", options=region_opts, value=state["region"],
                                          multi=True, placeholder="全部地区"), "220px"),
        field("援疆省市 Partner", dcc.Dropdown(id=f"{prefix}-partner", options=partner_opts,
                                               value=state["partner"], multi=True, placeholder="全部省市"), "220px"),
        field("范围 Scope", dcc.Dropdown(id=f"{prefix}-scope", options=SCOPES, value=state["scope"],
                                         clearable=False), "150px"),
    ], className="filter-bar", id=f"{prefix}-filters")
