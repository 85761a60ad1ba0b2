"""地区 and 援疆省市 pages: one bar per place, each that place's fact for one year (never a sum over years or
mentions); a log scale or 排除全疆 keeps small places readable; every table row opens its fact's mentions."""
from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from . import _charts as ch
from . import _filters as flt
from . import _page as pg
from . import _queries as q

STATUS_OPTIONS = [{"label": "实际", "value": "actual"}, {"label": "目标", "value": "planned"}]
OPTIONS = [{"label": "对数坐标", "value": "log"}, {"label": "排除全疆", "value": "no_all"}]
ALL_LABEL = "全疆"


def choices(f: q.Filters, column: str, status, year, basis) -> tuple[list, int | None, list, str | None]:
    """Year and basis options of a place page and the values kept (the asked-for one if the data has it)."""
    found, bases = q.place_choices(f, column, status if status in q.STATUSES else "actual")
    year = flt._int(year)
    year = year if year in found else (found[0] if found else None)
    basis = basis if basis in bases else (bases[0] if bases else None)
    return ([{"label": f"{y}年", "value": y} for y in found], year,
            [{"label": ch.BASIS_ZH.get(b, b), "value": b} for b in bases], basis)


def controls(prefix: str, query: dict, column: str) -> list:
    """Year, status, basis and display options; the year and basis choices are computed here, with the page,
    so that the chart's first callback need not wait for another one."""
    opts = query.get("opts") if isinstance(query.get("opts"), str) else ""
    status = "planned" if query.get("status") == "planned" else "actual"
    try:
        state = flt.state_from_query(query)
        f = flt.filters_from_values(state["indicator"], state["unit"], state["years"], state["region"], state["partner"])
        year_opts, year, basis_opts, basis = choices(f, column, status, flt._int(query.get("year")),
                                                     query.get("basis"))
    except q.DatabaseUnavailable:
        year_opts, year, basis_opts, basis = [], None, [], None
    return [html.Label("年份", className="flabel"),
            dcc.Dropdown(id=f"{prefix}-year", options=year_opts, clearable=False, placeholder="年份",
                         className="year-pick", value=year),
            html.Label("状态", className="flabel"),
            dcc.RadioItems(id=f"{prefix}-status", options=STATUS_OPTIONS, inline=True, value=status),
            html.Label("口径", className="flabel"),
            dcc.Dropdown(id=f"{prefix}-basis", options=basis_opts, clearable=False, placeholder="口径",
                         className="basis-pick", value=basis),
            dcc.Checklist(id=f"{prefix}-opts", options=OPTIONS, inline=True,
                          value=[v for v in opts.split(",") if v in ("log", "no_all")])]


def cells(f: q.Filters, column: str, year, status, basis, with_all: bool = True) -> pd.DataFrame:
    """The place facts of one year (one per place), with the 全疆 fact as its own row, largest first."""
    status = status if status in q.STATUSES else "actual"
    basis = basis if basis in q.BASES else None
    year = flt._int(year)      # whatever a hand-made request sends
    if year is None or not f.indicator:
        return pd.DataFrame(columns=["name"])
    with_all = with_all and not (f.regions if column == "region" else f.partners)
    data = q.fact_cells(f, f"{column}+all" if with_all else column, [column], status, basis, int(year))
    data = data.assign(name=data[column].fillna(ALL_LABEL))
    return data.sort_values("value_norm", ascending=False, ignore_index=True)


def table(f: q.Filters, data: pd.DataFrame, axis: str) -> tuple[pd.DataFrame, list]:
    if data.empty:
        return pd.DataFrame(), []
    unit, div = ch.display_unit(f.unit, data["value_norm"])
    frame = pd.DataFrame({axis: data["name"], "年份": data["year"].astype(int),
                          "状态": data["status"].map(ch.STATUS_ZH), "口径": data["basis"].map(ch.BASIS_ZH),
                          f"数值（{unit}）": data["value_norm"] / div, "约数": data["approx"].map({True: "是", False: ""}),
                          "冲突": data["conflict"].map({True: "是", False: ""}), "提及次数": data["n_mentions"].astype(int),
                          "文档数": data["n_documents"].astype(int), "事实编号": data["fact_id"].astype(int)})
    return frame, [[int(i)] for i in data["fact_id"]]


def register(prefix: str, column: str, axis: str, extra_graphs: list[str] | None = None, extra_figures=None):
    """Callbacks of a place page: year/basis options, the chart(s) and table, exports and clicks."""
    graph = f"{prefix}-graph"
    graphs = [graph] + (extra_graphs or [])
    place_states = [State(f"{prefix}-year", "value"), State(f"{prefix}-status", "value"),
                    State(f"{prefix}-basis", "value"), State(f"{prefix}-opts", "value")]

    @callback(Output(f"{prefix}-year", "options"), Output(f"{prefix}-year", "value"),
              Output(f"{prefix}-basis", "options"), Output(f"{prefix}-basis", "value"),
              *pg.filter_inputs(prefix), Input(f"{prefix}-status", "value"),
              State(f"{prefix}-year", "value"), State(f"{prefix}-basis", "value"), prevent_initial_call=True)
    def _choices(indicator, unit, years, region, partner, status, year, basis):
        f = flt.filters_from_values(indicator, unit, years, region, partner)
        try:
            return choices(f, column, status, year, basis)
        except q.DatabaseUnavailable:
            return [], None, [], None

    @callback(Output(graph, "figure"), *[Output(g, "figure") for g in extra_graphs or []],
              Output(f"{prefix}-table", "children"), *pg.filter_inputs(prefix), Input(f"{prefix}-year", "value"),
              Input(f"{prefix}-status", "value"), Input(f"{prefix}-basis", "value"), Input(f"{prefix}-opts", "value"))
    def _update(indicator, unit, years, region, partner, year, status, basis, opts):
        f = flt.filters_from_values(indicator, unit, years, region, partner)
        opts = [o for o in opts if isinstance(o, str)] if isinstance(opts, list) else []
        try:
            info = q.indicator_info(f.indicator)
            data = cells(f, column, year, status, basis)
            shown = data[data["name"] != ALL_LABEL] if "no_all" in opts and len(data) else data
            why = None
            if data.empty and status != "planned" and q.fact_years(f, "", "planned") + q.fact_years(f, column, "planned"):
                why = "没有实际值：此指标只有目标（计划）值。<br>请把“状态”切换为“目标”。"
            fig = ch.bar_figure(shown, f, info, "name", axis, year, log="log" in opts, why=why)
            frame, facts = table(f, data, axis)
            extra = extra_figures(f, info, year, status, basis) if extra_figures else []
            return (fig, *extra, pg.fact_table(prefix, frame, facts))
        except q.DatabaseUnavailable as exc:
            return (ch.empty(axis, f, str(exc)), *[ch.empty(axis, f, str(exc)) for _ in extra_graphs or []],
                    pg.error_box(exc))

    def export(f, year, status, basis, opts):
        data = cells(f, column, year, status, basis)
        frame, facts = table(f, data, axis)
        info = q.indicator_info(f.indicator)
        return pg.Export(frame, f"{info.get('label') or f.indicator} 按{axis}（{year}年）", [i for r in facts for i in r],
                         source=ch.source_line(len(data), int(data["n_mentions"].sum()) if len(data) else 0))

    def point(graph_id, pt, f, year, status, basis, opts):
        custom = pt.get("customdata") or []
        if custom and custom[0] is not None:
            return [int(custom[0])], f"{pt.get('x')} · {year}年"
        return [], ""

    pg.register_common(prefix, graphs, export, point,
                       url_extra={"year": (f"{prefix}-year", "value"), "status": (f"{prefix}-status", "value"),
                                  "basis": (f"{prefix}-basis", "value"), "opts": (f"{prefix}-opts", "value")},
                       extra_states=place_states)
