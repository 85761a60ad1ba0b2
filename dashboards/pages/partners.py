"""援疆省市 Partners: the chosen indicator across partner provinces, and the partner -> region facts."""
from __future__ import annotations

import dash
from dash import html

from .. import _charts as ch
from .. import _page as pg
from .. import _place as place
from .. import _queries as q

dash.register_page(__name__, path="/partners", name="援疆省市", title="援疆省市 · 科技援疆数据", order=3)
P = "partners"


def layout(**query):
    body = [pg.chart_block(f"{P}-graph"), pg.chart_block(f"{P}-matrix"), html.Div(id=f"{P}-table")]
    return pg.skeleton(P, "援疆省市", "各援疆省市当年的事实，以及同时写明援疆省市和受援地区的事实（如 广东 → 喀什）。"
                       "点击柱、格子或表格行查看出处。", query, body, place.controls(P, query, "partner"))


def matrix(f, info, year, status, basis):
    year = place.flt._int(year)
    if year is None:
        return [ch.empty("援疆省市 → 受援地区", f, ch.no_data_reason(f))]
    cells = q.fact_cells(f, "link", ["partner", "region"], status if status in q.STATUSES else "actual",
                         basis if basis in q.BASES else None, int(year))
    return [ch.matrix_figure(cells, f, info, year)]


place.register(P, "partner", "援疆省市", [f"{P}-matrix"], matrix)
