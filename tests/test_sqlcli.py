"""`python -m etl sql`: the same hostile battery as the page, output formats, limits from the command line."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl import cli

try:
    from test_sqlguard import HOSTILE, MILLIONS, RUNS_FOREVER, assert_untouched, make_sample_db, sha256
except ImportError:  # tests/ imported as a package
    from tests.test_sqlguard import HOSTILE, MILLIONS, RUNS_FOREVER, assert_untouched, make_sample_db, sha256

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_sample_db(tmp_path_factory.mktemp("sqlcli") / "yearbook.duckdb")


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def sql(db: Path, *args: str) -> list[str]:
    return ["sql", "--db", str(db), *args]


def run_cli(argv: list[str], stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *argv], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_query_is_refused_by_the_cli(db, out, capsys, name):
    digest = sha256(db)
    code = cli.main(sql(db, HOSTILE[name][0].format(out=out)))
    captured = capsys.readouterr()
    assert code in (1, 2)
    assert captured.out == ""
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert_untouched(db, digest, out)


def test_refusal_in_a_real_process(db, out):
    digest = sha256(db)
    for query in ("SELECT * FROM read_csv('/etc/passwd')", f"COPY figures TO '{out}/x.csv'", "DROP TABLE figures",
                  "INSTALL httpfs", "SET enable_external_access = true"):
        done = run_cli(sql(db, query))
        assert done.returncode in (1, 2), done
        assert done.stdout == "" and done.stderr.startswith("error: 已拒绝"), done.stderr
        assert "Traceback" not in done.stderr
    assert_untouched(db, digest, out)


def test_runaway_query_stopped_by_timeout_option(db, out):
    digest = sha256(db)
    started = time.monotonic()
    done = run_cli(sql(db, "--timeout", "1.5", RUNS_FOREVER))
    assert done.returncode == 1
    assert "time limit of 1.5 s" in done.stderr
    assert time.monotonic() - started < 10
    assert_untouched(db, digest, out)


def test_millions_of_rows_capped_with_a_note(db):
    done = run_cli(sql(db, "--format", "csv", MILLIONS))
    assert done.returncode == 0
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["n", "twice"] and len(rows) == 10_001
    assert "truncated at --max-rows 10000" in done.stderr
    small = run_cli(sql(db, "--format", "csv", "--max-rows", "5", MILLIONS))
    assert len(small.stdout.splitlines()) == 6 and "truncated at --max-rows 5" in small.stderr


def test_text_cap_option(db, capsys):
    assert cli.main(sql(db, "--format", "csv", "--max-chars", "100", "SELECT repeat('x', 30) AS t FROM range(10)")) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1 + 3 and "more text than one query may return" in captured.err


def test_table_format(db, capsys):
    assert cli.main(sql(db, "SELECT figure_id, region, value_norm FROM figures ORDER BY figure_id LIMIT 2")) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert [cell.strip() for cell in lines[0].split("|")] == ["figure_id", "region", "value_norm"]
    assert "喀什" in lines[2] and "122.0" in lines[2]
    assert "2 rows in" in captured.err


def test_csv_format(db, capsys):
    assert cli.main(sql(db, "--format", "csv", "SELECT metric, label_zh FROM metrics ORDER BY metric")) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {"metric": "investment", "label_zh": "投资/经费"} in rows


def test_json_format(db, capsys):
    query = ("SELECT year, sum(value_norm) AS total, 1 AS total FROM figures WHERE metric = 'investment' "
             "GROUP BY year ORDER BY year")
    assert cli.main(sql(db, "--format", "json", query)) == 0
    assert json.loads(capsys.readouterr().out) == [{"year": 2015, "total": 19367.85, "total_2": 1},
                                                   {"year": 2016, "total": 36000.0, "total_2": 1}]


def test_query_from_stdin(db):
    done = run_cli(sql(db, "--format", "json", "-"), stdin="SELECT 42 AS answer")
    assert done.returncode == 0 and json.loads(done.stdout) == [{"answer": 42}]


def test_missing_database_is_a_message(tmp_path, capsys):
    assert cli.main(sql(tmp_path / "none.duckdb", "SELECT 1")) == 1
    assert "python -m etl build" in capsys.readouterr().err
