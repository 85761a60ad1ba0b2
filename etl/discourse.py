"""Region and partner of a figure whose own sentence names none: taken from the discourse around it.

The nearest of: the paragraph's subject (the place or partner the paragraph named last before the figure),
the section heading, and the head of the document (its headline and lead). A head that names a prefecture
together with a 兵团 division, or several prefectures, names no one region; a document whose head and
paragraph do not speak of Xinjiang (a province's own work report) gives no partner.
"""
from __future__ import annotations

import re
from functools import lru_cache

import yaml

from .attribute import Attributor
from .context import DocumentContext
from .lexicon import _lines
from .paths import LEXICON_DIR

HEAD_REPEATS = 2
FOCUS_CHARS = 1000        # a text naming Xinjiang's places or aid once per this many characters is about Xinjiang          # a region named this often in the head is its subject even outside the headline

@lru_cache(maxsize=None)
def _xinjiang_cue() -> re.Pattern:
    return re.compile("|".join(_lines("xinjiang_cues.txt")))


@lru_cache(maxsize=None)
def _region_cues() -> list[tuple[re.Pattern, str]]:
    entries = yaml.safe_load((LEXICON_DIR / "region_cues.yaml").read_text(encoding="utf-8"))
    return [(re.compile(e["pattern"]), e["region"]) for e in entries]


@lru_cache(maxsize=None)
def _region_wide() -> re.Pattern:
    return re.compile("|".join(_lines("region_wide.txt")))


def one_region(regions: set[str]) -> str | None:
    """The region a set of named regions stands for: one prefecture alone, else none (several, or a
    prefecture with a 兵团 division)."""
    return next(iter(regions)) if len(regions) == 1 else None


class Discourse:
    """Fallback region and partner for the figures of one document."""

    def __init__(self, ctx: DocumentContext, attributor: Attributor):
        self.ctx, self.attributor = ctx, attributor
        self._by_sentence: dict[int, tuple] = {}
        head_end = ctx.head_end
        regions, partners = set(), set()
        for start, end in ctx.head_lines:              # not its navigation and bylines
            line_regions, line_partners = attributor.names_between(start, end, listed=True)
            regions |= line_regions
            partners |= line_partners
        self.head_region = one_region(regions) if self._named_in_head(regions, head_end) else None
        self.head_partner = next(iter(partners)) if len(partners) == 1 else None
        self.head_speaks_of_xinjiang = any(_xinjiang_cue().search(ctx.text, start, end) for start, end in ctx.head_lines)
        self.focused = self._focused()

    def _named_in_head(self, regions: set[str], head_end: int) -> bool:
        """Whether the head's one region is its subject: named in a title line, or again and again."""
        if len(regions) != 1:
            return False
        titles = [h for h in self.ctx.headings if h.start < head_end]
        if any(self.attributor.names_between(h.start, h.end)[0] for h in titles):
            return True
        return self.attributor.count_region_mentions(0, head_end) >= HEAD_REPEATS

    def names(self, sentence_start: int, sentence_end: int) -> tuple[str | None, str | None, bool, set[str]]:
        """(region, partner, whether the sentence names another place, the partners it names) of the discourse
        before the sentence: an aid command in the sentence, else the paragraph's last named subject, else
        the heading, else the head (worked out once per sentence)."""
        found = self._by_sentence.get(sentence_start)
        if found is None:
            found = self._by_sentence[sentence_start] = self._names(sentence_start, sentence_end)
        return found

    def _names(self, sentence_start: int, sentence_end: int) -> tuple[str | None, str | None, bool, set[str]]:
        ctx, text = self.ctx, self.ctx.text
        regions_here, partners_here = self.attributor.names_between(sentence_start, sentence_end, every=True)
        usable_here = self.attributor.names_between(sentence_start, sentence_end)[0]
        para_start, _ = ctx.paragraph_at(sentence_start)
        heading_region, heading_partner = self.attributor.heading_names(sentence_start)
        region = self.attributor.command_region(sentence_start, sentence_end)
        if region is not None:           # an aid command acting in the sentence names its region
            return region, None, False, partners_here
        region = next((r for pattern, r in _region_cues() if pattern.search(text, sentence_start, sentence_end)), None)
        if region is None:
            region, found = self.attributor.last_region(para_start, sentence_start)
            if not found:
                region = heading_region or self.head_region
        if _region_wide().search(text, sentence_start, sentence_end):
            region = None                # 全疆…, 自治区…: a figure of the whole region
        partner = None
        if self.speaks_of_xinjiang(sentence_start, sentence_end):
            partner = self.attributor.last_partner(para_start, sentence_start) or heading_partner or self.head_partner
        # another place: one the discourse does not name, or one where something was held or in a list
        other_place = bool(regions_here - {region}) or regions_here != usable_here
        return region, partner, other_place, partners_here

    def speaks_of_xinjiang(self, sentence_start: int, sentence_end: int) -> bool:
        """Whether the sentence is about Xinjiang: the document is (its head says so, or it names Xinjiang's
        places and aid throughout), or its paragraph speaks of Xinjiang or aid to it. A province's report that
        names 哈密 once (临河至哈密铁路) gives its figures no region and no partner."""
        if self.focused:
            return True
        para_start, _ = self.ctx.paragraph_at(sentence_start)
        return bool(_xinjiang_cue().search(self.ctx.text, para_start, sentence_end))

    def _focused(self) -> bool:
        if self.head_speaks_of_xinjiang:
            return True
        text = self.ctx.text
        mentions = len(_xinjiang_cue().findall(text)) + self.attributor.count_region_mentions(0, len(text), every=True)
        return mentions * FOCUS_CHARS >= len(text)
