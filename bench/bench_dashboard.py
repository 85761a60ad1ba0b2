"""Latency of every dashboard callback at 1,000,000 figures, and time to first render of each page.

    python bench/bench_dashboard.py [--db bench/out/large.duckdb] [--figures 1000000] [--runs 21] [--no-browser]

Callbacks are timed through Dash's own HTTP endpoint (/_dash-update-component, Flask test client, JSON
in and out) with the query cache emptied before every call, so each number is an uncached answer (the
document texts and the image renderer are warmed first, as app.py does at start); the inputs rotate over
metrics, year ranges, regions and sort orders. Page timings open each page in headless Chromium
against a real server and wait until every callback has answered. Prints a table; writes JSON beside the DB.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["/", "/trends", "/regions", "/partners", "/figures", "/documents"]
METRICS = ["investment", "projects", "trainees", "patents", "fund_size", "enterprises", "other"]
UNITS = {"investment": "万元", "projects": "项", "trainees": "人", "patents": "项", "fund_size": "万元",
         "enterprises": "家", "other": "个"}
YEARS = [[2010, 2023], [2012, 2018], [2015, 2015], [2009, 2023]]
REGIONS = [[], ["喀什"], ["乌鲁木齐", "__none__"], []]
SCOPES = ["", "program", "", "project"]


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

    def value(self, cid: str, prop: str, k: int, trigger: str | None):
        metric = METRICS[k % len(METRICS)]
        name = cid.rsplit("-", 1)[-1]
        if cid == "_pages_location":
            return {"pathname": PAGES[k % len(PAGES)], "search": "", "href": None}.get(prop)
        if prop == "n_clicks":
            return 1 if cid == trigger else 0
        fixed = {"metric": metric, "unit": UNITS[metric], "years": YEARS[k % 4], "region": REGIONS[k % 4],
                 "partner": [] if k % 3 else ["广东"], "scope": SCOPES[k % 4], "split": ["", "region", "partner"][k % 3],
                 "kind": "line"}
        if prop == "value" and name in fixed:
            return fixed[name]
        if prop == "clickData":
            x = 2010 + k % 14
            if cid.endswith("matrix"):
                return {"points": [{"x": "喀什", "y": "广东"}]}
            if cid == "documents-coverage":
                return {"points": [{"x": x, "customdata": [METRICS[k % len(METRICS)], x]}]}
            if cid == "documents-regions":
                return {"points": [{"x": x, "customdata": ["喀什", x]}]}
            col = {"regions": "region", "partners": "partner"}.get(cid.split("-")[0])
            if col:  # bar of regions or partners
                name = "喀什" if col == "region" else "广东"
                return {"points": [{"x": name, "customdata": [col, name]}]}
            split = ["", "region", "partner"][k % 3]  # trends / overview line: a year, maybe a split group
            return {"points": [{"x": x, "customdata": [split, "广东" if split == "partner" else "喀什"]}]}
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
        fill = lambda items: [{"id": i["id"], "property": i["property"],  # noqa: E731
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
            buttons = [i for i in dep["inputs"] if i["property"] == "n_clicks"]
            if buttons:
                for b in buttons:
                    yield f"{b['id']}", dep, b
            elif any(i["property"] == "clickData" for i in dep["inputs"]):
                for i in dep["inputs"]:
                    yield f"{i['id']}.clickData -> source", dep, i
            elif any(i["id"] == "_pages_location" for i in dep["inputs"]):
                yield "page layout (router, rotating over the pages)", dep, None
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


def page_timings(db: Path, loads: int) -> list[dict]:
    from tests.browser_support import AppServer, chromium, new_page, wait_for_dash
    out = []
    with AppServer(db, timeout=120) as server, chromium() as browser:
        for path in PAGES:
            times = []
            for _ in range(loads):
                page = new_page(browser)
                start = time.perf_counter()
                page.goto(server.url(path), wait_until="domcontentloaded")
                wait_for_dash(page, timeout=60_000)
                if path == "/figures":
                    page.wait_for_selector("#figures-grid .ag-row", timeout=60_000)
                times.append((time.perf_counter() - start) * 1000)
                page.close()
            out.append({"page": path, "first_ms": times[0], "median_ms": statistics.median(times), "loads": loads})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "large.duckdb")
    parser.add_argument("--figures", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--export-runs", type=int, default=7)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    db = ensure_db(args.db, args.figures)
    import app as app_module
    dash_app = app_module.create_app(db)
    app_module.warm_up(kaleido=True)  # what `python app.py` does in the background at start
    from dashboards import _queries as q
    n = q.totals()["n_figures"]
    bench = CallbackBench(dash_app)
    results = bench.run(args.runs, args.export_runs)
    print(f"\nCallback latency, uncached, {n:,} figures ({db})")
    print(f"{'callback':62} {'runs':>4} {'median ms':>10} {'p95 ms':>8}  status")
    for r in results:
        flag = "" if r["median_ms"] < 200 else "  <-- over 200 ms"
        print(f"{r['callback'][:62]:62} {r['runs']:>4} {r['median_ms']:>10.1f} {r['p95_ms']:>8.1f}  {r['status']}{flag}")
    pages = [] if args.no_browser else page_timings(db, args.loads)
    if pages:
        print("\nTime to first render in headless Chromium (all callbacks answered)")
        for p in pages:
            print(f"{p['page']:12} first {p['first_ms']:8.0f} ms   median of {p['loads']} {p['median_ms']:8.0f} ms")
    out = db.with_suffix(".bench.json")
    out.write_text(json.dumps({"n_figures": n, "callbacks": results, "pages": pages}, ensure_ascii=False, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
