"""`python -m etl build`."""
import sys
import time
from pathlib import Path

import duckdb

from ..build import BuildBusy, build
from ..paths import DB_PATH, RAW_DIR


def add_arguments(parser):
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw folder (default data/raw)")
    parser.add_argument("--db", type=Path, default=DB_PATH, help="database file (default data/curated/yearbook.duckdb)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    started = time.perf_counter()
    try:
        counts = build(args.raw, args.db, workers=args.workers, progress=False if args.no_progress else None)
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
