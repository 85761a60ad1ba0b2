"""etl.build: idempotent, atomic, one build at a time, progress on a terminal and a warning line per problem."""
import io
import os
import pty
import select
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from etl import build as build_module
from etl.build import BuildBusy, build
from etl.paths import RAW_DIR

ROOT = Path(__file__).resolve().parent.parent
TABLES = ["documents", "figures", "metrics", "build_info",
          "figures_by_year", "figures_by_region", "partner_region_links", "coverage"]


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every table and view, all columns, in a total order: what a reader of the database can see."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in TABLES:
            n = len(con.execute(f"SELECT * FROM {table} LIMIT 0").description)
            order = ", ".join(str(i) for i in range(1, n + 1))
            out[table] = con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        return out
    finally:
        con.close()


@pytest.fixture
def raw(tmp_path):
    d = tmp_path / "raw"
    shutil.copytree(RAW_DIR, d)
    (d / "empty.txt").write_bytes(b"")
    (d / "copy.txt").write_bytes(next(iter(sorted(RAW_DIR.glob("*.txt")))).read_bytes())
    return d


def quiet_build(raw, db, **kwargs):
    return build(raw, db, progress=False, log=io.StringIO(), **kwargs)


def test_same_raw_folder_same_query_results(raw, tmp_path):
    first, second, parallel = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "c.duckdb"
    quiet_build(raw, first)
    quiet_build(raw, second)
    quiet_build(raw, parallel, workers=2)
    a = dump(first)
    assert a["figures"] and a["documents"]
    assert a == dump(second)
    assert a == dump(parallel)
    quiet_build(raw, first)                      # rebuilt in place over itself
    assert dump(first) == a


@pytest.mark.parametrize("failing", ["_flush_documents", "_insert"])
def test_failed_build_keeps_the_last_good_database(raw, tmp_path, monkeypatch, failing):
    """A write that fails (a full disk while documents are flushed, or any INSERT) fails the build and leaves the
    last good database and no temp files."""
    db = tmp_path / "y.duckdb"
    quiet_build(raw, db)
    before = dump(db)
    (raw / "new.txt").write_text("2020年新上项目9项。", encoding="utf-8")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, failing, disk_full)
    with pytest.raises(OSError, match="No space left"):
        quiet_build(raw, db)
    assert dump(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if ".building-" in p.name) == []


def test_leftover_temp_files_are_removed(raw, tmp_path):
    db = tmp_path / "y.duckdb"
    for name in (".y.duckdb.building-99999", ".y.duckdb.building-99999.wal", ".y.duckdb.building-1"):
        (tmp_path / name).write_bytes(b"half a database")
    log = io.StringIO()
    build(raw, db, progress=False, log=log)
    assert "removed 3 temp file(s) left by an interrupted build" in log.getvalue()
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


def test_one_build_at_a_time(raw, tmp_path, monkeypatch):
    db = tmp_path / "y.duckdb"
    entered, release = threading.Event(), threading.Event()
    real = build_module._create_schema

    def slow_schema(con):
        entered.set()
        release.wait(30)
        real(con)

    monkeypatch.setattr(build_module, "_create_schema", slow_schema)
    errors = []
    first = threading.Thread(target=lambda: errors.append(quiet_build(raw, db)))
    first.start()
    assert entered.wait(30)
    try:
        with pytest.raises(BuildBusy, match="another build"):
            quiet_build(raw, db)
        proc = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 3 and "another build" in proc.stderr
    finally:
        release.set()
        first.join(60)
    assert errors and errors[0]["documents"] == len(list(raw.glob("*.txt")))


def test_progress_bar_and_warning_lines_on_a_terminal(raw, tmp_path):
    """On a terminal the build draws a tqdm bar; each problem file still gets its own whole warning line."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(tmp_path / "t.duckdb")],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                            env={**os.environ, "COLUMNS": "100"})
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(60) == 0
    screen = out.decode("utf-8", "replace")
    assert "build: 100%|" in screen and "7/7" in screen, screen
    lines = [line.split("\r")[-1] for line in screen.replace("\r\n", "\n").split("\n")]   # what stays on screen
    assert any(l.startswith("warning: empty.txt: empty: file is empty") for l in lines), screen
    assert any(l.startswith("warning: copy.txt: duplicate: same bytes as") for l in lines), screen
    assert "built " in screen and "1 problem files, 1 duplicates" in screen


def test_no_progress_bar_when_not_a_terminal(raw, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(tmp_path / "p.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "%|" not in proc.stderr
    assert proc.stderr.count("warning: ") == 2


def test_missing_raw_folder(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(tmp_path / "nope"),
                           "--db", str(tmp_path / "x.duckdb")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "raw folder not found" in proc.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_empty_raw_folder_gives_an_empty_but_valid_database(tmp_path):
    (tmp_path / "raw").mkdir()
    counts = quiet_build(tmp_path / "raw", tmp_path / "e.duckdb")
    assert counts["documents"] == 0
    tables = dump(tmp_path / "e.duckdb")
    assert tables["documents"] == [] and tables["metrics"]


def test_unwritable_target_is_a_message_not_a_traceback(raw, tmp_path):
    (tmp_path / "db_is_a_folder.duckdb").mkdir()
    proc = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw),
                           "--db", str(tmp_path / "db_is_a_folder.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "error: build failed" in proc.stderr and "is unchanged" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


def test_journal_of_the_old_file_is_not_replayed_into_the_new(raw, tmp_path):
    """A writer that crashed on the live file leaves yearbook.duckdb.wal; it belongs to the replaced file."""
    db = tmp_path / "y.duckdb"
    quiet_build(raw, db)
    con = duckdb.connect(str(db))
    con.execute("SET checkpoint_threshold = '1GB'")
    con.execute("CREATE TABLE scribble AS SELECT 1 AS x")
    wal = tmp_path / "y.duckdb.wal"
    shutil.copy(wal, tmp_path / "saved.wal") if wal.exists() else (tmp_path / "saved.wal").write_bytes(b"junk")
    con.close()
    shutil.copy(tmp_path / "saved.wal", wal)
    quiet_build(raw, db)
    assert not wal.exists()
    con = duckdb.connect(str(db), read_only=True)      # without the fix: "WAL does not match database file"
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    con.close()
    assert "scribble" not in tables and "figures" in tables


def test_same_results_across_processes_and_hash_seeds(raw, tmp_path):
    """Each CLI run is a new interpreter with its own str hash seed: set order must not leak into the tables."""
    dumps = []
    for seed in ("1", "2"):
        db = tmp_path / f"seed{seed}.duckdb"
        proc = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        dumps.append(dump(db))
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("n_numbers", [1, 1999, 2000, 2001, 4500])
def test_text_parts_split_only_texts_with_more_than_part_numbers(n_numbers):
    from etl.build import PART_NUMBERS, _NUMBER, text_parts
    text = "，".join(f"新上项目{i % 997}项" for i in range(n_numbers)) + "。"
    parts = text_parts(text)
    assert (len(parts) > 1) == (n_numbers > PART_NUMBERS)
    assert parts[0][0] == 0 and parts[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))          # contiguous, nothing lost
    assert all(len(_NUMBER.findall(text[s:e])) <= PART_NUMBERS for s, e in parts)


def test_cli_imports_only_the_command_that_runs():
    code = ("import sys\nfrom etl import cli\ntry:\n    cli.main(['extract', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('etl.sqlguard' in sys.modules, 'etl.commands.extract_cmd' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.splitlines()[-1].split() == ["False", "True"]      # after the help text
