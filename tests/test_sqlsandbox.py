"""The SQL sandbox (etl/sqlsandbox.py): the attacks of issue 14, scaled down, each refused or stopped within the
time limit + 2 s, the caller's memory flat, and another client's SELECT 1 answered within 1 s meanwhile.
bench/bench_sql_attacks.py runs them at full size against a served app."""
from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from etl import sqlguard, sqlsandbox

try:
    from test_sqlguard import make_sample_db
except ImportError:  # tests/ imported as a package
    from tests.test_sqlguard import make_sample_db

ROOT = Path(__file__).resolve().parent.parent
LIMITS = sqlguard.Limits(timeout_s=2.0)
SLACK_S = 2.0
# name -> (query, the outcomes that are right: a kind of QueryError, or "ok")
ATTACKS = {
    "brackets_3000": ("SELECT " + "(" * 3000 + "1" + ")" * 3000, {"too_deep"}),
    "nested_subselects_1_8_mb": ("SELECT * FROM (" * 120_000 + "SELECT 1" + ") AS t" * 120_000, {"too_long"}),
    "brackets_in_quotes_are_text": ("SELECT '" + "(" * 3000 + "' AS a", {"ok"}),
    "union_all_5000": (" UNION ALL ".join(["SELECT 1"] * 5000), {"ok", "timeout"}),
    "in_list_90_kb": ("SELECT 1 WHERE 1 IN (" + ",".join(map(str, range(17_000))) + ")", {"ok", "timeout"}),
    "in_list_5_mb": ("SELECT 1 WHERE 1 IN (" + ",".join(map(str, range(700_000))) + ")", {"too_long"}),
    # over memory: stopped by the memory limit, or by the hard kill first when the machine is busy
    "repeat_3e9": ("SELECT length(repeat('x', 3000000000))", {"memory", "timeout"}),
    "list_sort_3e8": ("SELECT list_sort(range(300000000))", {"memory", "timeout"}),
    "wide_text_rows": ("SELECT repeat('汉', 1000000) FROM range(1000)", {"memory", "timeout"}),
    "python_objects_1e8": ("SELECT range(100000000)", {"memory", "timeout"}),
    "comment_regex_90_kb": ("SELECT '" + "/*x" * 30_000 + "' AS a", {"ok"}),
    "comment_in_quotes_bypass": ("EXPLAIN (ANALYZE '/*') CREATE TEMP TABLE t AS SELECT '*/) SELECT 1 --'", {"refused"}),
    "comment_in_quotes_delete": ("EXPLAIN (ANALYZE '/*') DELETE FROM figures WHERE '*/) SELECT 1 --' = ''",
                                 {"refused"}),
    "update_extensions": ("UPDATE EXTENSIONS", {"refused"}),
    "runs_forever": ("SELECT count(*) FROM range(100000000000) AS a, range(1000000) AS b", {"timeout"}),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_sample_db(tmp_path_factory.mktemp("sandbox") / "yearbook.duckdb")


def rss() -> int:
    return psutil.Process().memory_info().rss


@pytest.mark.parametrize("name", ATTACKS)
def test_attack_refused_or_stopped_in_time(db, name):
    sql, right = ATTACKS[name]
    sqlguard.run_query("SELECT 1", db, LIMITS, client="warm")        # a warm child, as on a running server
    before = rss()
    started = time.monotonic()
    result = sqlguard.run_query(sql, db, LIMITS, client="attacker")
    elapsed = time.monotonic() - started
    outcome = "ok" if result.ok else result.kind
    assert outcome in right, f"{name}: {outcome}: {result}"
    assert elapsed < LIMITS.timeout_s + SLACK_S, f"{name} took {elapsed:.1f} s"
    assert rss() - before < 300 << 20, f"{name}: this process grew by {(rss() - before) >> 20} MB"
    if not result.ok:
        assert result.message and "Traceback" not in str(result)
        assert result.message.split("：")[0] in {"已拒绝", "嵌套过深", "查询过长", "超时", "内存超限", "语法错误"}
    assert sqlguard.run_query("SELECT count(*) FROM figures", db, LIMITS).rows == [(6,)]


def test_bounds_are_checked_in_linear_time():
    """The pass that runs in the server itself: 100,000 characters of the worst kinds in well under a second."""
    for text in ("(" * 100_000, "'" * 100_000, "/*" * 50_000, "$a$" * 33_000, "-- \n" * 25_000, "/*x" * 33_000):
        started = time.perf_counter()
        sqlguard.check_bounds(text)
        assert time.perf_counter() - started < 0.5, text[:10]
    assert sqlguard.check_bounds("SELECT '((((' AS a, \"(((\" AS b -- ((((\n /* (( /* ( */ */ $x$(((($x$") is None
    assert sqlguard.check_bounds("SELECT " + "(" * 201).kind == "too_deep"
    assert sqlguard.check_bounds("SELECT " + "(" * 200 + "1" + ")" * 200) is None
    assert sqlguard.check_bounds("x" * (sqlguard.MAX_QUERY_CHARS + 1)).kind == "too_long"


@pytest.mark.parametrize("sql", [
    "PIVOT figures ON region USING sum(value_norm) GROUP BY year",
    "PIVOT figures ON region IN ('喀什', '克拉玛依') USING sum(value_norm) GROUP BY year",
    "UNPIVOT (SELECT 1 AS a, 2 AS b) ON a, b INTO NAME k VALUE v",
    "SELECT '; DROP TABLE figures' AS a",
    "SELECT 1 -- ; DROP TABLE figures",
    "/* DROP TABLE figures; */ SELECT 2",
    "SELECT '/*' AS a, '*/' AS b",
    "EXPLAIN (FORMAT json) SELECT '/*' AS a",
    "EXPLAIN (SELECT 1)",
    "-- 注释：中文\nSELECT '喀什' AS region",
])
def test_reads_written_every_way_are_allowed(db, sql):
    assert sqlguard.check_statement(sql) is None
    result = sqlguard.run_query(sql, db, LIMITS)
    assert result.ok, str(result)


@pytest.mark.parametrize("sql, named", [
    ("UPDATE EXTENSIONS", "UPDATE EXTENSIONS"),
    ("RESET memory_limit", "RESET (SET)"),
    ("SET VARIABLE x = 1", "SET"),
    ("CREATE MACRO m(x) AS x", "CREATE MACRO"),
    ("CREATE OR REPLACE TEMP TABLE t AS SELECT 1", "CREATE OR REPLACE TEMP TABLE"),
    ("DROP VIEW coverage", "DROP VIEW"),
    ("MERGE INTO metrics USING metrics AS m ON (metrics.metric = m.metric) WHEN MATCHED THEN DELETE", "MERGE INTO"),
    ("ATTACH ':memory:' AS x", "ATTACH"),
    ("CALL pragma_version()", "CALL"),
    ("PREPARE p AS SELECT 1", "PREPARE"),
    ("BEGIN", "BEGIN (TRANSACTION)"),
    ("ANALYZE", "ANALYZE (VACUUM)"),
    ("COPY FROM DATABASE yearbook TO memory", "COPY FROM DATABASE"),
    ("EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
])
def test_refusals_name_the_statement(sql, named):
    refusal = sqlguard.check_statement(sql)
    assert refusal is not None and refusal.kind == "refused", refusal
    assert f"不允许 {named}" in refusal.message or f"不能用于 {named}" in refusal.message, refusal.message


def test_pragma_refusal_names_the_pragma():
    refusal = sqlguard.check_statement("PRAGMA enable_profiling")
    assert "PRAGMA enable_profiling" in refusal.message


def test_hard_kill_when_duckdb_does_not_stop(db):
    """DuckDB's own limit covers execution only; the parent kills the child at the deadline whatever it does."""
    budget = sqlsandbox._bytes(LIMITS.memory_limit) + sqlsandbox.HEADROOM
    child = sqlsandbox._Child.start(budget, sqlsandbox.pool()._spawner)
    request = json.dumps({"sql": "SELECT count(*) FROM range(100000000000) AS a, range(1000000) AS b",
                          "db": str(db), "limits": {**sqlguard.Limits(timeout_s=600).__dict__}}).encode()
    started = time.monotonic()
    outcome = child.ask(request, 1.0, 1 << 20)      # DuckDB would stop it after 600 s
    assert outcome["status"] == "timeout" and time.monotonic() - started < 1.5
    child.kill()
    assert not psutil.pid_exists(child.proc.pid) or psutil.Process(child.proc.pid).status() == psutil.STATUS_ZOMBIE


def test_the_child_has_an_address_space_limit(db):
    budget = sqlsandbox._bytes(LIMITS.memory_limit) + sqlsandbox.HEADROOM
    child = sqlsandbox._Child.start(budget, sqlsandbox.pool()._spawner)
    try:
        soft, hard = psutil.Process(child.proc.pid).rlimit(psutil.RLIMIT_AS)
        assert soft == hard and 0 < hard < psutil.Process(child.proc.pid).memory_info().vms + budget + (64 << 20)
    finally:
        child.kill()


def test_another_client_is_answered_within_a_second_during_attacks(db):
    stop = threading.Event()
    attacks = [ATTACKS[n][0] for n in ("runs_forever", "repeat_3e9", "list_sort_3e8", "union_all_5000")]

    def attacker(i):
        while not stop.is_set():
            sqlguard.run_query(attacks[i % len(attacks)], db, LIMITS, client="attacker")
            i += 1

    assert sqlguard.run_query("SELECT 1", db, LIMITS, client="bystander").ok   # warm, as a running server is
    time.sleep(1)
    threads = [threading.Thread(target=attacker, args=(i,), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    latencies = []
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            started = time.monotonic()
            result = sqlguard.run_query("SELECT 1", db, LIMITS, client="bystander")
            latencies.append(time.monotonic() - started)
            assert result.ok, str(result)
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(LIMITS.timeout_s + 5)
    # within 1 s throughout; one outlier up to 2 s is tolerated on a machine this test shares (load average > 4)
    assert sorted(latencies)[-2] < 1.0 and max(latencies) < 2.0, \
        f"SELECT 1 took up to {max(latencies):.2f} s ({len(latencies)} queries: {sorted(latencies)[-3:]})"


def test_one_client_cannot_hold_every_slot(db):
    slow = ATTACKS["runs_forever"][0]
    holder = threading.Thread(target=sqlguard.run_query, args=(slow, db, LIMITS), kwargs={"client": "greedy"})
    holder.start()
    time.sleep(0.5)
    started = time.monotonic()
    second = sqlguard.run_query("SELECT 1", db, LIMITS, client="greedy")
    assert second.kind == "busy" and "繁忙" in second.message
    assert time.monotonic() - started < sqlsandbox.CLIENT_WAIT_S + 0.5
    assert sqlguard.run_query("SELECT 1", db, LIMITS, client="other").ok
    holder.join(10)


def test_children_die_with_their_parent(db, tmp_path):
    """A process that ran a query is SIGKILLed: its sandbox children go with it."""
    code = ("import sys, time; sys.path.insert(0, sys.argv[1])\n"
            "from etl import sqlguard, sqlsandbox\n"
            "assert sqlguard.run_query('SELECT 1', sys.argv[2]).ok\n"
            "time.sleep(0.5)\n"
            "print(' '.join(str(c.proc.pid) for c in sqlsandbox.pool()._idle), flush=True)\n"
            "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", code, str(ROOT), str(db)], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert pids, "no idle child to watch"
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.05)
    assert not any(_running(p) for p in pids), "a sandbox child outlived its parent"


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_answers_are_read_with_an_allow_list():
    import io

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError):
        sqlsandbox._SafeUnpickler(io.BytesIO(pickle.dumps({"ok": True, "rows": [Evil()]}))).load()
    import datetime as dt
    import decimal
    import uuid
    values = [dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone.utc), dt.timedelta(days=3),
              decimal.Decimal("1.50"), uuid.UUID(int=5), b"\x00", {"a": [1, 2.5, None, True]}, (1, "长")]
    assert sqlsandbox._SafeUnpickler(io.BytesIO(pickle.dumps(values, protocol=5))).load() == values


def test_values_of_every_kind_come_back(db):
    result = sqlguard.run_query("SELECT TIMESTAMPTZ '2020-01-01 00:00:00+00' AS tz, uuid() AS u, "
                                "1.5::DECIMAL(4, 2) AS d, "
                                "INTERVAL 3 DAY AS i, MAP {'a': 1} AS m, [1, 2] AS l, {'x': '长'} AS s, "
                                "'\\x00'::BLOB AS b, DATE '2020-01-02' AS day", db, LIMITS)
    assert result.ok, str(result)
    assert result.rows[0][2] == __import__("decimal").Decimal("1.50") and result.rows[0][5] == [1, 2]
    assert result.rows[0][0].year == 2020 and result.rows[0][6] == {"x": "长"}
