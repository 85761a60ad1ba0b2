"""`python -m etl sql "SELECT …"`: one guarded query (etl.sqlguard, in a sandbox process) as a table, CSV or JSON."""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import json
import sys
import unicodedata
from pathlib import Path

from etl import sqlguard
from etl.paths import DB_PATH

MAX_CELL = 60  # characters of a cell shown in --format table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help='one read-only statement, e.g. "SELECT * FROM metrics"; - reads it from stdin')
    parser.add_argument("--db", type=Path, default=DB_PATH, help=f"database file (default {DB_PATH})")
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output format")
    parser.add_argument("--timeout", type=float, default=sqlguard.Limits.timeout_s, help="time limit in seconds")
    parser.add_argument("--max-rows", type=int, default=sqlguard.Limits.max_rows, help="rows returned at most")
    parser.add_argument("--max-chars", type=int, default=sqlguard.Limits.max_chars,
                        help="characters of text returned at most (rows past it are cut)")


def run(args: argparse.Namespace) -> int:
    sql = sys.stdin.read() if args.query == "-" else args.query
    limits = sqlguard.Limits(timeout_s=args.timeout, max_rows=args.max_rows, max_chars=args.max_chars)
    result = sqlguard.run_query(sql, args.db, limits)
    if not result.ok:
        print(f"error: {result.message}", file=sys.stderr)
        if result.detail:
            print(f"  {result.detail}", file=sys.stderr)
        return 2 if result.kind in ("refused", "too_long", "too_deep") else 1
    {"table": write_table, "csv": write_csv, "json": write_json}[args.format](result, sys.stdout)
    note = f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''} in {result.elapsed_s:.3f} s"
    if result.truncated_by == "rows":
        note += f" (truncated at --max-rows {result.max_rows}: the query returns more)"
    elif result.truncated_by == "size":
        note += " (truncated: the result holds more text than one query may return; use python -m etl export)"
    print(note, file=sys.stderr)
    return 0


def write_csv(result: sqlguard.QueryResult, out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([["" if v is None else _text(v) for v in row] for row in result.rows])


def write_json(result: sqlguard.QueryResult, out) -> None:
    """A JSON array of row objects; a repeated column name gets a suffix (_2, _3 …)."""
    names = unique_names(result.columns)
    records = [{name: json_value(v) for name, v in zip(names, row)} for row in result.rows]
    body = ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
    out.write(f"[\n{body}\n]\n" if records else "[]\n")


def write_table(result: sqlguard.QueryResult, out) -> None:
    cells = [[_clip(c) for c in result.columns]]
    cells += [[_clip("NULL" if v is None else _text(v)) for v in row] for row in result.rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(result.columns))]
    numeric = [_is_numeric(t) for t in result.types]

    def line(row):
        return " | ".join(_pad(c, w, right) for c, w, right in zip(row, widths, numeric)).rstrip()

    out.write(line(cells[0]) + "\n")
    out.write("-+-".join("-" * w for w in widths) + "\n")
    for row in cells[1:]:
        out.write(line(row) + "\n")


def unique_names(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def json_value(value):
    """A JSON-safe form of a DuckDB value: numbers and text as such, dates ISO, the rest as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return _text(value)


def _text(value) -> str:
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _clip(text: str) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def _is_numeric(type_name: str) -> bool:
    return type_name.upper().split("(")[0] in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                                                "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE",
                                                "DECIMAL", "NUMBER"}
