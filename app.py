"""Serve the yearbook dashboard: python app.py [--db PATH] [--host H] [--port P] [--dev] (dashboards/serve.py)."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import dash
from dash import Dash, dcc, html

from dashboards import _queries as q
from dashboards import serve

ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "data" / "curated" / "yearbook.duckdb"
RAW_DIR = ROOT / "data" / "raw"
NAV = [("/", "总览"), ("/trends", "趋势"), ("/regions", "地区"), ("/partners", "援疆省市"), ("/pivot", "透视"),
       ("/figures", "数据"), ("/documents", "文档"), ("/sql", "查询 SQL")]


def _newest_raw_mtime(raw_dir: Path) -> float:
    times = [p.stat().st_mtime for p in raw_dir.rglob("*") if p.is_file()]
    return max(times + [raw_dir.stat().st_mtime])


def ensure_database(db: Path = DEFAULT_DB, raw_dir: Path = RAW_DIR) -> None:
    """Build the default database when it is missing or older than the raw folder."""
    if not raw_dir.is_dir() or (db.exists() and db.stat().st_mtime >= _newest_raw_mtime(raw_dir)):
        return
    print(f"building {db} from {raw_dir} ...", file=sys.stderr)
    try:
        from etl.build import build
        counts = build(raw_dir, db)
        print(f"built: {counts}", file=sys.stderr)
    except Exception as exc:  # the pages explain a missing database; serving beats dying here
        print(f"warning: could not build {db}: {type(exc).__name__}: {exc}", file=sys.stderr)


def navbar() -> html.Nav:
    """Links to the registered pages in a fixed order (/sql appears once its page module exists). The links
    carry the current filters to the next page and fold behind a menu button on a phone
    (dashboards/assets/nav.js)."""
    paths = {p["path"] for p in dash.page_registry.values()}
    links = [html.A(label, href=path, className="nav-link", **{"data-path": path}) for path, label in NAV
             if path in paths]
    return html.Nav([html.Span("新疆科技援疆数据", className="brand"),
                     html.Button("☰ 菜单", className="nav-toggle", id="nav-toggle", title="展开/收起导航",
                                 **{"aria-expanded": "false", "aria-controls": "nav-links"}),
                     html.Div(links, className="nav-links", id="nav-links")], className="navbar", id="navbar")


def preloads(app: Dash) -> str:
    """<link rel=preload> for Plotly and the dcc chunks every page mounts: the browser fetches them while Dash
    asks for the page layout, instead of after the components appear (a cold first chart comes sooner)."""
    prefix = app.config.requests_pathname_prefix or "/"
    files = ["plotly/package_data/plotly.min.js", "dash/dcc/async-graph.js", "dash/dcc/async-dropdown.js",
             "dash/dcc/async-slider.js"]   # every page has dropdowns and the year slider
    return "".join(f'<link rel="preload" as="script" href="{prefix}_dash-component-suites/{f}">' for f in files)


def create_app(db_path: str | Path) -> Dash:
    q.DB.configure(db_path)
    app = Dash(__name__, use_pages=True, pages_folder=str(ROOT / "dashboards" / "pages"),
               assets_folder=str(ROOT / "dashboards" / "assets"), suppress_callback_exceptions=True,
               title="新疆科技援疆数据", meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    app.index_string = app.index_string.replace("<html>", '<html lang="zh-CN">').replace("{%css%}", "{%css%}" + preloads(app))
    app.layout = html.Div([navbar(), html.Main(dash.page_container, className="content")])
    return app


def warm_up(kaleido: bool = True) -> None:
    """Load the document texts (for source paragraphs) and start the image renderer before anyone asks."""
    try:
        q.document_texts()
    except q.DatabaseUnavailable:
        pass
    if not kaleido:
        return
    try:
        from dashboards._exports import _ensure_kaleido, _kaleido_lock
        with _kaleido_lock:
            _ensure_kaleido()
    except Exception as exc:  # exports will report it
        print(f"warning: kaleido not started: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="新疆科技援疆数据 dashboard")
    parser.add_argument("--db", type=Path, help=f"DuckDB file (default {DEFAULT_DB.relative_to(ROOT)}, built if needed)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--no-kaleido-warmup", action="store_true", help="start the image renderer on first export")
    serve.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.db is None:
        ensure_database()
    app = create_app(args.db or DEFAULT_DB)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # clean exit, so the image renderer is closed too
    return serve.run(app, args, warm_up=lambda: warm_up(not args.no_kaleido_warmup))


if __name__ == "__main__":
    sys.exit(main())
