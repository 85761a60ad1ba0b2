"""Load and validate the lexicon data files under etl/lexicons/; each is read once per process."""
from __future__ import annotations

import csv
import re
from functools import lru_cache

import yaml

from .paths import LEXICON_DIR

UNIT_KINDS = {"money", "money_usd", "money_other", "percent", "percent_point", "ratio", "person", "count",
              "area", "volume", "weight", "length", "energy", "power", "time"}


def _rows(name: str, required: list[str]) -> list[dict]:
    path = LEXICON_DIR / name
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if any((v or "").strip() for v in row.values())]
    for i, row in enumerate(rows, start=2):
        missing = [k for k in required if not (row.get(k) or "").strip()]
        if missing:
            raise ValueError(f"{path}: line {i}: missing {', '.join(missing)}")
    return rows


def _lines(name: str) -> list[str]:
    text = (LEXICON_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=None)
def load_metrics() -> list[dict]:
    rows = _rows("metrics.csv", ["metric", "label_zh", "label_en", "core"])
    for row in rows:
        row["core"] = row["core"].strip().lower() == "true"
    return rows


@lru_cache(maxsize=None)
def metric_ids() -> frozenset[str]:
    return frozenset(r["metric"] for r in load_metrics())


@lru_cache(maxsize=None)
def load_units() -> dict[str, dict]:
    """unit as written (no scale word) -> {unit_norm, factor, kind}."""
    units = {}
    for row in _rows("units.csv", ["unit", "unit_norm", "factor", "kind"]):
        if row["kind"] not in UNIT_KINDS:
            raise ValueError(f"units.csv: unknown kind {row['kind']!r} for {row['unit']}")
        units[row["unit"]] = {"unit_norm": row["unit_norm"], "factor": float(row["factor"]), "kind": row["kind"]}
    return units


@lru_cache(maxsize=None)
def load_metric_keywords() -> dict[str, list[tuple[str, str]]]:
    """applies_to (count, person, money) -> [(keyword, metric)], longest keyword first."""
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for row in _rows("metric_keywords.csv", ["keyword", "metric", "applies_to"]):
        if row["metric"] not in metric_ids():
            raise ValueError(f"metric_keywords.csv: unknown metric {row['metric']!r}")
        by_kind.setdefault(row["applies_to"], []).append((row["keyword"], row["metric"]))
    for rows in by_kind.values():
        rows.sort(key=lambda kv: -len(kv[0]))
    return by_kind


@lru_cache(maxsize=None)
def load_regions() -> list[dict]:
    rows = _rows("regions.csv", ["name", "region"])
    for row in rows:
        row["needs_suffix"] = (row.get("needs_suffix") or "").strip().lower() == "true"
    return rows


@lru_cache(maxsize=None)
def load_partners() -> dict[str, str]:
    return {r["name"]: r["partner"] for r in _rows("partners.csv", ["name", "partner"])}


@lru_cache(maxsize=None)
def partner_role_patterns() -> list[re.Pattern]:
    return [re.compile(line) for line in _lines("partner_roles.txt")]


@lru_cache(maxsize=None)
def numeral_words() -> list[str]:
    return sorted(set(_lines("numeral_words.txt")), key=len, reverse=True)


@lru_cache(maxsize=None)
def nonfigure_patterns() -> list[tuple[str, re.Pattern]]:
    entries = yaml.safe_load((LEXICON_DIR / "nonfigures.yaml").read_text(encoding="utf-8"))
    return [(e["name"], re.compile(e["pattern"])) for e in entries]


def words_regex(words: dict[str, str]) -> str:
    """One regex for many lexicon words: {word: what must follow its end ("" for nothing, else a lookahead
    such as "(?=县|市)")}. Nested by shared prefix, so re tries one branch per character instead of every
    word; at each character the longer words come before the word ending there, so the longest word at a
    position wins, as in a longest-first alternation. A word listed with and without a condition needs none."""
    trie: dict = {}
    for word, after in words.items():
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[None] = "" if "" in (node.get(None), after) else after

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(
            (k, v) for k, v in node.items() if k is not None)]
        if None in node:
            branches.append(node[None])
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return build(trie)


@lru_cache(maxsize=None)
def title_skip_regex() -> re.Pattern:
    """Lines near the top of a document that are never its title nor its head (navigation, bylines)."""
    return re.compile("|".join(f"(?:{p})" for p in _lines("title_skip.txt")))


# -- word lists of the stages (lexicons/<stage>_words.yaml) -----------------------------------------------------
# Each file maps a list's name to its entries, in order (the order of a regex alternation: the first entry
# that matches at a position wins). An entry is a word, or, in a list read with alternatives(), a small regex
# (须(?<![急无]须)); a list of relative words may map each word to a number instead (去年: -1).


@lru_cache(maxsize=None)
def word_lists(name: str) -> dict[str, tuple[str, ...] | dict[str, int]]:
    """The lists of lexicons/<name>, validated: each a non-empty list of distinct, non-empty strings without
    surrounding spaces, each compiling as a regex (or a mapping of such strings to integers)."""
    path = LEXICON_DIR / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML (quote an entry holding ?, [, {{ or #): {exc}") from None
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{path}: expected a mapping of list names to lists of words")
    lists: dict = {}
    for key, entries in data.items():
        where = f"{path}: list {key!r}"
        listed = list(entries) if isinstance(entries, (list, dict)) else None
        if not listed:
            raise ValueError(f"{where}: expected a non-empty list of words")
        for word in listed:
            if not isinstance(word, str) or not word or word != word.strip():
                raise ValueError(f"{where}: {word!r} is not a word (quote it if YAML reads it as something else)")
            try:
                re.compile(word)
            except re.error as exc:
                raise ValueError(f"{where}: {word!r} is not a valid regex: {exc}") from None
        if len(set(listed)) != len(listed):
            raise ValueError(f"{where}: {sorted(w for w in listed if listed.count(w) > 1)[0]!r} is listed twice")
        if isinstance(entries, dict):
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in entries.values()):
                raise ValueError(f"{where}: every word must map to an integer")
            lists[key] = dict(entries)
        else:
            lists[key] = tuple(listed)
    return lists


def _word_list(name: str, key: str):
    lists = word_lists(name)
    if key not in lists:
        raise ValueError(f"{LEXICON_DIR / name}: no list {key!r}")
    return lists[key]


def words(name: str, key: str) -> tuple[str, ...]:
    """A list of plain words (no regex syntax: each matches itself)."""
    entries = _word_list(name, key)
    for word in entries:
        if re.escape(word).replace("\\ ", " ") != word:          # (a space matches itself)
            raise ValueError(f"{LEXICON_DIR / name}: list {key!r}: {word!r} holds regex syntax, not a plain word")
    return tuple(entries)


def alternatives(name: str, key: str) -> str:
    """A list as one regex alternation, entry|entry|… (its entries may be small regexes)."""
    return "|".join(_word_list(name, key))


def word_numbers(name: str, key: str) -> dict[str, int]:
    """A list of words each mapped to an integer."""
    entries = _word_list(name, key)
    if not isinstance(entries, dict):
        raise ValueError(f"{LEXICON_DIR / name}: list {key!r}: expected word: number lines")
    return dict(entries)
