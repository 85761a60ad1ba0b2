"""Units after a number, from lexicons/units.csv (less the longer words of lexicons/not_units.txt that start with
a unit): the longest unit at a position, and what it normalises to."""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import _lines, load_units, words_regex


@lru_cache(maxsize=None)
def unit_regex() -> re.Pattern:
    """The longest unit at a position, as a trie (one test per character instead of one per unit)."""
    return re.compile(words_regex(unit_conditions()))


@lru_cache(maxsize=None)
def unit_conditions() -> dict[str, str]:
    """unit -> the lookahead its end needs: a unit is not read where it starts a longer word of
    lexicons/not_units.txt (50万 个旧市, 千人口托位数)."""
    units = load_units()
    after: dict[str, list[str]] = {unit: [] for unit in units}
    for word in _lines("not_units.txt"):
        unit = max((u for u in units if word.startswith(u) and len(u) < len(word)), key=len, default=None)
        if unit is None:
            raise ValueError(f"not_units.txt: {word!r} starts with no unit of units.csv")
        after[unit].append(re.escape(word[len(unit):]))
    return {unit: f"(?!{'|'.join(tails)})" if tails else "" for unit, tails in after.items()}


@lru_cache(maxsize=None)
def unit_norms() -> dict[str, tuple[float, str, str]]:
    """unit -> (factor, unit_norm, kind)."""
    return {unit: (info["factor"], info["unit_norm"], info["kind"]) for unit, info in load_units().items()}


def unit_at(text: str, pos: int) -> str | None:
    m = unit_regex().match(text, pos)
    return m.group() if m else None
