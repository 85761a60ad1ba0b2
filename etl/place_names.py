"""The place names of the lexicons as regexes and lookups: Xinjiang regions (lexicons/regions.csv), partner
provinces (partners.csv), aid pairs and commands, and names that only look like places (region_exclusions.txt)."""
from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import _lines, _rows, load_partners, load_regions, words_regex

REGION_SUFFIX = "(?=县|市|镇|区|州|地区)"     # what must follow a region name marked needs_suffix


@lru_cache(maxsize=None)
def region_regex() -> re.Pattern:
    """Region names, longest first at a position; a name that needs_suffix only before 县, 市, 区, …"""
    return re.compile(words_regex(region_names()))


def region_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for row in load_regions():
        after = REGION_SUFFIX if row["needs_suffix"] else ""
        names[row["name"]] = "" if "" in (names.get(row["name"]), after) else after
    return names


@lru_cache(maxsize=None)
def region_of_name() -> dict[str, str]:
    return {r["name"]: r["region"] for r in load_regions()}


@lru_cache(maxsize=None)
def aid_command() -> re.Pattern:
    return re.compile("|".join(_lines("aid_commands.txt")))


@lru_cache(maxsize=None)
def aid_regions() -> dict[str, tuple[str, ...]]:
    regions: dict[str, tuple[str, ...]] = {}
    for row in _rows("aid_pairs.csv", ["partner", "region"]):
        regions[row["partner"]] = regions.get(row["partner"], ()) + (row["region"],)
    return regions


@lru_cache(maxsize=None)
def exclusions() -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in _lines("region_exclusions.txt")))


@lru_cache(maxsize=None)
def partner_regex() -> re.Pattern:
    return re.compile(words_regex(dict.fromkeys(load_partners(), "")))


@lru_cache(maxsize=None)
def any_name_regex() -> re.Pattern:
    """Region and partner names in one trie: where neither regex has a match, it has none, for wherever one
    of them matches, a name of the union matches too (with a suffix only if each list that holds it needs one)."""
    return re.compile(words_regex({**region_names(), **dict.fromkeys(load_partners(), "")}))


@lru_cache(maxsize=None)
def partners_in_lines() -> bool:
    """Whether the partner names a scan of the whole text finds inside a line are those a scan of the stripped
    line finds: so when no name holds whitespace (a line break included)."""
    return not any(ch.isspace() for name in load_partners() for ch in name)


@lru_cache(maxsize=None)
def sentence_local() -> bool:
    """Whether no region, partner or excluded name holds a character a sentence ends with (。！？!?, a closing
    quote after them, a line break). Then no mention runs across a sentence end, and a name ending where its
    sentence ends is never followed by a suffix (县, 市, … are none of those), so a scan of one sentence finds
    what a scan of the whole text finds there."""
    names = [r["name"] for r in load_regions()] + list(load_partners()) + _lines("region_exclusions.txt")
    return not any(ch in name for name in names for ch in "。！？!?”’」』\"\n")
