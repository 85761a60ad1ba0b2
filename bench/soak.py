"""Soak: 5,000 requests from 20 concurrent loopback clients against `python app.py` (gunicorn), mixing page
renders, the pages' callbacks and SQL (a few of them attacks), with a rebuild swapped in underneath.

Reports errors (anything but HTTP 200/204, or a traceback), latency (p50/p95/p99, overall and per kind) and
the RSS of the server's processes (gunicorn master + workers; sandbox children apart) over the run.

    python3 bench/soak.py [--requests 5000] [--clients 20] [--json out.json]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sql_attacks import ATTACKS, _rss, server_processes, sql_body  # noqa: E402
from etl import sqlguard  # noqa: E402
from tests.browser_support import AppServer  # noqa: E402

PAGES = ["/", "/trends", "/regions", "/partners", "/figures", "/documents", "/sql", "/no-such-page"]
SEARCHES = ["", "?metric=investment", "?metric=projects&region=喀什", "?y0=2015&y1=2018", "?partner=广东",
            "?q_text=SELECT%201", "?metric=' OR 1=1 --"]
QUERIES = list(sqlguard.EXAMPLE_QUERIES.values()) + [
    "SELECT count(*) FROM figures", "SELECT metric, count(*) FROM figures GROUP BY ALL ORDER BY 1",
    "SELECT * FROM documents LIMIT 5", "SUMMARIZE metrics", "SELECT 1"]
SOAK_ATTACKS = [ATTACKS[k] for k in ("SELECT + 3,000 (", "length(repeat('x', 3e9))", "list_sort(range(3e8))",
                                     "EXPLAIN (ANALYZE '/*') CREATE … '*/", "UPDATE EXTENSIONS",
                                     "runs forever (cross join)", "20,000 SELECT 1 UNION ALL")]


def page_body(path: str, search: str) -> dict:
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"]}


def callback_body(dep: dict, rng: random.Random) -> dict:
    outputs = dep["output"][2:-2].split("...") if dep["output"].startswith("..") else [dep["output"]]
    outs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in outputs]
    value = rng.choice([None, None, "investment", "喀什", 2016, [2015, 2018], 1, "x" * 50])
    return {"output": dep["output"], "outputs": outs if len(outs) > 1 else outs[0],
            "inputs": [{**i, "value": value} for i in dep["inputs"]],
            "state": [{**s, "value": None} for s in dep.get("state", [])],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"][:1]]}


class Soak:
    def __init__(self, server, total: int, clients: int, seed: int = 5000):
        self.server, self.total, self.clients = server, total, clients
        self.lock = threading.Lock()
        self.sent = 0
        self.results: list[tuple[str, float, int]] = []
        self.errors: list[str] = []
        self.rng = random.Random(seed)
        deps = requests.get(server.url("/_dash-dependencies"), timeout=30).json()
        self.deps = [d for d in deps if not d.get("clientside_function") and "_pages_content" not in d["output"]
                     and "sql-" not in d["output"] and "download" not in d["output"]]

    def next_request(self, rng: random.Random):
        roll = rng.random()
        url = self.server.url("/_dash-update-component")
        if roll < 0.10:
            return "get", "GET", self.server.url(rng.choice(PAGES) + rng.choice(SEARCHES)), None
        if roll < 0.35:
            return "page", "POST", url, page_body(rng.choice(PAGES), rng.choice(SEARCHES))
        if roll < 0.70:
            return "callback", "POST", url, callback_body(rng.choice(self.deps), rng)
        if roll < 0.98:
            return "sql", "POST", url, sql_body(rng.choice(QUERIES))
        return "sql attack", "POST", url, sql_body(rng.choice(SOAK_ATTACKS))

    def client(self, seed: int):
        rng = random.Random(seed)
        session = requests.Session()
        session.get(self.server.url("/"), timeout=30)
        while True:
            with self.lock:
                if self.sent >= self.total:
                    return
                self.sent += 1
            kind, method, url, body = self.next_request(rng)
            started = time.monotonic()
            try:
                resp = session.request(method, url, json=body, timeout=120)
                status, text = resp.status_code, resp.text
            except requests.RequestException as exc:
                status, text = 0, str(exc)
            took = time.monotonic() - started
            with self.lock:
                self.results.append((kind, took, status))
                if status not in (200, 204) or "Traceback" in text:
                    self.errors.append(f"{kind} HTTP {status}: {text[:120]}")

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(self.clients)]
        for t in threads:
            t.start()
        return threads


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    try:
        raw = work / "raw"
        shutil.copytree(ROOT / "data" / "raw", raw)
        db = work / "yearbook.duckdb"
        from etl.build import build
        build(raw, db, progress=False, log=io.StringIO())
        with AppServer(db, extra_args=["--no-kaleido-warmup"]) as server:
            warm = Soak(server, 300, 5, seed=1)                      # imports, caches, sandbox children
            for t in warm.run():
                t.join()
            time.sleep(1)
            memory, sandbox_peak, stop = [], [0], threading.Event()

            def sample():
                while not stop.is_set():
                    own, sandboxes = server_processes(server)
                    memory.append((time.monotonic(), _rss(own)))
                    sandbox_peak[0] = max([sandbox_peak[0]] + [_rss([p]) for p in sandboxes])
                    time.sleep(0.5)
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            soak = Soak(server, args.requests, args.clients)
            started = time.monotonic()
            threads = soak.run()
            while soak.sent < args.requests * 0.4:
                time.sleep(0.2)
            inode = os.stat(db).st_ino
            rebuild_started = time.monotonic()
            rebuild = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db),
                                      "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=600)
            rebuild_s = time.monotonic() - rebuild_started
            swapped = rebuild.returncode == 0 and os.stat(db).st_ino != inode
            for t in threads:
                t.join()
            took = time.monotonic() - started
            stop.set()
            sampler.join(5)
            log_clean = "Traceback" not in server.log()
        times = [t for _, t, _ in soak.results]
        kinds = sorted({k for k, _, _ in soak.results})
        mib = [m / 2**20 for _, m in memory]
        third = max(1, len(mib) // 3)
        report = {
            "requests": len(soak.results), "clients": args.clients, "seconds": round(took, 1),
            "per_second": round(len(soak.results) / took, 1), "errors": len(soak.errors),
            "p50_s": round(percentile(times, 0.50), 3), "p95_s": round(percentile(times, 0.95), 3),
            "p99_s": round(percentile(times, 0.99), 3), "max_s": round(max(times), 2),
            "by_kind": {k: {"n": sum(1 for kk, _, _ in soak.results if kk == k),
                            "p50_s": round(percentile([t for kk, t, _ in soak.results if kk == k], 0.5), 3),
                            "p95_s": round(percentile([t for kk, t, _ in soak.results if kk == k], 0.95), 3)}
                        for k in kinds},
            "rebuild": {"ok": rebuild.returncode == 0, "swapped_in": swapped, "seconds": round(rebuild_s, 1)},
            "server_rss_mib": {"start": round(mib[0]), "max": round(max(mib)), "end": round(mib[-1]),
                               "first_third_mean": round(statistics.mean(mib[:third])),
                               "last_third_mean": round(statistics.mean(mib[-third:]))},
            "sandbox_child_peak_mib": round(sandbox_peak[0] / 2**20), "server_log_clean": log_clean,
            "first_errors": soak.errors[:5],
        }
        print(json.dumps(report, ensure_ascii=False, indent=1))
        if args.json:
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        return 0 if not soak.errors and swapped and log_clean else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
