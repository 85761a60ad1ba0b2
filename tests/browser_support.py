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


_PLAYWRIGHT = []          # one Playwright driver per test process: a second sync_playwright() inside a running one fails


def _playwright():
    if not _PLAYWRIGHT:
        import atexit

        from playwright.sync_api import sync_playwright
        _PLAYWRIGHT.append(sync_playwright().start())
        atexit.register(_PLAYWRIGHT[0].stop)
    return _PLAYWRIGHT[0]


@contextlib.contextmanager
def chromium():
    """Yield a Playwright Browser (headless Debian Chromium) of the process's one driver; closes the browser
    afterwards (the session's shared browser and a test's own can be open at once)."""
    browser = launch_chromium(_playwright())
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


# ---- reading exported images back ---------------------------------------------------------------------------

def svg_text_boxes(svg: str) -> tuple[tuple[float, float, float, float], list[dict]]:
    """(viewBox, [{text, x0, x1, y0, y1}]) for every text node of an SVG, in canvas coordinates: translate()
    of the enclosing groups applied, the width estimated from the font size (CJK 1 em, others 0.6 em) and
    text-anchor. Rotated texts are boxed around their anchor point only."""
    import re
    import xml.etree.ElementTree as ET
    root = ET.fromstring(svg)
    view = [float(v) for v in (root.get("viewBox") or f"0 0 {root.get('width')} {root.get('height')}").split()]
    boxes: list[dict] = []

    def shift(transform: str | None) -> tuple[float, float, bool]:
        dx = dy = 0.0
        rotated = False
        for name, args in re.findall(r"(\w+)\(([^)]*)\)", transform or ""):
            nums = [float(v) for v in re.split(r"[ ,]+", args.strip()) if v]
            if name == "translate":
                dx += nums[0]
                dy += nums[1] if len(nums) > 1 else 0.0
            elif name == "rotate" and nums and nums[0] % 360:
                rotated = True
        return dx, dy, rotated

    def walk(node, ox: float, oy: float, rotated: bool) -> None:
        dx, dy, rot = shift(node.get("transform"))
        ox, oy, rotated = ox + dx, oy + dy, rotated or rot
        tag = node.tag.rsplit("}", 1)[-1]
        if tag == "text":
            text = "".join(node.itertext()).strip()
            if text:
                style = node.get("style") or ""
                size = float((re.search(r"font-size:\s*([\d.]+)px", style) or [None, 12])[1])
                width = sum(size if ord(c) > 0x2E80 else size * 0.6 for c in text)
                x, y = ox + float(node.get("x") or 0), oy + float(node.get("y") or 0)
                anchor = node.get("text-anchor") or (re.search(r"text-anchor:\s*(\w+)", style) or [None, "start"])[1]
                if rotated:
                    x0, x1 = x, x
                elif anchor == "middle":
                    x0, x1 = x - width / 2, x + width / 2
                elif anchor == "end":
                    x0, x1 = x - width, x
                else:
                    x0, x1 = x, x + width
                boxes.append({"text": text, "x0": x0, "x1": x1, "y0": y - size * 0.8, "y1": y + size * 0.25})
            return
        for child in node:
            walk(child, ox, oy, rotated)

    walk(root, 0.0, 0.0, False)
    return tuple(view), boxes


def png_rows(data: bytes) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixel bytes, bytes per pixel) of an 8-bit RGB/RGBA PNG (what kaleido writes)."""
    import struct
    import zlib
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), f"unsupported PNG (depth {depth}, colour type {colour})"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for r in range(height):
        kind, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def dark_pixels(rows: list[bytes], bpp: int, threshold: int = 160) -> int:
    """How many pixels of these rows are darker than threshold (text), ignoring alpha."""
    n = 0
    for row in rows:
        for i in range(0, len(row), bpp):
            if row[i] < threshold and row[i + 1] < threshold and row[i + 2] < threshold:
                n += 1
    return n
