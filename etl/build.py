"""Turn the raw folder into the curated DuckDB file: write a new file, then swap it in atomically."""
from __future__ import annotations

import fcntl
import gc
import hashlib
import io
import operator
import os
from bisect import bisect_right
import re
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import duckdb
import pyarrow as pa
from tqdm import tqdm

from . import __version__
from .buildpool import BuildBusy, build_lock, stop_on_signals, stop_pool, worker_pool  # noqa: F401
from .docmeta import infer_title, infer_year
from .extract import FIGURE_COLUMNS, figures_of_document
from .factstore import write_facts, write_indicators
from .lexicon import load_metrics
from .normalize import normalize_pages, normalize_text
from .paths import DB_PATH, RAW_DIR, SCHEMA_SQL
from .read import MANIFEST, RawDocument, discover, display_name, manifest_key, read_document, read_manifest
from .record import DOCUMENT_FIELDS, Document, Figure, arrow_schema

DOC_COLUMNS = DOCUMENT_FIELDS         # the columns and types of both tables come from etl/record.py
DOC_SCHEMA = arrow_schema(Document)
FIGURE_SCHEMA = arrow_schema(Figure)
_TEXT_SCHEMA = pa.schema([("text", pa.string())])
_FIGURE_VALUES = operator.itemgetter(*FIGURE_COLUMNS)
# Rows held before an INSERT, as Arrow data (compact): bigger inserts cost DuckDB less (100,000 figures per insert
# take 0.66 CPU-s per 100 MB against 1.11 s at 10,000) and the peak stays ~530-620 MiB (bench/README.md, Memory).
BATCH_ROWS = 100_000
BATCH_DOC_CHARS = 12_000_000
# A real report is at most ~60 thousand characters and ~2,000 numbers. Resolving repeats grows faster than
# linearly with the figures of one text, so longer texts are extracted in parts. 50 MB of Chinese on one line
# (18 million characters, 120 thousand figures) loads in about 25 s and 1.7 GB; larger texts are refused.
PART_CHARS = 100_000
PART_NUMBERS = 2_000
MAX_TEXT_CHARS = 20_000_000
# Files handed to the pool ahead of the one whose result is awaited: results are taken in file order, so a
# long file at the head must not leave the other workers idle (a queued result holds ~1 MB).
QUEUED_PER_WORKER = 16
PIPE_BYTES = 1 << 20        # Linux's default limit (/proc/sys/fs/pipe-max-size) for an unprivileged process
FILE_SECONDS = 600          # with workers: a file whose worker takes longer is given up (it hangs)
_NUMBER = re.compile(r"[0-9]+")      # the text is normalised: full-width digits are ASCII by now
# Matches a text with more than PART_NUMBERS numbers, in C and without building anything (3x faster than
# counting them with subn); possessive, so a text with fewer fails without backtracking.
_OVER_PART_NUMBERS = re.compile(rf"(?:[^0-9]*+[0-9]++){{{PART_NUMBERS + 1}}}")
_SENTENCE_END = "。！？；!?;"


def figure_batch(figures: list[dict]) -> pa.RecordBatch:
    """Figures as columns: a worker hands the parent a few buffers per file, not thousands of dicts to unpickle
    and convert (with two workers the parent is the bottleneck)."""
    columns = zip(*map(_FIGURE_VALUES, figures))          # rows to columns in C: 4x faster than from_pylist
    return pa.RecordBatch.from_arrays([pa.array(values, type=field.type) for values, field in
                                       zip(columns, FIGURE_SCHEMA)], schema=FIGURE_SCHEMA)


def _process(args: tuple[Path, Path, dict]) -> tuple[dict, pa.RecordBatch | None]:
    """Read, normalise and extract one file; runs in a worker process, never raises."""
    path, raw_dir, manifest, ocr = args
    doc = read_document(path, raw_dir, ocr=ocr)
    meta = manifest.get(manifest_key(doc.rel_name), {})
    notes = [doc.error] if doc.error else []
    notes += meta.get("warnings", [])
    row = {"doc_id": doc.doc_id, "file_name": doc.rel_name, "title": meta.get("title") or doc.title,
           "year": meta.get("year"),
           "year_source": "manifest" if meta.get("year") else None, "encoding": doc.encoding, "n_chars": 0,
           "n_figures": 0, "sha256": doc.sha256, "source": meta.get("source"), "text": None,
           "status": doc.status, "error": "; ".join(notes) or None, "duplicate_of": None, "format": doc.format,
           "page_count": doc.page_count, "source_url": doc.source_url, "published": doc.published}
    # (a PDF with scanned pages, needs_ocr, still gives the figures of the pages that have a text layer)
    if doc.status not in ("ok", "needs_ocr") or not (doc.text or any(map(str.strip, doc.pages or []))):
        return row, None
    n_raw = len(doc.text) if doc.pages is None else sum(map(len, doc.pages))
    if n_raw > MAX_TEXT_CHARS:
        row.update(status="error", error=f"text is {n_raw / 1e6:.1f} million characters, over the "
                   f"{MAX_TEXT_CHARS / 1e6:.0f} million limit for one document: not loaded; split the file")
        return row, None
    try:
        page_starts = None
        if doc.pages is None:
            text = normalize_text(doc.text)
        else:
            text, page_starts = normalize_pages(doc.pages)
        row["text"], row["n_chars"] = text, len(text)
        row["title"] = row["title"] or infer_title(text, path.stem)
        if row["year"] is None:
            row["year"], row["year_source"] = infer_year(text, doc.rel_name)
        parts = text_parts(text)
        figures = _figures_in_parts(text, parts, row["year"])
        if len(parts) > 1:
            note = (f"long text ({len(text):,} characters) extracted in {len(parts)} parts; "
                    "repeats and conflicts across parts are not merged")
            row["error"] = "; ".join(filter(None, [row["error"], note]))
    except Exception as exc:  # one bad document must not stop the build
        row.update(status="error", error=f"extraction failed: {type(exc).__name__}: {exc}", text=None, n_chars=0)
        return row, None
    for f in figures:
        f["doc_id"] = doc.doc_id
        if page_starts is not None:              # the page the figure's first character is on
            f["page"] = bisect_right(page_starts, f["char_start"])
            f["ocr"] = f["page"] in doc.ocr_pages
    try:
        batch = figure_batch(figures) if figures else None
        row["text"] = pa.array([text], type=pa.string())     # encoded once, here, and sent as one buffer
    except (ValueError, TypeError, pa.ArrowException) as exc:  # e.g. a lone surrogate: not storable as UTF-8
        row.update(status="error", error=f"not storable: {type(exc).__name__}: {exc}", text=None, n_chars=0)
        return row, None
    row["n_figures"] = len(figures)
    return row, batch


def text_parts(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of at most PART_CHARS characters and PART_NUMBERS numbers, cut at a paragraph end,
    else a sentence end; one span for any text of ordinary length."""
    if len(text) <= PART_CHARS and not _OVER_PART_NUMBERS.match(text):
        return [(0, len(text))] if text else []     # every ordinary document
    numbers = [m.start() for m in _NUMBER.finditer(text)]
    spans, start, k = [], 0, 0
    while start < len(text):
        while k < len(numbers) and numbers[k] < start:
            k += 1
        limit = start + PART_CHARS
        if k + PART_NUMBERS < len(numbers):
            limit = min(limit, numbers[k + PART_NUMBERS])
        if limit >= len(text):
            spans.append((start, len(text)))
            break
        half = start + (limit - start) // 2
        cut = text.rfind("\n", half, limit)
        if cut < 0:
            cut = max(text.rfind(ch, half, limit) for ch in _SENTENCE_END)
        end = cut + 1 if cut >= 0 else limit
        spans.append((start, end))
        start = end
    return spans


def _figures_in_parts(text: str, parts: list[tuple[int, int]], year: int | None) -> list[dict]:
    if len(parts) == 1:
        return figures_of_document(text, year)
    figures, group_base = [], 0
    for start, end in parts:
        part = figures_of_document(text[start:end], year)
        for f in part:
            f["char_start"] += start
            f["char_end"] += start
            if f.get("sentence_start") is not None:
                f["sentence_start"] += start
            if f.get("conflict_group") is not None:
                f["conflict_group"] += group_base
        group_base = max([group_base] + [f["conflict_group"] for f in part if f.get("conflict_group") is not None])
        figures.extend(part)
    return figures


def _results(files: list[Path], raw_dir: Path, manifest: dict, workers: int, ocr: bool = False):
    """(row, figures) per file, in file order. With workers, a worker that dies or hangs on one file costs
    that file only: the pool is restarted and the file gets an error row."""
    jobs = [(p, raw_dir, manifest, ocr) for p in files]
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_process, jobs)
        return
    _warm_up()
    gc.freeze()       # the inherited objects stay out of the workers' collections: fewer pages copied on write
    try:
        yield from _pooled(jobs, workers)
    finally:
        gc.unfreeze()


def _pooled(jobs: list[tuple], workers: int):
    pending = deque(jobs)
    while pending:
        window: deque = deque()
        pool = worker_pool(workers)
        _widen_result_pipe(pool)
        try:
            while pending or window:
                while pending and len(window) < QUEUED_PER_WORKER * workers:
                    job = pending.popleft()
                    window.append((job, pool.submit(_process_packed, job)))
                result = window[0][1].result(timeout=FILE_SECONDS)
                window.popleft()
                yield _unpack(*result)
        except (BrokenProcessPool, FutureTimeout) as exc:
            _stop_pool(pool)
            suspect, *others = [job for job, _ in window]
            pending.extendleft(reversed(others))
            if isinstance(exc, FutureTimeout):
                yield _lost(suspect, f"took more than {FILE_SECONDS} s; the worker was stopped")
            else:
                yield _alone(suspect)
        except BaseException:       # a signal, an error in the build process, the generator closed: workers go now
            _stop_pool(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _process_packed(job: tuple) -> tuple[dict, bytes | None]:
    """_process in a worker, its Arrow data as IPC bytes: half the CPU of pickling the arrays, on both sides."""
    row, figures = _process(job)
    if isinstance(row["text"], pa.Array):
        row["text"] = pa.RecordBatch.from_arrays([row["text"]], schema=_TEXT_SCHEMA).serialize().to_pybytes()
    return row, figures.serialize().to_pybytes() if figures is not None else None


def _unpack(row: dict, figures: bytes | None) -> tuple[dict, pa.RecordBatch | None]:
    """What _process returned, from _process_packed's bytes (read in place, not copied)."""
    if isinstance(row["text"], bytes):
        row["text"] = pa.ipc.read_record_batch(pa.py_buffer(row["text"]), _TEXT_SCHEMA).column(0)
    return row, pa.ipc.read_record_batch(pa.py_buffer(figures), FIGURE_SCHEMA) if figures is not None else None


def _widen_result_pipe(pool: ProcessPoolExecutor) -> None:
    """Let a worker write a whole result (~100 KB a file) into the pipe and go on, instead of waiting in 64 KB
    steps for the build process, which shares the cores with the workers, to be scheduled and read it."""
    try:
        fcntl.fcntl(pool._result_queue._reader.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):  # not Linux, a private attribute renamed, or above the system's limit
        pass


def _warm_up() -> None:
    """Load the lexicons, compile their patterns and load pyarrow's converters once in the parent: forked workers
    inherit them instead of each paying for them."""
    figures = figures_of_document(normalize_text("2016年，新上项目122项，总投资14367.85万元，培训3000人次。"), 2016)
    figure_batch([{**f, "doc_id": "warm-up"} for f in figures])    # pyarrow loads pandas on first use


_stop_pool = stop_pool


def _alone(job: tuple) -> tuple[dict, pa.RecordBatch | None]:
    """Retry one file in a pool of its own: a dead worker may have been killed by another file's work."""
    pool = worker_pool(1)
    try:
        return _unpack(*pool.submit(_process_packed, job).result(timeout=FILE_SECONDS))
    except (BrokenProcessPool, FutureTimeout) as exc:
        _stop_pool(pool)
        if isinstance(exc, FutureTimeout):
            return _lost(job, f"took more than {FILE_SECONDS} s; the worker was stopped")
        return _lost(job, "the worker process reading it died (out of memory or a crash), twice")
    except BaseException:
        _stop_pool(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _lost(job: tuple, why: str) -> tuple[dict, pa.RecordBatch | None]:
    path, raw_dir, *_ = job
    rel = path.relative_to(raw_dir).as_posix()
    doc = RawDocument(path=path, rel_name=display_name(rel)[0], name_bytes=os.fsencode(rel))
    row = {c: None for c in DOC_COLUMNS}
    row.update(doc_id=doc.doc_id, file_name=doc.rel_name, n_chars=0, n_figures=0, status="error",
               error=f"not loaded: {why}")
    return row, None


def _create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    metrics = load_metrics()
    con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?)",
                    [(m["metric"], m["label_zh"], m["label_en"], m["core"], m["description"]) for m in metrics])
    write_indicators(con)


def _insert(con, table: str, frame: pa.Table) -> None:
    con.register("batch_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM batch_frame")  # table is one of two literals below
    finally:
        con.unregister("batch_frame")


def _flush_figures(con, batches: list[pa.RecordBatch], next_id: int) -> int:
    table = pa.Table.from_batches(batches, schema=FIGURE_SCHEMA)
    if not table.num_rows:
        return next_id
    ids = pa.array(range(next_id, next_id + table.num_rows), type=pa.int32())
    _insert(con, "figures", table.add_column(0, "figure_id", ids))
    return next_id + table.num_rows


def _flush_documents(con, rows: list[dict]) -> None:
    """Rows whose text a worker already turned into a one-element Arrow array (others hold a str or None)."""
    if not rows:
        return
    table = pa.Table.from_pylist([{**row, "text": None} for row in rows], schema=DOC_SCHEMA)
    texts = pa.chunked_array([t if isinstance(t, pa.Array) else pa.array([t], type=pa.string())
                              for t in (row["text"] for row in rows)], type=pa.string())
    _insert(con, "documents", table.set_column(DOC_COLUMNS.index("text"), "text", texts))


def _problem_row(name: str, message: str, path: Path | None = None) -> dict:
    """A documents row for something that is not a document but went wrong: manifest.csv, an unlistable folder."""
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest() if path else None
    except (OSError, ValueError):
        sha = None
    return {"doc_id": hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12], "file_name": name,
            "title": None, "year": None, "year_source": None, "encoding": None, "n_chars": 0, "n_figures": 0,
            "sha256": sha, "source": None, "text": None, "status": "error", "error": message, "duplicate_of": None,
            "format": None, "page_count": None, "source_url": None, "published": None}


def _remove_leftovers(db_path: Path) -> list[Path]:
    """Temp files of builds that were killed; only called while holding the build lock."""
    stale = sorted(db_path.parent.glob(f".{db_path.name}.building-*"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_and_swap(tmp_path: Path, db_path: Path, n_documents: int, n_figures: int) -> None:
    """Open the new file as a reader would, check its counts, then rename it over the old one."""
    con = duckdb.connect(str(tmp_path), read_only=True)
    try:
        got = con.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM figures)").fetchone()
    finally:
        con.close()
    if got != (n_documents, n_figures):
        raise RuntimeError(f"new database holds {got} documents/figures, expected {(n_documents, n_figures)}")
    _fsync(tmp_path)
    stale_wal = db_path.with_name(db_path.name + ".wal")
    if stale_wal.exists():        # the old file's journal: DuckDB would replay it into the new file
        stale_wal.unlink()
    os.replace(tmp_path, db_path)
    _fsync(db_path.parent)


def _bar_shape(log) -> dict:
    """tqdm follows the terminal's size; a terminal that reports 0x0 (a bare pty, `script`) would hide the bar."""
    try:
        size = os.get_terminal_size(log.fileno())
        if size.columns > 0 and size.lines > 0:
            return {"dynamic_ncols": True}
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    return {"ncols": 80, "nrows": 24}


def _warn(message: str, log) -> None:
    tqdm.write(f"warning: {message}", file=log)


def _record(row: dict, figures: pa.RecordBatch | None, seen_sha: dict[str, tuple[str, str]], counts: dict,
            log) -> pa.RecordBatch | None:
    """Mark repeats of a loaded file as duplicates, count and report problems; returns the figures to keep."""
    if row["status"] == "ok" and row["sha256"] in seen_sha:
        first_id, first_name = seen_sha[row["sha256"]]
        row.update(status="duplicate", duplicate_of=first_id, text=None, n_figures=0, n_chars=0,
                   error=f"same bytes as {first_name} ({first_id}); loaded once, under that name")
        figures = None
    elif row["status"] == "ok":
        seen_sha[row["sha256"]] = (row["doc_id"], row["file_name"])
    if row["status"] == "duplicate":
        counts["duplicates"] += 1
        _warn(f"{row['file_name']}: duplicate: {row['error']}", log)
    elif row["status"] != "ok":
        counts["errors"] += 1
        _warn(f"{row['file_name']}: {row['status']}: {row['error']}", log)
    elif row["error"]:
        counts["warnings"] += 1
        _warn(f"{row['file_name']}: loaded, but: {row['error']}", log)
    return figures


def build(raw_dir: Path = RAW_DIR, db_path: Path = DB_PATH, workers: int = 1, progress: bool | None = None,
          log=sys.stderr, ocr: bool = False) -> dict:
    """Build db_path from raw_dir; the old file stays untouched until the new one is complete. ocr: read the
    scanned pages of PDFs with Tesseract (slow: seconds per page)."""
    raw_dir, db_path = Path(raw_dir), Path(db_path)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with stop_on_signals(log), build_lock(db_path, lambda message: _warn(message, log)):
        leftovers = _remove_leftovers(db_path)
        if leftovers:
            _warn(f"removed {len(leftovers)} temp file(s) left by an interrupted build", log)
        tmp_path = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
        try:
            return _build_into(raw_dir, db_path, tmp_path, workers, progress, log, ocr)
        finally:
            for path in (tmp_path, tmp_path.with_name(tmp_path.name + ".wal")):
                path.unlink(missing_ok=True)


def _build_into(raw_dir: Path, db_path: Path, tmp_path: Path, workers: int, progress: bool | None, log,
                ocr: bool = False) -> dict:
    manifest, manifest_problems = read_manifest(raw_dir)
    walk_problems: list[tuple[str, str]] = []
    files = discover(raw_dir, walk_problems)
    problem_rows = [_problem_row(name, message) for name, message in walk_problems]
    if manifest_problems:
        applied = "the other rows were applied" if manifest else "no row was applied"
        message = f"{len(manifest_problems)} problem(s), {applied}: " + "; ".join(manifest_problems)
        problem_rows.insert(0, _problem_row(MANIFEST, message, raw_dir / MANIFEST))
    for row in problem_rows:
        _warn(f"{row['file_name']}: {row['error']}", log)
    show = progress if progress is not None else log.isatty()
    seen_sha: dict[str, tuple[str, str]] = {}
    counts = {"documents": 0, "figures": 0, "errors": 0, "duplicates": 0, "warnings": 0}
    con = duckdb.connect(str(tmp_path), config={"threads": 1})    # the cores belong to the extraction workers
    try:
        _create_schema(con)
        doc_rows, doc_chars, pending, pending_rows, next_id = list(problem_rows), 0, [], 0, 1
        counts["errors"] += len(problem_rows)
        for row, figures in tqdm(_results(files, raw_dir, manifest, workers, ocr), total=len(files), disable=not show,
                                 desc="build", unit="file", file=log, **(_bar_shape(log) if show else {})):
            figures = _record(row, figures, seen_sha, counts, log)
            doc_rows.append(row)
            doc_chars += row["n_chars"] or 0
            if figures is not None:
                pending.append(figures)
                pending_rows += figures.num_rows
                counts["figures"] += figures.num_rows
            counts["documents"] += 1
            if pending_rows >= BATCH_ROWS:
                next_id, pending, pending_rows = _flush_figures(con, pending, next_id), [], 0
            if doc_chars >= BATCH_DOC_CHARS:
                _flush_documents(con, doc_rows)
                doc_rows, doc_chars = [], 0
        _flush_figures(con, pending, next_id)
        _flush_documents(con, doc_rows)
        counts["facts"] = write_facts(con)
        n_rows = counts["documents"] + len(problem_rows)
        info = {"raw_dir": str(raw_dir), "etl_version": __version__, "n_documents": n_rows,
                "n_figures": counts["figures"], "n_facts": counts["facts"], "n_problem_files": counts["errors"],
                "n_duplicates": counts["duplicates"], "manifest_warnings": "\n".join(manifest_problems),
                "ocr": str(ocr).lower()}
        con.executemany("INSERT INTO build_info VALUES (?, ?)", [(k, str(v)) for k, v in info.items()])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    _check_and_swap(tmp_path, db_path, n_rows, counts["figures"])
    counts["documents"] = n_rows
    return counts
