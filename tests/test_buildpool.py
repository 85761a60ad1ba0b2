"""etl/buildpool.py on its own: the build lock (busy, stale, taken over), workers that hold no lock and die with
their parent. tests/test_robustness_crash.py kills whole builds."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from etl import buildpool

ROOT = Path(__file__).resolve().parent.parent


def _lock_fds() -> list[str]:
    """In a worker: the open files of this process that are build locks."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith(".building.lock"):
            out.append(target)
    return out


def test_a_lock_left_by_a_dead_build_is_taken_over_with_a_message(tmp_path):
    db = tmp_path / "yearbook.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / ".yearbook.duckdb.building.lock").write_text(f"{int(dead.stdout)} 12345")
    warnings = []
    with buildpool.build_lock(db, warnings.append):
        assert (tmp_path / ".yearbook.duckdb.building.lock").read_text().split()[0] == str(os.getpid())
    assert any("took over the build lock" in w and dead.stdout.strip() in w for w in warnings), warnings
    assert (tmp_path / ".yearbook.duckdb.building.lock").read_text() == ""     # a clean end leaves it empty
    warnings.clear()
    with buildpool.build_lock(db, warnings.append):
        pass
    assert warnings == []


def test_a_live_build_makes_the_next_one_busy(tmp_path):
    db = tmp_path / "yearbook.duckdb"
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); from pathlib import Path; from etl import buildpool\n"
            "with buildpool.build_lock(Path(sys.argv[2])):\n    print('locked', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(ROOT), str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(buildpool.BuildBusy, match=f"pid {holder.pid}"):
            with buildpool.build_lock(db):
                pass
    finally:
        holder.kill()
        holder.wait(10)
    with buildpool.build_lock(db, lambda m: None):       # the kernel dropped the dead holder's lock
        pass


def test_leftover_processes_of_a_dead_build_are_named(tmp_path, monkeypatch):
    """A process still holding the lock whose recorded owner is gone (an old build's orphan): waited for, then
    named in the message."""
    monkeypatch.setattr(buildpool, "STALE_WAIT_S", 0.5)
    db = tmp_path / "yearbook.duckdb"
    lock = tmp_path / ".yearbook.duckdb.building.lock"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock.write_text(f"{int(dead.stdout)} 1")
    code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)\n")
    orphan = subprocess.Popen([sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert orphan.stdout.readline().strip() == "held"
        warnings = []
        with pytest.raises(buildpool.BuildBusy, match=str(orphan.pid)):
            with buildpool.build_lock(db, warnings.append):
                pass
        assert any("is gone" in w for w in warnings), warnings
    finally:
        orphan.kill()
        orphan.wait(10)


def test_workers_hold_no_lock(tmp_path):
    with buildpool.build_lock(tmp_path / "yearbook.duckdb", lambda m: None):
        assert len(_lock_fds()) == 1                    # this process holds it
        pool = buildpool.worker_pool(2)
        try:
            assert pool.submit(_lock_fds).result(60) == []
        finally:
            pool.shutdown()


def test_workers_die_with_their_parent(tmp_path):
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); import os\n"
            "from etl import buildpool\n"
            "pool = buildpool.worker_pool(2)\n"
            "pids = set(pool.submit(os.getpid).result() for _ in range(4))\n"
            "print(' '.join(str(p) for p in pool._processes), flush=True); time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", code, str(ROOT)], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait(10)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.05)
    assert not any(_running(p) for p in pids), "a worker outlived its build"


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_caught_signal_stops_the_workers_and_unwinds(tmp_path):
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); import os\n"
            "from etl import buildpool\n"
            "with buildpool.stop_on_signals():\n"
            "    pool = buildpool.worker_pool(2)\n"
            "    futures = [pool.submit(time.sleep, 60) for _ in range(2)]\n"
            "    time.sleep(0.5)\n"
            "    print(' '.join(str(p) for p in pool._processes), flush=True)\n"
            "    try:\n"
            "        futures[0].result()\n"
            "    finally:\n"
            "        pool.shutdown(wait=True, cancel_futures=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(ROOT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    pids = [int(p) for p in proc.stdout.readline().split()]
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 5
    assert "build stopped by SIGTERM" in err and "BuildInterrupted" in err    # unwound, not killed
    assert not any(_running(p) for p in pids)


def test_flock_is_per_open_file(tmp_path):
    """What the build lock relies on: a second open of the file in the same process does not share the lock."""
    path = tmp_path / "x.lock"
    a, b = os.open(path, os.O_RDWR | os.O_CREAT), os.open(path, os.O_RDWR)
    try:
        fcntl.flock(a, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BlockingIOError):
            fcntl.flock(b, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(a)
        os.close(b)
