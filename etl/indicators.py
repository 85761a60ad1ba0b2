"""The indicator catalogue (lexicons/indicators.csv): which repeated indicator a figure states, if any."""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import _rows, words_regex

PEOPLE_UNITS = {"人", "人次", "名", "位"}
MONEY_UNITS = {"万元", "万美元"}


@lru_cache(maxsize=None)
def load_indicators() -> list[dict]:
    rows = _rows("indicators.csv", ["indicator", "label_zh", "metric", "unit_family", "additive", "definition"])
    for order, row in enumerate(rows, start=1):
        row["additive"] = row["additive"].strip().lower() == "true"
        row["subjects"] = [s for s in (row.get("subjects") or "").split("|") if s]
        row["sort_order"] = order
    return rows


def unit_family(unit_norm: str | None) -> str:
    if unit_norm in MONEY_UNITS:
        return "money"
    if unit_norm == "%":
        return "percent"
    if unit_norm in PEOPLE_UNITS:
        return "people"
    return "count" if unit_norm else "other"


@lru_cache(maxsize=None)
def _subject_regex(family: str, metric: str) -> tuple[re.Pattern | None, dict[str, str]]:
    owner: dict[str, str] = {}
    for row in load_indicators():
        if row["unit_family"] == family and row["metric"] == metric:
            for phrase in row["subjects"]:
                owner.setdefault(phrase, row["indicator"])
    return (re.compile(words_regex(dict.fromkeys(owner, ""))) if owner else None), owner


def indicator_of(metric: str, unit_norm: str | None, subject: str | None, context: str) -> str | None:
    """The catalogue indicator of a figure of this metric and unit: the last subject phrase of a matching row
    in its subject, else in the words before it (context); None when no row of its metric and unit matches."""
    pattern, owner = _subject_regex(unit_family(unit_norm), metric)
    if pattern is None:
        return None
    for text in (subject or "", context):
        found = None
        for found in pattern.finditer(text):
            pass
        if found is not None:
            return owner[found.group()]
    return None
