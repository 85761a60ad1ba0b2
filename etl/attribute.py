"""Whose figure it is: the Xinjiang region and the aid partner it concerns (the year: etl/figure_year.py)."""
from __future__ import annotations

import bisect
import re

from .context import DocumentContext, Sentence, Site
from .figure_year import FigureYears
from .lexicon import alternatives, load_partners, partner_role_patterns, words
from .place_names import (aid_command, aid_regions, any_name_regex, exclusions, partner_regex, partners_in_lines,
                          region_of_name, region_regex, sentence_local)

_WORDS = "attribute_words.yaml"        # the word lists: lexicons/attribute_words.yaml
DATELINE_AFTER = re.compile(r"(?:市|州|地区)?\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:电|讯)")
EVENT_BEFORE = re.compile(r"在(?:新疆)?.?$")
EVENT_AFTER = re.compile(rf"^[^，。；]{{0,12}}?(?:{'|'.join(words(_WORDS, 'event_after'))})")
COUNTERPARTY_BEFORE = words(_WORDS, "counterparty_before")
# a place name opening a counterparty's company name (和昌吉吉福祥有限公司)
COMPANY_AFTER = re.compile(rf"^[^，。；、]{{0,12}}?(?:{'|'.join(words(_WORDS, 'company_after'))})")
BENEFICIARY_BEFORE = re.compile(rf"(?:{'|'.join(words(_WORDS, 'beneficiary_before'))})$")
ANAPHOR = re.compile(alternatives(_WORDS, "anaphor"))
LOOKBACK_CHARS = 600
CLAUSE_OPENER = re.compile(rf"^(?:{'|'.join(words(_WORDS, 'clause_opener'))})")
LINKING = re.compile(r"[与和就在对向同]")
OWN_FIGURE_AFTER = re.compile(r"^(?:省|市)?[0-9一二三四五六七八九十两]")
SUBJECT_AFTER = re.compile(r"^(?:省|市)(?![场民区级内外])")


# a place joined to the next by 和/、/及/与 (its own suffix skipped), or to the one before
_JOINED = "|".join(words(_WORDS, "coordinators"))
PLACE_SUFFIXES = ("", *words(_WORDS, "place_suffixes"))
COORDINATED_AFTER = re.compile(f"(?:{'|'.join(PLACE_SUFFIXES[1:])})?(?:{_JOINED})")
COORDINATED_BEFORE = re.compile(f"(?:{_JOINED})$")
COORDINATION_WINDOW = 60
QUALIFIER = re.compile("|".join(words(_WORDS, "qualifier")))        # 新疆生产建设兵团, 新疆巴州: part of the next name
QUALIFIER_END = re.compile(f"(?:{QUALIFIER.pattern})$")
WHOLE_REGION = re.compile("|".join(words(_WORDS, "whole_region")))
WHOLE_REGION_END = re.compile(f"(?:{WHOLE_REGION.pattern})$")


class Attributor:
    """Region, partner and year lookups for one document.

    Most of a text holds no figure, so region and partner mentions are found sentence by sentence, for the
    sentences asked about (or, when a name could run across a sentence end, once in the whole text). Whether
    a region mention is usable and whether a partner mention names the partner in its role are decided when
    first asked, and kept by the mention's start."""

    def __init__(self, ctx: DocumentContext, doc_year: int | None):
        self.ctx, self.doc_year = ctx, doc_year
        self.year = FigureYears(ctx, doc_year).year                # year(start, site) -> (year, year_source)
        self._local = sentence_local()
        self._by_sentence: dict[int, tuple[list, list]] = {}     # by sentence start
        self._usable: dict[int, bool] = {}                     # by region mention start
        self._partner_role: dict[int, bool] = {}               # by partner mention start
        self._heading_names: dict[int, tuple[str | None, str | None]] = {}   # by heading index, built when asked
        self._index: tuple | None = None       # the whole text's mentions: for the discourse, and when not _local
        self._coordinated: dict[int, bool] = {}                 # by region mention start

    def _find(self, start: int, end: int) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        """(region mentions, partner mentions) that start in text[start:end], as (start, end, name); start is
        where a sentence starts and end where one ends or a line break stands (no suffix there)."""
        if not self._local:
            return self._mentions_between(start, end)
        return self._scan(start, end)

    def _scan(self, start: int, end: int) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        text = self.ctx.text
        first = any_name_regex().search(text, start, end)
        if first is None:
            return [], []                # most sentences name neither: one pass instead of two
        # neither list has a name before the first of the union: their scans start there
        first = first.start()
        region_by_name = region_of_name()
        regions = [(m.start(), m.end(), region_by_name[m.group()]) for m in region_regex().finditer(text, first, end)]
        partners = [(m.start(), m.end(), load_partners()[m.group()]) for m in partner_regex().finditer(text, first, end)]
        if regions or partners:          # drop the mentions that start inside an excluded phrase (和田园, 巴丹吉林)
            excluded = [m.span() for m in exclusions().finditer(text, start, end)]
            if excluded:
                regions = [r for r in regions if not any(x_start <= r[0] < x_end for x_start, x_end in excluded)]
                partners = [p for p in partners if not any(x_start <= p[0] < x_end for x_start, x_end in excluded)]
        return regions, partners

    def _sentence_mentions(self, start: int, end: int) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        """_find for the sentence text[start:end], kept by its start."""
        found = self._by_sentence.get(start)
        if found is None:
            found = self._by_sentence[start] = self._find(start, end)
        return found

    def _is_usable(self, mention: tuple[int, int, str]) -> bool:
        """Whether a region mention may attribute a figure: not an event's place, a counterparty or in a title."""
        start, end, _ = mention
        usable = self._usable.get(start)
        if usable is None:
            text = self.ctx.text
            usable = self._usable[start] = (not self._is_event_place(text, start, end)
                                            and not self._is_counterparty(text, start, end)
                                            and not self.ctx.in_title(start, end)
                                            and not self._is_coordinated(mention))
        return usable

    def _is_partner(self, mention: tuple[int, int, str]) -> bool:
        start, end, _ = mention
        role = self._partner_role.get(start)
        if role is None:
            role = self._partner_role[start] = self._is_partner_role(start, end)
        return role

    @staticmethod
    def _is_event_place(text: str, start: int, end: int) -> bool:
        """在乌鲁木齐召开…, and a news dateline (本报乌鲁木齐8月20日讯): where something happened or was written."""
        before = text[max(0, start - 2):start]
        if before.endswith("本报") or DATELINE_AFTER.match(text, end):
            return True
        return bool(EVENT_BEFORE.search(text, max(0, start - 4), start)) and bool(EVENT_AFTER.match(text[end:end + 20]))

    def _is_coordinated(self, mention: tuple[int, int, str]) -> bool:
        """巴州和二师, 自治区和兵团, 昌吉州和新疆生产建设兵团六师、十二师: a place in a list of places that are
        not all one region (or that holds Xinjiang as a whole) names no one region (kept by the mention's start)."""
        found = self._coordinated.get(mention[0])
        if found is None:
            found = self._coordinated[mention[0]] = self._in_place_list(mention)
        return found

    def _in_place_list(self, mention: tuple[int, int, str]) -> bool:
        text, (start, end, region) = self.ctx.text, mention
        lo, hi = max(0, start - COORDINATION_WINDOW), min(len(text), end + COORDINATION_WINDOW)
        mentions = [m for m in region_regex().finditer(text, lo, hi)]
        regions, whole = {region}, False
        index = next((i for i, m in enumerate(mentions) if m.start() == start), None)
        if index is None:
            return False
        for step in (-1, 1):             # walk the list to the left, then to the right
            i, (left_end, right_start) = index, (start, end)
            while True:
                if step == 1:
                    joint = COORDINATED_AFTER.match(text, right_start)
                    pos = joint.end() if joint else right_start
                    qualifier = QUALIFIER.match(text, pos)
                    named = qualifier.end() if qualifier else pos
                    nxt = mentions[i + 1] if i + 1 < len(mentions) else None
                    if joint and (nxt is None or nxt.start() != named) and WHOLE_REGION.match(text, pos):
                        whole = True     # 喀什和新疆, 昌吉州和自治区
                    if nxt is None or nxt.start() != named or (joint is None and named != right_start):
                        break
                    regions.add(region_of_name()[nxt.group()])
                    i, right_start = i + 1, nxt.end()
                else:
                    qualifier = QUALIFIER_END.search(text, max(0, left_end - 9), left_end)
                    pos = qualifier.start() if qualifier else left_end
                    joint = COORDINATED_BEFORE.search(text, max(0, pos - 3), pos)
                    if joint:
                        pos = joint.start()
                        if WHOLE_REGION_END.search(text, max(0, pos - 6), pos):
                            whole = True
                    prv = mentions[i - 1] if i > 0 else None
                    if prv is None or text[prv.end():pos] not in PLACE_SUFFIXES or (joint is None and qualifier):
                        break
                    regions.add(region_of_name()[prv.group()])
                    i, left_end = i - 1, prv.start()
        return whole or len(regions) > 1

    @staticmethod
    def _is_counterparty(text: str, start: int, end: int) -> bool:
        return (start > 0 and text[start - 1] in COUNTERPARTY_BEFORE
                and bool(COMPANY_AFTER.match(text[end:end + 16])))

    def _is_partner_role(self, start: int, end: int) -> bool:
        text = self.ctx.text
        before = text[start - 1] if start else "\n"
        after = text[end:end + 12]
        if OWN_FIGURE_AFTER.match(after):
            return True                  # 其中北京1200万元、上海800万元: the partner's own figure
        if before in "、在—–-" or after.startswith("、"):
            return False                 # a list, a place where, a stop of a route (西宁—成都—曼谷)
        if before in "，,；;。！？\n" and SUBJECT_AFTER.match(after):
            return True                  # 深圳市在喀什设立…: the province or city opens the clause as its subject
        return any(p.match(after) for p in partner_role_patterns())

    def _names_of_heading(self, para) -> tuple[str | None, str | None]:
        """(region, partner) of a section heading; a heading naming one place covers its section."""
        in_regions, in_partners = self._find(para.start, para.end)   # a heading is a whole line
        if not all(self._is_usable(r) for r in in_regions):
            return None, None            # 科洽会在乌鲁木齐开幕: the heading names an event
        regions = {r[2] for r in in_regions}
        if partners_in_lines():         # the document's mentions inside the heading line are the line's own
            partners = {p[2] for p in in_partners}
        else:
            line = self.ctx.text[para.start:para.end].strip()
            partners = {load_partners()[m.group()] for m in partner_regex().finditer(line)}
        return (next(iter(regions)) if len(regions) == 1 else None,
                next(iter(partners)) if len(partners) == 1 else None)

    def heading_names(self, start: int) -> tuple[str | None, str | None]:
        """Region and partner of the section heading above start (only the nearest heading counts)."""
        index = self.ctx.heading_index(start)
        if index < 0 or self.ctx.headings[index].start < self.ctx.head_end:
            return None, None            # no heading, or the headline's (etl/discourse.py reads the head)
        names = self._heading_names.get(index)
        if names is None:
            names = self._heading_names[index] = self._names_of_heading(self.ctx.headings[index])
        return names

    @staticmethod
    def names_in(label: str) -> tuple[str | None, str | None]:
        """Region and partner named in a table row label (喀什地区, 北京市)."""
        region = region_regex().search(label)
        partner = partner_regex().search(label)
        return (region_of_name()[region.group()] if region else None,
                load_partners()[partner.group()] if partner else None)

    def region(self, start: int, end: int, site: Site | None = None) -> str | None:
        if site is None:
            site = self.ctx.site(start, end)
        sentence = site.sentence
        mentions = sentence.mentions
        if mentions is None:
            mentions = sentence.mentions = self._sentence_mentions(sentence.start, sentence.end)
        regions = mentions[0]            # in text order
        if regions:
            text = self.ctx.text
            clause_start = site.clause_start
            if regions[0][0] < start:    # a region named before the figure in its sentence
                # a clause that opens with the figure has its own subject (兵团编制了…，七个创新园编制了…)
                opens_clause = (start - clause_start <= 6
                                and not CLAUSE_OPENER.sub("", text[clause_start:start]).strip())
                floor = clause_start if opens_clause else sentence.start
                for mention in reversed(regions):      # regions named before the figure, nearest first
                    r_start, r_end, region = mention
                    if r_start >= start:
                        continue
                    if r_start < floor:
                        break
                    if self._is_usable(mention):
                        between = text[r_end:start]
                        if not (between.endswith("等") and not LINKING.search(between)):
                            return region
            long_end = site.long_clause()[1]
            for mention in regions:      # then those after it in its long clause
                r_start = mention[0]
                if r_start < end:
                    continue
                if r_start >= long_end:
                    break
                if self._is_usable(mention) and (
                        r_start < site.clause_end or BENEFICIARY_BEFORE.search(text[max(0, r_start - 4):r_start])):
                    return mention[2]
        fallback = sentence.fallback_region
        if fallback is None:
            fallback = sentence.fallback_region = (self._region_before(sentence),)
        return fallback[0]

    def _region_before(self, sentence: Sentence) -> str | None:
        """The region of a figure whose own sentence names none it can take: it depends on the sentence only."""
        ctx, text = self.ctx, self.ctx.text
        sentence_start = sentence.start
        if ANAPHOR.search(text, sentence_start, sentence.end):
            # the nearest usable region named in the LOOKBACK_CHARS before the sentence
            floor = max(0, sentence_start - LOOKBACK_CHARS)
            start = sentence_start
            while start > 0:             # the sentences before it, nearest first
                start, end = ctx.sentence_bounds(start - 1)
                for mention in reversed(self._sentence_mentions(start, end)[0]):
                    if mention[0] < floor:
                        break
                    if self._is_usable(mention):
                        return mention[2]
                if start <= floor:
                    break
        return self._sentence_heading_names(sentence)[0]

    def partner(self, start: int, end: int, site: Site | None = None) -> str | None:
        if site is None:
            site = self.ctx.site(start, end)
        sentence = site.sentence
        in_sentence = sentence.partners
        if in_sentence is None:
            mentions = sentence.mentions
            if mentions is None:
                mentions = sentence.mentions = self._sentence_mentions(sentence.start, sentence.end)
            in_sentence = sentence.partners = [p for p in mentions[1] if self._is_partner(p)]
        if in_sentence:                  # the long clause lies inside the sentence: no partner there when none here
            long_start, long_end = site.long_clause()
            inside = (in_sentence if (long_start, long_end) == (sentence.start, sentence.end)
                      else [p for p in in_sentence if long_start <= p[0] < long_end]) or in_sentence
            for p in reversed(inside):
                if p[0] < start:
                    return p[2]
        return self._sentence_heading_names(sentence)[1]

    def _sentence_heading_names(self, sentence: Sentence) -> tuple[str | None, str | None]:
        """heading_names for any position in the sentence: headings are whole lines and a line break ends a
        sentence, so the nearest heading is the same for all of it."""
        names = sentence.heading_names
        if names is None:
            names = sentence.heading_names = self.heading_names(sentence.start)
        return names

    # Discourse lookups (etl/discourse.py): names in a stretch of text rather than in one sentence.

    def _mentions_between(self, start: int, end: int) -> tuple[list, list]:
        """(regions, partners) mentioned in text[start:end], from one scan of the whole text (the discourse
        asks about paragraphs and heads again and again)."""
        if start >= end:
            return [], []
        if self._index is None:
            self._index = tuple((found, [m[0] for m in found]) for found in self._scan(0, len(self.ctx.text)))
        (regions, region_starts), (partners, partner_starts) = self._index
        lo = bisect.bisect_left(region_starts, start)
        found_regions = regions[lo:bisect.bisect_left(region_starts, end, lo)]
        lo = bisect.bisect_left(partner_starts, start)
        return found_regions, partners[lo:bisect.bisect_left(partner_starts, end, lo)]

    def names_between(self, start: int, end: int, listed: bool = False,
                      every: bool = False) -> tuple[set[str], set[str]]:
        """Regions (usable mentions; with listed, those in lists of places too; with every, all, event places
        included) and partners (not in a list of provinces) named in text[start:end]."""
        regions, partners = self._mentions_between(start, end)
        return ({r[2] for r in regions if every or self._is_usable(r) or (listed and self._is_coordinated(r))},
                {p[2] for p in partners if not self._in_list(p) and not self._in_brackets(p)})

    def command_region(self, start: int, end: int) -> str | None:
        """The region of an aid command named in text[start:end] (深圳援疆前指 -> 喀什), when its partner
        works in one region only (aid_pairs.csv)."""
        for p_start, p_end, partner in self._mentions_between(start, end)[1]:
            if aid_command().match(self.ctx.text, p_end):
                regions = aid_regions().get(partner, ())
                if len(regions) == 1:
                    return regions[0]
        return None

    def count_region_mentions(self, start: int, end: int, every: bool = False) -> int:
        return sum(1 for r in self._mentions_between(start, end)[0] if every or self._is_usable(r))

    def last_region(self, start: int, end: int) -> tuple[str | None, bool]:
        """(region, found): the last region named in text[start:end] that may attribute, None when that last
        one stands in a list of places (found then says a place was named, so no older subject applies)."""
        regions = [r for r in self._mentions_between(start, end)[0] if self._is_usable(r) or self._is_coordinated(r)]
        if not regions:
            return None, False
        last = regions[-1]
        return (None if self._is_coordinated(last) else last[2]), True

    def last_partner(self, start: int, end: int) -> str | None:
        partners = [p for p in self._mentions_between(start, end)[1]
                    if not self._in_list(p) and not self._in_brackets(p)]
        return partners[-1][2] if partners else None

    def _in_brackets(self, mention: tuple[int, int, str]) -> bool:
        """新疆离岸（大连）创新基地: a place in brackets qualifies a name."""
        text, (start, end, _) = self.ctx.text, mention
        return start > 0 and text[start - 1] in "（(" and text[end:end + 1] in "）)"

    def _in_list(self, mention: tuple[int, int, str]) -> bool:
        """北京、广东、上海等: a province inside a list names no one partner."""
        text, (start, end, _) = self.ctx.text, mention
        after = text[end:end + 2]
        return (start > 0 and text[start - 1] in "、—–-") or after[:1] == "、" or after[1:2] == "、"
