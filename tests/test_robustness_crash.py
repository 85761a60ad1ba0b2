"""A build killed with SIGKILL at random points never damages the last good database; the next build succeeds."""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.paths import RAW_DIR
from tests.test_build import dump

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("CRASH_KILLS", "15"))


def _raw_folder(path: Path, copies: int, seed: int) -> Path:
    """The seeds plus `copies` variants of each (digits changed), so a build takes a couple of seconds."""
    rng = random.Random(seed)
    path.mkdir()
    for src in sorted(RAW_DIR.glob("*.txt")):
        text = src.read_text(encoding="utf-8")
        (path / src.name).write_text(text, encoding="utf-8")
        for i in range(copies):
            variant = re.sub(r"\d", lambda m: str(rng.randrange(10)), text)
            (path / f"{src.stem}_v{i:02d}.txt").write_text(variant, encoding="utf-8")
    return path


def _start_build(raw: Path, db: Path, workers: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db),
                             "--workers", str(workers), "--no-progress"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _run_build(raw: Path, db: Path) -> float:
    started = time.monotonic()
    proc = _start_build(raw, db, 1)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - started


def _diff(a: dict, b: dict) -> str:
    out = []
    for table in a:
        if a[table] != b[table]:
            only_a, only_b = set(a[table]) - set(b[table]), set(b[table]) - set(a[table])
            out.append(f"{table}: {len(a[table])} vs {len(b[table])} rows; {sorted(only_a, key=str)[:2]} / "
                       f"{sorted(only_b, key=str)[:2]}")
    return "\n".join(out)


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
def test_sigkill_at_random_points(tmp_path):
    old_raw = _raw_folder(tmp_path / "old", 2, seed=1)
    new_raw = _raw_folder(tmp_path / "new", 30, seed=2)
    live = tmp_path / "live" / "yearbook.duckdb"
    live.parent.mkdir()
    _run_build(old_raw, live)
    old = dump(live)
    old_copy = tmp_path / "old.duckdb"
    shutil.copy(live, old_copy)
    reference = tmp_path / "ref" / "yearbook.duckdb"
    reference.parent.mkdir()
    full_time = _run_build(new_raw, reference)
    new = dump(reference)
    assert old != new

    rng = random.Random(20261122)
    killed = finished = swapped_before_kill = while_writing = 0
    for i in range(KILLS):
        proc = _start_build(new_raw, live, workers=1 + i % 2)
        time.sleep(rng.uniform(0.05, full_time * 0.95))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed += 1
        else:
            finished += 1
        proc.wait(60)
        deadline = time.monotonic() + 10
        while not _group_gone(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _group_gone(proc.pid), "a worker outlived its killed build"
        if proc.returncode == -signal.SIGKILL and any(".building-" in p.name for p in live.parent.iterdir()):
            while_writing += 1                                 # killed with a half-written temp file on disk
        state = dump(live)                                   # opens, reads every table: the file is usable
        assert state in (old, new), f"kill {i}: neither old nor new build:\n{_diff(state, new)}"
        if state == new and proc.returncode == -signal.SIGKILL:
            swapped_before_kill += 1
        if state == new:                                    # put the old database back for the next kill
            shutil.copy(old_copy, tmp_path / "restore.duckdb")
            os.replace(tmp_path / "restore.duckdb", live)
    leftovers = [p.name for p in live.parent.iterdir() if ".building-" in p.name]
    _run_build(new_raw, live)
    final = dump(live)
    assert final == new, _diff(final, new)
    assert not [p.name for p in live.parent.iterdir() if ".building-" in p.name]
    print(f"\n{KILLS} builds started: {killed} killed with SIGKILL mid-build ({while_writing} while writing the new "
          f"file, {swapped_before_kill} just after the swap), {finished} finished first; old or new database intact "
          f"after every kill; {len(leftovers)} temp file(s) left at the end, removed by the next build; "
          f"a full build takes {full_time:.1f}s")
    assert killed >= KILLS // 3, "too few builds were still running when the kill came"
