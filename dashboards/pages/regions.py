"""地区 Regions: the chosen indicator across Xinjiang regions, one fact per region for one year."""
from __future__ import annotations

import dash
from dash import html

from .. import _page as pg
from .. import _place as place

dash.register_page(__name__, path="/regions", name="地区", title="地区 · 科技援疆数据", order=2)
P = "regions"


def layout(**query):
    body = [pg.chart_block(f"{P}-graph"), html.Div(id=f"{P}-table")]
    return pg.skeleton(P, "地区", "所选指标在新疆各地州市（兵团单列）当年的事实，“全疆”为全区的值（不是各地区之和）。"
                       "一个值远大于其他时可用对数坐标或排除全疆；点击柱或表格行查看出处。", query, body,
                       place.controls(P, query, "region"))


place.register(P, "region", "地区")
