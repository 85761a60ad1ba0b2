"""Document-level normalisation: PDF hard line breaks, page furniture, figure captions, full-width forms,
spaces inside numbers. The result is the stored text; every figure offset points into it."""
from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import lru_cache

from .paths import LEXICON_DIR
from .tables import _cells, _is_header, is_table_row
from .textnorm import squeeze_spaces, to_halfwidth

TERMINAL = "。！？!?；;…"
CLOSERS = "”’」』\"'"
LIST_MARKER = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、](?!\d)|"
                         r"第[一二三四五六七八九十\d]{1,3}[章节部分篇]|[一二三四五六七八九十]是)")
RUNNING_TEXT = re.compile(r"[，,。；;、！？]")
DATE_LINE = re.compile(r"^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
CN_FIGURE = re.compile(r"[一二两三四五六七八九十百千万]+[余多]?(?:个|项|家|人|名|所|件|条|种|套|台|亿|万)")
UNIT_FIGURE = re.compile(r"\d\s*[万亿千百]?\s*(?:元|项|个|家|人|名|%|吨|亩|平方米|件|所|套|台)")
# a page number left inside a line by the PDF extraction: "…新上项目 ·56· 122项", "… — 12 — …"
INLINE_PAGE_NUMBER = re.compile(r"\s[·•]\s?\d{1,4}\s?[·•]\s|\s[—–]\s\d{1,4}\s[—–]\s")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


@lru_cache(maxsize=None)
def _furniture() -> re.Pattern:
    text = (LEXICON_DIR / "page_furniture.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return re.compile("|".join(f"(?:{line})" for line in lines))


_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   r"\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u2018\u2019\u201c\u201d\u2014\u2026]")


@lru_cache(maxsize=8192)
def display_width(line: str) -> int:
    """Printed width: CJK and full-width characters take two columns (what a PDF line is wrapped at)."""
    return len(line) + len(_WIDE.findall(line))


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip(CLOSERS)
    return bool(stripped) and (stripped[-1] in TERMINAL or stripped[-1] in "：:")


def wrap_width(lines: list[str]) -> int | None:
    """Width of a hard-wrapped (PDF) layout — the most common line width — or None for whole paragraphs."""
    widths = Counter(display_width(l) for l in itertools.islice((l for l in lines if len(l) >= 6), 800))
    total = sum(widths.values())
    if total < 8:
        return None
    near = {w: sum(widths.get(w + d, 0) for d in range(-2, 3)) for w in widths}
    mode = max(near, key=lambda w: (near[w], w))
    return mode if mode <= 120 and near[mode] / total >= 0.4 else None


def _is_furniture(line: str, counts: dict[str, int]) -> bool:
    if len(line) <= 40 and _furniture().match(line):
        return True
    # a short running header repeated on many pages
    return counts.get(line, 0) >= 3 and len(line) <= 30 and not ends_sentence(line)


def _is_caption(raw_line: str, line: str, prev: str | None, width: int | None) -> bool:
    """Photo captions dropped into running text: short noun-phrase sentences between two halves of a sentence,
    set off by an indent or placed under a heading. The short last line of a wrapped paragraph is not one."""
    if not line.endswith("。") or "，" in line or "," in line or prev is None or ends_sentence(prev):
        return False
    if len(line) < 6 or prev[-1:].isdigit():
        return False                     # "项。" finishing "…政策25" is the sentence's own tail
    indented = raw_line[:1].isspace()
    if not indented and not (width and display_width(prev) < 0.8 * width):
        return False
    if UNIT_FIGURE.search(line) or CN_FIGURE.search(line) or re.search(r"\d\s*[%/‰]", line):
        return False
    return all(len(part.strip()) <= 40 for part in line.split("。") if part.strip())


def _joins(prev: str, nxt: str, width: int | None) -> bool:
    if prev[-1] in "0123456789.万亿千百" and not LIST_MARKER.match(nxt):
        return True                      # a number never ends a paragraph: "政策25" + "项。"
    if ends_sentence(prev) or LIST_MARKER.match(nxt) or DATE_LINE.match(nxt) or DATE_LINE.match(prev):
        return False
    if width:
        if LIST_MARKER.match(prev) and prev[-1] in "》）)":
            return False
        return display_width(prev) >= 0.8 * width
    if LIST_MARKER.match(prev):
        return False
    # a line holding sentence punctuation is running text cut by a line break; a short bare line is a heading
    return bool(RUNNING_TEXT.search(prev)) or len(prev) > 60


def _glue(left: str, right: str) -> str:
    if left and right and left[-1].isascii() and left[-1].isalpha() and right[0].isascii() and right[0].isalpha():
        return left + " " + right            # an English word at a line end; a number split by a line break joins
    return left + right


def _table_lines(lines: list[str]) -> set[int]:
    """Indexes of table rows (a header of labels followed by rows with numeric cells)."""
    rows: set[int] = set()
    for i, line in enumerate(lines):
        if i in rows or not _is_header(line) or i + 1 >= len(lines) or not is_table_row(lines[i + 1]):
            continue
        rows.add(i)
        j = i + 1
        while j < len(lines) and is_table_row(lines[j]):
            rows.add(j)
            j += 1
    return rows


def normalize_text(raw: str) -> str:
    text = _ZERO_WIDTH.sub("", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = to_halfwidth(text)
    raw_lines = [l.rstrip() for l in text.split("\n")]
    lines = [l.strip() for l in raw_lines]
    counts: dict[str, int] = {}
    for l in lines:
        if l:
            counts[l] = counts.get(l, 0) + 1
    width = wrap_width(lines)
    table_rows = _table_lines(lines)
    paragraphs: list[str] = []
    current, last_line = "", None
    for index, (raw_line, line) in enumerate(zip(raw_lines, lines)):
        if index in table_rows:
            if current:
                paragraphs.append(current)
            paragraphs.append("\t".join(cell for _, _, cell in _cells(line)))
            current, last_line = "", None
            continue
        if not line or _is_furniture(line, counts):
            continue
        if _is_caption(raw_line, line, last_line, width):
            continue
        if current and last_line is not None and _joins(last_line, line, width):
            current = _glue(current, line)
        else:
            if current:
                paragraphs.append(current)
            current = line
        last_line = line
    if current:
        paragraphs.append(current)
    return squeeze_spaces(INLINE_PAGE_NUMBER.sub("", "\n".join(paragraphs)))
