"""Read-only access to the curated DuckDB file that notices when a rebuild swaps the file in.

DuckDB caches database instances by path inside a process, so a plain duckdb.connect(path) after an
os.replace would hand back the old, deleted file. Each file version is therefore ATTACHed READ_ONLY
into a fresh in-memory connection; the (inode, mtime, size) of the file is checked on every query.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

import duckdb
import pandas as pd

SWAP_RETRIES = 2          # queries caught by a swap of the file are tried again this often
SWAP_PAUSE_S = 0.05
CACHE_ENTRIES = 512


class DatabaseUnavailable(RuntimeError):
    """The database file is missing or unreadable; the message is shown to the reader."""


class Database:
    """One DuckDB file, read-only, reconnected when the file changes; results cached per file version."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._con = None
        self._version = None
        self._local = threading.local()
        self._cache: OrderedDict = OrderedDict()

    def configure(self, path: str | os.PathLike) -> None:
        """Point at another file (app start-up, tests)."""
        with self._lock:
            self.path, self._con, self._version = Path(path), None, None
            self._cache.clear()

    def version(self) -> tuple:
        """(inode, mtime_ns, size) of the file now; raises DatabaseUnavailable when it cannot be read."""
        if self.path is None:
            raise DatabaseUnavailable("未配置数据库文件 (no database configured)")
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise DatabaseUnavailable(f"数据库文件不存在：{self.path}（请先运行 python -m etl build）") from None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _cursor(self, version: tuple):
        with self._lock:
            if version != self._version or self._con is None:
                con = duckdb.connect(":memory:")
                try:
                    con.execute("ATTACH ? AS yearbook (READ_ONLY)", [str(self.path)])
                except duckdb.Error as exc:
                    con.close()
                    raise DatabaseUnavailable(f"无法打开数据库 {self.path}：{exc}") from None
                self._con, self._version = con, version
                self._cache.clear()
            con = self._con
        local = self._local
        if getattr(local, "owner", None) is not con:
            cur = con.cursor()
            cur.execute("USE yearbook")
            local.owner, local.cursor = con, cur
        return local.cursor

    def frame(self, sql: str, params: list | tuple = (), cache: bool = True) -> pd.DataFrame:
        """Run a parameterised query; identical queries on the same file version come from the cache."""
        version = self.version()
        key = (version, sql, _freeze(params))
        with self._lock:
            if cache and key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        for attempt in range(SWAP_RETRIES + 1):
            try:
                result = self._cursor(version).execute(sql, list(params)).df()
                break
            except (duckdb.Error, DatabaseUnavailable) as exc:
                # a rebuild renames the new file into place: a query or an ATTACH caught in that moment is
                # tried again on the file that is there now
                if attempt == SWAP_RETRIES:
                    raise exc if isinstance(exc, DatabaseUnavailable) else DatabaseUnavailable(
                        f"查询失败：{exc}") from exc
                time.sleep(SWAP_PAUSE_S)
                with self._lock:
                    self._version = None          # reconnect
                version = self.version()
                key = (version, sql, _freeze(params))
        if not cache:
            return result
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return result


def _freeze(value):
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value
