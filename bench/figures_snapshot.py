"""Snapshot every extracted figure of some folders, and diff two snapshots: the check that a speed-up of the
ETL changed no output. Runs the same per-file path as the build (read, normalise, infer year, extract in parts).

    python bench/figures_snapshot.py write bench/out/snap-before    # before the change
    python bench/figures_snapshot.py write bench/out/snap-after     # after it
    python bench/figures_snapshot.py diff bench/out/snap-before bench/out/snap-after

Folders default to data/raw, tests/gold/heldout, the national reports of ../shared/corpora (written out to
bench/out/national once) and bench/out/corpus10 when it exists (`python bench/generate_corpus.py
bench/out/corpus10 --mb 10 --docs 200 --seed 2`). Prints the seconds spent per folder.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.build import _figures_in_parts, text_parts  # noqa: E402
from etl.docmeta import infer_title, infer_year  # noqa: E402
from etl.normalize import normalize_text  # noqa: E402
from etl.read import discover, read_document  # noqa: E402

OUT = ROOT / "bench" / "out"
NATIONAL = ROOT.parent / "shared" / "corpora" / "national-government-work-reports.jsonl"


def national_folder() -> Path | None:
    folder = OUT / "national"
    if not folder.exists() and NATIONAL.exists():
        folder.mkdir(parents=True)
        for i, line in enumerate(NATIONAL.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                (folder / f"{i:03d}.txt").write_text(json.loads(line)["content"], encoding="utf-8")
    return folder if folder.exists() else None


def default_folders() -> dict[str, Path]:
    folders = {"seeds": ROOT / "data" / "raw", "heldout": ROOT / "tests" / "gold" / "heldout"}
    if national_folder():
        folders["national"] = OUT / "national"
    if (OUT / "corpus10").exists():
        folders["corpus10"] = OUT / "corpus10"
    return folders


def snapshot(folder: Path) -> list[dict]:
    rows = []
    for path in discover(folder, []):
        doc = read_document(path, folder)
        if doc.status != "ok":
            rows.append({"file": doc.rel_name, "status": doc.status})
            continue
        text = normalize_text(doc.text)
        year, year_source = infer_year(text, doc.rel_name)
        rows.append({"file": doc.rel_name, "title": infer_title(text, path.stem), "year": year,
                     "year_source": year_source, "n_chars": len(text), "text_sha1": hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()})
        for figure in _figures_in_parts(text, text_parts(text), year):
            rows.append({"file": doc.rel_name, **figure})
    return rows


def write(out: Path, folders: dict[str, Path]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, folder in folders.items():
        started = time.perf_counter()
        rows = snapshot(folder)
        seconds = time.perf_counter() - started
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str) + "\n")
        print(f"{name:10s} {len(rows):7d} rows  {seconds:6.2f} s")


def diff(before: Path, after: Path, show: int) -> int:
    changed = 0
    for old_file in sorted(before.glob("*.jsonl")):
        new_file = after / old_file.name
        if not new_file.exists():
            print(f"{old_file.stem}: missing in {after}")
            changed += 1
            continue
        old = old_file.read_text(encoding="utf-8").splitlines()
        new = new_file.read_text(encoding="utf-8").splitlines()
        gone, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
        print(f"{old_file.stem:10s} {len(old):7d} -> {len(new):7d} rows, {len(gone)} gone, {len(added)} new")
        for label, lines in (("-", gone), ("+", added)):
            for line in lines[:show]:
                print(f"  {label} {line[:400]}")
        changed += len(gone) + len(added)
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("--folder", action="append", type=Path, help="instead of the default folders")
    d = sub.add_parser("diff")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    d.add_argument("--show", type=int, default=5, help="differing rows printed per side and folder")
    args = parser.parse_args()
    if args.command == "write":
        folders = {f.name: f for f in args.folder} if args.folder else default_folders()
        write(args.out, folders)
        return 0
    return diff(args.before, args.after, args.show)


if __name__ == "__main__":
    sys.exit(main())
