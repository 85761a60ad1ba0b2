"""Character classes spelt out, for regexes that must be fast: re tests an explicit class with a table lookup,
but `\\d` with a Unicode database call at every character of the text."""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=None)
def _decimal_digits() -> str:
    r"""Every character `\d` matches: the Unicode decimal digits (0-9, ０-９, ٠-٩ …)."""
    # Unicode encodes decimal digits only as runs of ten consecutive code points valued 0 to 9 (The Unicode
    # Standard, 4.6 Numeric Value), so every tenth code point meets each run once, and its value locates the run:
    # 111k characters tested instead of 1.1M.
    probe = "".join(map(chr, range(0, 0x110000, 10)))
    digits = []
    for m in re.finditer(r"\d", probe):
        zero = ord(m.group()) - int(m.group())          # int() reads any decimal digit
        digits.append("".join(map(chr, range(zero, zero + 10))))
    digits = "".join(digits)
    if not re.fullmatch(r"\d*", digits):                 # not runs of ten after all: test every code point
        digits = "".join(re.findall(r"\d", "".join(map(chr, range(0x110000)))))
    return digits


def digit_class(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The body of a class matching every decimal digit not in taken, for dispatch: the digits outside the
    Basic Multilingual Plane are written as one range from the first to the last (one test, where each run of
    ten would be a test of its own for every character of the text). The other characters of that range start
    no pattern, so a visit there finds nothing, exactly as no visit; unless one of them is taken."""
    digits = set(_decimal_digits()) - taken
    astral = [d for d in digits if d > "\uffff"]
    if not astral or any(ch >= min(astral) for ch in taken):
        return class_body(digits)
    low, high = min(astral), max(astral)
    return class_body(digits - set(astral)) + f"{re.escape(low)}-{re.escape(high)}"


def class_body(chars: set[str]) -> str:
    """A character class body (no brackets) matching exactly the characters, consecutive ones as ranges."""
    codes, parts, i = sorted(map(ord, chars)), [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        low, high = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(low if i == j else f"{low}{high}" if j == i + 1 else f"{low}-{high}")
        i = j + 1
    return "".join(parts)
