"""`python app.py` served by gunicorn (several worker processes) or, with --dev, Flask's server: health endpoint,
request size limit, callbacks that fail answered without a 500, and SQL attacks that never stall another client."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.browser_support import AppServer

try:
    from test_sqlguard import make_sample_db
except ImportError:  # tests/ imported as a package
    from tests.test_sqlguard import make_sample_db

pytestmark = pytest.mark.slow
ATTACKS = ["SELECT count(*) FROM range(100000000000) AS a, range(1000000) AS b",
           "SELECT length(repeat('x', 3000000000))", "SELECT list_sort(range(300000000))",
           "SELECT " + "(" * 3000 + "1" + ")" * 3000, "SELECT repeat('汉', 1000000) FROM range(1000)",
           "UPDATE EXTENSIONS"]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_sample_db(tmp_path_factory.mktemp("serve") / "yearbook.duckdb")


@pytest.fixture(scope="module")
def server(db):
    with AppServer(db, extra_args=["--no-kaleido-warmup"]) as srv:
        yield srv


def sql_body(sql, clicks=1) -> dict:
    return {"output": "..sql-grid.columnDefs...sql-grid.rowData...sql-status.children...sql-result.data..",
            "outputs": [{"id": "sql-grid", "property": "columnDefs"}, {"id": "sql-grid", "property": "rowData"},
                        {"id": "sql-status", "property": "children"}, {"id": "sql-result", "property": "data"}],
            "inputs": [{"id": "sql-run", "property": "n_clicks", "value": clicks},
                       {"id": "sql-autorun", "property": "data", "value": False}],
            "state": [{"id": "sql-query", "property": "value", "value": sql}], "changedPropIds": ["sql-run.n_clicks"]}


def workers(server) -> list[psutil.Process]:
    master = psutil.Process(server.proc.pid)
    return [p for p in master.children() if "app.py" in " ".join(p.cmdline())]


def test_gunicorn_with_several_workers(server):
    resp = requests.get(server.url("/healthz"), timeout=10)
    assert resp.status_code == 200 and resp.headers["Server"].startswith("gunicorn")
    body = resp.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert len(workers(server)) >= 2
    pids = {requests.get(server.url("/healthz"), timeout=10).json()["pid"] for _ in range(30)}
    assert pids <= {p.pid for p in workers(server)}


def test_health_names_a_missing_database(tmp_path):
    with AppServer(tmp_path / "missing.duckdb", extra_args=["--no-kaleido-warmup", "--workers", "1"]) as srv:
        body = requests.get(srv.url("/healthz"), timeout=10).json()
        assert body["status"] == "ok" and "python -m etl build" in body["database"]


def test_request_size_is_limited(server):
    resp = requests.post(server.url("/_dash-update-component"), data=b"x" * (3 << 20),
                         headers={"Content-Type": "application/json"}, timeout=30)
    assert resp.status_code == 413 and "请求过大" in resp.json()["error"]
    resp = requests.get(server.url("/sql?q_text=" + "x" * 9000), timeout=10)
    assert resp.status_code in (400, 414)                      # gunicorn's request-line limit


def test_callback_with_wrong_types_is_not_a_server_error(server):
    deps = requests.get(server.url("/_dash-dependencies"), timeout=10).json()
    failures = []
    for dep in deps:
        if dep.get("clientside_function"):
            continue
        outputs = dep["output"][2:-2].split("...") if dep["output"].startswith("..") else [dep["output"]]
        outs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in outputs]
        for junk in ({"a": [1, {"b": None}]}, [[["x"]]], 1e308, "\u0000" * 3):
            body = {"output": dep["output"], "outputs": outs if len(outs) > 1 else outs[0],
                    "inputs": [{**i, "value": junk} for i in dep["inputs"]],
                    "state": [{**s, "value": junk} for s in dep.get("state", [])],
                    "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"][:1]]}
            resp = requests.post(server.url("/_dash-update-component"), json=body, timeout=60)
            if resp.status_code not in (200, 204):
                failures.append((dep["output"][:60], str(junk)[:20], resp.status_code))
    assert not failures, failures
    assert "Traceback" not in server.log()


def test_sql_attacks_never_stall_another_client(server):
    """Attacks from one client (no cookie: its address), SELECT 1 from a browser with its cookie meanwhile."""
    stop = threading.Event()
    attack_times = []

    def attacker(i):
        while not stop.is_set():
            started = time.monotonic()
            resp = requests.post(server.url("/_dash-update-component"), json=sql_body(ATTACKS[i % len(ATTACKS)]),
                                 timeout=60)
            attack_times.append((time.monotonic() - started, resp.status_code, ATTACKS[i % len(ATTACKS)][:30]))
            i += 1

    bystander = requests.Session()
    bystander.get(server.url("/"), timeout=10)                  # the cookie that names this browser
    assert bystander.cookies.get("xj_client")
    assert "1 行 rows" in bystander.post(server.url("/_dash-update-component"), json=sql_body("SELECT 1"),
                                         timeout=30).text
    before = {p.pid: p.memory_info().rss for p in workers(server)}
    threads = [threading.Thread(target=attacker, args=(i,), daemon=True) for i in range(3)]
    for t in threads:
        t.start()
    latencies, peak = [], 0
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            started = time.monotonic()
            resp = bystander.post(server.url("/_dash-update-component"), json=sql_body("SELECT 1"), timeout=30)
            latencies.append(time.monotonic() - started)
            assert resp.status_code == 200 and "1 行 rows" in resp.text, resp.text[:300]
            peak = max(peak, max((p.memory_info().rss - before.get(p.pid, p.memory_info().rss))
                                 for p in workers(server)))
            time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    # within 1 s throughout; one outlier up to 2 s is tolerated on a machine this test shares (load average > 4)
    assert sorted(latencies)[-2] < 1.0 and max(latencies) < 2.0, f"SELECT 1 took up to {sorted(latencies)[-3:]} s"
    assert peak < 300 << 20, f"a server worker grew by {peak >> 20} MB"
    assert attack_times and all(status == 200 for _, status, _ in attack_times), attack_times
    assert max(t for t, _, _ in attack_times) < 5 + 2 + 1.5, attack_times    # time limit + 2 s (+ its queue wait)


def test_development_server_behind_dev(db):
    with AppServer(db, extra_args=["--no-kaleido-warmup", "--dev"]) as srv:
        resp = requests.get(srv.url("/healthz"), timeout=10)
        assert resp.status_code == 200 and "gunicorn" not in resp.headers.get("Server", "")
        assert "1 行 rows" in requests.post(srv.url("/_dash-update-component"), json=sql_body("SELECT 1"),
                                             timeout=30).text


def test_stop_leaves_no_process(db):
    srv = AppServer(db, extra_args=["--no-kaleido-warmup"]).start()
    requests.post(srv.url("/_dash-update-component"), json=sql_body("SELECT 1"), timeout=30)
    family = [psutil.Process(srv.proc.pid)] + psutil.Process(srv.proc.pid).children(recursive=True)
    assert any("sqlsandbox" in " ".join(p.cmdline()) for p in family)
    srv.stop()
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive
