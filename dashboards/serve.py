"""How the dashboard is served: gunicorn with several worker processes (Flask's development server only with --dev),
a health endpoint, request size limits, and callbacks that fail answered without a server error.

app.py builds the Dash app and calls run(app, args, warm_up); tests start `python app.py` (tests/browser_support.py)
either way. Each gunicorn worker is a process of its own with a few threads, so a slow request stalls one
thread of one worker; SQL runs in sandbox children (etl/sqlsandbox.py) whose slots are shared by all workers
through a runtime folder the master creates (XJ_SQL_RUNTIME) and removes at exit.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from etl import sqlsandbox

MAX_REQUEST_BYTES = 2 << 20        # a callback's inputs and states; the SQL text is bounded further (100,000 chars)
WORKERS = 3                        # 2 cores: one process per core plus one, each with THREADS threads
THREADS = 4
REQUEST_TIMEOUT_S = 120            # gunicorn restarts a worker stuck this long (no request should come close)
CLIENT_COOKIE = "xj_client"        # names a browser for the SQL per-client limit (etl/sqlsandbox.py)
_CLIENT_ID = re.compile(r"[0-9a-f]{32}")
_STARTED = time.time()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dev", action="store_true",
                        help="Flask's development server (one process) instead of gunicorn")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("XJ_WORKERS", WORKERS)),
                        help=f"gunicorn worker processes (default {WORKERS})")
    parser.add_argument("--threads", type=int, default=THREADS, help=f"threads per worker (default {THREADS})")


def harden(app) -> None:
    """Limits and answers the production server and the development server share."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app._on_error = _callback_failed          # Dash's global on_error: a failing callback updates nothing (204)

    @server.route("/healthz")
    def healthz():
        from flask import Response

        from . import _queries as q
        try:
            q.DB.version()
            database = "ok"
        except q.DatabaseUnavailable as exc:
            database = str(exc)
        body = {"status": "ok", "database": database, "pid": os.getpid(), "uptime_s": round(time.time() - _STARTED)}
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")

    @server.errorhandler(413)
    def too_large(_exc):
        from flask import jsonify
        return jsonify(error=f"请求过大：上限 {MAX_REQUEST_BYTES >> 20} MB (request larger than "
                             f"{MAX_REQUEST_BYTES >> 20} MB)"), 413

    server.log_exception = _log_one_line      # not Flask's traceback: the 500 handler below answers

    @server.errorhandler(500)
    def failed(_exc):
        from flask import jsonify, request
        if request.path.endswith("/_dash-update-component"):      # a body Dash cannot read: a bad request
            return jsonify(error="无法处理的请求 (malformed callback request)"), 400
        return jsonify(error="服务器出错 (server error)"), 500

    @server.after_request
    def name_the_client(response):
        from flask import request
        if not _CLIENT_ID.fullmatch(request.cookies.get(CLIENT_COOKIE, "")):
            response.set_cookie(CLIENT_COOKIE, secrets.token_hex(16), max_age=365 * 86400, httponly=True,
                                samesite="Lax")
        return response


def client_key() -> str:
    """Who sends the current request, for the SQL limits: the browser's cookie, else its address."""
    from flask import has_request_context, request
    if not has_request_context():
        return f"pid:{os.getpid()}"
    cookie = request.cookies.get(CLIENT_COOKIE, "")
    return f"c:{cookie}" if _CLIENT_ID.fullmatch(cookie) else f"ip:{request.remote_addr}"


def run(app, args: argparse.Namespace, warm_up: Callable[[], None] | None = None) -> int:
    """Serve app on args.host:args.port until stopped."""
    harden(app)
    with app.server.test_client() as client:   # Dash sets itself up on its first request: once, here, not in
        client.get("/_dash-layout")            # several threads at once (it iterates dicts others change)
    runtime = tempfile.mkdtemp(prefix="xj-serve-")
    os.environ[sqlsandbox.RUNTIME_ENV] = runtime
    try:
        if args.dev:
            _after_start(warm_up)
            app.run(host=args.host, port=args.port, debug=False)
        else:
            _gunicorn(app.server, args, warm_up).run()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    return 0


def _after_start(warm_up: Callable[[], None] | None) -> None:
    """In each serving process: a warm sandbox child and the app's own warm-up, in the background."""
    sqlsandbox.pool().prestart()
    if warm_up:
        threading.Thread(target=warm_up, daemon=True, name="warm-up").start()


def _log_one_line(exc_info) -> None:
    """A request that raised, in one line: what, where (the innermost frame) and for which path."""
    import traceback

    from flask import request
    _, exc, tb = exc_info
    frame = traceback.extract_tb(tb)[-1] if tb else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    print(f"warning: {request.method} {request.path[:80]}: {type(exc).__name__}: {str(exc)[:200]}{where}",
          file=sys.stderr)


def _callback_failed(exc: Exception):
    """A callback that raised (a value of a type it does not expect, sent by hand): logged in one line, and the
    page keeps what it shows (no update) instead of an HTTP 500."""
    print(f"warning: callback failed: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
    return None


def _gunicorn(wsgi, args: argparse.Namespace, warm_up: Callable[[], None] | None):
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            options = {
                "bind": f"{args.host}:{args.port}", "workers": max(1, args.workers), "worker_class": "gthread",
                "threads": max(1, args.threads), "timeout": REQUEST_TIMEOUT_S, "graceful_timeout": 5,
                "keepalive": 5, "limit_request_line": 8190, "limit_request_fields": 100,
                "limit_request_field_size": 8190, "accesslog": None, "errorlog": "-", "loglevel": "warning",
                "post_fork": lambda _server, _worker: _after_start(warm_up),
                "proc_name": "xj-dashboard",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return wsgi

    return Server()
