"""Latency of every dashboard callback at 1,000,000 figures, and a cold browser's time to the first chart of
each page against a one-chart Dash app in the same run.

    python bench/bench_dashboard.py [--db bench/out/large.duckdb] [--figures 1000000] [--runs 21] [--no-browser]

Callbacks are timed through Dash's own HTTP endpoint (/_dash-update-component, Flask test client, JSON
in and out) with the query cache emptied before every call, so each number is an uncached answer (the
document texts and the image renderer are warmed first, as app.py does at start); the inputs rotate over
indicators, year ranges, regions, splits and sort orders. Cold first chart: a fresh headless Chromium
(new profile, empty cache) per load opens the page and waits until the first chart has drawn its data (the
first grid row on /figures, the first table row on /pivot); bench/one_chart_app.py (one dcc.Graph, one
callback) is loaded the same way, alternating with the pages, and each page's median is divided by its
median. Prints tables; writes JSON beside the DB.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["/", "/trends", "/regions", "/partners", "/pivot", "/figures", "/documents"]
TIMEOUT = 120_000
FIRST_DATA = {"/figures": "#figures-grid .ag-row", "/pivot": "#pivot-data tbody tr"}
INDICATORS = ["aid_projects", "planned_investment", "aid_funds", "contract_amount", "results_patents", "trainees",
              "fund_size", "sme_count", "incubators"]
UNITS = {"aid_projects": "项", "planned_investment": "万元", "aid_funds": "万元", "contract_amount": "万美元",
         "results_patents": "项", "trainees": "人", "fund_size": "万元", "sme_count": "家", "incubators": "个"}
YEARS = [[2010, 2023], [2012, 2018], [2015, 2015], [2009, 2023]]
REGIONS = [[], ["喀什"], ["乌鲁木齐", "__none__"], []]


def ensure_db(path: Path, n: int) -> Path:
    if not path.exists():
        from bench.make_large_db import make_db  # noqa: WPS433
        print(f"generating {path} with {n:,} figures ...", file=sys.stderr)
        make_db(n, path)
    return path


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class CallbackBench:
    """Builds a request for each server-side callback from /_dash-dependencies and times it."""

    def __init__(self, app):
        self.client = app.server.test_client()
        for page in PAGES:  # layouts register nothing, but this warms imports and the option queries
            self.client.get(page)
        deps = self.client.get("/_dash-dependencies").get_json()
        # server-side callbacks of the pages in this benchmark (the SQL page has its owner's benchmark)
        self.deps = [d for d in deps if not d.get("clientside_function") and not d["output"].lstrip(".").startswith("sql-")
                     and not any(i["id"].startswith("sql-") for i in d["inputs"])]
        self.seen: dict[tuple[str, str], object] = {}
        from dashboards import _queries as q
        self.q = q
        ids = q.DB.frame("SELECT figure_id FROM figures WHERE conflict LIMIT 5").figure_id.tolist()
        self.ids = ids + q.DB.frame("SELECT figure_id FROM figures USING SAMPLE 15 ROWS (reservoir, 1)").figure_id.tolist()
        self.facts = q.DB.frame("SELECT fact_id FROM facts WHERE n_mentions > 1 LIMIT 20").fact_id.tolist()

    def value(self, cid: str, prop: str, k: int, trigger: str | None):
        indicator = INDICATORS[k % len(INDICATORS)]
        name = cid.rsplit("-", 1)[-1]
        if cid == "_pages_location":
            return {"pathname": PAGES[k % len(PAGES)], "search": "", "href": None}.get(prop)
        if prop == "n_clicks":
            return 1 if cid == trigger else 0
        fixed = {"indicator": indicator, "unit": UNITS[indicator], "years": YEARS[k % 4], "region": REGIONS[k % 4],
                 "partner": [] if k % 3 else ["广东"], "split": ["", "region", "partner"][k % 3], "kind": "line",
                 "year": 2010 + k % 14, "status": "actual", "basis": ["flow", None][k % 2], "opts": [[], ["log"]][k % 2],
                 "rows": ["region", "year", "partner"][k % 3], "cols": ["year", "region", "year"][k % 3]}
        if prop == "value" and name in fixed:
            return fixed[name]
        if prop == "clickData":
            fact = self.facts[k % len(self.facts)]
            if cid == "documents-coverage":
                return {"points": [{"x": 2010 + k % 14, "customdata": ["investment", 2010 + k % 14]}]}
            if cid == "documents-regions":
                return {"points": [{"x": 2010 + k % 14, "customdata": ["喀什", 2010 + k % 14]}]}
            if k % 4 == 3 and cid in ("trends-graph", "overview-graph"):   # a 合计 point: the facts it adds
                return {"points": [{"x": 2012, "customdata": [2012, "total"]}]}
            return {"points": [{"x": 2012, "customdata": [fact, "fact"]}]}
        if prop == "getRowsRequest":
            sort = [[], [{"colId": "value_norm", "sort": "desc"}], [{"colId": "year", "sort": "asc"}]][k % 3]
            filt = {} if k % 2 else {"sentence": {"filterType": "text", "type": "contains", "filter": "喀什"}}
            return {"startRow": 100 * (k % 5), "endRow": 100 * (k % 5) + 100, "sortModel": sort, "filterModel": filt}
        if prop == "selectedRows":
            return [{"figure_id": i} for i in self.ids[: 1 + k % 10]]
        if name == "selected" and prop == "data":
            return self.ids[: 1 + k % 10]
        if name == "request" and prop == "data":
            return {"sortModel": [{"colId": "value_norm", "sort": "desc"}], "filterModel": {}}
        return self.seen.get((cid, prop))

    def payload(self, dep: dict, k: int, trigger: dict | None = None):
        trig = trigger or dep["inputs"][0]
        outs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
                for o in dep["output"].strip(".").split("...")] if dep["output"].startswith("..") else \
            {"id": dep["output"].rsplit(".", 1)[0], "property": dep["output"].rsplit(".", 1)[1]}
        tid = trig["id"]
        fill = lambda items: [[] if i["id"].startswith("{") else  # noqa: E731  (table rows: none matched)
                              {"id": i["id"], "property": i["property"],
                               "value": self.value(i["id"], i["property"], k, tid)} for i in items]
        return {"output": dep["output"], "outputs": outs, "inputs": fill(dep["inputs"]), "state": fill(dep["state"]),
                "changedPropIds": [f"{tid}.{trig['property']}"]}

    def call(self, dep: dict, k: int, trigger: dict | None = None) -> tuple[float, int]:
        body = self.payload(dep, k, trigger)
        self.q.DB._cache.clear()
        start = time.perf_counter()
        resp = self.client.post("/_dash-update-component", json=body)
        elapsed = (time.perf_counter() - start) * 1000
        if resp.status_code == 200:
            for cid, props in (resp.get_json() or {}).get("response", {}).items():
                for prop, val in props.items():
                    self.seen[(cid, prop)] = val
        return elapsed, resp.status_code

    def cases(self):
        """(label, dep, trigger): each export button separately, every other callback once."""
        for dep in self.deps:
            buttons = [i for i in dep["inputs"] if i["property"] == "n_clicks" and not i["id"].startswith("{")]
            if buttons:
                for b in buttons:
                    yield f"{b['id']}", dep, b
            elif any(i["property"] == "clickData" for i in dep["inputs"]):
                for i in dep["inputs"]:
                    if i["property"] == "clickData":
                        yield f"{i['id']}.clickData -> source", dep, i
            elif any(i["id"] == "_pages_location" for i in dep["inputs"]):
                yield "page layout (router, rotating over the pages)", dep, None
            elif any(i["id"].startswith("{") for i in dep["inputs"]):
                continue                                   # a table row click: the same work as a chart click
            else:
                yield f"{dep['output'][:60]}", dep, None

    def run(self, runs: int, export_runs: int) -> list[dict]:
        results = []
        cases = list(self.cases())
        # main page callbacks first so that figure states exist for the chart exports
        cases.sort(key=lambda c: ("export" in c[0], "clickData" in c[0]))
        for label, dep, trig in cases:
            n = export_runs if "export" in label else runs
            times, codes = [], set()
            for k in range(n):
                t, code = self.call(dep, k, trig)
                times.append(t)
                codes.add(code)
            results.append({"callback": label, "runs": n, "median_ms": statistics.median(times),
                            "p95_ms": _percentile(times, 0.95), "max_ms": max(times), "status": sorted(codes)})
        return results


def _first_chart(browser_factory, url: str, selector: str | None) -> float:
    """ms from navigation to the first chart drawn with data (or selector), in a fresh browser."""
    with browser_factory() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        if selector:
            page.wait_for_selector(selector, timeout=TIMEOUT)
        else:
            page.wait_for_function("() => { const gd = document.querySelector('.js-plotly-plot');"
                                   " return gd && gd._fullData && gd._fullData.length && gd._fullData[0].x &&"
                                   " document.querySelector('.js-plotly-plot .trace, .js-plotly-plot .hm'); }",
                                   timeout=TIMEOUT, polling=20)
        elapsed = (time.perf_counter() - start) * 1000
        page.close()
    return elapsed


def page_timings(db: Path, loads: int) -> dict:
    """Cold first chart of every page and of the one-chart app, alternating, `loads` times each."""
    import subprocess

    from tests.browser_support import AppServer, chromium, free_port
    port = free_port()
    floor = subprocess.Popen([sys.executable, str(ROOT / "bench" / "one_chart_app.py"), "--port", str(port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_times: list[float] = []
    pages: dict[str, list[float]] = {p: [] for p in PAGES}
    try:
        with AppServer(db, timeout=180) as server:
            for url in [server.url(p) for p in PAGES] + [f"http://127.0.0.1:{port}/"]:   # warm the servers
                try:
                    _first_chart(chromium, url, FIRST_DATA.get(urlparse_path(url)))
                except Exception:  # noqa: BLE001 - a warm-up only
                    pass
            for _ in range(loads):
                for path in PAGES:
                    base_times.append(_first_chart(chromium, f"http://127.0.0.1:{port}/", None))
                    pages[path].append(_first_chart(chromium, server.url(path), FIRST_DATA.get(path)))
    finally:
        floor.terminate()
        floor.wait(timeout=10)
    base = statistics.median(base_times)
    rows = [{"page": p, "median_ms": statistics.median(t), "runs": len(t), "ratio": statistics.median(t) / base}
            for p, t in pages.items()]
    return {"one_chart_app_median_ms": base, "one_chart_app_runs": len(base_times), "pages": rows}


def urlparse_path(url: str) -> str:
    from urllib.parse import urlparse
    return urlparse(url).path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "large.duckdb")
    parser.add_argument("--figures", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--export-runs", type=int, default=7)
    parser.add_argument("--loads", type=int, default=3, help="cold loads of each page (and as many of the floor)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-callbacks", action="store_true", help="only the cold first-chart timings")
    args = parser.parse_args(argv)
    db = ensure_db(args.db, args.figures)
    import app as app_module
    dash_app = app_module.create_app(db)
    app_module.warm_up(kaleido=True)  # what `python app.py` does in the background at start
    from dashboards import _queries as q
    n = q.totals()["n_figures"]
    bench = CallbackBench(dash_app)
    load_before = os.getloadavg()
    results = [] if args.no_callbacks else bench.run(args.runs, args.export_runs)
    print(f"\nCallback latency, uncached, {n:,} figures ({db}); load average before {load_before[0]:.1f}, "
          f"after {os.getloadavg()[0]:.1f}")
    print(f"{'callback':62} {'runs':>4} {'median ms':>10} {'p95 ms':>8}  status")
    for r in results:
        flag = "" if r["median_ms"] < 100 and r["p95_ms"] < 250 else "  <-- over 100 ms median or 250 ms p95"
        print(f"{r['callback'][:62]:62} {r['runs']:>4} {r['median_ms']:>10.1f} {r['p95_ms']:>8.1f}  {r['status']}{flag}")
    load_pages = os.getloadavg()
    pages = {} if args.no_browser else page_timings(db, args.loads)
    if pages:
        pages["load_average"] = [round(load_pages[0], 1), round(os.getloadavg()[0], 1)]
    if pages:
        print(f"\nCold browser, first chart drawn (median of {args.loads}); one-chart Dash app "
              f"{pages['one_chart_app_median_ms']:.0f} ms (median of {pages['one_chart_app_runs']}); load average "
              f"{pages['load_average'][0]} -> {pages['load_average'][1]}")
        for p in pages["pages"]:
            flag = "" if p["ratio"] <= 1.3 else "  <-- over 1.3x"
            print(f"{p['page']:12} {p['median_ms']:8.0f} ms   {p['ratio']:.2f}x{flag}")
    out = db.with_suffix(".bench.json")
    out.write_text(json.dumps({"n_figures": n, "load_average_before": load_before, "callbacks": results,
                               "pages": pages}, ensure_ascii=False, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
