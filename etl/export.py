"""`python -m etl export --format parquet|csv|xlsx --out DIR`: every curated table as one file each, and
schema.md, the data dictionary, beside them."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl import schemadoc, sqlguard
from etl.paths import DB_PATH

FORMATS = ("parquet", "csv", "xlsx")
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, required=True, help="file format")
    parser.add_argument("--out", type=Path, required=True, help="folder to write TABLE.FORMAT files into")
    parser.add_argument("--db", type=Path, default=DB_PATH, help=f"database file (default {DB_PATH})")
    parser.add_argument("--views", action="store_true", help="also write the views (figures_by_year ...)")
    parser.add_argument("--bom", action="store_true", help="csv: start with a UTF-8 BOM, for Excel")


def run(args: argparse.Namespace) -> int:
    try:
        written = export(args.db, args.out, args.format, views=args.views, bom=args.bom)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, path, n_rows in written:
        print(f"{name}: {n_rows} rows -> {path}")
    print(f"data dictionary -> {args.out / 'schema.md'}")
    return 0


def export(db_path: Path, out_dir: Path, fmt: str, views: bool = False,
           bom: bool = False) -> list[tuple[str, Path, int]]:
    """Write each table (and view) of the database to out_dir/NAME.fmt; (name, path, rows) for each."""
    con = sqlguard.connect_read_only(db_path)
    try:
        tables = sqlguard.describe_schema(con)
        names = [t.name for t in tables if t.kind == "table" or views]
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "schema.md").write_text(schemadoc.render(tables), encoding="utf-8")
        written = []
        for name in names:
            path = out_dir / f"{name}.{fmt}"
            relation = con.table(name)
            if fmt == "parquet":
                relation.write_parquet(str(path))
            elif fmt == "csv":
                write_csv(relation, path, bom)
            else:
                write_xlsx(relation.df(), path, sheet=name)
            written.append((name, path, relation.aggregate("count(*)").fetchall()[0][0]))
        return written
    finally:
        con.close()


def write_csv(relation, path: Path, bom: bool) -> None:
    relation.write_csv(str(path), header=True)
    if bom:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def write_xlsx(frame, path_or_buffer, sheet: str = "data") -> None:
    """One sheet; text never read as formulas or links, cells over Excel's limit clipped with a warning."""
    frame = frame.copy()
    for i, column in enumerate(frame.columns):
        values = frame.iloc[:, i]
        too_long = values.map(lambda v: isinstance(v, str) and len(v) > XLSX_MAX_CHARS).astype(bool)
        if too_long.any():
            print(f"warning: {sheet}.{column}: {int(too_long.sum())} cells clipped to {XLSX_MAX_CHARS} characters "
                  "(Excel's limit); parquet and csv keep them whole", file=sys.stderr)
            frame.iloc[:, i] = values.where(~too_long, values.str.slice(0, XLSX_MAX_CHARS))
    frame.to_excel(path_or_buffer, sheet_name=sheet[:31], index=False, engine="xlsxwriter",
                   engine_kwargs={"options": XLSX_OPTIONS})
