"""A build killed at random points never damages the last good database; the next build succeeds.

Three ways to die, in turn: SIGKILL of the whole process group, SIGKILL of the build process alone (its workers
must follow it: PR_SET_PDEATHSIG / parent watch) and SIGTERM of the build process alone (as `timeout N python -m
etl build` sends: the build stops its workers and removes its temp file). bench/bench_crash.py runs 20 + 20.
"""
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
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONFAULTHANDLER": "1"})   # a hung build shows where (SIGABRT)


def _finish(proc: subprocess.Popen, timeout: float = 60) -> str:
    """Wait for a build; its stderr. One that hangs is stopped with SIGABRT, so the message shows its threads."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        _, err = proc.communicate(timeout=30)
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"a build hung for {timeout} s:\n{err.decode(errors='replace')}")
    return err.decode(errors="replace")


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
    killed = finished = swapped_before_kill = while_writing = took_over = 0
    modes = ["group SIGKILL", "SIGKILL", "SIGTERM"]
    for i in range(KILLS):
        mode = modes[i % 3]
        proc = _start_build(new_raw, live, workers=2 if mode != "group SIGKILL" or i % 2 else 1)
        time.sleep(rng.uniform(0.05, full_time * 0.95))
        if proc.poll() is None:
            if mode == "group SIGKILL":
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                os.kill(proc.pid, signal.SIGKILL if mode == "SIGKILL" else signal.SIGTERM)
            killed += 1
            stopped_at = time.monotonic()
        else:
            finished += 1
            stopped_at = None
        err = _finish(proc)
        assert "another build" not in err, f"kill {i - 1} left the lock held:\n{err}"
        took_over += "took over the build lock" in err
        if stopped_at is None:
            assert proc.returncode == 0, err
        elif mode == "SIGTERM":
            assert proc.returncode in (0, 130, -signal.SIGTERM), err     # -15: before the handler was set
            if proc.returncode == 130:
                assert "build stopped by SIGTERM" in err and "Traceback" not in err, err
        deadline = time.monotonic() + 10
        while not _group_gone(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _group_gone(proc.pid), f"a worker outlived its build ({mode})"
        if stopped_at is not None:
            assert time.monotonic() - stopped_at < 5, f"workers outlived the {mode} by more than 5 s"
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
    print(f"\n{KILLS} builds started: {killed} killed mid-build (group SIGKILL, SIGKILL, SIGTERM in turn; "
          f"{took_over} stale lock(s) taken over) ({while_writing} while writing the new "
          f"file, {swapped_before_kill} just after the swap), {finished} finished first; old or new database intact "
          f"after every kill; {len(leftovers)} temp file(s) left at the end, removed by the next build; "
          f"a full build takes {full_time:.1f}s")
    assert not [p.name for p in live.parent.iterdir() if ".building-" in p.name and not p.name.endswith(".lock")]
    assert killed >= KILLS // 3, "too few builds were still running when the kill came"
