"""Document-level normalisation: PDF hard line breaks, page furniture, figure captions, full-width forms,
spaces inside numbers. The result is the stored text; every figure offset points into it."""
from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from .lexicon import words
from .paths import LEXICON_DIR
from .regex_shape import line_end_class
from .simplified import simplify
from .tables import _cells, _is_header, is_table_row, separated_lines, unit_header_names
from .textnorm import FULLWIDTH_TABLE, SPACE_CHARS, SPACE_CLASS, squeeze_spaces, to_halfwidth
from .years import ARABIC_YEAR

TERMINAL = "。！？!?；;…"
CLOSERS = "”’」』\"'"
LIST_MARKER = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.]|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、](?!\d)|"
                         r"第[一二三四五六七八九十\d]{1,3}[章节部分篇]|[一二三四五六七八九十]是)")
RUNNING_TEXT = re.compile(r"[，,。；;、！？]")
_WORDS = "normalize_words.yaml"         # lexicons/normalize_words.yaml
DATE_LINE = re.compile(rf"^(?:{ARABIC_YEAR})\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日$")
CN_FIGURE = re.compile(f"[一二两三四五六七八九十百千万]+[余多]?(?:{'|'.join(words(_WORDS, 'caption_figure_classifiers'))})")
UNIT_FIGURE = re.compile(rf"\d\s*[万亿千百]?\s*(?:{'|'.join(words(_WORDS, 'caption_figure_units'))})")
# a page number left inside a line by the PDF extraction: "…新上项目 ·56· 122项", "… — 12 — …"
# (`\s[·•]…[·•]\s|\s[—–]…[—–]\s` with the shared leading \s factored out and spelt as a literal class)
INLINE_PAGE_NUMBER = re.compile(rf"[{SPACE_CLASS}](?:[·•]\s?\d{{1,4}}\s?[·•]|[—–]\s\d{{1,4}}\s[—–])\s")
# INLINE_PAGE_NUMBER matches at a space only when one of these four matches at the next character: the same
# pattern, each starting with its literal so the engine jumps straight to it (and is not run at all without it).
# Those four finding nothing, INLINE_PAGE_NUMBER.sub has nothing to do (the common case).
_INLINE_PAGE_NUMBER_AT = [(c, re.compile(rf"{c}(?<=[{SPACE_CLASS}]{c})" + (r"\s?\d{1,4}\s?[·•]\s" if c in "·•" else
                                                                          r"\s\d{1,4}\s[—–]\s")))
                          for c in "·•—–"]


def _drop_inline_page_numbers(text: str) -> str:
    if any(c in text and pattern.search(text) for c, pattern in _INLINE_PAGE_NUMBER_AT):
        return INLINE_PAGE_NUMBER.sub("", text)
    return text


_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
# The characters normalize_text's first steps act on — zero-width characters (dropped), CR (line ends), the forms
# to_halfwidth converts — and those that make a line's cells without two spaces in a row: a tab, a bar, and any
# white space but " " (and "\n", which never is inside a line).
_SPECIAL = re.compile("[" + "".join(f"\\u{ord(c):04x}" for c in sorted(
    (set(_ZERO_WIDTH_CHARS + "\r\t|｜" + "".join(map(chr, FULLWIDTH_TABLE))) | set(SPACE_CHARS)) - {" ", "\n"}))
    + "\u2e80-\u2fdf]")                                       # (and the radicals _radicals maps)

# Radicals that PDF text layers give in place of ideographs (⼀、深化 …⻓效机制建⽴): Kangxi radicals, which NFKC maps, and
# radicals-supplement forms (lexicons/cjk_radicals.tsv), which it does not; one character for one, so offsets hold.
_RADICAL = re.compile("[\u2e80-\u2fdf]")
# Where a page of a PDF begins: normalize_pages puts it before a page's first line, normalize_text(pages=True) keeps it
# in place of the line it stood before (white space to every other step) and normalize_pages takes it out again.
PAGE_BREAK = "\f"


@lru_cache(maxsize=None)
def _radicals() -> dict[int, int]:
    table = {cp: ord(unicodedata.normalize("NFKC", chr(cp))) for cp in range(0x2F00, 0x2FD6)}
    for line in (LEXICON_DIR / "cjk_radicals.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            radical, ideograph = line.split("\t")[:2]
            table[ord(radical)] = ord(ideograph)
    return table


def normalize_pages(pages: list[str]) -> tuple[str, list[int]]:
    """normalize_text of the pages as one text (a paragraph may run on over a page break), and the offset in it at
    which each page begins (a page whose lines were all dropped begins where the next one does)."""
    raw = ("\n" + PAGE_BREAK).join(page.replace(PAGE_BREAK, "\n") for page in pages)
    marked = normalize_text(raw, pages=True)
    text = marked.replace(PAGE_BREAK, "")
    starts = [i - k for k, i in enumerate(m.start() for m in re.finditer(PAGE_BREAK, marked))]
    starts = [i + 1 if text[i:i + 1] == "\n" else i for i in starts]     # a page opening a paragraph: after its \n
    # (a break before any line was kept is not written: those pages begin at 0)
    return text, [0] * (len(pages) - len(starts)) + starts


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


_LONG = 122     # a line of more characters is more than 122 columns wide, whatever its characters


def _layout(lines: list[str]) -> tuple[int | None, list[int] | None]:
    """wrap_width(lines) and, when it is set, the display width of every line — except that a line of more than
    _LONG characters gets _LONG + 1: all that is asked of it is `width >= 0.8 * wrap_width`, and it is (wrap_width
    is at most 120). Flowing paragraphs, the long lines of most documents, are thus never measured."""
    lens = list(map(len, lines))
    sample = list(itertools.islice(filter((5).__lt__, lens), 800))   # lengths of the lines wrap_width measures
    total = len(sample)
    if total < 8:
        return None, None
    # Only the lines of at most 122 characters can be counted in near[w] for some w <= 120: when they are under
    # 40 % of the sample, wrap_width is None.
    if sum(map((_LONG + 1).__gt__, sample)) / total < 0.4:
        return None, None
    if max(lens) <= _LONG:
        widths = _widths(lines)
    else:
        short = list(map((_LONG + 1).__gt__, lens))
        found = iter(_widths(list(itertools.compress(lines, short))))
        widths = [next(found) if is_short else _LONG + 1 for is_short in short]
    counts = Counter(itertools.islice(itertools.compress(widths, map((5).__lt__, lens)), 800))
    # wrap_width's near[w] and mode, among the widths of at most 120: a long line (true width over 122) is
    # never counted in them, so they are exact
    get = counts.get
    near = {w: get(w - 2, 0) + get(w - 1, 0) + n + get(w + 1, 0) + get(w + 2, 0) for w, n in counts.items() if w <= 120}
    if not near:
        return None, None            # the mode is over 120
    mode = max(near, key=lambda w: (near[w], w))
    if near[mode] / total < 0.4:
        return None, None            # whether or not a width over 120 is the mode, wrap_width is None
    # A width over 120 wins over the mode if its near[] is as high; it counts only lines of width >= 119.
    if sum(counts[w] for w in counts if w >= 119) >= near[mode]:
        width = wrap_width(lines)    # measure every line then (rare)
        return (width, _widths(lines)) if width else (None, None)
    return mode, widths


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


def _table_lines(lines: list[str], plain: bool = False) -> set[int]:
    """Indexes of table rows (a header of labels followed by rows with numeric cells)."""
    rows: set[int] = set()
    separated = separated_lines("\n".join(lines), plain)
    # is_table_row(lines[i + 1]) is False unless line i + 1 is separated too: test that first, in C, before the
    # costly _is_header (a paragraph holding two spaces in a row is a separated line, but rarely followed by one)
    separated_set = set(separated)
    for i in filter(lambda i: i + 1 in separated_set, separated):
        line = lines[i]
        if i in rows or not _is_header(line) or i + 1 >= len(lines) or not is_table_row(lines[i + 1]):
            continue
        rows.add(i)
        if i - 1 in separated_set and unit_header_names(lines[i - 1], line) is not None:
            rows.add(i - 1)          # 地区  项目数  资金 over （个）  （万元）: the names above a line of units
        j = i + 1
        while j < len(lines) and is_table_row(lines[j]):
            rows.add(j)
            j += 1
    return rows


_DIGIT_END = frozenset("0123456789.万亿千百")     # a line ending with one of these joins the next unless it is a list item
_SENTENCE_END = frozenset(TERMINAL + "：:")
_CLOSERS = frozenset(CLOSERS)
# the last characters that normalize_text's tests on the previous line look at
_NOTABLE_LAST = _DIGIT_END | _SENTENCE_END | _CLOSERS | frozenset("日》）)")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")   # isascii() and isalpha()


@lru_cache(maxsize=None)
def _furniture_end() -> re.Pattern | None:
    """A furniture line (the patterns all end with $) can only end with one of a few characters: their class,
    worked out from the parsed patterns (etl/regex_shape.py), or None when that cannot be told."""
    return line_end_class(_furniture())


def _dropped(counts: Counter) -> set[str]:
    """The lines that the old per-line _is_furniture test dropped: those of at most 40 characters that the furniture
    patterns match, and the short running headers repeated on many pages. Both depend on a line's text only, so they
    are decided once per distinct line (the keys of counts, which are every non-empty line)."""
    furniture = _furniture()
    short = [line for line in counts if len(line) <= 40]
    end = _furniture_end()
    if end is not None:
        # only the lines ending with a character a furniture pattern can end with can match: one regex pass over
        # the string of their last characters picks them out
        lasts = "".join(map(operator.itemgetter(-1), short))
        short = [short[m.start()] for m in end.finditer(lasts)]
    dropped = set(filter(furniture.match, short))
    dropped.update(line for line, n in counts.items() if n >= 3 and len(line) <= 30 and not ends_sentence(line))
    return dropped


def normalize_text(raw: str, *, pages: bool = False) -> str:
    raw = simplify(raw)                         # 項目 -> 项目, 项(xiàng)目 -> 项目
    # One pass tells whether the text holds any character the next three steps or the search for table rows
    # act on (most texts hold none: then they would leave it as it is)
    plain = not _SPECIAL.search(raw)
    if plain:
        text = raw
    else:
        # (`in` tests are much cheaper than a regex pass)
        text = _ZERO_WIDTH.sub("", raw) if any(c in raw for c in _ZERO_WIDTH_CHARS) else raw
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = to_halfwidth(text)
        if _RADICAL.search(text):
            text = text.translate(_radicals())
    raw_lines = text.split("\n")
    breaks = {i for i, line in enumerate(raw_lines) if line.startswith(PAGE_BREAK)} if pages else None
    if breaks:
        raw_lines = [line[1:] if i in breaks else line for i, line in enumerate(raw_lines)]
    # (a line's rstrip() is only ever looked at for its first character, which is the unstripped line's when
    # the stripped line is not empty: raw_lines keeps the unstripped lines)
    lines = list(map(str.strip, raw_lines))
    dropped = _dropped(Counter(filter(None, lines)))
    width, line_widths = _layout(lines)
    # a hard-wrapped layout compares line widths, always with 0.8 * width
    wide = list(map((0.8 * width).__le__, line_widths)) if width else None
    table_rows = _table_lines(lines, plain) if not plain or "  " in text else set()
    # The paragraphs as pieces: "\n" before the first line of each paragraph and before each table row, then its
    # lines with " " or nothing between two of them; "\n".join(paragraphs) is their concatenation less the first
    # "\n" (no paragraph is empty).
    out: list[str] = []
    append = out.append
    # The last line kept in the current paragraph (None at the start and after a table row), and what is known of
    # it, worked out once when it is kept instead of each time a test on the previous line is made:
    #   prev_ends     ends_sentence(prev)
    #   prev_digit    it ends with a digit, ".", 万, 亿, 千 or 百: the next line joins it unless it is a list item
    #   prev_breaks   (unless prev_digit) no line joins it: it ends a sentence or is a date line; in a hard-wrapped
    #                 layout, it is narrower than 0.8 * width or a list item ending with 》, ）or ); otherwise, it is a
    #                 list item or a short bare line (a heading). Any other line joins it unless it is a list item or
    #                 a date line. (That is the old _joins(prev, …, line, width), its tests on prev done once.)
    dropped.add("")                  # (an empty line is skipped like page furniture)
    prev = None
    prev_index = 0
    prev_ends = prev_digit = prev_breaks = False
    for index, line in enumerate(lines):
        if breaks and index in breaks and out:
            append(PAGE_BREAK)
        if index in table_rows:
            append("\n")
            append("\t".join(cell for _, _, cell in _cells(line)))
            prev = None
            continue
        if line in dropped:          # page furniture, or an empty line
            continue
        last = line[-1]
        if prev is None:
            joins = False
        else:
            # a caption ends with 。, holds no comma and never follows a line ending a sentence (_is_caption's
            # first tests, made here on what is at hand)
            if (last == "。" and not prev_ends and "，" not in line and "," not in line
                    and _is_caption(raw_lines[index], line, prev, line_widths[prev_index] if width else None, width)):
                continue
            if prev_digit:
                joins = not LIST_MARKER.match(line)
            elif prev_breaks:
                joins = False
            else:
                joins = not (LIST_MARKER.match(line) or (last == "日" and DATE_LINE.match(line)))
        if joins:
            # the old _glue: a space only between two ASCII letters (an English word cut at the line end)
            if line[0] in _ASCII_LETTERS and prev[-1] in _ASCII_LETTERS:
                append(" ")
        else:
            append("\n")
        append(line)
        prev, prev_index = line, index
        if last not in _NOTABLE_LAST:
            # the common case: the line does not end with a digit …, a closer, a sentence end, 日, 》, ）or ), so
            # the tests below on its last character are all False
            prev_digit = prev_ends = False
            if width:
                prev_breaks = not wide[index]
            else:
                prev_breaks = bool(LIST_MARKER.match(line)) or not (len(line) > 60 or RUNNING_TEXT.search(line))
            continue
        prev_digit = last in _DIGIT_END
        if prev_digit:
            prev_ends = False        # none of those characters is a closer or ends a sentence
            continue
        if last in _CLOSERS:
            prev_ends = ends_sentence(line)
        else:
            prev_ends = last in _SENTENCE_END     # (what ends_sentence says of a line not ending with a closer)
        if prev_ends or (last == "日" and DATE_LINE.match(line)):
            prev_breaks = True
        elif width:
            prev_breaks = not wide[index] or (last in "》）)" and bool(LIST_MARKER.match(line)))
        else:
            prev_breaks = bool(LIST_MARKER.match(line)) or not (len(line) > 60 or RUNNING_TEXT.search(line))
    return squeeze_spaces(_drop_inline_page_numbers("".join(out)[1:]))
