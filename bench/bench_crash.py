"""20 SIGKILLs and 20 SIGTERMs of `python -m etl build` (2 workers) at random moments, signalling the build process
alone (as `kill PID` or `timeout N python -m etl build` do), each followed by a build that must succeed.

After every kill: how long until no process of the dead build is left, whether a temp file was left (the next
build removes it), and that the database is the previous one or the new one, intact. Bounded: 40 builds of a
~150-file raw folder plus the follow-up builds.

    python3 bench/bench_crash.py [--kills 20] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parent.parent


def raw_folder(path: Path, copies: int, seed: int) -> Path:
    rng = random.Random(seed)
    path.mkdir()
    for src in sorted((ROOT / "data" / "raw").glob("*.txt")):
        text = src.read_text(encoding="utf-8")
        (path / src.name).write_text(text, encoding="utf-8")
        for i in range(copies):
            (path / f"{src.stem}_v{i:02d}.txt").write_text(re.sub(r"\d", lambda m: str(rng.randrange(10)), text),
                                                            encoding="utf-8")
    return path


def start(raw: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db), "--workers", "2",
                             "--no-progress"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def counts(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM figures), "
                           "(SELECT sum(value_norm) FROM figures)").fetchone()
    finally:
        con.close()


def group(pgid: int) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except (ProcessLookupError, psutil.Error):
            continue
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs, and as many SIGTERMs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    try:
        old_raw, new_raw = raw_folder(work / "old", 2, 1), raw_folder(work / "new", 30, 2)
        live = work / "live" / "yearbook.duckdb"
        live.parent.mkdir()
        assert start(old_raw, live).wait(300) == 0
        old = counts(live)
        shutil.copy(live, work / "old.duckdb")
        t0 = time.monotonic()
        proc = start(new_raw, live)
        assert proc.wait(300) == 0
        full = time.monotonic() - t0
        new = counts(live)
        rng = random.Random(1414)
        rows, failures = [], []
        done = {signal.SIGKILL: 0, signal.SIGTERM: 0}
        for i in range(6 * args.kills):                  # until each signal has hit `kills` builds mid-run
            sig = signal.SIGKILL if i % 2 == 0 else signal.SIGTERM
            if done[sig] >= args.kills:
                if all(n >= args.kills for n in done.values()):
                    break
                continue
            shutil.copy(work / "old.duckdb", work / "restore.duckdb")
            os.replace(work / "restore.duckdb", live)
            proc = start(new_raw, live)
            time.sleep(rng.uniform(0.05, full * 0.95))
            killed = proc.poll() is None
            sent = time.monotonic()
            if killed:
                os.kill(proc.pid, sig)
                done[sig] += 1
            _, err = proc.communicate(timeout=120)
            while group(proc.pid) and time.monotonic() - sent < 30:
                time.sleep(0.02)
            survivors_s = time.monotonic() - sent
            left = [p.name for p in live.parent.iterdir() if ".building-" in p.name]
            state = counts(live)
            intact = state in (old, new)
            follow = start(new_raw, live)
            _, follow_err = follow.communicate(timeout=300)
            ok = follow.returncode == 0 and counts(live) == new
            row = {"signal": sig.name, "killed": killed, "returncode": proc.returncode,
                   "processes_gone_s": round(survivors_s, 2), "temp_files_left": len(left), "intact": intact,
                   "next_build_ok": ok, "took_over_lock": "took over the build lock" in follow_err.decode(),
                   "removed_temp": "removed" in follow_err.decode()}
            rows.append(row)
            if not (intact and ok and survivors_s < 5):
                failures.append({**row, "stderr": err.decode()[-300:], "next_stderr": follow_err.decode()[-300:]})
            print(row, flush=True)
        for sig in ("SIGKILL", "SIGTERM"):
            mine = [r for r in rows if r["signal"] == sig and r["killed"]]
            print(f"{sig}: {len(mine)} builds killed mid-run; every next build ok: "
                  f"{all(r['next_build_ok'] for r in rows if r['signal'] == sig)}; db intact: "
                  f"{all(r['intact'] for r in rows if r['signal'] == sig)}; processes gone within "
                  f"{max((r['processes_gone_s'] for r in mine), default=0):.2f} s (max); temp files left "
                  f"{sum(r['temp_files_left'] > 0 for r in mine)}, locks taken over "
                  f"{sum(r['took_over_lock'] for r in mine)}")
        print(f"full build {full:.1f} s; failures: {len(failures)}")
        if args.json:
            args.json.write_text(json.dumps({"full_build_s": round(full, 1), "rows": rows, "failures": failures},
                                            indent=1), encoding="utf-8")
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
