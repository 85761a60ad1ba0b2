"""文档 Documents: the loaded files, their status and figure counts, and coverage matrices that tell a
reported zero from 'not reported' (no document for the year) and 'not extracted'."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html, no_update

from .. import _charts as ch
from .. import _filters as flt
from .. import _page as pg
from .. import _queries as q
from .. import _locale

dash.register_page(__name__, path="/documents", name="文档", title="文档 · 科技援疆数据", order=6)
P = "documents"
STATES = [("未报告（该年没有文档）", "#eeeeee"), ("未提取（有文档，未抽取到）", "#f6c28b"),
          ("文档读取失败", "#e06666"), ("报告为零", "#9fc5e8"), ("有数字", "#2e6da4")]
STATE_LEGEND = [html.Span([html.Span("■", style={"color": c}), f" {name}"], className="legend-item")
                for name, c in STATES]
STATUS_ZH = {"ok": "已载入", "duplicate": "重复", "empty": "空文件", "binary": "二进制", "error": "错误"}
COLUMNS = [{"field": "status_zh", "headerName": "状态", "width": 90}, {"field": "file_name", "headerName": "文件"},
           {"field": "title", "headerName": "标题", "width": 280}, {"field": "year", "headerName": "年份", "width": 90},
           {"field": "n_figures", "headerName": "数字条数", "width": 100}, {"field": "n_chars", "headerName": "字数",
                                                                            "width": 90},
           {"field": "encoding", "headerName": "编码", "width": 100}, {"field": "error", "headerName": "错误/说明",
                                                                         "width": 320}]


def _state(n, zero, docs_ok, docs_failed) -> int:
    if n > 0:
        return 3 if zero == n else 4
    if docs_ok > 0:
        return 1
    return 2 if docs_failed > 0 else 0


def coverage_figure(cells: pd.DataFrame, rows: str, f: q.Filters, title: str) -> go.Figure:
    if cells.empty:
        return ch.empty(title, f, "当前筛选条件下没有年份可显示：请放宽年份范围。")
    cells = cells.assign(state=[_state(*v) for v in cells[["n_figures", "n_zero", "docs_ok", "docs_failed"]]
                                .itertuples(index=False)])
    z = cells.pivot_table(index=rows, columns="year", values="state", aggfunc="max", sort=False)
    n = cells.pivot_table(index=rows, columns="year", values="n_figures", aggfunc="sum", sort=False).reindex_like(z)
    text = [[(str(int(c)) if s >= 3 else "") for s, c in zip(zr, nr)] for zr, nr in zip(z.to_numpy(), n.to_numpy())]
    hover = [[f"{r} · {y}年：{STATES[int(s)][0]}，{int(c)} 条" for y, s, c in zip(z.columns, zr, nr)]
             for r, zr, nr in zip(z.index, z.to_numpy(), n.to_numpy())]
    scale = []
    for i, (_, colour) in enumerate(STATES):
        scale += [[i / len(STATES), colour], [(i + 1) / len(STATES), colour]]
    keys = cells.drop_duplicates(rows).set_index(rows)["key"].reindex(z.index) if "key" in cells else z.index.to_series()
    custom = [[[k, int(y)] for y in z.columns] for k in keys]
    fig = go.Figure(go.Heatmap(z=z.to_numpy(), x=[int(c) for c in z.columns], y=list(z.index), text=text,
                               customdata=custom, xgap=1, ygap=1,
                               texttemplate="%{text}", hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
                               zmin=-0.5, zmax=len(STATES) - 0.5, colorscale=scale, showscale=False))
    fig.update_xaxes(title=None, tickformat="d", dtick=1 if len(z.columns) <= 16 else 2, type="linear")
    fig.update_yaxes(type="category", autorange="reversed")
    legend = "；".join(f"{k + 1}. {name}" for k, (name, _) in enumerate(STATES))
    return ch.finish(fig, title, "颜色由浅到深：" + legend, f, ch.source_line(None) + f" · 本图 {int(cells['n_figures'].sum()):,} 条数字",
                     height=max(300, 24 * len(z) + 110))


def _years(f: q.Filters, cells: pd.DataFrame, docs: pd.DataFrame) -> list[int]:
    known = set(docs["year"].astype(int)) | set(cells["year"].astype(int))
    years = range(min(known), max(known) + 1) if known else []  # every year, so a gap shows as a gap
    return [y for y in years if (f.year_from is None or y >= f.year_from) and (f.year_to is None or y <= f.year_to)]


def _grid(rows: list, years: list[int], name: str, counts: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([rows, years], names=[name, "year"]).to_frame(index=False)
    out = grid.merge(counts, how="left", on=[name, "year"]).merge(docs, how="left", on="year")
    return out.fillna({"n_figures": 0, "n_zero": 0, "docs_ok": 0, "docs_failed": 0})


def metric_cells(f: q.Filters, cells: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Every metric x year, with the documents of the year, for the coverage matrix."""
    metrics = q.metrics()
    counts = cells.groupby(["metric", "year"], as_index=False)[["n_figures", "n_zero"]].sum()
    out = _grid(metrics["metric"].tolist(), _years(f, cells, docs), "metric", counts, docs)
    labels = q.metric_labels()
    return out.assign(row=out["metric"].map(lambda m: labels.get(m, m)), key=out["metric"])


def region_cells(f: q.Filters, cells: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Every region x year for the selected metric."""
    family = q.indicator_info(f.indicator).get("metric") if f.indicator else None
    mine = cells[cells["metric"] == family] if family else cells
    counts = mine.groupby(["region", "year"], as_index=False)[["n_figures", "n_zero"]].sum()
    regions = sorted(set(mine["region"])) or ["全疆/未指明"]
    out = _grid(regions, _years(f, cells, docs), "region", counts, docs)
    return out.assign(key=out["region"])


def documents_frame() -> pd.DataFrame:
    docs = q.documents()
    return docs.assign(status_zh=docs["status"].map(lambda s: STATUS_ZH.get(s, s)))


def table(f: q.Filters):
    docs = documents_frame()
    out = docs[["status_zh", "file_name", "title", "year", "n_figures", "n_chars", "encoding", "error", "source"]]
    renamed = out.rename(columns={"status_zh": "状态", "file_name": "文件", "title": "标题", "year": "年份",
                                  "n_figures": "数字条数", "n_chars": "字数", "encoding": "编码", "error": "错误/说明",
                                  "source": "来源"})
    sources = out.rename(columns={"title": "文档", "year": "年份", "source": "来源", "file_name": "文件"})[
        ["文档", "文件", "年份", "来源"]]
    return pg.Export(renamed, "文档列表", [], aggregate=True)


def documents_view() -> tuple[list[dict], str]:
    """Grid rows and the one-line summary of the documents table."""
    docs = documents_frame()
    counts = docs["status_zh"].value_counts()
    summary = f"共 {len(docs)} 个文件：" + "，".join(f"{k} {v}" for k, v in counts.items()) if len(docs) else \
        "数据库中没有文档：请检查 data/raw/ 并重新运行 python -m etl build。"
    shown = docs.drop(columns=["source"])
    return shown.astype(object).where(shown.notna(), None).to_dict("records"), summary


def layout(**query):
    body = [html.Div(id=f"{P}-summary", className="hint"), html.Div(id=f"{P}-grid-box", className="grid-box"),
            html.Div(STATE_LEGEND, className="state-legend"),
            pg.chart_block(f"{P}-coverage"), pg.chart_block(f"{P}-regions")]
    return pg.skeleton(P, "文档", "已读取的文档、状态（错误会列出原因）和数字条数；覆盖矩阵区分“报告为零”、"
                       "“未报告（该年没有文档）”与“未提取（有文档但没有抽取到）”。", query, body)


@callback(Output(f"{P}-grid-box", "children"), Output(f"{P}-summary", "children"), Input(f"{P}-coverage", "figure"),
          State(f"{P}-grid-box", "children"))
def documents_list(_, current):
    """Once per page load, after the first chart (the grid's own script then does not hold the chart up); the
    file list does not depend on the filters."""
    if current:
        return no_update, no_update
    try:
        rows, summary = documents_view()
    except q.DatabaseUnavailable as exc:
        return [], pg.error_box(exc)
    return dag.AgGrid(id=f"{P}-grid", columnDefs=COLUMNS, rowData=rows, defaultColDef={"sortable": True,
                      "filter": True, "resizable": True}, style={"height": "320px"}, className="ag-theme-alpine",
                      dashGridOptions={"localeText": _locale.ag_grid()}), summary


@callback(Output(f"{P}-coverage", "figure"), Output(f"{P}-regions", "figure"), *pg.filter_inputs(P))
def update(indicator, unit, years, region, partner):
    f = flt.filters_from_values(indicator, unit, years, region, partner)
    try:
        cells, doc_years = q.coverage_cells(f), q.document_years()
        return (coverage_figure(metric_cells(f, cells, doc_years), "row", f, "覆盖：指标 × 年份（数字条数）"),
                coverage_figure(region_cells(f, cells, doc_years), "region", f,
                                f"覆盖：地区 × 年份（{q.metric_labels().get(q.indicator_info(f.indicator).get('metric'), '全部指标')}的数字条数）"))
    except q.DatabaseUnavailable as exc:
        return ch.empty("覆盖", f, str(exc)), ch.empty("覆盖", f, str(exc))


def _point(graph_id, point, f):
    """A coverage cell -> the facts of its mentions (metric or region, and year)."""
    key, year = (point.get("customdata") or [None, point.get("x")])[:2]
    column = "metric" if graph_id.endswith("coverage") else "region"
    ids = q.cell_facts(f, column, key, int(year), limit=10)
    return ids, f"{key} · {year}年（列出 {len(ids)} 条事实，最多 10 条）"


pg.register_common(P, [f"{P}-coverage", f"{P}-regions"], table, _point)
