"""What the parsed form of a regex says about its matches: which characters can start one, come second in one,
or end one. The only module that reads re's private parser (`re._parser`): every function raises Unsupported
(or returns None) for what it cannot tell, and the callers then do without the shortcut, with the same result.
Used by the regex-union engine (etl/regex_union.py) and by normalize's page-furniture test."""
from __future__ import annotations

import re

try:
    from re import _parser as _sre_parse
except ImportError:                                  # Python < 3.11
    import sre_parse as _sre_parse

CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_SPACE": r"\s"}   # disjoint, so dispatch stays exact


def parsed(pattern: re.Pattern):
    """The items of the parsed pattern."""
    return _sre_parse.parse(pattern.pattern, pattern.flags).data


# -- which characters can start a match ---------------------------------------------------------------
def first_chars(pattern: re.Pattern) -> tuple[set[str], set[str]]:
    if pattern.groups or pattern.flags & re.IGNORECASE:
        raise Unsupported
    items = parsed(pattern)
    if pattern.flags & re.MULTILINE and items and (str(items[0][0]), str(items[0][1])) == ("AT", "AT_BEGINNING"):
        raise LineStart                         # (?m)^…: starts only at 0 and after a newline
    chars, cats, nullable = _first_of(items)
    if nullable:
        raise Unsupported                       # can match the empty string: finditer rules differ
    return chars, cats

def _first_of(items) -> tuple[set[str], set[str], bool]:
    """(characters, categories, can be empty) for the first consumed character of a sequence."""
    chars: set[str] = set()
    cats: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(av))
            return chars, cats, False
        if name == "IN":
            in_chars, in_cats = class_set(av)
            return chars | in_chars, cats | in_cats, False
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue                             # zero-width: the first character is consumed later
        if name == "SUBPATTERN":
            group, add_flags, _, sub = av
            if add_flags & re.IGNORECASE:
                raise Unsupported
            parts = [sub]
        elif name == "ATOMIC_GROUP":
            parts = [av]
        elif name == "BRANCH":
            parts = av[1]
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if av[1] == 0:
                continue
            parts = [av[2]]
            if av[0] == 0:
                parts.append([])                 # may be skipped: what follows can come first
        else:
            raise Unsupported                   # ANY, NOT_LITERAL, group references …
        nullable = False
        for part in parts:
            c, k, n = _first_of(part)
            chars |= c
            cats |= k
            nullable |= n
        if not nullable:
            return chars, cats, False
    return chars, cats, True

def class_set(av) -> tuple[set[str], set[str]]:
    """The characters and categories of a parsed character class."""
    chars: set[str] = set()
    cats: set[str] = set()
    for item, arg in av:
        if str(item) == "LITERAL":
            chars.add(chr(arg))
        elif str(item) == "RANGE" and arg[1] - arg[0] < 1024:
            chars.update(map(chr, range(arg[0], arg[1] + 1)))
        elif str(item) == "CATEGORY" and str(arg) in CATEGORIES:
            cats.add(str(arg))
        else:
            raise Unsupported                   # NEGATE, wide ranges, other categories
    return chars, cats

# -- which characters can come second -----------------------------------------------------------------
def second_chars(pattern: re.Pattern) -> tuple[set[str], set[str]]:
    """The characters that can be the second of a match (as first_chars: characters, categories); raises
    Unsupported when that cannot be told or a match can be one character long. The sets err on the large
    side: a position whose next character is not among them starts no match."""
    _, nullable, second, one = shape(parsed(pattern))
    if nullable or one:
        raise Unsupported                       # a match of one character (or none) has no second
    return second

def shape(items) -> tuple[tuple[set[str], set[str]], bool, tuple[set[str], set[str]], bool]:
    """(first characters, can be empty, second characters, can be one character long) of a sequence."""
    none: tuple[set[str], set[str]] = (set(), set())
    first, second = none, none
    nullable, one = True, False                  # so far: the empty sequence
    for op, av in items:
        if not nullable and not one:
            break                                # two characters in: what follows is third or later
        name = str(op)
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue                             # zero-width
        if name == "LITERAL":
            item = (({chr(av)}, set()), False, none, True)
        elif name == "IN":
            item = (class_set(av), False, none, True)
        elif name == "SUBPATTERN":
            if av[1] & re.IGNORECASE:
                raise Unsupported
            item = shape(av[3])
        elif name == "ATOMIC_GROUP":
            item = shape(av)
        elif name == "BRANCH":
            parts = [shape(part) for part in av[1]]
            item = (union(p[0] for p in parts), any(p[1] for p in parts), union(p[2] for p in parts),
                    any(p[3] for p in parts))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            if high == 0:
                continue
            f, n, sec, o = shape(sub)
            # two repetitions of one character each: the first of the sub-pattern comes second
            item = (f, n or low == 0, union([sec, f]) if o and high > 1 else sec, o)
        else:
            raise Unsupported                   # ANY, NOT_LITERAL, group references …
        f, n, sec, o = item
        # the sequence so far, then this item: after one character, the item's first comes second; after
        # none, its own second does
        second = union([second] + ([f] if one else []) + ([sec] if nullable else []))
        one = (one and n) or (nullable and o)
        if nullable:
            first = union([first, f])
        nullable = nullable and n
    return first, nullable, second, one


def union(sets) -> tuple[set[str], set[str]]:
    """The union of (characters, categories) pairs."""
    chars: set[str] = set()
    cats: set[str] = set()
    for c, k in sets:
        chars |= c
        cats |= k
    return chars, cats


class LineStart(Exception):
    """A (?m)^ pattern: UnionScan visits it at newlines."""


class Unsupported(Exception):
    """A pattern UnionScan leaves to plain finditer."""


def parses_as(items: list[str]) -> bool:
    """Whether the texts, each parsed alone, give what their concatenation parses to (a check that the
    split cut at item boundaries)."""
    try:
        pieces = [repr(x) for text in items for x in _sre_parse.parse(text).data]
        whole = [repr(x) for x in _sre_parse.parse("".join(items)).data]
    except re.error:
        return False
    return pieces == whole


# -- what a match ends with ---------------------------------------------------------------------------------
def line_end_class(pattern: re.Pattern) -> re.Pattern | None:
    """A one-character class holding every character a match of pattern (each alternative anchored at its end
    with $) can end with, or None when that cannot be told: a string ending otherwise never matches it, so
    a caller can skip it (normalize tests only those short lines against the page-furniture patterns)."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        pieces = _line_end_chars(parsed(pattern))
    except Exception:  # noqa: BLE001 - re's private parser changed shape: nothing can be told
        return None
    return re.compile("[" + "".join(pieces) + "]") if pieces else None


def _last_chars(items) -> tuple[list[str] | None, bool]:
    """The characters a match of the parsed regex `items` can end with, as pieces of a regex character class
    (None: it cannot be told), and whether it can match the empty string."""
    pieces: list[str] = []
    for op, av in reversed(list(items)):
        name = str(op)
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue                          # consumes no character
        if name == "LITERAL":
            return pieces + [re.escape(chr(av))], False
        if name == "IN":
            for item_op, item_av in av:
                if str(item_op) == "LITERAL":
                    pieces.append(re.escape(chr(item_av)))
                elif str(item_op) == "RANGE":
                    pieces.append(f"{re.escape(chr(item_av[0]))}-{re.escape(chr(item_av[1]))}")
                elif str(item_op) == "CATEGORY" and str(item_av) in ("CATEGORY_DIGIT", "CATEGORY_SPACE"):
                    pieces.append(r"\d" if str(item_av) == "CATEGORY_DIGIT" else r"\s")
                else:
                    return None, False        # a negated class, \w …
            return pieces, False
        if name == "SUBPATTERN":
            if av[1] or av[2]:
                return None, False            # (?i:…) and the like
            sub, nullable = _last_chars(av[3])
        elif name == "BRANCH":
            subs = [_last_chars(alternative) for alternative in av[1]]
            if any(sub is None for sub, _ in subs):
                return None, False
            sub, nullable = [piece for sub, _ in subs for piece in sub], any(n for _, n in subs)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            sub, nullable = _last_chars(av[2])
            nullable = nullable or av[0] == 0
        else:
            return None, False                # ., back references …
        if sub is None:
            return None, False
        pieces += sub
        if not nullable:
            return pieces, False
    return pieces, True


def _line_end_chars(items) -> list[str] | None:
    """The characters a non-empty string that `items` matches from its start (re.match) ends with, when every
    match must end at $ (else None). What comes before the last item does not matter."""
    items = list(items)
    if not items:
        return None
    op, av = items[-1]
    if str(op) == "AT" and str(av) in ("AT_END", "AT_END_STRING"):
        return _last_chars(items[:-1])[0]     # an empty match would need an empty string
    if str(op) == "SUBPATTERN" and not (av[1] or av[2]):
        return _line_end_chars(av[3])
    if str(op) == "BRANCH":
        ends = [_line_end_chars(alternative) for alternative in av[1]]
        return None if any(end is None for end in ends) else [piece for end in ends for piece in end]
    return None
