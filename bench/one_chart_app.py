"""The floor for bench_dashboard.py: a Dash app with one dcc.Graph filled by one callback, nothing else.

    python bench/one_chart_app.py --port 8060
"""
from __future__ import annotations

import argparse

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html


def create_app() -> Dash:
    app = Dash(__name__, title="one chart")
    app.layout = html.Div([dcc.Store(id="go", data=1), dcc.Graph(id="graph")])

    @app.callback(Output("graph", "figure"), Input("go", "data"))
    def draw(_):
        return go.Figure(go.Scatter(x=list(range(2010, 2024)), y=[v * v for v in range(14)], mode="lines+markers"))

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8060)
    args = parser.parse_args()
    create_app().run(host="127.0.0.1", port=args.port, debug=False)
