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
# Every character that str.isspace() and the regex \s accept (all of them are in the BMP), as a literal class:
# the regex engine skips to a pattern's leading literal class far faster than to the \s category.
_SPACE_CHARS = "".join(c for c in map(chr, range(0x10000)) if c.isspace())
_SPACE_CLASS = "".join(f"\\u{ord(c):04x}" for c in _SPACE_CHARS)
_SPACE_NO_NL_CLASS = "".join(f"\\u{ord(c):04x}" for c in _SPACE_CHARS if c != "\n")
# a page number left inside a line by the PDF extraction: "…新上项目 ·56· 122项", "… — 12 — …"
# (`\s[·•]…[·•]\s|\s[—–]…[—–]\s` with the shared leading \s factored out and spelt as a literal class)
INLINE_PAGE_NUMBER = re.compile(rf"[{_SPACE_CLASS}](?:[·•]\s?\d{{1,4}}\s?[·•]|[—–]\s\d{{1,4}}\s[—–])\s")
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")


@lru_cache(maxsize=None)
def _furniture() -> re.Pattern:
    text = (LEXICON_DIR / "page_furniture.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return re.compile("|".join(f"(?:{line})" for line in lines))


_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   r"\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u2018\u2019\u201c\u201d\u2014\u2026]")


_WIDE_RUNS = re.compile(_WIDE.pattern + "+")


def display_width(line: str) -> int:
    """Printed width: CJK and full-width characters take two columns (what a PDF line is wrapped at)."""
    if line.isascii():
        return len(line)
    # len + number of wide characters; deleting runs of wide characters counts them without a list of matches
    return 2 * len(line) - len(_WIDE_RUNS.sub("", line))


def _widths(lines: list[str]) -> list[int]:
    """display_width of every line, with one regex pass over all of them ("\n" is not a wide character)."""
    narrow = _WIDE_RUNS.sub("", "\n".join(lines)).split("\n")
    return [2 * len(line) - len(rest) for line, rest in zip(lines, narrow)]


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip(CLOSERS)
    return bool(stripped) and (stripped[-1] in TERMINAL or stripped[-1] in "：:")


def wrap_width(lines: list[str]) -> int | None:
    """Width of a hard-wrapped (PDF) layout — the most common line width — or None for whole paragraphs."""
    long_enough = map((5).__lt__, map(len, lines))          # len(l) >= 6, evaluated lazily in C
    widths = Counter(_widths(list(itertools.islice(itertools.compress(lines, long_enough), 800))))
    total = sum(widths.values())
    if total < 8:
        return None
    get = widths.get
    near = {w: get(w - 2, 0) + get(w - 1, 0) + n + get(w + 1, 0) + get(w + 2, 0) for w, n in widths.items()}
    mode = max(near, key=lambda w: (near[w], w))
    return mode if mode <= 120 and near[mode] / total >= 0.4 else None


def _is_furniture(line: str, counts: dict[str, int], furniture: re.Pattern) -> bool:
    if len(line) <= 40 and furniture.match(line):
        return True
    # a short running header repeated on many pages
    return counts.get(line, 0) >= 3 and len(line) <= 30 and not ends_sentence(line)


def _is_caption(raw_line: str, line: str, prev: str | None, prev_width: int | None, width: int | None) -> bool:
    """Photo captions dropped into running text: short noun-phrase sentences between two halves of a sentence,
    set off by an indent or placed under a heading. The short last line of a wrapped paragraph is not one."""
    if not line.endswith("。") or "，" in line or "," in line or prev is None or ends_sentence(prev):
        return False
    if len(line) < 6 or prev[-1:].isdigit():
        return False                     # "项。" finishing "…政策25" is the sentence's own tail
    indented = raw_line[:1].isspace()
    if not indented and not (width and prev_width < 0.8 * width):
        return False
    if UNIT_FIGURE.search(line) or CN_FIGURE.search(line) or re.search(r"\d\s*[%/‰]", line):
        return False
    return all(len(part.strip()) <= 40 for part in line.split("。") if part.strip())


def _joins(prev: str, prev_width: int | None, nxt: str, width: int | None) -> bool:
    """Whether line `nxt` continues the paragraph ending with line `prev` (prev_width: its display width, set
    when the document is hard-wrapped at `width`)."""
    if prev[-1] in "0123456789.万亿千百":
        return not LIST_MARKER.match(nxt)    # a number never ends a paragraph ("政策25" + "项。"), a list item does
    # (a DATE_LINE ends with 日: testing that first saves most of the regex calls)
    if (ends_sentence(prev) or LIST_MARKER.match(nxt) or (nxt[-1] == "日" and DATE_LINE.match(nxt))
            or (prev[-1] == "日" and DATE_LINE.match(prev))):
        return False
    if width:
        if LIST_MARKER.match(prev) and prev[-1] in "》）)":
            return False
        return prev_width >= 0.8 * width
    if LIST_MARKER.match(prev):
        return False
    # a line holding sentence punctuation is running text cut by a line break; a short bare line is a heading
    return bool(RUNNING_TEXT.search(prev)) or len(prev) > 60


def _glue(left: str, right: str) -> str:
    """The separator between two joined lines: a space only inside English text."""
    if left and right and left[-1].isascii() and left[-1].isalpha() and right[0].isascii() and right[0].isalpha():
        return " "                           # an English word at a line end; a number split by a line break joins
    return ""


# tables._is_header and is_table_row are False unless tables._SEPARATED (`\t|\S\s{2,}\S|[|｜]`) is found in the line.
# On a stripped line `\S\s{2,}\S` is just two whitespace characters in a row, so in the lines joined by "\n",
# `[\t|｜]|[^\S\n]{2}` finds exactly the lines those two functions need to look at. Spelt here to start with one
# literal class (a tab, a bar, or a space that another space follows) so the engine skips ahead quickly.
_MAYBE_CELLS = re.compile(rf"[|｜{_SPACE_NO_NL_CLASS}](?:(?<=[\t|｜])|(?=[{_SPACE_NO_NL_CLASS}]))")


def _separated_lines(lines: list[str]) -> list[int]:
    """Indexes of the (stripped) lines that tables._SEPARATED finds something in; usually few."""
    text = "\n".join(lines)
    found: list[int] = []
    index, line_start = 0, 0
    m = _MAYBE_CELLS.search(text)
    while m:
        index += text.count("\n", line_start, m.start())
        found.append(index)
        line_start = text.find("\n", m.end())
        if line_start < 0:
            break
        m = _MAYBE_CELLS.search(text, line_start)
    return found


def _table_lines(lines: list[str]) -> set[int]:
    """Indexes of table rows (a header of labels followed by rows with numeric cells)."""
    rows: set[int] = set()
    for i in _separated_lines(lines):
        line = lines[i]
        if i in rows or not _is_header(line) or i + 1 >= len(lines) or not is_table_row(lines[i + 1]):
            continue
        rows.add(i)
        j = i + 1
        while j < len(lines) and is_table_row(lines[j]):
            rows.add(j)
            j += 1
    return rows


def normalize_text(raw: str) -> str:
    # (`in` tests are much cheaper than a regex pass, and most texts have neither zero-width characters nor CRs)
    text = _ZERO_WIDTH.sub("", raw) if any(c in raw for c in _ZERO_WIDTH_CHARS) else raw
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = to_halfwidth(text)
    raw_lines = [l.rstrip() for l in text.split("\n")]
    lines = [l.strip() for l in raw_lines]
    counts = Counter(filter(None, lines))
    furniture = _furniture()
    width = wrap_width(lines)
    line_widths = _widths(lines) if width else None     # only a hard-wrapped layout compares line widths
    table_rows = _table_lines(lines)
    paragraphs: list[str] = []
    # the pieces of the paragraph being built, joined once it ends (adding lines to a string one by one is
    # quadratic in a long paragraph); its pieces are non-empty lines, with a " " or nothing between two of them
    current: list[str] = []
    last_line, last_width = None, None
    for index, (raw_line, line) in enumerate(zip(raw_lines, lines)):
        if index in table_rows:
            if current:
                paragraphs.append("".join(current))
            paragraphs.append("\t".join(cell for _, _, cell in _cells(line)))
            current, last_line, last_width = [], None, None
            continue
        if not line or _is_furniture(line, counts, furniture):
            continue
        if line[-1] == "。" and _is_caption(raw_line, line, last_line, last_width, width):   # a caption ends with 。
            continue
        if current and last_line is not None and _joins(last_line, last_width, line, width):
            current.append(_glue(current[-1], line))
            current.append(line)
        else:
            if current:
                paragraphs.append("".join(current))
            current = [line]
        last_line = line
        last_width = line_widths[index] if line_widths else None
    if current:
        paragraphs.append("".join(current))
    return squeeze_spaces(INLINE_PAGE_NUMBER.sub("", "\n".join(paragraphs)))
