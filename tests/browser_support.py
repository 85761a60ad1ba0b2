"""Start the dashboard on a free port in a subprocess and drive it with headless Chromium (Playwright).

Typical use in a test module::

    from tests.browser_support import AppServer, chromium, wait_for_dash

    with AppServer(db_path) as server, chromium() as browser:
        page = browser.new_page(accept_downloads=True)
        page.goto(server.url("/trends?metric=investment"))
        wait_for_dash(page)
        page.screenshot(path=tmp_path / "trends.png")

or with pytest fixtures: ``server = start_server(db)`` … ``server.stop()``. ``AppServer.log()`` returns what
the server printed (useful in assertion messages); ``server.restart()`` keeps the port.
Chromium is Debian's /usr/bin/chromium (CHROMIUM env var overrides), never a downloaded build.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 1000}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`python app.py --db DB --port P` in a subprocess; a context manager that waits until it answers."""

    def __init__(self, db_path: str | os.PathLike, port: int | None = None, extra_args: list[str] | None = None,
                 timeout: float = 60.0, env: dict | None = None):
        self.db_path = Path(db_path)
        self.port = port or free_port()
        self.extra_args = extra_args or []
        self.timeout = timeout
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="app-", suffix=".log", delete=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def start(self) -> "AppServer":
        cmd = [sys.executable, str(ROOT / "app.py"), "--db", str(self.db_path), "--port", str(self.port),
               *self.extra_args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url("/_dash-layout"), timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"app did not answer on {self.base_url} within {self.timeout}s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> "AppServer":
        self.stop()
        return self.start()

    def log(self) -> str:
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def __enter__(self) -> "AppServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_server(db_path, **kwargs) -> AppServer:
    """Start and return an AppServer (call .stop() when done)."""
    return AppServer(db_path, **kwargs).start()


def launch_chromium(playwright, **kwargs):
    """Launch Debian's Chromium headless with the project's flags."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, **kwargs)


@contextlib.contextmanager
def chromium():
    """Yield a Playwright Browser (headless Debian Chromium); closes everything afterwards."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, **kwargs):
    """A page with the standard viewport that accepts downloads and records console errors in page.errors."""
    page = browser.new_page(viewport=VIEWPORT, accept_downloads=True, **kwargs)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    return page


def wait_for_dash(page, timeout: float = 20_000) -> None:
    """Wait until Dash has rendered and no callback is pending."""
    page.wait_for_selector("#react-entry-point ._dash-undo-redo, #react-entry-point .content, #react-entry-point",
                           timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]') && "
        "document.title && !document.title.startsWith('Updating')", timeout=timeout)
    page.wait_for_timeout(150)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout)


def goto(page, url: str, timeout: float = 30_000) -> None:
    """Open url and wait for Dash to settle."""
    page.goto(url, wait_until="networkidle", timeout=timeout)
    wait_for_dash(page, timeout)


def download(page, click_selector: str, timeout: float = 30_000) -> tuple[bytes, str]:
    """Click something that triggers a browser download; return (bytes, suggested file name)."""
    with page.expect_download(timeout=timeout) as info:
        page.click(click_selector)
    dl = info.value
    return Path(dl.path()).read_bytes(), dl.suggested_filename


def choose(page, dropdown_id: str, option_text: str, timeout: float = 10_000) -> None:
    """Pick an option of a Dash 4 dcc.Dropdown by its visible text, then wait for Dash."""
    page.click(f"#{dropdown_id}")
    page.locator("[role=option]", has_text=option_text).first.click(timeout=timeout)
    page.keyboard.press("Escape")
    wait_for_dash(page)


def plot_data(page, graph_id: str) -> list:
    """The plotly traces currently drawn in a dcc.Graph (x, y, type, name of each trace)."""
    return page.evaluate(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            if (!gd || !gd._fullData) return null;
            const arr = (v) => Array.from(v || []).map(e => (e && e.length !== undefined && typeof e !== 'string')
                                                             ? Array.from(e) : e);
            return gd._fullData.map(t => ({type: t.type || 'scatter', name: t.name || null,
                x: arr(t.x), y: arr(t.y)})); }""", graph_id)


def click_point(page, graph_id: str, trace: int = 0, index: int = 0) -> None:
    """Click one data point of a line/bar chart the way a reader does (hover, then click)."""
    x, y = page.evaluate(
        """([id, t, i]) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, tr = gd._fullData[t];
            const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
            const xv = xa.type === 'category' ? i : xa.d2l(tr.x[i]);
            const yv = Math.max(ya.d2l(tr.y[i]) * 0.5, ya.range[0]);
            return [box.left + xa.l2p(xv), box.top + ya.l2p(tr.type === 'bar' ? yv : ya.d2l(tr.y[i]))]; }""",
        [graph_id, trace, index])
    page.mouse.move(x, y)
    page.wait_for_timeout(200)
    page.mouse.click(x, y)
    wait_for_dash(page)
