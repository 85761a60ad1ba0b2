"""`python -m etl build`."""
import os
import sys
import time
from pathlib import Path

import duckdb

from ..build import BuildBusy, build
from ..paths import DB_PATH, RAW_DIR


MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """One worker per CPU this process may run on: files are independent, so the build scales with cores."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:          # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_WORKERS))


def add_arguments(parser):
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw folder (default data/raw)")
    parser.add_argument("--db", type=Path, default=DB_PATH, help="database file (default data/curated/yearbook.duckdb)")
    parser.add_argument("--workers", type=int, default=None,
                        help=f"worker processes (default: one per CPU, at most {MAX_DEFAULT_WORKERS})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--ocr", action="store_true",
                        help="read scanned PDF pages with Tesseract (chi_sim); without it they are listed as needs_ocr")


def run(args) -> int:
    started = time.perf_counter()
    try:
        workers = args.workers if args.workers is not None else default_workers()
        counts = build(args.raw, args.db, workers=workers, progress=False if args.no_progress else None,
                       ocr=args.ocr)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BuildBusy as exc:
        print(f"error: {exc}; try again when it has finished", file=sys.stderr)
        return 3
    except (OSError, duckdb.Error) as exc:
        print(f"error: build failed, {args.db} is unchanged: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    problems = f"{counts['errors']} problem files, {counts['duplicates']} duplicates, {counts['warnings']} loaded with warnings"
    print(f"built {args.db}: {counts['documents']} documents, {counts['figures']} figures, {problems}, "
          f"in {took:.1f} s", file=sys.stderr)
    return 0
