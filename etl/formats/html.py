"""Saved web pages (.html, .htm): the main text through trafilatura, with the page's title, date and address
from its metadata; lines of site furniture (lexicons/web_furniture.txt) never reach the text."""
from __future__ import annotations

import datetime
import re
from functools import lru_cache

from ..paths import LEXICON_DIR
from . import Reading

# The note a browser writes into a page it saves: <!-- saved from url=(0052)https://… -->
SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)
DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
DATE_LINE = re.compile(r"(?:发布时间|发布日期|时间|日期|更新时间)\s*[:：]\s*" + DATE.pattern)
MIN_CHARS = 20          # a page whose main text is shorter has none worth loading (menus and links only)


@lru_cache(maxsize=None)
def furniture() -> re.Pattern:
    text = (LEXICON_DIR / "web_furniture.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return re.compile("|".join(f"(?:{line})" for line in lines))


def _date(value: str | None) -> datetime.date | None:
    m = DATE.search(value or "")
    if not m:
        return None
    try:
        return datetime.date(*map(int, m.groups()))
    except ValueError:
        return None


def drop_furniture(text: str) -> tuple[list[str], datetime.date | None]:
    """The lines of text that are not site furniture, and the date of a 时间/发布日期 line among the dropped."""
    pattern, kept, date = furniture(), [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and pattern.match(stripped):
            m = DATE_LINE.search(stripped)
            if m and date is None:
                date = _date(m.group(0))
            continue
        kept.append(line)
    return kept, date


def _table_row(line: str) -> str:
    """trafilatura's "| a | b |  |" table row as cells apart by tabs, "-" for an empty one (columns stay aligned)."""
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.count("|") >= 3):
        return line
    cells = [cell.strip() for cell in stripped.strip("|").split("|")]
    return "\t".join(cell or "-" for cell in cells)


def _meta(data: bytes) -> dict[str, str]:
    """The <meta name=… content=…> and <link rel=canonical> of the page's head, names lower-cased."""
    import lxml.html

    try:
        root = lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError):
        return {}
    found = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        if name and meta.get("content") and name not in found:
            found[name] = meta.get("content").strip()
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            found.setdefault("canonical", link.get("href").strip())
    return found


def read_html(data: bytes) -> Reading:
    import trafilatura

    reading = Reading(format="html")
    saved = SAVED_FROM.search(data[:4096])
    result = trafilatura.bare_extraction(data, include_tables=True, include_comments=False, with_metadata=True,
                                         favor_precision=True)
    if result is None or not (result.text or "").strip():
        # a second, less strict look before giving up
        result = trafilatura.bare_extraction(data, include_tables=True, include_comments=False, with_metadata=True,
                                             favor_recall=True) or result
    body = (result.text if result is not None else None) or ""
    lines, line_date = drop_furniture(body)
    meta = _meta(data)
    # (ArticleTitle, PubDate: what the CMS of most Chinese government sites writes into the head)
    title = meta.get("articletitle") or (result.title if result is not None else None) or ""
    title = title.strip()
    reading.title = title or None
    reading.source_url = ((result.url if result is not None else None) or meta.get("canonical")
                          or meta.get("og:url") or (saved.group(1).decode("utf-8", "replace") if saved else None))
    reading.published = (_date(meta.get("pubdate")) or _date(result.date if result is not None else None)
                         or line_date)
    text = "\n".join(map(_table_row, lines)).strip()
    if len(re.sub(r"\s", "", text)) < MIN_CHARS:
        reading.status = "empty"
        reading.error = "no main text found in the web page (only menus, links or furniture)"
        return reading
    head = [line.strip() for line in text.split("\n")[:5]]
    if title and title not in head:
        text = f"{title}\n{text}"          # the page's heading is the document's first line, as in a text file
    reading.text = text
    return reading
