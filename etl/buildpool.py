"""The build's processes: its lock, its extraction workers and what happens to both when the build is killed.

- One build per database file at a time: an flock on a lock file beside it, which records the owner's pid.
  The kernel drops the lock when the owner dies; the workers never hold it (they close their inherited copy
  first thing), so a killed build never blocks the next one. A lock file still naming a build that is gone
  says that build died: the next one takes it over and says so.
- Workers die with the build: PR_SET_PDEATHSIG and a parent-watch thread (etl/lifeline.py), so a SIGKILL of
  the build process takes its workers with it; the signals a build can catch (SIGTERM as `timeout` sends,
  SIGHUP, SIGQUIT, SIGUSR1/2, SIGALRM …) kill the workers and unwind the build, which removes its temp file.
"""
from __future__ import annotations

import fcntl
import os
import signal
import sys
import threading
import time
import weakref
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from .lifeline import die_with_parent

STALE_WAIT_S = 10.0          # how long a build waits for the leftover processes of a dead build to exit
CAUGHT_SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM,
                  signal.SIGXCPU, signal.SIGXFSZ, signal.SIGVTALRM, signal.SIGPROF]
_held_fds: set[int] = set()                     # lock files this process holds (a forked worker closes them)
_pools: "weakref.WeakSet[ProcessPoolExecutor]" = weakref.WeakSet()


class BuildBusy(RuntimeError):
    """Another build of the same database file is running."""


class BuildInterrupted(KeyboardInterrupt):
    """The build got a signal; its workers are stopped and its temp file removed on the way out."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers die with the build and hold none of its locks."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(os.getpid(),))
    _pools.add(pool)
    return pool


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers now (shutdown alone waits for the files they are reading)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, ValueError, AttributeError):
            pass
    _unblock_results(pool)


def _unblock_results(pool: ProcessPoolExecutor) -> None:
    """A worker killed while writing its result leaves the pool's manager thread waiting in read() for the rest,
    forever (the build process holds the pipe's write end too), and shutdown() and the interpreter's exit wait for
    that thread. Made non-blocking, with one byte written to wake it, the read fails instead: the pool reports
    itself broken and its thread ends."""
    queue = getattr(pool, "_result_queue", None)
    try:
        os.set_blocking(queue._reader.fileno(), False)
        os.write(queue._writer.fileno(), b"\0")
    except (AttributeError, OSError, ValueError):   # not CPython's layout, or already closed
        pass


def _init_worker(parent_pid: int) -> None:
    for fd in list(_held_fds):
        try:
            os.close(fd)
        except OSError:
            pass
    _held_fds.clear()
    for signum in CAUGHT_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl+C reaches the whole group; the build stops the workers
    die_with_parent(parent_pid)


@contextmanager
def stop_on_signals(log=sys.stderr):
    """Turn the signals a build can catch into BuildInterrupted (main thread only), killing the workers first."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    received: list[int] = []

    def handler(signum, _frame):
        received.append(signum)
        for pool in list(_pools):
            stop_pool(pool)
        raise BuildInterrupted(signum)

    previous = {}
    for signum in CAUGHT_SIGNALS:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (OSError, ValueError):
            pass
    try:
        yield
    except BaseException as exc:
        if not received:
            raise
        print(f"build stopped by {signal.Signals(received[0]).name}: its workers are stopped, the last good "
              f"database is in place", file=log)
        if isinstance(exc, BuildInterrupted):
            raise
        raise BuildInterrupted(received[0]) from None   # DuckDB turns it into "Query interrupted"
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextmanager
def build_lock(db_path: Path, warn=None):
    """One build per database file at a time. Raises BuildBusy while a live build holds it; takes over, with a
    warning, the lock of a build that died."""
    warn = warn or (lambda message: print(f"warning: {message}", file=sys.stderr))
    lock_path = db_path.with_name(f".{db_path.name}.building.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    locked = False
    try:
        deadline = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                owner = _owner(fd)
                if owner is None or _alive(*owner):
                    holder = owner[0] if owner else "?"
                    raise BuildBusy(f"another build of {db_path} is running (pid {holder})") from None
                if deadline is None:        # its owner is gone: leftover processes of it still hold the file
                    deadline = time.monotonic() + STALE_WAIT_S
                    warn(f"the build that held {lock_path.name} (pid {owner[0]}) is gone; waiting for its "
                         f"processes {_holders(lock_path)} to exit")
                elif time.monotonic() > deadline:
                    raise BuildBusy(f"the lock of {db_path} is held by processes {_holders(lock_path)} left by a "
                                    f"build (pid {owner[0]}) that is gone; stop them and try again") from None
                time.sleep(0.1)
        locked = True
        owner = _owner(fd)
        if owner and owner[0] != os.getpid():
            warn(f"took over the build lock of pid {owner[0]}, which ended without releasing it (killed?)")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {_start_time(os.getpid())}".encode(), 0)
        _held_fds.add(fd)
        yield
    finally:
        _held_fds.discard(fd)
        if locked:
            try:
                os.ftruncate(fd, 0)       # a build that ends leaves the file empty: a name in it means a death
            except OSError:
                pass
        os.close(fd)


def _owner(fd: int) -> tuple[int, str] | None:
    parts = os.pread(fd, 64, 0).decode(errors="replace").split()
    if not parts or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[1] if len(parts) > 1 else ""


def _alive(pid: int, start_time: str) -> bool:
    """Whether that process still runs (the same one: a reused pid has another start time)."""
    now = _start_time(pid)
    return now is not None and (not start_time or not now or now == start_time)


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    return stat.rsplit(")", 1)[1].split()[19]       # field 22, after the command name in brackets


def _holders(lock_path: Path) -> list[int]:
    """Pids with the lock file open (Linux /proc), for the message."""
    target, pids = str(lock_path.resolve()), []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if any(os.readlink(fd) == target for fd in (proc / "fd").iterdir()):
                pids.append(int(proc.name))
        except OSError:
            continue
    return sorted(pids)
