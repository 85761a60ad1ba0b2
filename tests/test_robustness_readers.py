"""Readers during a rebuild: they keep answering, never see half-built data, and see the new file once it is in."""
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dashboards._db import Database
from tests.browser_support import AppServer
from tests.test_robustness_crash import _raw_folder

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM figures), "
            "(SELECT CAST(value AS INTEGER) FROM build_info WHERE key = 'n_documents'), "
            "(SELECT CAST(value AS INTEGER) FROM build_info WHERE key = 'n_figures')")
READER = """
import json, sys, time, duckdb
path, seconds, hold, sql = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "hold", sys.argv[4]
held = duckdb.connect(path, read_only=True) if hold else None
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        con = held or duckdb.connect(path, read_only=True)
        row = con.execute(sql).fetchone()
        if not hold:
            con.close()
        print(json.dumps({"t": time.monotonic(), "row": list(row)}), flush=True)
    except Exception as exc:
        print(json.dumps({"t": time.monotonic(), "error": f"{type(exc).__name__}: {exc}"}), flush=True)
    time.sleep(0.01)
"""


def _snapshot_ok(row, states) -> bool:
    docs, figs, info_docs, info_figs = row
    return (docs, figs) == (info_docs, info_figs) and (docs, figs) in states


def _build(raw: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db), "--no-progress"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("readers")
    old_raw, new_raw = _raw_folder(base / "old", 1, seed=3), _raw_folder(base / "new", 40, seed=4)
    states = {}
    for name, raw in (("old", old_raw), ("new", new_raw)):
        ref = base / f"{name}.duckdb"
        proc = _build(raw, ref)
        assert proc.wait(300) == 0, proc.stderr.read().decode()
        db = Database(ref)
        row = tuple(int(v) for v in db.frame(SNAPSHOT).iloc[0])
        states[name] = row[:2]
    return base, old_raw, new_raw, states


def _fresh_live(base: Path, old_raw: Path, name: str) -> Path:
    live = base / name / "yearbook.duckdb"
    live.parent.mkdir()
    proc = _build(old_raw, live)
    assert proc.wait(300) == 0
    return live


@pytest.mark.slow
def test_plain_duckdb_readers_during_rebuild(folders):
    base, old_raw, new_raw, states = folders
    live = _fresh_live(base, old_raw, "plain")
    readers = {mode: subprocess.Popen([sys.executable, "-c", READER, str(live), "12", mode, SNAPSHOT],
                                      stdout=subprocess.PIPE, text=True) for mode in ("fresh", "hold")}
    time.sleep(1.5)
    started = time.monotonic()
    build = _build(new_raw, live)
    assert build.wait(300) == 0, build.stderr.read().decode()
    swapped = time.monotonic()
    results = {mode: [json.loads(line) for line in proc.communicate(timeout=60)[0].splitlines()]
               for mode, proc in readers.items()}
    for mode, lines in results.items():
        errors = [l["error"] for l in lines if "error" in l]
        assert not errors, f"{mode} reader: {errors[:3]}"
        rows = [tuple(l["row"]) for l in lines]
        assert all(_snapshot_ok(r, set(states.values())) for r in rows), f"{mode} reader saw a half-built state"
        during = [tuple(l["row"]) for l in lines if started <= l["t"] <= swapped]
        assert len(during) > 20, f"{mode} reader answered only {len(during)} times during the rebuild"
    fresh = [tuple(l["row"])[:2] for l in results["fresh"]]
    assert fresh[0] == states["old"] and fresh[-1] == states["new"], "a fresh connection picks up the new file"
    assert all(tuple(l["row"])[:2] == states["old"] for l in results["hold"]), "an open connection keeps its file"
    print(f"\nplain readers: {len(results['fresh'])} + {len(results['hold'])} answers, none failed, "
          f"rebuild took {swapped - started:.1f}s")


@pytest.mark.slow
def test_dashboard_data_layer_during_rebuild(folders):
    base, old_raw, new_raw, states = folders
    live = _fresh_live(base, old_raw, "layer")
    db = Database(live)
    seen, errors, stop = [], [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                frame = db.frame(SNAPSHOT + ", ?", [time.monotonic_ns()])    # a new key each time: no cache hits
                seen.append(tuple(int(v) for v in frame.iloc[0][:4]))
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(1)
    build = _build(new_raw, live)
    try:
        assert build.wait(300) == 0, build.stderr.read().decode()
        time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors[:3]
    assert seen and all(_snapshot_ok(r, set(states.values())) for r in seen)
    assert seen[0][:2] == states["old"] and seen[-1][:2] == states["new"]


@pytest.mark.slow
def test_served_app_during_rebuild(folders):
    """The running app answers every request while its database is rebuilt, and then lists the new documents."""
    import requests

    from tests.test_robustness_web import call, dependencies, page

    base, old_raw, new_raw, states = folders
    live = _fresh_live(base, old_raw, "app")
    with AppServer(live) as server:
        # the file list is drawn once per page load into its box (after the first chart): asked for with the box
        # empty, it answers the grid with its rows
        grid = next(d for d in dependencies(server) if "documents-grid-box.children" in d["output"])
        rows = lambda resp: resp.json()["response"]["documents-grid-box"]["children"]["props"]["rowData"]  # noqa: E731
        listed = lambda: len(rows(call(server, grid)))  # noqa: E731
        warm = time.monotonic() + 30     # every worker process up and answering before the rebuild starts
        while call(server, grid).status_code != 200 and time.monotonic() < warm:
            time.sleep(0.5)
        assert listed() == states["old"][0], server.log()[-2000:]
        failures, answers, seen = [], 0, set()
        build = _build(new_raw, live)
        deadline = time.monotonic() + 120
        while build.poll() is None and time.monotonic() < deadline:
            for kind, resp in (("index", requests.get(server.url("/"), timeout=30)),
                               ("layout", page(server, "/documents")), ("grid", call(server, grid))):
                answers += 1
                if resp.status_code != 200 or "Traceback" in resp.text:
                    failures.append((kind, resp.status_code))
                elif kind == "grid":
                    seen.add(len(rows(resp)))
        assert build.wait(60) == 0
        assert not failures, failures[:5]
        assert answers > 10 and seen <= {states["old"][0], states["new"][0]}, seen
        assert listed() == states["new"][0], "the app still lists the old documents after the swap"
        assert "Traceback" not in server.log()
        print(f"\napp during rebuild: {answers} answers, none failed; document counts seen {sorted(seen)}")
