"""Many regexes over one text in one pass: `spans(patterns, text)` is
`[[m.span() for m in p.finditer(text)] for p in patterns]`, found by one combined regex instead of one pass per
pattern (the non-figure patterns of lexicons/nonfigures.yaml and the numeral words, ~30 of them, scanned over
every document). What the parsed patterns say (etl/regex_shape.py, which reads re's private parser) decides
where the combined regex looks; if the parser ever changes shape, every pattern is simply run on its own,
with the same spans. tests/test_regex_union.py holds the equivalence tests."""
from __future__ import annotations

import re
from functools import lru_cache

from . import regex_shape
from .charclass import class_body, digit_class
from .regex_shape import CATEGORIES
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

    def __init__(self, patterns: list[re.Pattern], combine: bool = True):
        self.patterns = patterns
        firsts: dict[int, tuple[set[str], set[str]]] = {}
        self.line_start: list[int] = []
        for i, pattern in enumerate(patterns if combine else []):
            try:
                firsts[i] = regex_shape.first_chars(pattern)
            except regex_shape.LineStart:
                firsts[i] = ({"\n"}, set())
                self.line_start.append(i)
            except regex_shape.Unsupported:
                pass
        self.plain = [i for i in range(len(patterns)) if i not in firsts]
        self.regex, self.members = self._combine(firsts) if firsts else (None, {})

    # -- one regex for all ------------------------------------------------------------------------------------
    def _combine(self, firsts: dict[int, tuple[set[str], set[str]]]) -> tuple[re.Pattern, dict]:
        category_re = {name: re.compile(f"[{cls}]") for name, cls in CATEGORIES.items()}

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
        for name, cls in CATEGORIES.items():
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
                    first, nullable, _, _ = regex_shape.shape(regex_shape.parsed(pattern))
                    if nullable:
                        return None
                    sets.append(first)
                else:
                    sets.append(regex_shape.second_chars(self.patterns[i]))
            except regex_shape.Unsupported:
                return None
        chars, cats = regex_shape.union(sets)
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
    return [items if regex_shape.parses_as(items) else ["".join(items)] for items in alternatives]


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
