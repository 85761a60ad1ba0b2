"""The year a figure describes: the nearest year stated before it in its sentence (outside titles; 去年 and
2018—2020年 resolved against the document year; 比上年 and 2016年以来 ignored), else the document year."""
from __future__ import annotations

import re

from .context import DocumentContext, Site
from .lexicon import word_numbers
from .years import ARABIC_YEAR, YEAR_DIGITS, year_value

# a year the figure describes; "2016年以来" opens a period that runs to the report year, so it does not count
_YEAR_AS_TIME = rf"({YEAR_DIGITS})\s*(?:年(?!以来|来)|～|~|—|-|至)"
YEAR = re.compile(rf"(?<![\d〔\[［(（﹝.比较])(?<!与)(?<!同){_YEAR_AS_TIME}")
RANGE_END = re.compile(rf"\s*(?:[~～\-—–至到]\s*)?({ARABIC_YEAR})\s*年")
RELATIVE_YEAR = word_numbers("figure_year_words.yaml", "relative_years")
# 比上年增加…, 同比: a comparison names the base year, not the year of the figure
_RELATIVE_WORDS = "(?:" + "|".join(sorted(RELATIVE_YEAR, key=len, reverse=True)) + ")"     # longest first
RELATIVE = re.compile("(?<![比较与同])" + _RELATIVE_WORDS)
# YEAR and RELATIVE without their leading look-behinds, which keep re from skipping ahead to a candidate's first
# character; the look-behinds are checked on the character before each match instead. No match can start
# inside a rejected one (a year's digits run into its 年/～, a relative word's second character opens none),
# so the two find the same matches. (Each alternative of YEAR_DIGITS opens on one character, so re skips
# ahead to the candidates.)
_YEAR_BODY = re.compile(_YEAR_AS_TIME)
_YEAR_NOT_AFTER = re.compile(r"[\d〔\[［(（﹝.比较与同]")
_RELATIVE_BODY = re.compile(_RELATIVE_WORDS)
_RELATIVE_NOT_AFTER = re.compile("[比较与同]")
# a character every relative year word holds (年): a sentence without it has none
_RELATIVE_CHAR = "年" if all("年" in word for word in RELATIVE_YEAR) else ""


class FigureYears:
    """Year lookups for one document; a sentence's years are found once, when first asked."""

    def __init__(self, ctx: DocumentContext, doc_year: int | None):
        self.ctx, self.doc_year = ctx, doc_year

    def year(self, start: int, site: Site | None = None) -> tuple[int | None, str]:
        """Nearest year stated before the figure in its sentence (outside titles), else the document year."""
        sentence = self.ctx.sentence_at(start) if site is None else site.sentence
        mentions = sentence.years
        if mentions is None:
            mentions = sentence.years = self._sentence_years(sentence.start, sentence.end)
        best = None
        for mention in mentions:
            if mention[0] > start:
                break
            best = mention
        return (best[1], best[2]) if best else (self.doc_year, "document")

    def _sentence_years(self, sentence_start: int, sentence_end: int) -> list[tuple[int, int, str]]:
        """(position, year, source) of every year stated in a sentence, in order of position."""
        text = self.ctx.text
        found = []
        for m in _YEAR_BODY.finditer(text, sentence_start, sentence_end):
            if m.start() and _YEAR_NOT_AFTER.match(text, m.start() - 1):
                continue                 # what YEAR's look-behinds reject
            if self.ctx.in_title(m.start(), m.end()):
                continue
            year = year_value(m.group(1))
            span = RANGE_END.match(text, m.end())
            if span:                     # 2018—2020年: the report year when it falls inside, else the first year
                last = int(span.group(1))
                year = self.doc_year if self.doc_year and year <= self.doc_year <= last else year
                found.append((span.end() - 1, year, "sentence"))
            else:
                found.append((m.start(), year, "sentence"))
        if self.doc_year is not None and text.find(_RELATIVE_CHAR, sentence_start, sentence_end) >= 0:
            for m in _RELATIVE_BODY.finditer(text, sentence_start, sentence_end):
                if m.start() and _RELATIVE_NOT_AFTER.match(text, m.start() - 1):
                    continue
                found.append((m.start(), self.doc_year + RELATIVE_YEAR[m.group()], "relative"))
        found.sort()
        return found
