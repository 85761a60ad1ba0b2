"""Where a figure sits in its document: sentence, clause and paragraph spans, and quoted or titled spans.

Built once per document and asked about every figure. Most of a text holds no figure, so sentences, their
clause breaks, titles and quotes are found around the positions asked about, not for the whole text; headings
are found when first asked."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .lexicon import title_skip_regex

SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』\"]?|\n|$)")
# what ends a SENTENCE match: [。！？!?]+[”’」』"]?|\n, opening on one character class so that re skips ahead
_SENTENCE_END = re.compile(r"[。！？!?\n](?:(?<=[。！？!?])[。！？!?]*[”’」』\"]?)?")
_RUN, _CLOSING = "。！？!?", "”’」』\""
_END_CHAR = re.compile("[。！？!?\n]")
CLAUSE_BREAK = "，,；;。！？!?：:\n"
SENTENCE_BREAK = "；;。！？!?\n"       # a clause that runs across commas
_HEADING_PUNCT = re.compile("[。；;！？，]")      # sentence punctuation: a line holding one is no heading
# a line (after a line break) without it; possessive, so a line stops being tried at its first punctuation
_UNPUNCTUATED_LINE = re.compile("\n([^\n。；;！？，]++)(?![^\n])")
TITLE = re.compile(r"《[^《》\n]{0,80}》")
TITLE_MAX = 82                      # characters of the longest TITLE
HEAD_LINES = 6            # the headline, subtitle, dateline and lead are within the first lines
HEAD_CHARS = 600
LEAD_CHARS = 40
_TABLE_GAP = re.compile(r"\t| {2,}|\u3000{2,}")           # a line of running text this long is the lead
_NUMBERED = re.compile(r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十\d]{1,3}[)）]|第[一二三四五六七八九十\d]{1,3}[章节篇])")
QUOTE = re.compile(r"“[^“”\n]{0,200}”")
_CLAUSE_BREAK = re.compile("[" + re.escape(CLAUSE_BREAK) + "]")
_LONG_BREAK = re.compile("[" + re.escape(SENTENCE_BREAK) + "]")


@dataclass
class Span:
    start: int
    end: int


class Sentence:
    """A sentence holding figures: its bounds, and the per-sentence results of later stages (year mentions,
    scope, …), which every figure of the sentence shares; None until asked."""
    __slots__ = ("start", "end", "requirement", "years", "scope", "mentions", "fallback_region",
                 "heading_names", "citation", "partners", "classified")

    def __init__(self, start: int, end: int):
        self.start, self.end = start, end
        self.requirement: dict[tuple[int, int], bool] = {}       # by clause (start, end)
        self.years = self.scope = self.mentions = self.fallback_region = self.heading_names = None
        self.citation = self.partners = None
        self.classified: list[tuple] = []            # (kind, metric, subject) of its figures so far, in order


class Site:
    """One figure's sentence and the clauses around it, computed once and shared by every later stage:
    clause = between clause breaks (commas too), long_clause = between sentence-level breaks (；。！？),
    after_end = where the clause that starts at the figure's end stops."""
    __slots__ = ("sentence", "sentence_start", "sentence_end", "clause_start", "clause_end",
                 "after_end", "start", "end", "ctx")

    def long_clause(self) -> tuple[int, int]:
        """(long_start, long_end): the figure's stretch between sentence-level breaks, within its sentence."""
        return self.ctx.clause_around(self.start, self.end, self.sentence_start, self.sentence_end, _LONG_BREAK)


class DocumentContext:
    """Sentence and paragraph lookup for one normalised text (built once per document).

    Titles and quotes are looked up around the position asked about: neither holds its own opening mark, so
    the last one opened before a position is the only one that can hold it (and TITLE and QUOTE matched there
    are the matches a scan of the whole text finds)."""

    def __init__(self, text: str):
        self.text = text
        self._headings: list[Span] | None = None
        self._head_end: int | None = None
        self._sentences: dict[int, Sentence] = {}    # by start
        self._last: Sentence | None = None       # figures come in text order: mostly the same sentence again
        self._reversed: str | None = None        # the text backwards, to search back from a position
        self._last_paragraph = (1, 0)            # none yet
        self.entity_paragraphs: dict[int, bool] = {}   # classify: does the paragraph (by start) open on an entity
        self.case_headings: dict[int, bool] = {}       # classify: is the heading (by start) a case study's

    @property
    def headings(self) -> list[Span]:
        """Section headings: short lines without sentence punctuation. Only the lines after a line break that
        hold no such punctuation are looked at (one regex pass; most lines are sentences), then the first."""
        if self._headings is None:
            text = self.text
            first = text.find("\n")
            headings = [Span(0, len(text) if first < 0 else first)]
            if not self._is_heading(text[:headings[0].end]):
                headings.clear()
            for m in _UNPUNCTUATED_LINE.finditer(text):
                start, end = m.span(1)
                if 0 < len(text[start:end].strip()) <= 30:
                    headings.append(Span(start, end))
            self._headings = headings
            self._heading_starts = [h.start for h in headings]
        return self._headings

    @property
    def headline_lines(self) -> list[tuple[int, int]]:
        """The head's lines that are headings (headline, subtitle): short, without sentence punctuation, and no
        table row (cells apart by tabs or runs of spaces)."""
        return [(start, end) for start, end in self.head_lines if self._is_heading(self.text[start:end])
                and not _TABLE_GAP.search(self.text, start, end)]

    @property
    def head_lines(self) -> list[tuple[int, int]]:
        """(start, end) of the head's lines that are not furniture (see head_end)."""
        self.head_end
        return self._head_lines

    @property
    def head_end(self) -> int:
        """End of the document's head: its headline, subtitle, dateline and lead, that is the lines up to the
        first paragraph of running text (at most HEAD_LINES lines, HEAD_CHARS characters), never past a
        numbered section heading (一、, （一）, 第九章). Headings inside it are the headline's, not a section's."""
        if self._head_end is None:
            text, end, lines = self.text, 0, 0
            furniture = title_skip_regex()
            self._head_lines = []
            while lines < HEAD_LINES and end < len(text):
                nxt = text.find("\n", end)
                nxt = len(text) if nxt < 0 else nxt
                line_start, line = end, text[end:nxt].strip()
                if _NUMBERED.match(line) or end >= HEAD_CHARS:
                    break
                end = min(nxt + 1, len(text))
                if not line or furniture.match(line):
                    continue             # site navigation, bylines: not counted
                lines += 1
                self._head_lines.append((line_start, nxt))
                if len(line) >= LEAD_CHARS and _HEADING_PUNCT.search(line):
                    break                # the lead
            self._head_end = end
        return self._head_end

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

    def sentence_bounds(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding pos; the end of the text is in the last sentence.

        SENTENCE matches back to back from 0, each running to the first run of sentence ends (and a closing
        quote) or line break: so the sentence ends are where those end, and the end of a text that does not
        end with one. Such an end opens on the first character of its run, so outside an end, the sentence
        starts after the nearest end character before pos (and the closing quote after it) and ends where the
        next end after pos does. A position inside an end is moved to where that end opens."""
        text = self.text
        if pos >= len(text):
            pos = len(text) - 1
        if pos and text[pos] in _CLOSING and text[pos - 1] in _RUN:
            pos -= 1
        while pos and text[pos] in _RUN and text[pos - 1] in _RUN:
            pos -= 1
        if self._reversed is None:
            self._reversed = text[::-1]
        last = len(text) - 1
        before = _END_CHAR.search(self._reversed, last - pos + 1)     # backwards from pos - 1
        if before is None:
            start = 0
        else:
            start = last - before.start() + 1
            if text[start - 1] != "\n" and text[start] in _CLOSING:
                start += 1
        after = _SENTENCE_END.search(text, pos)
        return start, after.end() if after else len(text)

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
        start, end = self.sentence_bounds(pos)
        sentence = self._sentences.get(start)
        if sentence is None:
            sentence = self._sentences[start] = Sentence(start, end)
        self._last = sentence
        return sentence

    def clause_around(self, start: int, end: int, lo: int, hi: int, breaks: re.Pattern) -> tuple[int, int]:
        """(start, end) of the stretch between the nearest breaks before start and from end on, within
        text[lo:hi]: a search back (in the reversed text) and one ahead, over the clause alone."""
        text = self.text
        if self._reversed is None:
            self._reversed = text[::-1]
        n = len(text)
        before = breaks.search(self._reversed, n - start, n - lo)
        after = breaks.search(text, end, hi)
        return n - before.start() if before else lo, after.start() if after else hi

    def site(self, start: int, end: int) -> Site:
        """Sentence and clauses of the figure text[start:end]."""
        site = Site()
        sentence = self._last
        if sentence is None or not sentence.start <= start < sentence.end:
            sentence = self.sentence_at(start)
        site.sentence, site.ctx = sentence, self
        sentence_start = site.sentence_start = sentence.start
        sentence_end = site.sentence_end = sentence.end
        text, reverse = self.text, self._reversed     # (clause_around, inlined)
        if reverse is None:
            reverse = self._reversed = text[::-1]
        n = len(text)
        before = _CLAUSE_BREAK.search(reverse, n - start, n - sentence_start)
        site.clause_start = n - before.start() if before else sentence_start
        after = _CLAUSE_BREAK.search(text, end, sentence_end)
        clause_end = site.clause_end = after.start() if after else sentence_end
        site.start, site.end = start, end        # for the long clause, worked out when asked
        if end < sentence_end:          # the clause after the figure ends where the figure's own clause does
            site.after_end = clause_end
        else:                           # (the end of the first clause of the sentence holding end)
            after_start, after_end = self.sentence_bounds(end)
            first = _CLAUSE_BREAK.search(text, max(after_start, end), after_end)
            site.after_end = first.start() if first else after_end
        return site

    def in_name(self, start: int, end: int) -> bool:
        """in_title or in_short_quote (the check every quantity goes through, inlined)."""
        text = self.text
        opened = text.rfind("《", end - TITLE_MAX if end > TITLE_MAX else 0, start)
        if opened >= 0:
            title = TITLE.match(text, opened)
            if title is not None and end <= title.end():
                return True
        opened = text.rfind("“", end - 26 if end > 26 else 0, start)
        if opened < 0:
            return False
        quote = QUOTE.match(text, opened)
        return quote is not None and end <= quote.end() <= opened + 26

    def in_title(self, start: int, end: int) -> bool:
        """Whether [start, end) lies inside the last title opened before start."""
        opened = self.text.rfind("《", max(0, end - TITLE_MAX), start)
        if opened < 0:
            return False
        title = TITLE.match(self.text, opened)
        return title is not None and end <= title.end()

    def in_short_quote(self, start: int, end: int, max_len: int = 26) -> bool:
        """Whether [start, end) lies inside the last quote opened before start, of at most max_len characters."""
        opened = self.text.rfind("“", max(0, end - max_len), start)
        if opened < 0:
            return False
        quote = QUOTE.match(self.text, opened)
        return quote is not None and end <= quote.end() and quote.end() - opened <= max_len
