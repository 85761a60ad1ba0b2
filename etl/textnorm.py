"""Character-level clean-up shared by document normalisation and parse_quantities: full-width forms and
spaces inside numbers. Each function can also return, for every output character, its input offset."""
from __future__ import annotations

import re

# Full-width ASCII to ASCII, one character for one; Chinese sentence punctuation stays full-width.
_KEEP_FULLWIDTH = set("，（）：；！？～")
FULLWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH}
FULLWIDTH_TABLE.update({0x3000: 0x20, 0x00A0: 0x20, 0x2009: 0x20, 0x202F: 0x20, 0x2002: 0x20, 0x2003: 0x20})

# Every character that str.isspace() and the regex \s accept (all of them are in the BMP), as literal class
# bodies: the regex engine skips to a pattern's leading literal class far faster than to the \s category.
SPACE_CHARS = "".join(c for c in map(chr, range(0x10000)) if c.isspace())
SPACE_CLASS = "".join(f"\\u{ord(c):04x}" for c in SPACE_CHARS)
SPACE_NO_NEWLINE_CLASS = "".join(f"\\u{ord(c):04x}" for c in SPACE_CHARS if c != "\n")

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\u3001-\u303f\uff01-\uffef\u201c\u201d\u2018\u2019\u2014\u2026"
_WS = r"[ ]"
# A space between two CJK characters, or between CJK and a digit (either order), is PDF/typesetting noise.
# Written to start with the space itself, so the regex engine jumps from space to space instead of trying
# the lookbehind at every position: `(?<=[X]) +` and ` (?<=[X] ) *` match exactly the same spans.
_INLINE_SPACE = re.compile(rf"{_WS}(?:(?<=[{CJK}]{_WS}){_WS}*(?=[{CJK}0-9%])|(?<=[0-9%]{_WS}){_WS}*(?=[{CJK}]))")
# "5 000万元": a single space used as a thousands separator, when a Chinese unit follows. Same as
# `(?<![\d.,])\d{1,3}(?: \d{3})+…`, but starting with a digit so the engine skips non-digits quickly.
_THOUSANDS_SPACE = re.compile(rf"\d(?<![\d.,]\d)\d{{0,2}}(?: \d{{3}})+(?=[{CJK}%])")
# Every _THOUSANDS_SPACE match holds "<digit> <3 digits>" and starts at most 3 characters before its first space,
# so the full search starts there, and is skipped without one (this finder starts with a literal: it is cheap).
_DIGIT_SPACE_DIGITS = re.compile(r" (?<=\d )\d{3}")


_NEEDS_HALFWIDTH = re.compile("[" + "".join(re.escape(chr(cp)) for cp in FULLWIDTH_TABLE) + "]")


def to_halfwidth(text: str) -> str:
    return text.translate(FULLWIDTH_TABLE) if _NEEDS_HALFWIDTH.search(text) else text


def _drop_spans(text: str) -> list[tuple[int, int]]:
    if " " not in text:                  # both patterns need a space: most short texts have none
        return []
    spans = [m.span() for m in _INLINE_SPACE.finditer(text)]
    first = _DIGIT_SPACE_DIGITS.search(text)
    if first:
        for m in _THOUSANDS_SPACE.finditer(text, max(0, first.start() - 3)):   # lookbehinds still see text[:pos]
            base = m.start()
            spans.extend((base + i, base + i + 1) for i, ch in enumerate(m.group()) if ch == " ")
    spans.sort()
    return spans


def squeeze_spaces(text: str) -> str:
    """Remove spaces inside numbers and between CJK characters."""
    spans = _drop_spans(text)
    if not spans:
        return text
    parts, pos = [], 0
    for start, end in spans:
        if start >= pos:
            parts.append(text[pos:start])
            pos = end
    parts.append(text[pos:])
    return "".join(parts)


def clean_with_offsets(text: str) -> tuple[str, list[int]]:
    """Half-width forms and squeezed spaces, plus the input offset of every output character."""
    half = to_halfwidth(text)
    dropped = set()
    for start, end in _drop_spans(half):
        dropped.update(range(start, end))
    offsets = [i for i in range(len(half)) if i not in dropped]
    return "".join(half[i] for i in offsets), offsets
