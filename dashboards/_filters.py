"""The filter bar every page shows, and the round trip between its values and the URL query string."""
from __future__ import annotations

from dash import dcc, html

from . import _locale
from . import _queries as q

FAMILY_LABELS = {"projects": "项目数", "investment": "投资/经费", "patents": "专利/成果", "trainees": "培养/引进人才",
                 "fund_size": "基金规模", "enterprises": "企业数", "other": "其他"}
ALL_INDICATORS_PAGES = {"figures"}    # pages that can show every indicator at once (the picker can be cleared)
SHARED_KEYS = ("indicator", "unit", "y0", "y1", "region", "partner")   # carried from page to page


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


def indicator_dropdown_options() -> list[dict]:
    """The indicator picker: a disabled heading per metric family (in the order of the overview cards), its
    catalogue indicators, then its subjects that match no catalogue row."""
    frame = q.indicator_options()
    out, family = [], None
    for r in frame.itertuples(index=False):
        if r.metric != family:
            family = r.metric
            out.append({"label": f"—— {FAMILY_LABELS.get(family, family)} ——", "value": f"__family_{family}",
                        "disabled": True})
        label = f"事项：{r.label}" if r.is_subject else r.label
        out.append({"label": f"{label}（{r.n:,} 条事实）", "value": r.key, "search": r.label})
    return out


def default_indicator(metric: str | None = None) -> str | None:
    """The catalogue indicator (of a metric family, when one is asked for, as links from before the facts do)
    with actual values in the most years; else a subject."""
    frame = q.indicator_options()
    if frame.empty:
        return None
    pick = frame[(frame["metric"] == metric)] if metric else frame
    pick = pick if len(pick) else frame
    catalogue = pick[~pick["is_subject"]]
    pick = catalogue if len(catalogue) else pick
    return pick.iloc[int(pick["ny"].to_numpy().argmax())]["key"]     # most years of actual values; ties: picker order


def unit_options(indicator: str | None) -> list[dict]:
    return [{"label": f"{u}（{n:,} 条）", "value": u} for u, n in q.fact_units(_text(indicator)).itertuples(index=False)]


def pick_unit(indicator: str | None, unit: str | None) -> str | None:
    """The requested unit if the indicator has it, else its most common unit."""
    found = q.fact_units(_text(indicator))["unit_norm"].tolist()
    return unit if unit in found else (found[0] if found else None)


def state_from_query(query: dict) -> dict:
    """Widget values from URL query values (missing, repeated or bad values fall back to defaults)."""
    keys = set(q.indicator_options()["key"])
    indicator = _single(query, "indicator")
    if not (isinstance(indicator, str) and indicator in keys):
        metric = _single(query, "metric")   # links from before the facts: a metric family
        indicator = default_indicator(metric if isinstance(metric, str) else None)
    lo, hi = q.year_range()
    y0, y1 = _years([_single(query, "y0"), _single(query, "y1")])
    years = [max(y0, lo) if (y0 and lo) else lo, min(y1, hi) if (y1 and hi) else hi]
    unit = _single(query, "unit")
    return {"indicator": indicator, "unit": pick_unit(indicator, unit if isinstance(unit, str) else None),
            "years": years, "region": list(_split(query.get("region"))),
            "partner": list(_split(query.get("partner")))}


def filters_from_values(indicator, unit, years, region, partner) -> q.Filters:
    """Filters from widget values, whatever their type: a hand-made request cannot make a query fail."""
    y0, y1 = _years(years)
    return q.Filters(_text(indicator), _text(unit), y0, y1, _split(region), _split(partner))


def _with_unknown(options: list[dict], chosen: list) -> list[dict]:
    """Keep a value asked for in the URL but absent from the data (Dash 4 drops values without an option)."""
    known = {o["value"] for o in options}
    return options + [{"label": f"{v}（数据中没有）", "value": v} for v in chosen if v not in known]


def filter_bar(prefix: str, state: dict) -> html.Div:
    """Indicator, unit, year range, region and partner controls with ids '<prefix>-<name>'."""
    lo, hi = q.year_range()
    lo, hi = lo or 2000, hi or 2000
    region_opts = [{"label": "全疆/未指明", "value": q.NO_REGION}] + [{"label": r, "value": r} for r in q.regions()]
    partner_opts = [{"label": "未指明", "value": q.NO_PARTNER}] + [{"label": p, "value": p} for p in q.partners()]
    step = max(1, -(-(hi - lo) // 4))        # at most five marks: they must not run together on a phone
    marks = {y: str(y) for y in [y for y in range(lo, hi, step) if hi - y >= step / 2 or y == lo] + [hi]}
    field = lambda label, child, cls: html.Div([html.Label(label, className="flabel"), child],  # noqa: E731
                                               className=f"field {cls}")
    return html.Div([
        field("指标", dcc.Dropdown(id=f"{prefix}-indicator", options=indicator_dropdown_options(),
                                   value=state["indicator"], clearable=prefix in ALL_INDICATORS_PAGES,
                                   placeholder="全部指标" if prefix in ALL_INDICATORS_PAGES else "选择指标",
                                   searchable=True, labels=_locale.dropdown(), maxHeight=360), "f-indicator"),
        field("单位", dcc.Dropdown(id=f"{prefix}-unit", options=unit_options(state["indicator"]),
                                   value=state["unit"], clearable=False, placeholder="单位",
                                   labels=_locale.dropdown()), "f-unit"),
        field("年份", dcc.RangeSlider(id=f"{prefix}-years", min=lo, max=hi, step=1, value=state["years"],
                                      marks=marks, allowCross=False,
                                      tooltip={"placement": "bottom", "always_visible": False}), "f-years"),
        field("地区", dcc.Dropdown(id=f"{prefix}-region", options=_with_unknown(region_opts, state["region"]),
                                   value=state["region"], multi=True, placeholder="全部地区",
                                   labels=_locale.dropdown()), "f-region"),
        field("援疆省市", dcc.Dropdown(id=f"{prefix}-partner",
                                       options=_with_unknown(partner_opts, state["partner"]),
                                       value=state["partner"], multi=True, placeholder="全部省市",
                                       labels=_locale.dropdown()), "f-partner"),
    ], className="filter-bar", id=f"{prefix}-filters")
