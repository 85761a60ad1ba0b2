"""Untrusted SQL in child processes: an OS memory limit, a hard kill at the time limit, a small pool with a queue.

Every researcher query (etl.sqlguard.run_query: the /sql page and `python -m etl sql`) is sent to a child
process that runs the statement check, parse, bind, plan, execution and the conversion of the result
(sqlguard.execute_checked). The child

- limits its own address space (RLIMIT_AS: what it needs idle plus the query's memory limit and a margin), so a
  query that swamps the parser or the conversion to Python objects fails there, not in the server;
- dies with its parent (PR_SET_PDEATHSIG, and a thread that watches the parent's pid);
- is killed by the parent at the time limit plus GRACE_S, whatever it is doing (DuckDB's own time limit does not
  cover parsing and planning); the parent never waits longer;
- sends its answer as a pickle the parent reads with an allow-list of classes (plain values, dates, decimals).

Slots: at most POOL_SIZE queries run at once and one client at most PER_CLIENT of them, counted with flock'ed
files in a directory shared by every process of one server (XJ_SQL_RUNTIME, set by dashboards/serve.py), so
the limits hold across gunicorn's worker processes; the kernel drops a dead process's slot. A query waits for a
slot at most its time limit (繁忙 after that). Idle children are reused; one is kept warm in each process.
"""
from __future__ import annotations

import atexit
import fcntl
import hashlib
import io
import json
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from etl.lifeline import die_with_parent
from etl.sqlguard import Limits, QueryError, QueryResult, memory_error, timeout_error

GRACE_S = 1.0              # past the time limit before the child is killed
POOL_SIZE = int(os.environ.get("XJ_SQL_POOL", "3"))   # queries at once, across the processes of one server
PER_CLIENT = 1             # of them held by one client
SPARES = 2                 # idle children kept warm in each process
CLIENT_WAIT_S = 1.0        # a client over its limit waits this long for its own query to end, then gets 繁忙
HEADROOM = 768 << 20       # address space beyond the idle child and DuckDB's memory limit (Python objects)
RECYCLE_RSS = 600 << 20    # a child that grew past this after a query is replaced
RUNTIME_ENV = "XJ_SQL_RUNTIME"
_HEADER = struct.Struct("!Q")
_ROOT = str(Path(__file__).resolve().parent.parent)
_CHILD_CODE = ("import sys; sys.path.insert(0, sys.argv[1]); "
               "from etl.sqlsandbox import child_main; child_main(int(sys.argv[2]), int(sys.argv[3]))")
# What a child's answer may contain: the values DuckDB's Python client returns, nothing that runs code.
_ALLOWED = {("builtins", n) for n in ("int", "float", "complex", "str", "bytes", "bytearray", "list", "tuple",
                                       "dict", "set", "frozenset", "bool")}
_ALLOWED |= {("datetime", n) for n in ("date", "datetime", "time", "timedelta", "timezone")}
_ALLOWED |= {("decimal", "Decimal"), ("uuid", "UUID"), ("uuid", "SafeUUID"), ("pytz", "_p"), ("pytz", "_UTC"),
             ("collections", "OrderedDict")}


# ----------------------------------------------------------------------------------------------- the parent side

def run(sql: str, db_path, limits: Limits, client: str | None = None) -> QueryResult | QueryError:
    """Run one query in a sandbox child of this process's pool (created on first use, again after a fork)."""
    return pool().run(sql, db_path, limits, client)


_pool_lock = threading.Lock()
_pool: "Pool | None" = None


def pool() -> "Pool":
    global _pool
    with _pool_lock:
        if _pool is None or _pool.pid != os.getpid():
            _pool = Pool()
        return _pool


class Pool:
    """The sandbox children of this process, and the slots shared with the other processes of the server."""

    def __init__(self, size: int = POOL_SIZE, per_client: int = PER_CLIENT, folder: str | None = None):
        self.pid = os.getpid()
        self.size, self.per_client = size, per_client
        self.dir = Path(folder) if folder else runtime_dir()
        (self.dir / "slots").mkdir(parents=True, exist_ok=True)
        self._idle: list[_Child] = []
        self._starting = self._busy = 0
        self._costly: OrderedDict[str, bool] = OrderedDict()   # clients whose last query cost its child
        self._lock = threading.Lock()
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="sql-spawn")   # PDEATHSIG follows this thread
        atexit.register(self.close)

    def run(self, sql: str, db_path, limits: Limits, client: str | None) -> QueryResult | QueryError:
        started = time.monotonic()
        client = client or f"pid:{os.getpid()}:{threading.get_ident()}"    # a caller that names no client: per thread
        key = hashlib.sha256(client.encode("utf-8", "replace")).hexdigest()[:20]
        own = _acquire(self.dir / "slots", f"client-{key}", self.per_client, started + CLIENT_WAIT_S)
        if own is None:
            return QueryError("busy", "繁忙：你的上一条查询还在运行，请等它结束再试 (busy: your previous query is "
                                      "still running)")
        try:
            slot = _acquire(self.dir / "slots", "slot", self.size, started + limits.timeout_s)
            if slot is None:
                return QueryError("busy", "繁忙：其他查询正在运行，请稍后再试 (busy: other queries are running, "
                                          "try again in a moment)")
            try:
                return self._run(sql, db_path, limits, key)
            finally:
                _release(slot)
        finally:
            _release(own)

    def _run(self, sql: str, db_path, limits: Limits, key: str) -> QueryResult | QueryError:
        budget = _bytes(limits.memory_limit) + HEADROOM
        request = json.dumps({"sql": sql, "db": str(db_path), "limits": asdict(limits)}).encode()
        # A client whose last query cost its child (killed, over memory) starts its own next one: it cannot use up
        # the warm spares the other clients' queries are answered from.
        spare_ok = key not in self._costly
        for attempt in (1, 2):                  # a child that died while idle is replaced once
            child = self._take(budget, spare_ok)
            if child is None:
                return QueryError("unavailable", "查询进程无法启动 (the query process could not be started)")
            outcome = child.ask(request, limits.timeout_s + GRACE_S, _reply_cap(limits))
            if outcome.get("status") == "dead-before" and attempt == 1:
                self._done(child, keep=False)
                continue
            break
        reply = outcome.get("reply")
        with self._lock:
            if reply is None or reply.get("recycle"):
                self._costly[key] = True
                while len(self._costly) > 1000:
                    self._costly.popitem(last=False)
            else:
                self._costly.pop(key, None)
        if reply is not None:
            self._done(child, keep=not reply.get("recycle") and child.rss() <= RECYCLE_RSS and child.alive())
            return _result(reply)
        self._done(child, keep=False)
        status = outcome["status"]
        if status == "timeout":
            return timeout_error(limits, "the query process was stopped")
        if status == "too-big":
            return QueryError("error", "结果过大：超过了一次查询可以返回的大小 (the result is larger than one query "
                                       "may return; use python -m etl export)")
        return _death(outcome, limits)

    def prestart(self, budget: int | None = None) -> None:
        """Start idle children in the background until SPARES are idle or starting (at a worker's start, after
        a child is taken or killed)."""
        budget = budget or _bytes(Limits.memory_limit) + HEADROOM
        with self._lock:
            missing = SPARES - self._starting - self._busy - sum(c.budget == budget for c in self._idle)
            if missing <= 0:
                return
            self._starting += missing

        def start():
            try:
                child = _Child.start(budget, self._spawner)
            finally:
                with self._lock:
                    self._starting -= 1
            if child:
                with self._lock:
                    self._idle.append(child)
                    self._trim()
        for _ in range(missing):
            threading.Thread(target=start, daemon=True, name="sql-prestart").start()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()

    def _take(self, budget: int, spare_ok: bool = True) -> "_Child | None":
        """An idle child (unless spare_ok is false), else a new one; counted busy until _done."""
        taken = None
        with self._lock:
            for i, child in enumerate(self._idle if spare_ok else []):
                if child.budget == budget and child.alive():
                    taken = self._idle.pop(i)
                    break
        taken = taken or _Child.start(budget, self._spawner)
        if taken:
            with self._lock:
                self._busy += 1
            self.prestart(budget)           # only while fewer than SPARES children are idle, busy or starting
        return taken

    def _done(self, child: "_Child", keep: bool) -> None:
        """Back to the idle children, or killed and (in the background) replaced while fewer than SPARES are left:
        starting one takes a few tenths of a second, which the next query should not wait for."""
        with self._lock:
            self._busy -= 1
            if keep:
                self._idle.append(child)
                self._trim()
                return
        child.kill()
        self.prestart(child.budget)

    def _trim(self) -> None:
        while len(self._idle) > self.size:
            self._idle.pop(0).kill()


class _Child:
    """One sandbox process and the pipes to it."""

    def __init__(self, proc: subprocess.Popen, budget: int):
        self.proc, self.budget = proc, budget

    @classmethod
    def start(cls, budget: int, spawner: ThreadPoolExecutor, timeout: float = 30.0) -> "_Child | None":
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop(RUNTIME_ENV, None)
        cmd = [sys.executable, "-c", _CHILD_CODE, _ROOT, str(os.getpid()), str(budget)]
        try:
            proc = spawner.submit(subprocess.Popen, cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=None, env=env, cwd=_ROOT, close_fds=True).result()
        except (OSError, RuntimeError):
            return None
        child = cls(proc, budget)
        ready = child._read(1, time.monotonic() + timeout)
        if ready != b"R":
            child.kill()
            return None
        return child

    def ask(self, request: bytes, seconds: float, cap: int) -> dict:
        """Send one request; the reply, or why there is none (timeout, too-big, dead-before, died)."""
        deadline = time.monotonic() + seconds
        try:
            self.proc.stdin.write(_HEADER.pack(len(request)) + request)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return {"status": "dead-before"}
        header = self._read(_HEADER.size, deadline)
        if header is None:
            ended = self._ended(wait_s=0)
            return {"status": "timeout"} if ended is None else {"status": "died", **ended}
        if len(header) < _HEADER.size:
            return {"status": "died", **(self._ended(wait_s=2.0) or {})}
        (length,) = _HEADER.unpack(header)
        if length > cap:
            return {"status": "too-big"}
        payload = self._read(length, deadline)
        if payload is None:
            return {"status": "timeout"}
        if len(payload) < length:
            return {"status": "died", **(self._ended(wait_s=2.0) or {})}
        try:
            return {"status": "ok", "reply": _SafeUnpickler(io.BytesIO(payload)).load()}
        except Exception as exc:  # noqa: BLE001 - an unreadable answer is a failed query, never a crash here
            return {"status": "died", "detail": f"unreadable answer: {type(exc).__name__}"}

    def _read(self, n: int, deadline: float) -> bytes | None:
        """n bytes (fewer at end of file), or None when the deadline passes first."""
        fd = self.proc.stdout.fileno()
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([fd], [], [], left)
            if not readable:
                return None
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _ended(self, wait_s: float) -> dict | None:
        """How the child ended (exit code or signal, peak memory), waiting up to wait_s; None while it runs."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            except ChildProcessError:          # reaped already
                return {"returncode": self.proc.returncode}
            if pid:
                self.proc.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                return {"returncode": self.proc.returncode, "maxrss": usage.ru_maxrss * 1024}
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss(self) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return 0

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, ChildProcessError):
            pass


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a query result")
        return super().find_class(module, name)


def _result(reply: dict) -> QueryResult | QueryError:
    if reply.get("ok"):
        return QueryResult(columns=reply["columns"], types=reply["types"], rows=reply["rows"],
                           truncated=reply["truncated"], elapsed_s=reply["elapsed_s"], max_rows=reply["max_rows"],
                           truncated_by=reply["truncated_by"])
    return QueryError(reply["kind"], reply["message"], reply.get("detail", ""))


def _death(outcome: dict, limits: Limits) -> QueryError:
    """A child that died mid-query: over its address-space limit (C++ allocations abort) or a crash."""
    code = outcome.get("returncode")
    name = signal.Signals(-code).name if isinstance(code, int) and code < 0 and -code in signal.valid_signals() \
        else f"exit {code}"
    if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS) or outcome.get("maxrss", 0) > \
            _bytes(limits.memory_limit):
        return memory_error(limits, f"the query process ended with {name} (memory exhausted or a crash in DuckDB)")
    return QueryError("crash", "查询进程意外退出 (the query process ended unexpectedly)", name)


def _reply_cap(limits: Limits) -> int:
    return 8 * limits.max_chars + 64 * max(limits.max_rows, 1) * 16 + (16 << 20)


def _bytes(text: str) -> int:
    units = {"KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9, "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "B": 1}
    text = text.strip().upper()
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            return int(float(text[:-len(unit)]) * units[unit])
    return int(float(text))


def _acquire(folder: Path, name: str, count: int, deadline: float) -> int | None:
    """Lock one of count files name-0 … name-(count-1); wait until deadline; the fd, or None."""
    while True:
        for i in range(count):
            fd = os.open(folder / f"{name}-{i}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                os.close(fd)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def _release(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def runtime_dir() -> Path:
    """The folder shared by the processes of this server (set by dashboards/serve.py), else this process's own."""
    return Path(os.environ.get(RUNTIME_ENV) or _private_dir())


_private: str | None = None


def _private_dir() -> str:
    """Slot files of a process that runs alone (the CLI, a development server, tests)."""
    global _private
    if _private is None or not os.path.isdir(_private):
        _private = tempfile.mkdtemp(prefix="xj-sql-")
        atexit.register(shutil.rmtree, _private, True)
    return _private


# ------------------------------------------------------------------------------------------------ the child side

def child_main(parent_pid: int, budget: int) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl+C in a terminal reaches the whole group: the parent decides
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)                              # nothing DuckDB prints can corrupt the answers
    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    import duckdb

    from etl import sqlguard
    warm = duckdb.connect(":memory:", config={"threads": Limits.threads})
    warm.execute("SELECT 1").fetchall()
    sqlguard.check_statement("SELECT 1")             # the parser connection, tokenizer
    warm.close()
    cap = _vm_size() + budget
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))   # the hard limit too: the query cannot raise it
    out.write(b"R")
    while True:
        header = _read_exact(inp, _HEADER.size)
        if len(header) < _HEADER.size:
            os._exit(0)                              # the parent closed the pipe
        request = json.loads(_read_exact(inp, _HEADER.unpack(header)[0]))
        limits = Limits(**request["limits"])
        try:
            payload = _encode(sqlguard.execute_checked(request["sql"], request["db"], limits))
        except MemoryError:
            payload = _encode(memory_error(limits), recycle=True)
        except Exception as exc:  # noqa: BLE001 - the answer is a message, the child is replaced
            payload = _encode(QueryError("error", "查询出错 (the query failed)", f"{type(exc).__name__}: {exc}"),
                              recycle=True)
        out.write(_HEADER.pack(len(payload)) + payload)


def _encode(result: QueryResult | QueryError, recycle: bool = False) -> bytes:
    if result.ok:    # not dataclasses.asdict: that would copy every row
        reply = {"ok": True, "columns": result.columns, "types": result.types, "rows": result.rows,
                 "truncated": result.truncated, "elapsed_s": result.elapsed_s, "max_rows": result.max_rows,
                 "truncated_by": result.truncated_by}
    else:
        reply = {"ok": False, "kind": result.kind, "message": result.message, "detail": result.detail}
    reply["recycle"] = recycle or (not result.ok and result.kind in ("memory", "timeout")) or \
        (not result.ok and "INTERNAL" in result.detail)
    try:
        return pickle.dumps(reply, protocol=5)
    except MemoryError:
        reply = {"ok": False, "kind": "memory", "message": memory_error(Limits()).message, "recycle": True}
        return pickle.dumps(reply, protocol=5)


def _read_exact(stream, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0
