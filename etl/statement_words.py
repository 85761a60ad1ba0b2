"""The words that say what a figure states (lexicons/statement.yaml), compiled once per process."""
from __future__ import annotations

import re
from functools import lru_cache

import yaml

from .paths import LEXICON_DIR


@lru_cache(maxsize=None)
def cues() -> dict:
    """Each list of statement.yaml as one regular expression; the named periods with their years."""
    data = yaml.safe_load((LEXICON_DIR / "statement.yaml").read_text(encoding="utf-8"))
    words = lambda key: re.compile("|".join(data[key])) if data[key] else re.compile("(?!)")  # noqa: E731
    cues = {key: words(key) for key in data if isinstance(data[key], list)}
    cues["periods"] = {name: tuple(span) for name, span in data["periods"].items()}
    # a named period as the time of what follows (“十四五”时期, 十三五以来), not inside a plan's name
    cues["period_names"] = re.compile("(?:" + "|".join(map(re.escape, sorted(data["periods"], key=len, reverse=True)))
                                      + ")(?=[”\"]?(?:" + "|".join(data["period_suffixes"]) + "))")
    cues["top_heading"] = re.compile(data["top_heading"])
    # any word that can make a figure planned: a clause without one is actual (the quick test first)
    cues["planned_any"] = re.compile("|".join(data["planned"] + data["planned_setting"]))
    return cues
