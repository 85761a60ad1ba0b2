"""Many regexes over one text in one pass: `spans(patterns, text)` is
`[[m.span() for m in p.finditer(text)] for p in patterns]`, found by one combined regex instead of one pass per
pattern (the non-figure patterns of lexicons/nonfigures.yaml and the numeral words, ~30 of them, scanned over
every document). The only module that reads re's private parser (`re._parser`); if that ever changes shape,
every pattern is simply run on its own, with the same spans. tests/test_regex_union.py holds the equivalence
tests."""
from __future__ import annotations

import re
from functools import lru_cache

try:
    from re import _parser as _sre_parse
except ImportError:                                  # Python < 3.11
    import sre_parse as _sre_parse

from .charclass import class_body, digit_class
from .textnorm import SPACE_CHARS


def spans(patterns: tuple[re.Pattern, ...], text: str) -> list[list[tuple[int, int]]]:
    """For each pattern, the spans of pattern.finditer(text) (the combined regex is built once per tuple)."""
    return union_scan(patterns).spans(text)


@lru_cache(maxsize=None)
def union_scan(patterns: tuple[re.Pattern, ...]) -> "UnionScan":
    try:
        return UnionScan(list(patterns))
    except Exception:  # noqa: BLE001 - re's private parser changed shape: same spans, one pass per pattern
        return UnionScan(list(patterns), combine=False)


class UnionScan:
    r"""The finditer spans of many patterns, found in one pass of the regex engine instead of one pass each.

    Scanning the text is what costs (a character-class test at every position, ~30 times over); the matches
    are rare. So the first character every match of a pattern can start with is worked out from its parsed
    form, and one combined regex visits only characters that can start some match. There, for each pattern
    that can start with that character, a lookahead `(?=(P))` captures exactly what P.match would find. A
    capture is kept when it starts at or after the end of the pattern's last kept one — which is what
    finditer does — so spans() equals [[m.span() for m in p.finditer(text)] for p in patterns].

    What a visit costs is the gate that tests whether any of those patterns matches there, so the gate
    shares the patterns' common leading items (`\d(?<!\d.)`, `(?:19|20)` …): a digit inside a number fails
    once, not once per pattern. Before the gate, one class test of the next character: the characters that can
    come second in a match of the class's patterns (most visits end there: the 5 of 5项, the 一 of 统一). A
    multiline `^` pattern is visited at each newline (and tried at 0), not at
    every character its first item allows. Patterns this cannot handle (one that can match the empty
    string, has capturing groups, ignores case, or starts with a negated or unusual class) are simply run
    with finditer.
    """

    _CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_SPACE": r"\s"}   # disjoint, so dispatch stays exact

    def __init__(self, patterns: list[re.Pattern], combine: bool = True):
        self.patterns = patterns
        firsts: dict[int, tuple[set[str], set[str]]] = {}
        self.line_start: list[int] = []
        for i, pattern in enumerate(patterns if combine else []):
            try:
                firsts[i] = self._first_chars(pattern)
            except _LineStart:
                firsts[i] = ({"\n"}, set())
                self.line_start.append(i)
            except _Unsupported:
                pass
        self.plain = [i for i in range(len(patterns)) if i not in firsts]
        self.regex, self.members = self._combine(firsts) if firsts else (None, {})

    # -- which characters can start a match ---------------------------------------------------------------
    @classmethod
    def _first_chars(cls, pattern: re.Pattern) -> tuple[set[str], set[str]]:
        if pattern.groups or pattern.flags & re.IGNORECASE:
            raise _Unsupported
        items = _sre_parse.parse(pattern.pattern, pattern.flags).data
        if pattern.flags & re.MULTILINE and items and (str(items[0][0]), str(items[0][1])) == ("AT", "AT_BEGINNING"):
            raise _LineStart                         # (?m)^…: starts only at 0 and after a newline
        chars, cats, nullable = cls._first_of(items)
        if nullable:
            raise _Unsupported                       # can match the empty string: finditer rules differ
        return chars, cats

    @classmethod
    def _first_of(cls, items) -> tuple[set[str], set[str], bool]:
        """(characters, categories, can be empty) for the first consumed character of a sequence."""
        chars: set[str] = set()
        cats: set[str] = set()
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                chars.add(chr(av))
                return chars, cats, False
            if name == "IN":
                in_chars, in_cats = cls._class_set(av)
                return chars | in_chars, cats | in_cats, False
            if name in ("AT", "ASSERT", "ASSERT_NOT"):
                continue                             # zero-width: the first character is consumed later
            if name == "SUBPATTERN":
                group, add_flags, _, sub = av
                if add_flags & re.IGNORECASE:
                    raise _Unsupported
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
                raise _Unsupported                   # ANY, NOT_LITERAL, group references …
            nullable = False
            for part in parts:
                c, k, n = cls._first_of(part)
                chars |= c
                cats |= k
                nullable |= n
            if not nullable:
                return chars, cats, False
        return chars, cats, True

    @classmethod
    def _class_set(cls, av) -> tuple[set[str], set[str]]:
        """The characters and categories of a parsed character class."""
        chars: set[str] = set()
        cats: set[str] = set()
        for item, arg in av:
            if str(item) == "LITERAL":
                chars.add(chr(arg))
            elif str(item) == "RANGE" and arg[1] - arg[0] < 1024:
                chars.update(map(chr, range(arg[0], arg[1] + 1)))
            elif str(item) == "CATEGORY" and str(arg) in cls._CATEGORIES:
                cats.add(str(arg))
            else:
                raise _Unsupported                   # NEGATE, wide ranges, other categories
        return chars, cats

    # -- which characters can come second -----------------------------------------------------------------
    @classmethod
    def _second_chars(cls, pattern: re.Pattern) -> tuple[set[str], set[str]]:
        """The characters that can be the second of a match (as _first_chars: characters, categories); raises
        _Unsupported when that cannot be told or a match can be one character long. The sets err on the large
        side: a position whose next character is not among them starts no match."""
        _, nullable, second, one = cls._shape(_sre_parse.parse(pattern.pattern, pattern.flags).data)
        if nullable or one:
            raise _Unsupported                       # a match of one character (or none) has no second
        return second

    @classmethod
    def _shape(cls, items) -> tuple[tuple[set[str], set[str]], bool, tuple[set[str], set[str]], bool]:
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
                item = (cls._class_set(av), False, none, True)
            elif name == "SUBPATTERN":
                if av[1] & re.IGNORECASE:
                    raise _Unsupported
                item = cls._shape(av[3])
            elif name == "ATOMIC_GROUP":
                item = cls._shape(av)
            elif name == "BRANCH":
                parts = [cls._shape(part) for part in av[1]]
                item = (_union(p[0] for p in parts), any(p[1] for p in parts), _union(p[2] for p in parts),
                        any(p[3] for p in parts))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, sub = av
                if high == 0:
                    continue
                f, n, sec, o = cls._shape(sub)
                # two repetitions of one character each: the first of the sub-pattern comes second
                item = (f, n or low == 0, _union([sec, f]) if o and high > 1 else sec, o)
            else:
                raise _Unsupported                   # ANY, NOT_LITERAL, group references …
            f, n, sec, o = item
            # the sequence so far, then this item: after one character, the item's first comes second; after
            # none, its own second does
            second = _union([second] + ([f] if one else []) + ([sec] if nullable else []))
            one = (one and n) or (nullable and o)
            if nullable:
                first = _union([first, f])
            nullable = nullable and n
        return first, nullable, second, one

    # -- one regex for all ------------------------------------------------------------------------------------
    def _combine(self, firsts: dict[int, tuple[set[str], set[str]]]) -> tuple[re.Pattern, dict]:
        category_re = {name: re.compile(f"[{cls}]") for name, cls in self._CATEGORIES.items()}

        def starters(ch: str) -> tuple[int, ...]:
            return tuple(i for i, (chars, cats) in firsts.items()
                         if ch in chars or any(category_re[c].match(ch) for c in cats))

        # dispatch classes, tried in order: explicit characters (grouped by which patterns they start),
        # then the categories; the first class holding a character lists every pattern that can start there.
        # Digits are the commonest starters: their classes go first, `\d` right after the explicit digits.
        by_members: dict[tuple[int, ...], list[str]] = {}
        for ch in sorted(set().union(*(chars for chars, _ in firsts.values()))):
            by_members.setdefault(starters(ch), []).append(ch)
        digit_first = sorted(by_members.items(), key=lambda kv: not any(category_re["CATEGORY_DIGIT"].match(ch)
                                                                         for ch in kv[1]))
        classes = [("".join(map(re.escape, chs)), members) for members, chs in digit_first]
        n_digit_classes = sum(1 for _, chs in digit_first if any(category_re["CATEGORY_DIGIT"].match(ch)
                                                                 for ch in chs))
        explicit = set().union(*(chars for chars, _ in firsts.values()))
        for name, cls in self._CATEGORIES.items():
            members = tuple(i for i, (_, cats) in firsts.items() if name in cats)
            if members:
                if name == "CATEGORY_DIGIT":
                    # `\d` spelled out: the engine tests an explicit class with a table lookup, `\d` with a
                    # Unicode database call at every character of the text. Digits of an earlier class never
                    # reach this one, so they are left out.
                    cls = digit_class(explicit)
                classes.insert(n_digit_classes if name == "CATEGORY_DIGIT" else len(classes), (cls, members))
        body_of = {i: self._embeddable(self.patterns[i]) for i in firsts}
        lead = {i: r"\n" if i in self.line_start else "" for i in firsts}   # (?m)^…: the match follows the newline
        alternatives, members_of = [], {}
        for a, (cls, members) in enumerate(classes):
            gate = _shared_prefix_regex([seq for i in members for seq in _gate_sequences(lead[i] + body_of[i])])
            captures = "".join(f"(?:(?={lead[i]}(?P<p{a}_{i}>{body_of[i]}))|)" for i in members)
            after = self._after_class(members)
            after = f"(?=[{after}])" if after else ""
            alternatives.append(rf"[{cls}]{after}(?<=(?:(?={gate})(?P<end{a}>){captures}|)[\s\S])")
            # the match's lastindex is the last group closed: its class's end group when no capture was made,
            # else the class's last capture made; only the captures up to that one can hold a span
            pairs = [(f"p{a}_{i}", i) for i in members]
            members_of[f"end{a}"] = []
            members_of.update((group, pairs[:k + 1]) for k, (group, _) in enumerate(pairs))
        # a visited character takes the first class holding it, gate passed or not: when the gate fails,
        # trying the remaining classes only to find the character in none of them costs more than the gate.
        # Then the match needs some end group set. (When the next character fails the class's test, the
        # remaining classes are tried: one test each, which costs less than the end-group tests after.)
        union = "".join(cls for cls, _ in classes)
        some_end = "(?!)"
        for a in reversed(range(len(classes))):
            some_end = f"(?(end{a})|{some_end})"
        regex = re.compile(f"[{union}](?<={'|'.join(alternatives)}){some_end}")
        members = {regex.groupindex[last]: tuple((regex.groupindex[g], i) for g, i in pairs)
                   for last, pairs in members_of.items()}
        return regex, members

    def _after_class(self, members: tuple[int, ...]) -> str | None:
        """A class body holding every character that can follow a visited one in a match of these patterns (for a
        (?m)^ pattern, visited at the newline before it, its first), or None: most visits fail on that one test
        instead of the gate's branches."""
        sets = []
        for i in members:
            try:
                if i in self.line_start:
                    pattern = self.patterns[i]
                    first, nullable, _, _ = self._shape(_sre_parse.parse(pattern.pattern, pattern.flags).data)
                    if nullable:
                        return None
                    sets.append(first)
                else:
                    sets.append(self._second_chars(self.patterns[i]))
            except _Unsupported:
                return None
        chars, cats = _union(sets)
        if "CATEGORY_SPACE" in cats:
            chars |= set(SPACE_CHARS)
        # `\d` spelt out as dispatch does: a few characters more let a few more visits go on to the gate
        return class_body(chars) + (digit_class() if "CATEGORY_DIGIT" in cats else "")

    @staticmethod
    def _embeddable(pattern: re.Pattern) -> str:
        """The pattern's text with its global inline flags ((?m) …) turned into a scoped group."""
        text = pattern.pattern
        while (m := re.match(r"\(\?[aiLmsux]+\)", text)):
            text = text[m.end():]
        flags = "".join(letter for flag, letter in ((re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"),
                                                    (re.ASCII, "a")) if pattern.flags & flag)
        return f"(?{flags}:{text})" if flags else text

    def spans(self, text: str) -> list[list[tuple[int, int]]]:
        """For each pattern, the spans of pattern.finditer(text)."""
        out: list[list[tuple[int, int]]] = [[] for _ in self.patterns]
        if self.regex is not None:
            ends = [0] * len(self.patterns)
            for i in self.line_start:                # the one start a newline does not announce
                if (m := self.patterns[i].match(text)):
                    out[i].append(m.span())
                    ends[i] = m.end()
            members = self.members
            for m in self.regex.finditer(text):
                span = m.span
                for group, i in members[m.lastindex]:
                    s, e = span(group)
                    if s >= ends[i]:                 # unmatched groups are (-1, -1)
                        out[i].append((s, e))
                        ends[i] = e
        for i in self.plain:
            out[i] = [m.span() for m in self.patterns[i].finditer(text)]
        return out


def _gate_sequences(pattern: str) -> list[list[str]]:
    r"""The pattern as alternatives, each a list of the texts of its top-level items (`\d`, `(?<!\d.)`,
    `\s*`, `[年月]` …): it matches where one of the sequences does. An alternative that does not split into
    items parsing the same as it stays one item."""
    alternatives, items, i, n = [], [], 0, len(pattern)
    while i < n:
        start, ch = i, pattern[i]
        if ch == "|":
            alternatives.append(items)
            items, i = [], i + 1
            continue
        if ch == "\\":
            i += 6 if pattern.startswith("u", i + 1) else 2
        elif ch == "[":
            i = _class_end(pattern, i)
        elif ch == "(":
            depth = 0
            while i < n:
                c = pattern[i]
                if c == "\\":
                    i += 1
                elif c == "[":
                    i = _class_end(pattern, i) - 1
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            i += 1
        else:
            i += 1
        if (q := _QUANTIFIER.match(pattern, i)):
            i = q.end()
        items.append(pattern[start:i])
    alternatives.append(items)
    if "|".join("".join(items) for items in alternatives) != pattern:
        return [[pattern]]
    return [items if _parses_as(items) else ["".join(items)] for items in alternatives]


_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*(?:,\d*)?\})[?+]?")


def _class_end(pattern: str, i: int) -> int:
    """The index after the character class that opens at pattern[i]."""
    i += 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _parses_as(items: list[str]) -> bool:
    """Whether the texts, each parsed alone, give what their concatenation parses to (a check that the
    split cut at item boundaries)."""
    try:
        parsed = [repr(x) for text in items for x in _sre_parse.parse(text).data]
        whole = [repr(x) for x in _sre_parse.parse("".join(items)).data]
    except re.error:
        return False
    return parsed == whole


def _shared_prefix_regex(sequences: list[list[str]]) -> str:
    """A regex that matches where any of the item sequences matches, with common leading items written once.
    Only whether it matches counts (it is a gate), so a sequence that ends cuts off the longer ones."""
    if any(not seq for seq in sequences):
        return ""
    heads: dict[str, list[list[str]]] = {}
    for seq in sequences:
        heads.setdefault(seq[0], []).append(seq[1:])
    alternatives = [head + _shared_prefix_regex(tails) for head, tails in heads.items()]
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _union(sets) -> tuple[set[str], set[str]]:
    """The union of (characters, categories) pairs."""
    chars: set[str] = set()
    cats: set[str] = set()
    for c, k in sets:
        chars |= c
        cats |= k
    return chars, cats


class _LineStart(Exception):
    """A (?m)^ pattern: UnionScan visits it at newlines."""


class _Unsupported(Exception):
    """A pattern UnionScan leaves to plain finditer."""
