"""The mask of a text: 1 where a character belongs to something that is never a figure — a date, a document
number, an ordinal … (lexicons/nonfigures.yaml) or a word spelt with numerals (一些, 统一: lexicons/numeral_words.txt).
The scan reads no number there."""
from __future__ import annotations

import re
from functools import lru_cache

from . import regex_union
from .lexicon import nonfigure_patterns, numeral_words, words_regex
from .numerals import CN_DIGITS, CN_NUMERAL, NOT_CN_NUMERAL, VAGUE
from .units import unit_at


@lru_cache(maxsize=None)
def numeral_word_regex() -> re.Pattern:
    """The longest numeral word at a position, written as a trie (一(?:些|般|…)…): a plain alternation of
    150 words tries every word at every numeral character."""
    return re.compile(words_regex(dict.fromkeys(numeral_words(), "")))


@lru_cache(maxsize=None)
def mask_patterns() -> tuple[re.Pattern, ...]:
    """The nonfigures.yaml patterns, then the numeral words: scanned in one pass (etl/regex_union.py)."""
    return tuple(pattern for _, pattern in nonfigure_patterns()) + (numeral_word_regex(),)


def blocked_mask(text: str) -> bytearray:
    """1 where a character belongs to a non-figure span (date, document number, ordinal …) or a numeral word."""
    mask = bytearray(len(text))
    spans = regex_union.spans(mask_patterns(), text)
    for found in spans[:-1]:                          # the nonfigures.yaml patterns
        for s, e in found:
            mask[s:e] = b"\x01" * (e - s)
    for s, e in spans[-1]:                            # the numeral words
        if s and (text[s - 1].isdigit() or text[s - 1] in CN_NUMERAL or text[s - 1] in VAGUE):
            continue                      # 3万一千, 几千万: the numeral goes on, it is not the word 万一
        if text[e - 1] == "点" and text[e:e + 1] in CN_DIGITS:
            continue                      # 一点二万人: a decimal point, not the word 一点
        if NOT_CN_NUMERAL.search(text, s, e) is None and unit_at(text, e):
            continue                      # 近千万元: 千万 with a unit is a number, not the adverb
        mask[s:e] = b"\x01" * (e - s)
    return mask

