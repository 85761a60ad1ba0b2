"""Find the raw files and decode them: encodings are detected, never assumed; a bad file becomes a status.

Plain text (*.txt) is read here; PDF, Word (.docx) and saved web pages (.html, .htm) by etl/formats."""
from __future__ import annotations

import csv
import datetime
import errno
import hashlib
import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from .formats import SUFFIXES, read_format

MAX_BYTES = 200 * 1024 * 1024
READ_SUFFIXES = (".txt", *SUFFIXES)
MANIFEST = "manifest.csv"
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_MAGIC = ((b"%PDF", "a PDF file, not text (name it .pdf to have it read as one)"), (b"PK\x03\x04", "a ZIP/Office file, not text"),
          (b"\x89PNG", "a PNG image, not text"), (b"\xff\xd8\xff", "a JPEG image, not text"),
          (b"\xd0\xcf\x11\xe0", "an old Office file, not text"), (b"\x1f\x8b", "a gzip archive, not text"),
          (b"{\\rtf", "an RTF document, not plain text"), (b"\x7fELF", "a program, not text"))


@dataclass
class RawDocument:
    path: Path
    rel_name: str
    status: str = "ok"
    error: str | None = None
    encoding: str | None = None
    text: str | None = None
    sha256: str | None = None
    meta: dict = field(default_factory=dict)
    name_bytes: bytes | None = None
    format: str = "txt"
    pages: list[str] | None = None             # a PDF's text page by page (text is then None)
    page_count: int | None = None
    title: str | None = None                   # from the file's own metadata (a web page's title)
    source_url: str | None = None
    published: datetime.date | None = None
    ocr_pages: frozenset[int] = frozenset()    # 1-based pages read by OCR

    @property
    def doc_id(self) -> str:
        return hashlib.sha256(self.name_bytes or self.rel_name.encode("utf-8")).hexdigest()[:12]


def discover(raw_dir: Path, problems: list[tuple[str, str]] | None = None) -> list[Path]:
    """All files of a format that is read (*.txt, *.pdf, *.docx, *.html, *.htm) below raw_dir, sorted; directory
    symlinks are not followed (no loops).

    Folders that cannot be listed are added to problems as (folder relative to raw_dir, message)."""
    found = []

    def walk_error(exc: OSError) -> None:
        if problems is not None:
            rel = os.path.relpath(exc.filename, raw_dir) if exc.filename else "?"
            problems.append((display_name(rel)[0] + "/", f"cannot list this folder: {exc.strerror}; its files were not read"))

    for root, dirs, files in os.walk(raw_dir, followlinks=False, onerror=walk_error):
        dirs.sort()
        found.extend(Path(root) / name for name in files if name.lower().endswith(READ_SUFFIXES))
    return sorted(found, key=lambda p: p.relative_to(raw_dir).as_posix())


def display_name(rel: str) -> tuple[str, str | None]:
    """A file name as text: names copied from Windows archives are often GBK bytes, not UTF-8."""
    raw = os.fsencode(rel)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "file name is not UTF-8; shown decoded as GB18030"
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace"), "file name is not UTF-8; bad bytes shown as \\x.."


def _looks_utf16(data: bytes, cjk_only: bool = False) -> str | None:
    """UTF-16 without a BOM: ASCII puts NULs on one side of each code unit; pure CJK text is checked by decoding."""
    if len(data) < 4:
        return None
    even, odd = data[0::2], data[1::2]
    n = len(data) // 2
    if not cjk_only:
        zeros_even, zeros_odd = even.count(0), odd.count(0)
        if zeros_odd > 0.3 * n and zeros_even < 0.05 * n:
            return "utf-16-le"
        if zeros_even > 0.3 * n and zeros_odd < 0.05 * n:
            return "utf-16-be"
        return None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data[: len(data) - len(data) % 2].decode(enc)
        except UnicodeDecodeError:
            continue
        cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or ch in "，。、；：")
        if cjk > 0.5 * len(text):
            return enc
    return None


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b < 32 and b != 27)   # not tab, newline, ESC …


def _is_binary(data: bytes) -> str | None:
    head = data[:4096]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "binary data (NUL bytes), not text"
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if head and control > 0.05 * len(head):
        return "binary data (control bytes), not text"
    return None


def _decode_utf16(data: bytes, enc: str) -> tuple[str, str, str | None]:
    warning = None
    if len(data) % 2:
        data, warning = data[:-1], "odd number of bytes for UTF-16: last byte dropped"
    text = data.decode(enc, errors="replace")
    if "\ufffd" in text and warning is None:
        warning = f"{text.count(chr(0xfffd))} undecodable UTF-16 code unit(s) replaced by \ufffd"
    return text, enc, warning


def _decode_lines(data: bytes) -> tuple[str, str, str] | None:
    """Files pasted together from two sources: when some non-ASCII lines are UTF-8 and others are not, decode each."""
    lines = data.splitlines(keepends=True)
    parts, utf8_lines, other_lines = [], 0, 0
    for line in lines:
        try:
            parts.append(line.decode("utf-8"))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            parts.append(line.decode("gb18030", errors="replace"))
            other_lines += 1
    if utf8_lines and other_lines:
        text = "".join(parts)
        bad = text.count("\ufffd")
        note = f"{other_lines} line(s) in GB18030, {utf8_lines} in UTF-8: decoded line by line"
        return text, "mixed(utf-8+gb18030)", note + (f"; {bad} undecodable byte(s) replaced" if bad else "")
    return None


def decode_bytes(data: bytes) -> tuple[str, str, str | None]:
    """Return (text, encoding, warning); raise ValueError with a reader's message when it is not text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            if enc == "utf-16":
                text, _, warning = _decode_utf16(data[2:], "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be")
                return text, enc, warning
            try:
                return data.decode(enc), enc, None
            except UnicodeDecodeError as exc:
                return data.decode(enc, errors="replace"), enc, f"undecodable bytes replaced: {exc.reason} at byte {exc.start}"
    # (ASCII-bearing UTF-16 needs NUL bytes: one memchr spares the even/odd copies of every UTF-8 file)
    utf16 = (b"\x00" in data and _looks_utf16(data)) or (b"\x00" in data[:4096] and _looks_utf16(data, cjk_only=True))
    if utf16:
        return _decode_utf16(data, utf16)
    why = _is_binary(data)
    if why:
        raise ValueError(why)
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason in ("unexpected end of data", "invalid continuation byte"):
            return data[: exc.start].decode("utf-8"), "utf-8", f"truncated UTF-8: last {len(data) - exc.start} byte(s) dropped"
    utf16 = _looks_utf16(data, cjk_only=True)
    if utf16:
        return _decode_utf16(data, utf16)
    mixed = _decode_lines(data)
    if mixed:
        return mixed
    try:
        return data.decode("gb18030"), "gb18030", None
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[: 4 * 1024 * 1024]).best()
    if best is None or best.chaos > 0.3:
        raise ValueError("not decodable as UTF-8, UTF-16 or GB18030 text")
    return data.decode(best.encoding, errors="replace"), best.encoding, f"decoded as {best.encoding} by guess; check the text"


def _read_error(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"dangling symlink: it points to {os.readlink(path)!r}, which does not exist"
    if exc.errno == errno.ELOOP:
        return "symlink loop: the link points back to itself"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied: the build may not read this file"
    if exc.errno == errno.ENOENT:
        return "the file disappeared while the build was running"
    if exc.errno in (errno.ENXIO, errno.ENODEV):
        try:
            return f"not a regular file: it is {_kind(os.stat(path).st_mode)}"
        except OSError:
            pass
    return f"cannot read file: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def read_raw_bytes(path: Path) -> bytes:
    """The bytes of a regular file, at most MAX_BYTES; never blocks on a FIFO or device posing as a .txt file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"not a regular file: it is {_kind(info.st_mode)}")
        if info.st_size > MAX_BYTES:
            raise ValueError(f"file is {info.st_size // 2**20} MiB, over the {MAX_BYTES // 2**20} MiB limit")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"file grew past the {MAX_BYTES // 2**20} MiB limit while it was read")
    return data


def read_document(path: Path, raw_dir: Path, ocr: bool = False) -> RawDocument:
    """Read and decode one file; every failure is caught and described. ocr: run OCR on scanned PDF pages."""
    rel = path.relative_to(raw_dir).as_posix()
    name, name_warning = display_name(rel)
    doc = RawDocument(path=path, rel_name=name, name_bytes=os.fsencode(rel))
    try:
        data = read_raw_bytes(path)
    except OSError as exc:
        doc.status, doc.error = "error", _read_error(path, exc)
        return doc
    except ValueError as exc:
        doc.status, doc.error = "error", str(exc)
        return doc
    doc.sha256 = hashlib.sha256(data).hexdigest()
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is not None:
        return _read_format(doc, kind, data, name_warning, ocr)
    if not data.strip():
        doc.status, doc.error = "empty", "file is empty" if not data else "file holds only white space"
        return doc
    try:
        doc.text, doc.encoding, warning = decode_bytes(data)
    except ValueError as exc:
        doc.status, doc.error = "binary", str(exc)
        return doc
    doc.error = "; ".join(w for w in (name_warning, warning) if w) or None
    if not doc.text.strip():
        doc.status, doc.error = "empty", "file holds only white space"
    return doc


def _read_format(doc: RawDocument, kind: str, data: bytes, name_warning: str | None, ocr: bool) -> RawDocument:
    doc.format = kind
    if not data.strip():
        doc.status, doc.error = "empty", "file is empty" if not data else "file holds only white space"
        return doc
    try:
        reading = read_format(kind, data, ocr=ocr)
    except Exception as exc:  # noqa: BLE001 - a reader's library failing on one odd file must not stop the build
        doc.status, doc.error = "error", f"the {kind} reader failed: {type(exc).__name__}: {exc}"
        return doc
    doc.status, doc.text, doc.pages = reading.status, reading.text, reading.pages
    doc.page_count, doc.title, doc.ocr_pages = reading.page_count, reading.title, reading.ocr_pages
    doc.source_url, doc.published = reading.source_url, reading.published
    doc.error = "; ".join(w for w in (name_warning, reading.error) if w) or None
    return doc


def manifest_key(name: str) -> str:
    """The form in which manifest rows and file names are matched (slashes, ./, Unicode normal form)."""
    name = unicodedata.normalize("NFC", name.strip().replace("\\", "/"))
    while name.startswith("./"):
        name = name[2:]
    return name


def _manifest_year(value: str) -> int | None:
    value = unicodedata.normalize("NFKC", value).strip().removesuffix("年").strip()
    if value.endswith(".0"):
        value = value[:-2]
    if value.isascii() and value.isdigit() and 1900 <= int(value) <= 2100:
        return int(value)
    return None


def read_manifest(raw_dir: Path) -> tuple[dict[str, dict], list[str]]:
    """manifest.csv (file, year, title, source): good rows by file name, and a message for each bad row.

    A row's own problems are also kept in its entry under "warnings", so the build can show them on that file.
    """
    path = raw_dir / MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}, []
    try:
        text, _, _ = decode_bytes(read_raw_bytes(path))
    except (OSError, ValueError) as exc:
        reason = _read_error(path, exc) if isinstance(exc, OSError) else str(exc)
        return {}, [f"{MANIFEST} unreadable, not used: {reason}"]
    rows, problems = {}, []
    reader = csv.DictReader(text.splitlines())
    try:
        header = [(f or "").strip().lower() for f in reader.fieldnames or []]
    except csv.Error as exc:
        return {}, [f"{MANIFEST} is not valid CSV, not used: {exc}"]
    if "file" not in header:
        return {}, [f"{MANIFEST} has no 'file' column, not used; expected header: file,year,title,source"]
    reader.fieldnames = header
    lineno = 1
    try:
        for lineno, row in enumerate(reader, start=2):
            _manifest_row(raw_dir, lineno, row, rows, problems)
    except csv.Error as exc:
        problems.append(f"{MANIFEST} line {lineno + 1}: not valid CSV ({exc}); the rows after it were not read")
    return rows, problems


def _manifest_row(raw_dir: Path, lineno: int, row: dict, rows: dict, problems: list[str]) -> None:
    where = f"{MANIFEST} line {lineno}"
    extra = row.pop(None, None)
    values = {k: (v or "").strip() for k, v in row.items() if k}
    if not any(values.values()) and not extra:
        return
    name = manifest_key(values.get("file", ""))
    if not name:
        problems.append(f"{where}: no file name; row skipped")
        return
    warnings = []
    if extra:
        warnings.append(f"{where}: {len(extra)} field(s) more than the header; extra fields ignored (quote titles with commas)")
    entry = {"title": values.get("title") or None, "source": values.get("source") or None, "year": None}
    if values.get("year"):
        entry["year"] = _manifest_year(values["year"])
        if entry["year"] is None:
            warnings.append(f"{where}: year {values['year']!r} is not a year; inferred from the text instead")
    if name in rows:
        problems.append(f"{where}: {name!r} is listed again; the first row (line {rows[name]['line']}) is used")
        return
    target = raw_dir / name
    if ".." in Path(name).parts or Path(name).is_absolute():
        problems.append(f"{where}: {name!r} is outside the raw folder; row skipped")
        return
    if not target.exists():
        problems.append(f"{where}: no file {name!r} in the raw folder; row skipped")
        return
    problems.extend(warnings)
    entry.update(line=lineno, warnings=warnings)
    rows[name] = entry
