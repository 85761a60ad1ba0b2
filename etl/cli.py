"""The `python -m etl` commands: one table, read by --help and by the code that dispatches."""
from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, help). Each module has add_arguments(parser) and run(args) -> int exit code.
COMMANDS = {
    "build": ("etl.commands.build_cmd", "build the DuckDB file from the raw folder (atomic swap)"),
    "extract": ("etl.commands.extract_cmd", "print the figures of one text file (or - for stdin) as JSON Lines"),
    "evaluate": ("etl.evaluate", "score the extraction against the gold annotations and print a table"),
    "sql": ("etl.sqlcli", "run one read-only, time- and row-limited SQL query against the database"),
    "export": ("etl.export", "write every curated table as parquet, csv or xlsx files"),
    "schema-doc": ("etl.schemadoc", "regenerate docs/schema.md from the database's own comments"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Yearbook figures: ETL and data access.")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    words = sys.argv[1:] if argv is None else argv
    chosen = next((word for word in words if not word.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name != chosen:          # only the command that runs is imported (`sql` opens DuckDB at import)
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            command_parser.set_defaults(_missing=f"command {name!r} is not available: {exc}")
            continue
        module.add_arguments(command_parser)
        modules[name] = module
    args = parser.parse_args(argv)
    if getattr(args, "_missing", None):
        print(args._missing, file=sys.stderr)
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
