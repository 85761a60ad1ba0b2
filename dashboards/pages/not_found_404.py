"""Shown for an unknown address."""
import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", title="未找到页面")

layout = html.Div([html.H2("未找到该页面 Page not found"),
                   html.P(["地址不存在。返回 ", dcc.Link("总览", href="/"), "。"])], className="page")
