"""Where a figure sits in its document: sentence, clause and paragraph spans, and quoted or titled spans.

Built once per document and asked about every figure, so it keeps sentence bounds as plain int lists, finds
clause breaks per sentence (only sentences holding a figure are looked at) and builds paragraphs and headings
only when asked."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』\"]?|\n|$)")
# what ends a SENTENCE match: [。！？!?]+[”’」』"]?|\n, opening on one character class so that re skips ahead
_SENTENCE_END = re.compile(r"[。！？!?\n](?:(?<=[。！？!?])[。！？!?]*[”’」』\"]?)?")
CLAUSE_BREAK = "，,；;。！？!?：:\n"
SENTENCE_BREAK = "；;。！？!?\n"       # a clause that runs across commas
_HEADING_PUNCT = re.compile("[。；;！？，]")      # sentence punctuation: a line holding one is no heading
TITLE = re.compile(r"《[^《》\n]{0,80}》")
QUOTE = re.compile(r"“[^“”\n]{0,200}”")
_BREAK_PATTERNS: dict[str, re.Pattern] = {}


def _break_pattern(breaks: str) -> re.Pattern:
    pattern = _BREAK_PATTERNS.get(breaks)
    if pattern is None:
        pattern = _BREAK_PATTERNS[breaks] = re.compile("[" + re.escape(breaks) + "]")
    return pattern


@dataclass
class Span:
    start: int
    end: int


class Sentence:
    """A sentence holding figures: its bounds and clause breaks, found once, and the per-sentence results of
    later stages (year mentions, scope, …), which every figure of the sentence shares; None until asked."""
    __slots__ = ("index", "start", "end", "clause_breaks", "_long_breaks", "_text", "requirement", "years",
                 "scope", "anaphor", "heading_names", "citation", "partners", "classified")

    def __init__(self, index: int, start: int, end: int, clause_breaks: list[int], text: str):
        self.index, self.start, self.end = index, start, end
        self.clause_breaks, self._text, self._long_breaks = clause_breaks, text, None
        self.requirement: dict[tuple[int, int], bool] = {}       # by clause (start, end)
        self.years = self.scope = self.anaphor = self.heading_names = self.citation = self.partners = None
        self.classified: list[tuple] = []            # (kind, metric, subject) of its figures so far, in order

    @property
    def long_breaks(self) -> list[int]:
        """The clause breaks that are sentence-level breaks (；。！？), found when first asked: few figures
        need their long clause."""
        breaks = self._long_breaks
        if breaks is None:
            text = self._text
            breaks = self._long_breaks = [p for p in self.clause_breaks if text[p] in SENTENCE_BREAK]
        return breaks


class Site:
    """One figure's sentence and the clauses around it, computed once and shared by every later stage:
    clause = between clause breaks (commas too), long_clause = between sentence-level breaks (；。！？),
    after_end = where the clause that starts at the figure's end stops."""
    __slots__ = ("sentence", "sentence_index", "sentence_start", "sentence_end", "clause_start", "clause_end",
                 "after_end", "start", "end")

    def long_clause(self) -> tuple[int, int]:
        """(long_start, long_end): the figure's stretch between sentence-level breaks, within its sentence."""
        long = self.sentence.long_breaks
        i = bisect.bisect_left(long, self.start)
        j = bisect.bisect_left(long, self.end, i)
        return (long[i - 1] + 1 if i else self.sentence_start,
                long[j] if j < len(long) else self.sentence_end)


class DocumentContext:
    """Sentence and paragraph lookup for one normalised text (built once per document)."""

    def __init__(self, text: str):
        self.text = text
        # SENTENCE matches back to back from 0, each running to the first run of sentence ends (and a closing
        # quote) or line break: so the sentence ends are where those end, and the end of a text that does not
        # end with one.
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        if text and (not ends or ends[-1] < len(text)):
            ends.append(len(text))
        self._sentence_ends = ends
        self._sentence_starts = [0, *ends[:-1]] if ends else []
        self._sentences: list[Span] | None = None
        self._paragraphs: list[Span] | None = None
        self._headings: list[Span] | None = None
        self._sentence_breaks: dict[int, Sentence] = {}
        self._last: Sentence | None = None       # figures come in text order: mostly the same sentence again
        self._last_paragraph = (1, 0)            # none yet
        self.entity_paragraphs: dict[int, bool] = {}   # classify: does the paragraph (by start) open on an entity
        self.case_headings: dict[int, bool] = {}       # classify: is the heading (by start) a case study's
        self.titles = [Span(m.start(), m.end()) for m in TITLE.finditer(text)]
        self.quotes = [Span(m.start(), m.end()) for m in QUOTE.finditer(text)]
        self._title_starts = [t.start for t in self.titles]
        self._quote_starts = [q.start for q in self.quotes]

    @property
    def sentences(self) -> list[Span]:
        if self._sentences is None:
            self._sentences = [Span(s, e) for s, e in zip(self._sentence_starts, self._sentence_ends)]
        return self._sentences

    @property
    def paragraphs(self) -> list[Span]:
        """Every line, as a span (a paragraph is one line of the normalised text)."""
        if self._paragraphs is None:
            self._paragraphs, pos = [], 0
            for line in self.text.split("\n"):
                self._paragraphs.append(Span(pos, pos + len(line)))
                pos += len(line) + 1
            self._paragraph_starts = [p.start for p in self._paragraphs]
        return self._paragraphs

    @property
    def headings(self) -> list[Span]:
        """Section headings: short lines without sentence punctuation."""
        if self._headings is None:
            text = self.text
            # (a line of more than 30 characters is a heading only if stripping brings it to 30: slice it then)
            self._headings = [p for p in self.paragraphs if p.end > p.start
                              and (p.end - p.start <= 30 or len(text[p.start:p.end].strip()) <= 30)
                              and self._is_heading(text[p.start:p.end])]
            self._heading_starts = [h.start for h in self._headings]
        return self._headings

    @staticmethod
    def _is_heading(line: str) -> bool:
        line = line.strip()
        return bool(line) and len(line) <= 30 and not _HEADING_PUNCT.search(line)

    def heading_above(self, pos: int) -> Span | None:
        """The nearest section heading (a short line without sentence punctuation) at or before pos."""
        index = self.heading_index(pos)
        return self.headings[index] if index >= 0 else None

    def heading_index(self, pos: int) -> int:
        """Index into headings of the heading at or before pos, -1 when there is none."""
        self.headings                                    # (builds _heading_starts once)
        return bisect.bisect_right(self._heading_starts, pos) - 1

    def sentence_index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._sentence_starts, pos) - 1)

    def sentence(self, pos: int) -> Span:
        index = self.sentence_index(pos)
        return Span(self._sentence_starts[index], self._sentence_ends[index])

    def sentence_bounds(self, index: int) -> tuple[int, int]:
        return self._sentence_starts[index], self._sentence_ends[index]

    def paragraph_index(self, pos: int) -> int:
        self.paragraphs                                  # (builds _paragraph_starts once)
        return max(0, bisect.bisect_right(self._paragraph_starts, pos) - 1)

    def paragraph_at(self, pos: int) -> tuple[int, int]:
        """(start, end) of the line holding pos. The line last asked about is kept: the sentences of a long
        paragraph are asked about in turn, and each search runs to the ends of the line."""
        start, end = self._last_paragraph
        if start <= pos <= end:
            return start, end
        end = self.text.find("\n", pos)
        self._last_paragraph = self.text.rfind("\n", 0, pos) + 1, end if end >= 0 else len(self.text)
        return self._last_paragraph

    def sentence_at(self, pos: int) -> Sentence:
        """The Sentence holding pos (made once per sentence)."""
        last = self._last
        if last is not None and last.start <= pos < last.end:
            return last
        index = max(0, bisect.bisect_right(self._sentence_starts, pos) - 1)
        sentence = self._sentence_breaks.get(index)
        if sentence is None:
            text = self.text
            start, end = self._sentence_starts[index], self._sentence_ends[index]
            clause = [m.start() for m in _break_pattern(CLAUSE_BREAK).finditer(text, start, end)]
            sentence = self._sentence_breaks[index] = Sentence(index, start, end, clause, text)
        self._last = sentence
        return sentence

    def _breaks_in(self, index: int) -> tuple[list[int], list[int]]:
        """Positions of the clause breaks and of the sentence-level breaks inside sentence index, found once."""
        sentence = self.sentence_at(self._sentence_starts[index])
        return sentence.clause_breaks, sentence.long_breaks

    def _clause_in(self, index: int, start: int, end: int, breaks: str) -> tuple[int, int]:
        """(start, end) between the nearest breaks around [start, end), within sentence index (which holds start).
        Only breaks inside the sentence matter: the clause is clipped to it."""
        if breaks == CLAUSE_BREAK:
            positions = self._breaks_in(index)[0]
        elif breaks == SENTENCE_BREAK:
            positions = self._breaks_in(index)[1]
        else:
            positions = [m.start() for m in _break_pattern(breaks).finditer(
                self.text, self._sentence_starts[index], self._sentence_ends[index])]
        i = bisect.bisect_left(positions, start)
        j = bisect.bisect_left(positions, end, i)
        return (positions[i - 1] + 1 if i else self._sentence_starts[index],
                positions[j] if j < len(positions) else self._sentence_ends[index])

    def clause(self, start: int, end: int, breaks: str = CLAUSE_BREAK) -> Span:
        """The stretch between the nearest clause breaks around [start, end) within the sentence."""
        return Span(*self._clause_in(self.sentence_index(start), start, end, breaks))

    def site(self, start: int, end: int) -> Site:
        """Sentence and clauses of the figure text[start:end] (the two _clause_in calls, inlined)."""
        site = Site()
        sentence = self._last
        if sentence is None or not sentence.start <= start < sentence.end:
            sentence = self.sentence_at(start)
        site.sentence = sentence
        site.sentence_index = sentence.index
        sentence_start = site.sentence_start = sentence.start
        sentence_end = site.sentence_end = sentence.end
        clause = sentence.clause_breaks
        i = bisect.bisect_left(clause, start)
        j = bisect.bisect_left(clause, end, i)
        site.clause_start = clause[i - 1] + 1 if i else sentence_start
        site.clause_end = clause[j] if j < len(clause) else sentence_end
        site.start, site.end = start, end        # for the long clause, worked out when asked
        if end < sentence_end:          # the clause after the figure ends where the figure's own clause does
            site.after_end = site.clause_end
        else:
            site.after_end = self._clause_in(self.sentence_index(end), end, end, CLAUSE_BREAK)[1]
        return site

    @staticmethod
    def _inside(spans: list[Span], starts: list[int], start: int, end: int, max_len: int | None = None) -> bool:
        """Whether [start, end) lies inside one of the (non-overlapping, ordered) spans."""
        i = bisect.bisect_left(starts, start) - 1
        if i < 0:
            return False
        span = spans[i]
        return end <= span.end and (max_len is None or span.end - span.start <= max_len)

    def in_name(self, start: int, end: int) -> bool:
        """in_title or in_short_quote (the check every quantity goes through, inlined)."""
        starts = self._title_starts
        if starts:
            i = bisect.bisect_left(starts, start) - 1
            if i >= 0 and end <= self.titles[i].end:
                return True
        starts = self._quote_starts
        if starts:
            i = bisect.bisect_left(starts, start) - 1
            if i >= 0:
                quote = self.quotes[i]
                return end <= quote.end and quote.end - quote.start <= 26
        return False

    def in_title(self, start: int, end: int) -> bool:
        return self._inside(self.titles, self._title_starts, start, end)

    def in_short_quote(self, start: int, end: int, max_len: int = 26) -> bool:
        return self._inside(self.quotes, self._quote_starts, start, end, max_len)
