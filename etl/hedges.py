"""The words around a number that hedge it: a cap (不超过), a floor (不少于) or an approximation (约, 近, 以上, 余),
and the characters that make it vague (几十, 数百). The words are lexicons/hedges_words.yaml; words that end like
a hedge without being one are lexicons/not_hedges.txt."""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import _lines, words

_WORDS = "hedges_words.yaml"
PRE_CAP = words(_WORDS, "pre_cap")
PRE_FLOOR = words(_WORDS, "pre_floor")
PRE_APPROX = words(_WORDS, "pre_approx")
POST_APPROX = words(_WORDS, "post_approx")
VAGUE_BEFORE = "".join(words(_WORDS, "vague_before"))

_HEDGE_RES = [(re.compile("(?:" + "|".join(map(re.escape, hedges)) + ")$"), kind)
              for hedges, kind in ((PRE_CAP, "cap"), (PRE_FLOOR, "floor"), (PRE_APPROX, "approx"))]
HEDGE_LAST = frozenset(w[-1] for w in PRE_CAP + PRE_FLOOR + PRE_APPROX)


def hedge_before(text: str, start: int) -> str | None:
    """cap, floor or approx: the hedge ending right before text[start], or None."""
    last = text[start - 1] if start else ""
    if last not in HEDGE_LAST and (last != "\n" or start < 2 or text[start - 2] not in HEDGE_LAST):
        return None                       # no hedge word ends here (`$` also matches before a final newline)
    head = text[max(0, start - 6):start]
    for pattern, kind in _HEDGE_RES:
        m = pattern.search(head)
        if m:
            if m.group() in ("或", "超") and head[-2:-1] in ("无", "不", "局", "权"):
                continue
            if _not_hedge().search(head):
                continue                  # 权限, 期限: the word ends with a hedge's character
            return kind
    return None


@lru_cache(maxsize=None)
def _not_hedge() -> re.Pattern:
    """Words ending like a hedge that are not one (lexicons/not_hedges.txt: 权限, 期限, 超限 …), at the end."""
    return re.compile("(?:" + "|".join(map(re.escape, _lines("not_hedges.txt"))) + ")$")
