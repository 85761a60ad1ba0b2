"""The attacks of issue 14 at full size, against the served app (python app.py, gunicorn) and `python -m etl sql`.

For each attack: what came back and how long it took (page and CLI), the peak RSS of the server's own processes
(gunicorn master and workers; the sandbox children have their own address-space limit and are reported apart),
and the slowest `SELECT 1` of another client (its own cookie) sent every 0.2 s meanwhile. Bounded: each attack
runs once per path, at most ~10 s each; two attackers at once at the end.

    python3 bench/bench_sql_attacks.py [--db PATH] [--json out.json]
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import sqlguard  # noqa: E402
from tests.browser_support import AppServer  # noqa: E402

ATTACKS = {
    "1.8 MB of nested sub-selects": "SELECT * FROM (" * 120_000 + "SELECT 1" + ") AS t" * 120_000,
    "SELECT + 3,000 (": "SELECT " + "(" * 3000 + "1" + ")" * 3000,
    "SELECT + 10,000 (": "SELECT " + "(" * 10_000 + "1" + ")" * 10_000,
    "SELECT + 300,000 (": "SELECT " + "(" * 300_000,
    "20,000 SELECT 1 UNION ALL": " UNION ALL ".join(["SELECT 1"] * 20_000),
    "5,000 SELECT 1 UNION ALL (95 KB)": " UNION ALL ".join(["SELECT 1"] * 5_000),
    "5 MB IN (…) list": "SELECT 1 WHERE 1 IN (" + ",".join(map(str, range(700_000))) + ")",
    "length(repeat('x', 3e9))": "SELECT length(repeat('x', 3000000000))",
    "list_sort(range(3e8))": "SELECT list_sort(range(300000000))",
    "repeat('汉', 1e6) × 1,000 rows": "SELECT repeat('汉', 1000000) FROM range(1000)",
    "range(1e8) as one Python list": "SELECT range(100000000)",
    "120 KB literal of /*x": "SELECT '" + "/*x" * 40_000 + "'",
    "99 KB literal of /*x": "SELECT '" + "/*x" * 33_000 + "'",
    "EXPLAIN (ANALYZE '/*') CREATE … '*/": "EXPLAIN (ANALYZE '/*') CREATE TEMP TABLE t AS SELECT '*/) SELECT 1 --'",
    "UPDATE EXTENSIONS": "UPDATE EXTENSIONS",
    "runs forever (cross join)": "SELECT count(*) FROM range(100000000000) AS a, range(1000000) AS b",
}


def sql_body(sql: str) -> dict:
    return {"output": "..sql-grid.columnDefs...sql-grid.rowData...sql-status.children...sql-result.data..",
            "outputs": [{"id": "sql-grid", "property": "columnDefs"}, {"id": "sql-grid", "property": "rowData"},
                        {"id": "sql-status", "property": "children"}, {"id": "sql-result", "property": "data"}],
            "inputs": [{"id": "sql-run", "property": "n_clicks", "value": 1},
                       {"id": "sql-autorun", "property": "data", "value": False}],
            "state": [{"id": "sql-query", "property": "value", "value": sql}], "changedPropIds": ["sql-run.n_clicks"]}


def outcome_of(text: str, status: int) -> str:
    if status == 413:
        return "413 请求过大"
    for mark in ("嵌套过深", "查询过长", "内存超限", "超时", "已拒绝", "语法错误", "繁忙", "查询出错", "行 rows"):
        if mark in text:
            return "ok" if mark == "行 rows" else mark
    return f"HTTP {status}"


def server_processes(server) -> tuple[list[psutil.Process], list[psutil.Process]]:
    """(gunicorn master and workers, sandbox children)."""
    master = psutil.Process(server.proc.pid)
    family = [master] + master.children(recursive=True)
    sandboxes = [p for p in family if "sqlsandbox" in " ".join(_cmdline(p))]
    return [p for p in family if p not in sandboxes and "app.py" in " ".join(_cmdline(p))], sandboxes


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _rss(procs) -> int:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class Watch:
    """Samples the server's RSS and a bystander's SELECT 1 latency while an attack runs."""

    def __init__(self, server):
        self.server, self.stop = server, threading.Event()
        self.session = requests.Session()
        self.session.get(server.url("/"), timeout=10)
        self.latencies, self.server_rss, self.sandbox_rss = [], [], []

    def __enter__(self):
        self.threads = [threading.Thread(target=self._bystander, daemon=True),
                        threading.Thread(target=self._memory, daemon=True)]
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def _bystander(self):
        while not self.stop.is_set():
            started = time.monotonic()
            resp = self.session.post(self.server.url("/_dash-update-component"), json=sql_body("SELECT 1"), timeout=60)
            ok = resp.status_code == 200 and "1 行 rows" in resp.text
            self.latencies.append(time.monotonic() - started if ok else float("inf"))
            time.sleep(0.2)

    def _memory(self):
        while not self.stop.is_set():
            own, sandboxes = server_processes(self.server)
            self.server_rss.append(_rss(own))
            self.sandbox_rss.append(max((_rss([p]) for p in sandboxes), default=0))
            time.sleep(0.1)


def attack_page(server, sql: str) -> tuple[str, float]:
    started = time.monotonic()
    resp = requests.post(server.url("/_dash-update-component"), json=sql_body(sql), timeout=120)
    return outcome_of(resp.text, resp.status_code), time.monotonic() - started


def attack_cli(db: Path, sql: str) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "etl", "sql", "--db", str(db), "--format", "csv", "-"], input=sql,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    took = time.monotonic() - started
    return (outcome_of(done.stderr, done.returncode) if done.returncode else "ok"), took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to serve (default: a fresh build of data/raw)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sql-"))
    try:
        db = args.db or _fresh_db(work)
        limit = sqlguard.Limits().timeout_s
        rows = []
        with AppServer(db, extra_args=["--no-kaleido-warmup"]) as server:
            time.sleep(2)
            base_rss = _rss(server_processes(server)[0])
            print(f"server (gunicorn master + workers) RSS at rest: {base_rss / 2**20:.0f} MiB; time limit {limit:g} s")
            print(f"{'attack':38} {'page':>16} {'s':>6} {'CLI':>10} {'s':>6} {'server MiB':>10} "
                  f"{'sandbox MiB':>11} {'SELECT 1 max s':>14}")
            for name, sql in ATTACKS.items():
                with Watch(server) as watch:
                    time.sleep(0.3)
                    page, page_s = attack_page(server, sql)
                    time.sleep(0.3)
                cli, cli_s = attack_cli(db, sql)
                row = {"attack": name, "page": page, "page_s": round(page_s, 2), "cli": cli, "cli_s": round(cli_s, 2),
                       "server_peak_mib": round(max(watch.server_rss) / 2**20),
                       "sandbox_peak_mib": round(max(watch.sandbox_rss) / 2**20),
                       "bystander_max_s": round(max(watch.latencies), 2) if watch.latencies else None}
                rows.append(row)
                print(f"{name:38} {page:>16} {page_s:6.2f} {cli:>10} {cli_s:6.2f} {row['server_peak_mib']:10} "
                      f"{row['sandbox_peak_mib']:11} {row['bystander_max_s']:14}")
            with Watch(server) as watch:                                 # two attackers at once
                results = []
                threads = [threading.Thread(target=lambda s=s: results.append(attack_page(server, s)))
                           for s in (ATTACKS["repeat('汉', 1e6) × 1,000 rows"], ATTACKS["runs forever (cross join)"])]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            both = {"attack": "two attackers at once (汉 rows + forever)", "page": "/".join(r[0] for r in results),
                    "page_s": round(max(r[1] for r in results), 2),
                    "server_peak_mib": round(max(watch.server_rss) / 2**20),
                    "bystander_max_s": round(max(watch.latencies), 2)}
            rows.append(both)
            print(both)
            worst = max(r["bystander_max_s"] for r in rows if r.get("bystander_max_s") is not None)
            slowest = max(max(r["page_s"], r.get("cli_s", 0)) for r in rows)
            peak = max(r["server_peak_mib"] for r in rows)
            print(f"\nslowest answer {slowest:.2f} s (limit {limit:g} s + 2 s); server peak {peak} MiB "
                  f"({peak - base_rss / 2**20:+.0f} MiB over rest); slowest bystander SELECT 1 {worst:.2f} s")
            assert "Traceback" not in server.log()
        if args.json:
            args.json.write_text(json.dumps({"rest_mib": round(base_rss / 2**20), "rows": rows}, ensure_ascii=False,
                                            indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _fresh_db(work: Path) -> Path:
    from etl.build import build
    db = work / "yearbook.duckdb"
    build(ROOT / "data" / "raw", db, progress=False, log=io.StringIO())
    return db


if __name__ == "__main__":
    sys.exit(main())
