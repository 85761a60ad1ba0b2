"""The periods a document's headings and paragraph openings set, as a writer in year W wrote them: a review
of W-1 ("2025年工作回顾", 过去一年), a term review summing up to W-1 (过去五年, “十四五”时期), targets for W
("2026年主要预期目标", a numbered section of an early-year report that names W)."""
from __future__ import annotations

import bisect
import re

from .context import DocumentContext
from .statement_words import cues as _cues
from .years import SINGLE_YEAR, year_value

OPENING_CHARS = 16       # characters of a paragraph's opening that set its period (过去一年，…)


class Periods:
    """period_at(pos): 'year', 'term', 'planned' or None for any position of one document."""

    def __init__(self, ctx: DocumentContext, writing_year: int | None, looks_back: bool):
        self.ctx, self.writing_year, self.looks_back = ctx, writing_year, looks_back
        self._markers, self._marker_starts = self._period_markers()

    def _period_markers(self) -> tuple[list[tuple[int, str | None, bool]], list[int]]:
        """(position, period, is a heading) where the text opens a period: 'year' (a review of W-1), 'term'
        (a review of several years ending W-1), 'planned' (targets for W) or None (a new top-level section)."""
        cues, text = _cues(), self.ctx.text
        markers = []
        for heading in self.ctx.headings:
            line = text[heading.start:heading.end].strip()
            period = period_of(line, whole=True)
            top = cues["top_heading"].match(line)
            if period is None and top and self.looks_back and self._names_writing_year(line):
                period = "planned"           # 三、2026年重点工作 in a report delivered early in 2026
            if period is not None or top:
                markers.append((heading.start, period, True))
        for m in re.finditer(r"(?:^|\n)[ \t\u3000]*([^\n]{1,%d})" % OPENING_CHARS, text):
            period = period_of(m.group(1), whole=False)
            if period is not None:
                markers.append((m.start(1), period, False))
        markers.sort()
        return markers, [m[0] for m in markers]

    def _names_writing_year(self, line: str) -> bool:
        w = self.writing_year
        return w is not None and any(year_value(m.group(1)) >= w for m in SINGLE_YEAR.finditer(line))

    def period_at(self, pos: int) -> str | None:
        """The period the text at pos is in: the last heading's, or a paragraph opening's within a section a
        look-back heading opened (in a news item, 五年来 sums up to the time of writing)."""
        index = bisect.bisect_right(self._marker_starts, pos) - 1
        period, section = None, None
        for marker_start, kind, heading in reversed(self._markers[:index + 1]):
            if heading:
                section = kind
                break
            if period is None:
                period = kind
        if section in ("year", "term"):
            return period or section
        if section == "planned":
            return section
        return "year" if self.looks_back and period is None else (period if self.looks_back else None)


def period_of(line: str, whole: bool) -> str | None:
    """The period a heading (whole line) or a paragraph opening sets, by its first cue."""
    cues = _cues()
    found = [(m.start(), kind) for kind, key in (("year", "lookback_year"), ("term", "lookback_term"))
             for m in [cues[key].search(line.replace("“", "").replace("”", ""))] if m]
    if whole:
        m = cues["planned_heading"].search(line)
        if m:
            found.append((m.start(), "planned"))
        year = re.search(r"(?:19|20)\d{2}年", line)
        if year and any(kind == "term" for _, kind in found):
            found.append((year.start(), "year"))   # 2025年和“十四五”时期工作回顾: the year comes first
    return min(found)[1] if found else None
