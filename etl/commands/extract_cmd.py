"""`python -m etl extract FILE|-`: figures of one text as JSON Lines."""
import json
import sys
from pathlib import Path

from ..extract import extract_figures
from ..read import decode_bytes


def add_arguments(parser):
    parser.add_argument("file", help="text file, or - for standard input")
    parser.add_argument("--year", type=int, default=None, help="document year (default: inferred from the text)")


def run(args) -> int:
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        text, _, warning = decode_bytes(data)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    name = "" if args.file == "-" else Path(args.file).name
    for number, figure in enumerate(extract_figures(text, year=args.year, file_name=name), start=1):
        print(json.dumps({"figure_id": number, **figure}, ensure_ascii=False))
    return 0
