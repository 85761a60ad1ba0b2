"""CPU seconds and MB per CPU-second of each stage of the per-file work, in this process (no database, no workers): where a
speed-up of the ETL should go. Stages are timed separately, so `figures` includes mask and scan again.

    python bench/stage_times.py [FOLDER]      # default bench/out/corpus10
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import context, quantities  # noqa: E402
from etl.docmeta import infer_title, infer_year  # noqa: E402
from etl.extract import figures_of_document  # noqa: E402
from etl.normalize import normalize_text  # noqa: E402
from etl.read import discover, read_document  # noqa: E402


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "out" / "corpus10"
    seconds: dict[str, float] = {}
    n_bytes = n_figures = 0

    def timed(stage, fn, *args):
        started = time.process_time()
        out = fn(*args)
        seconds[stage] = seconds.get(stage, 0.0) + time.process_time() - started
        return out

    for path in discover(folder, []):
        doc = timed("read", read_document, path, folder)
        if doc.status != "ok":
            continue
        n_bytes += path.stat().st_size
        text = timed("normalize", normalize_text, doc.text)
        year, _ = timed("year", infer_year, text, doc.rel_name)
        timed("title", infer_title, text, path.stem)
        mask = timed("mask", quantities.blocked_mask, text)
        timed("scan", quantities.scan, text, mask)
        timed("context", context.DocumentContext, text)
        n_figures += len(timed("figures", figures_of_document, text, year))
    mb = n_bytes / 1e6
    print(f"{folder}: {mb:.1f} MB, {n_figures} figures")
    for stage, s in seconds.items():
        print(f"  {stage:10s} {s:6.2f} s  {mb / s:8.1f} MB/s")
    per_file = sum(v for k, v in seconds.items() if k not in ("mask", "scan", "context"))
    print(f"  {'per file':10s} {per_file:6.2f} s  {mb / per_file:8.1f} MB/s  (read + normalize + year + title + figures)")


if __name__ == "__main__":
    main()
