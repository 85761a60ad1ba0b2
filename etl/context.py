"""Where a figure sits in its document: sentence, clause and paragraph spans, and quoted or titled spans."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』\"]?|\n|$)")
CLAUSE_BREAK = "，,；;。！？!?：:\n"
TITLE = re.compile(r"《[^《》\n]{0,80}》")
QUOTE = re.compile(r"“[^“”\n]{0,200}”")


@dataclass
class Span:
    start: int
    end: int


class DocumentContext:
    """Sentence and paragraph lookup for one normalised text (built once per document)."""

    def __init__(self, text: str):
        self.text = text
        self.sentences = [Span(m.start(), m.end()) for m in SENTENCE.finditer(text) if m.end() > m.start()]
        self._sentence_starts = [s.start for s in self.sentences]
        self.paragraphs = []
        pos = 0
        for line in text.split("\n"):
            self.paragraphs.append(Span(pos, pos + len(line)))
            pos += len(line) + 1
        self._paragraph_starts = [p.start for p in self.paragraphs]
        self._breaks: dict[str, list[int]] = {}
        self._clauses: dict[tuple, Span] = {}
        self.memo: dict[str, dict] = {}      # per-sentence results of later stages, computed once
        self.titles = [Span(m.start(), m.end()) for m in TITLE.finditer(text)]
        self.quotes = [Span(m.start(), m.end()) for m in QUOTE.finditer(text)]
        self.headings = [p for p in self.paragraphs if self._is_heading(text[p.start:p.end])]
        self._heading_starts = [h.start for h in self.headings]
        self._title_starts = [t.start for t in self.titles]
        self._quote_starts = [q.start for q in self.quotes]

    @staticmethod
    def _is_heading(line: str) -> bool:
        line = line.strip()
        return bool(line) and len(line) <= 30 and not any(ch in line for ch in "。；;！？，")

    def heading_above(self, pos: int) -> Span | None:
        """The nearest section heading (a short line without sentence punctuation) at or before pos."""
        index = bisect.bisect_right(self._heading_starts, pos) - 1
        return self.headings[index] if index >= 0 else None

    def sentence_index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._sentence_starts, pos) - 1)

    def sentence(self, pos: int) -> Span:
        return self.sentences[self.sentence_index(pos)]

    def paragraph_index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._paragraph_starts, pos) - 1)

    def clause(self, start: int, end: int, breaks: str = CLAUSE_BREAK) -> Span:
        """The stretch between the nearest clause breaks around [start, end) within the sentence."""
        key = (start, end, breaks)
        cached = self._clauses.get(key)
        if cached is not None:
            return cached
        self._clauses[key] = span = self._clause(start, end, breaks)
        return span

    def _clause(self, start: int, end: int, breaks: str) -> Span:
        sent = self.sentence(start)
        positions = self._breaks.get(breaks)
        if positions is None:
            pattern = re.compile("[" + re.escape(breaks) + "]")
            positions = self._breaks[breaks] = [m.start() for m in pattern.finditer(self.text)]
        i = bisect.bisect_left(positions, start)
        left = positions[i - 1] + 1 if i > 0 else 0
        j = bisect.bisect_left(positions, end)
        right = positions[j] if j < len(positions) else len(self.text)
        return Span(max(left, sent.start), min(right, sent.end))

    @staticmethod
    def _inside(spans: list[Span], starts: list[int], start: int, end: int, max_len: int | None = None) -> bool:
        """Whether [start, end) lies inside one of the (non-overlapping, ordered) spans."""
        i = bisect.bisect_left(starts, start) - 1
        if i < 0:
            return False
        span = spans[i]
        return end <= span.end and (max_len is None or span.end - span.start <= max_len)

    def in_title(self, start: int, end: int) -> bool:
        return self._inside(self.titles, self._title_starts, start, end)

    def in_short_quote(self, start: int, end: int, max_len: int = 26) -> bool:
        return self._inside(self.quotes, self._quote_starts, start, end, max_len)
