"""Whose figure it is: the year it describes, the Xinjiang region and the aid partner it concerns."""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

from .context import DocumentContext
from .lexicon import _lines, load_partners, load_regions, partner_role_patterns

# a year the figure describes; "2016年以来" opens a period that runs to the report year, so it does not count
YEAR = re.compile(r"(?<![\d〔\[［(（﹝.比较])(?<!与)(?<!同)((?:19|20)\d{2}|[一二][〇零九][〇零一二三四五六七八九]{2})"
                  r"\s*(?:年(?!以来|来)|～|~|—|-|至)")
_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
RANGE_END = re.compile(r"\s*(?:[~～\-—–至到]\s*)?((?:19|20)\d{2})\s*年")
RELATIVE_YEAR = {"去年": -1, "上年": -1, "上一年": -1, "前年": -2, "今年": 0, "当年": 0, "本年": 0, "本年度": 0,
                 "明年": 1, "次年": 1}
# 比上年增加…, 同比: a comparison names the base year, not the year of the figure
RELATIVE = re.compile("(?<![比较与同])(?:" + "|".join(sorted(RELATIVE_YEAR, key=len, reverse=True)) + ")")
DATELINE_AFTER = re.compile(r"(?:市|州|地区)?\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:电|讯)")
EVENT_AFTER = re.compile(r"^[^，。；]{0,12}?(?:召开|举办|举行|开幕|闭幕|召集)")
COUNTERPARTY_BEFORE = ("和", "与", "同", "跟", "向")
# a place name opening a counterparty's company name (和昌吉吉福祥有限公司)
COMPANY_AFTER = re.compile(r"^[^，。；、]{0,12}?(?:有限公司|有限责任公司|公司|集团|厂)")
BENEFICIARY_BEFORE = re.compile(r"(?:受援地|对口支援|援助|支援|帮扶|落户|支持|用于|在)$")
ANAPHOR = re.compile(r"他的公司|她的公司|他们的公司|该公司|该企业|该单位|我公司|我们|我(?=要|的|公司|们)")
LOOKBACK_CHARS = 600


@lru_cache(maxsize=None)
def _region_regex() -> re.Pattern:
    parts = []
    for row in sorted(load_regions(), key=lambda r: -len(r["name"])):
        name = re.escape(row["name"])
        parts.append(f"{name}(?=县|市|镇|区|州|地区)" if row["needs_suffix"] else name)
    return re.compile("|".join(parts))


@lru_cache(maxsize=None)
def _region_of_name() -> dict[str, str]:
    return {r["name"]: r["region"] for r in load_regions()}


@lru_cache(maxsize=None)
def _exclusions() -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in _lines("region_exclusions.txt")))


@lru_cache(maxsize=None)
def _partner_regex() -> re.Pattern:
    return re.compile("|".join(re.escape(n) for n in sorted(load_partners(), key=len, reverse=True)))


class Attributor:
    """Region, partner and year lookups for one document; mentions are found once per document."""

    def __init__(self, ctx: DocumentContext, doc_year: int | None):
        self.ctx, self.doc_year = ctx, doc_year
        text = ctx.text
        excluded = [m.span() for m in _exclusions().finditer(text)]
        self.regions = []  # (start, end, region, usable)
        for m in _region_regex().finditer(text):
            if any(s <= m.start() < e for s, e in excluded):
                continue
            usable = not self._is_event_place(m) and not self._is_counterparty(m) and not ctx.in_title(m.start(), m.end())
            self.regions.append((m.start(), m.end(), _region_of_name()[m.group()], usable))
        self.partners = [(m.start(), m.end(), load_partners()[m.group()]) for m in _partner_regex().finditer(text)
                         if self._is_partner_role(m)]
        self.headings = self._headings()
        self._year_mentions: dict[int, list[tuple[int, int, str]]] = {}
        self._heading_starts = [h[0] for h in self.headings]
        self._region_starts = [r[0] for r in self.regions]
        self._partner_starts = [p[0] for p in self.partners]

    def _is_event_place(self, m: re.Match) -> bool:
        """在乌鲁木齐召开…, and a news dateline (本报乌鲁木齐8月20日讯): where something happened or was written."""
        text = self.ctx.text
        before = text[max(0, m.start() - 2):m.start()]
        if before.endswith("本报") or DATELINE_AFTER.match(text, m.end()):
            return True
        return "在" in before and bool(EVENT_AFTER.match(text[m.end():m.end() + 20]))

    def _is_counterparty(self, m: re.Match) -> bool:
        text = self.ctx.text
        return (m.start() > 0 and text[m.start() - 1] in COUNTERPARTY_BEFORE
                and bool(COMPANY_AFTER.match(text[m.end():m.end() + 16])))

    def _is_partner_role(self, m: re.Match) -> bool:
        text = self.ctx.text
        before = text[m.start() - 1] if m.start() else "\n"
        after = text[m.end():m.end() + 12]
        if re.match(r"^(?:省|市)?[0-9一二三四五六七八九十两]", after):
            return True                  # 其中北京1200万元、上海800万元: the partner's own figure
        if before == "、" or after.startswith("、") or before == "在":
            return False
        if before in "，,；;。！？\n" and re.match(r"^(?:省|市)(?![场民区级内外])", after):
            return True                  # 深圳市在喀什设立…: the province or city opens the clause as its subject
        return any(p.match(after) for p in partner_role_patterns())

    def _headings(self) -> list[tuple[int, str | None, str | None]]:
        """(start, region, partner) of section headings; a heading naming one place covers its section."""
        found = []
        for para in self.ctx.headings:
            line = self.ctx.text[para.start:para.end].strip()
            lo = bisect.bisect_left([r[0] for r in self.regions], para.start)
            mentions = [r for r in self.regions[lo:] if r[0] < para.end]
            if any(not r[3] for r in mentions):
                found.append((para.start, None, None))   # 科洽会在乌鲁木齐开幕: the heading names an event
                continue
            regions = {r[2] for r in mentions}
            partners = {load_partners()[m.group()] for m in _partner_regex().finditer(line)}
            found.append((para.start, next(iter(regions)) if len(regions) == 1 else None,
                          next(iter(partners)) if len(partners) == 1 else None))
        return found

    def _partners_between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        lo = bisect.bisect_left(self._partner_starts, start)
        hi = bisect.bisect_left(self._partner_starts, end)
        return self.partners[lo:hi]

    def heading_names(self, start: int) -> tuple[str | None, str | None]:
        """Region and partner of the section heading above start (only the nearest heading counts)."""
        index = bisect.bisect_right(self._heading_starts, start) - 1
        if index < 0:
            return None, None
        return self.headings[index][1], self.headings[index][2]

    @staticmethod
    def names_in(label: str) -> tuple[str | None, str | None]:
        """Region and partner named in a table row label (喀什地区, 北京市)."""
        region = _region_regex().search(label)
        partner = _partner_regex().search(label)
        return (_region_of_name()[region.group()] if region else None,
                load_partners()[partner.group()] if partner else None)

    def year(self, start: int) -> tuple[int | None, str]:
        """Nearest year stated before the figure in its sentence (outside titles), else the document year."""
        index = self.ctx.sentence_index(start)
        mentions = self._year_mentions.get(index)
        if mentions is None:
            mentions = self._year_mentions[index] = self._sentence_years(self.ctx.sentences[index])
        best = None
        for position, year, source in mentions:
            if position > start:
                break
            best = (year, source)
        return best if best else (self.doc_year, "document")

    def _sentence_years(self, sentence) -> list[tuple[int, int, str]]:
        """(position, year, source) of every year stated in a sentence, in order of position."""
        text = self.ctx.text
        found = []
        for m in YEAR.finditer(text, sentence.start, sentence.end):
            if self.ctx.in_title(m.start(), m.end()):
                continue
            year = int(m.group(1).translate(_CN_YEAR_DIGITS))
            span = RANGE_END.match(text, m.end())
            if span:                     # 2018—2020年: the report year when it falls inside, else the first year
                last = int(span.group(1))
                year = self.doc_year if self.doc_year and year <= self.doc_year <= last else year
                found.append((span.end() - 1, year, "sentence"))
            else:
                found.append((m.start(), year, "sentence"))
        if self.doc_year is not None:
            for m in RELATIVE.finditer(text, sentence.start, sentence.end):
                found.append((m.start(), self.doc_year + RELATIVE_YEAR[m.group()], "relative"))
        found.sort()
        return found

    def region(self, start: int, end: int) -> str | None:
        ctx, text = self.ctx, self.ctx.text
        sentence = ctx.sentence(start)
        comma_clause = ctx.clause(start, end)
        clause = ctx.clause(start, end, breaks="；;。！？!?\n")
        # a clause that opens with the figure has its own subject (兵团编制了…，七个创新园编制了…)
        opens_clause = start - comma_clause.start <= 6 and not re.sub(
            r"^(?:其中|共|有|另有|还有|目前|全区|全疆)", "", text[comma_clause.start:start]).strip()
        floor = comma_clause.start if opens_clause else sentence.start
        for r_start, r_end, region, usable in reversed(self.regions):
            if r_start >= start or r_start < floor:
                continue
            between = text[r_end:start]
            if usable and not (between.endswith("等") and not re.search(r"[与和就在对向同]", between)):
                return region
        lo = bisect.bisect_left(self._region_starts, end)
        hi = bisect.bisect_left(self._region_starts, clause.end)
        for r_start, r_end, region, usable in self.regions[lo:hi]:
            if usable and (
                    r_start < comma_clause.end or BENEFICIARY_BEFORE.search(text[max(0, r_start - 4):r_start])):
                return region
        anaphors = ctx.memo.setdefault("anaphor", {})
        if sentence.start not in anaphors:
            anaphors[sentence.start] = ANAPHOR.search(text, sentence.start, sentence.end) is not None
        if anaphors[sentence.start]:
            lo = bisect.bisect_left(self._region_starts, max(0, sentence.start - LOOKBACK_CHARS))
            hi = bisect.bisect_left(self._region_starts, sentence.start)
            earlier = [r for r in self.regions[lo:hi] if r[3]]
            if earlier:
                return earlier[-1][2]
        return self.heading_names(start)[0]

    def partner(self, start: int, end: int) -> str | None:
        sentence = self.ctx.sentence(start)
        clause = self.ctx.clause(start, end, breaks="；;。！？!?\n")
        inside = self._partners_between(clause.start, clause.end) or self._partners_between(sentence.start, sentence.end)
        before = [p for p in inside if p[0] < start]
        return before[-1][2] if before else self.heading_names(start)[1]
