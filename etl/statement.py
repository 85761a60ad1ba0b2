"""What a figure states: status (actual or planned), basis (flow, cumulative, level, change, share), the first
year of a cumulative span, and the year a look-back describes (annotation-spec.md, section "Facts").

The words are data (lexicons/statement.yaml). A document is read as a writer wrote it: in year W (the year
it was written), its review sections ("2025年工作回顾", paragraphs opening 过去一年) describe W-1, its term
reviews (过去五年, “十四五”时期) sum up to W-1, its target sections ("2026年主要预期目标") plan W.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .context import DocumentContext
from .indicators import unit_family
from .periods import Periods
from .statement_words import cues as _cues
from .years import FROM_YEAR, SINGLE_YEAR, SPAN, YEAR_SINCE, year_value

CLAUSE_CHARS = 24        # characters before a figure that say how it relates to time (增长5%, 累计…)
CHANGE_CHARS = 8          # a change word (增长, 提高) this close before a number makes it a change
STOCK_NOUN_CHARS = 8      # characters after a count that hold its noun (12个受援地州)
HEAD_NOUN_CHARS = 4       # the head noun ends the subject before a count (国际创业孵化机构1家)
LOOKBACK_MONTHS = 2       # written in January or February: what it reports is the year before
SENTENCE_WINDOW = 1200    # characters of a sentence read for its time words (a run-on text has no ends)


_CLAUSE_END = re.compile("[，,；;。！？!?\n]")


class _SentenceWords:
    """The time words of one sentence, found once: for a figure, those that end before it are its own
    (as if the sentence up to the figure were searched)."""

    def __init__(self, text: str, start: int, end: int):
        cues, sentence = _cues(), text[start:end]
        patterns = {"named": cues["period_names"], "cumulative": cues["cumulative"], "summing": cues["summing"],
                    "annual": cues["annual"], "stock_opening": cues["stock_opening"]}
        if "年" in sentence:             # every year pattern holds 年
            patterns.update(span=SPAN, since=YEAR_SINCE, single=SINGLE_YEAR, from_year=FROM_YEAR)
        self.start, self.end = start, end
        self.matches = {key: list(patterns[key].finditer(sentence)) if key in patterns else []
                        for key in ("span", "since", "named", "single", "cumulative", "summing", "annual",
                                    "stock_opening", "from_year")}
        self.ends = {key: [m.end() for m in found] for key, found in self.matches.items()}

    def before(self, key: str, pos: int) -> list[re.Match]:
        """The matches of key that end at or before pos (an offset into the text)."""
        return self.matches[key][:bisect.bisect_right(self.ends[key], pos - self.start)]

    def last(self, key: str, pos: int) -> re.Match | None:
        found = self.before(key, pos)
        return found[-1] if found else None


@dataclass(frozen=True)
class Statement:
    status: str
    basis: str
    period_start: int | None
    year: int | None
    year_source: str
    approx: bool


class Describer:
    """Status, basis, period and year of the figures of one document written in writing_year."""

    def __init__(self, ctx: DocumentContext, writing_year: int | None, writing_month: int | None = None):
        self.ctx, self.writing_year = ctx, writing_year
        # a text written in the first months of a year looks back on the year before
        self.looks_back = writing_month is not None and writing_month <= LOOKBACK_MONTHS
        self.periods = Periods(ctx, writing_year, self.looks_back)
        self._previous: tuple | None = None    # (sentence start, status, basis, reason, unit family) of the last figure
        self._summing: tuple | None = None     # (paragraph start, sentence start, period start) of a summing up
        self._sentence: _SentenceWords | None = None

    def _this_year(self, lo: int, hi: int) -> bool:
        """Whether text[lo:hi] speaks of the year of writing (今年, 上半年, 2017年 in a text of 2017)."""
        text, w = self.ctx.text, self.writing_year
        if _cues()["this_year"].search(text, lo, hi):
            return True
        since = [m.span() for m in YEAR_SINCE.finditer(text, lo, hi)]
        return w is not None and any(year_value(m.group(1)) == w and not any(a <= m.start() < b for a, b in since)
                                     for m in SINGLE_YEAR.finditer(text, lo, hi))

    def describe(self, figure: dict) -> Statement:
        text, cues = self.ctx.text, _cues()
        start, end = figure["char_start"], figure["char_end"]
        sentence_start = figure["sentence_start"]
        sentence_start = sentence_start if sentence_start <= start else max(0, start - 200)
        clause_start = _clause_start(text, sentence_start, start)
        near = text[max(clause_start, start - CLAUSE_CHARS):start]
        words = self._sentence
        if words is None or words.start != sentence_start or words.end < start:
            # (a run-on text is cited, and read, in windows around each figure)
            end_of_sentence = min(self.ctx.sentence_at(start).end, sentence_start + SENTENCE_WINDOW)
            words = self._sentence = _SentenceWords(text, sentence_start, max(end_of_sentence, start))
        w = self.writing_year
        period = self.periods.period_at(start)
        previous = self._previous
        same_sentence = previous is not None and previous[0] == sentence_start

        noun_after = _noun_after(text, end)
        head_noun = (figure.get("subject") or "")[-HEAD_NOUN_CHARS:]
        stock_noun = unit_family(figure.get("unit_norm")) == "count" and bool(
            cues["stock_subjects"].search(noun_after[:STOCK_NOUN_CHARS])
            or (not noun_after and cues["stock_subjects"].search(head_noun)))
        basis, reason = _basis(figure, near, text[end:_clause_end(text, end, end + 20)], stock_noun)
        family = unit_family(figure.get("unit_norm"))
        if basis is None:
            listed = same_sentence and previous[4] == family and (
                clause_start < start - CLAUSE_CHARS or not cues["clause_verbs"].search(near)
                or cues["list_openers"].match(text, clause_start))
            basis, reason = ((previous[2], previous[3]) if listed
                             else (_default_basis(figure, _noun_after(text, end), period), "default"))
        if basis in ("flow", "level") and words.before("stock_opening", start):
            # 截至2018年，全疆入网登记科技型企业20450家 (a level); 截至目前，签订了11个项目 (summed to date,
            # unless the paragraph speaks of this year: 上半年…目前已完成投资400万元)
            if basis == "level" or reason == "default" or stock_noun:
                basis = "level"
            elif not self._this_year(self.ctx.paragraph_at(start)[0], start):
                basis = "cumulative"
            reason = "stock"
        clause_after = text[clause_start:_clause_end(text, end, end + 40)]
        long_start = max([text.rfind(ch, sentence_start, clause_start) for ch in "；;"] + [sentence_start - 1]) + 1
        stated_year = figure.get("year")
        if (figure.get("year_source") or "document") == "document" and w is not None and period in ("year", "term"):
            stated_year = w - 1              # the year a review describes
        status, approx = _status(text[long_start:clause_start], text[clause_start:start], clause_after,
                                 stated_year, w, period)
        span = words.last("span", start)
        if span is not None and status == "actual" and self.ctx.in_title(sentence_start + span.start(),
                                                                          sentence_start + span.end()):
            span = None                      # 按照《实施方案（2018～2020年）》出台…: the plan's years, not the figure's
        since = words.last("since", start)
        named = words.last("named", start)
        single = next((m for m in reversed(words.before("single", start)) if not any(
            p is not None and p.start() <= m.start() < p.end() for p in (span, since))), None)
        summing_words = words.before("cumulative", start)
        if single is not None:               # “十四五”期间…，其中在2021年共实施104个: the year named last counts
            span, since, named = (m if m is not None and m.start() > single.start() else None
                                  for m in (span, since, named))
            summing_words = [m for m in summing_words if m.start() > single.start()]
        if since is not None and w is not None and year_value(since.group(1) or since.group(2)) >= w:
            if named is not None and named.start() > since.start():
                named = None                 # 2011年新一轮援疆工作开展以来, written in 2011
            summing_words = [m for m in summing_words if not since.start() <= m.start() < since.end()]
            since = None                     # 2011年…以来 written in 2011: within the year
        summed = span or since or named or summing_words
        if basis == "flow" and (summed or (period == "term" and reason != "subject")) and not (
                stock_noun and not cues["flow_verbs"].search(near)):
            basis = "cumulative"             # 累计…, 2016年以来…, the 十四五 review's actions
        elif basis == "level" and period == "term" and cues["term_actions"].fullmatch(reason):
            basis = "cumulative"             # 建成…个 over the five years
        year, year_source = figure.get("year"), figure.get("year_source") or "document"
        period_start = None
        if basis == "cumulative":
            if span is not None and span.start() >= max(m.start() for m in (since, named) if m is not None) \
                    if (since or named) else span is not None:
                period_start = year_value(span.group(1))
                last = year_value(span.group(2))
                year, year_source = (w, "sentence") if w is not None and last > w else (last, "sentence")
            elif since is not None and (named is None or since.start() > named.start()):
                period_start = year_value(since.group(1) or since.group(2))
                if year == period_start and w is not None:     # 自1998年…以来: up to the time of writing
                    year, year_source = (w - 1 if period in ("year", "term") else w), "document"
            elif named is not None:
                period_start = cues["periods"][named.group()][0]
            elif period == "term" and w is not None:
                period_start = w - 5
        para_start = self.ctx.paragraph_at(start)[0]
        summing = self._summing
        # (paragraph start, its start when the summing up opens the paragraph else -1, period start, sentence)
        if (basis == "flow" and summing is not None and summing[0] == para_start and summing[3] != sentence_start
                and (summing[1] == para_start or cues["list_openers"].match(text, sentence_start))
                and year_source == "document" and not words.before("annual", start)
                and not (stock_noun and not cues["flow_verbs"].search(near))):
            basis, period_start = "cumulative", summing[2]   # the paragraph sums up a period (“十四五”以来…)
        if basis == "cumulative" and (since or named or words.before("summing", start)):
            opens = text[para_start:sentence_start].strip() == ""
            self._summing = (para_start, sentence_start if opens else -1, period_start, sentence_start)
        elif year_source != "document" and (summing is None or summing[0] == para_start):
            self._summing = None             # a year named anew ends the summing up
        if span is not None and basis in ("level", "share"):
            # 2020年到2025年，…比重从17.9%提升到35.5%: the value left is the first year's, the one reached the last's
            first, last = year_value(span.group(1)), year_value(span.group(2))
            year = first if cues["from_before"].search(near) else (min(last, w) if w is not None else last)
            year_source = "sentence"
        at_writing = False
        from_year = words.last("from_year", start)
        if from_year is not None and year == year_value(from_year.group(1)):
            gap = text[sentence_start + from_year.end():start]
            later_clause = _CLAUSE_END.search(gap) is not None
            if later_clause or cues["to_after"].search(gap):
                # 由2020年的600家增至目前的1500家: 2020 is the year of the first value only
                year_source = "document"
                at_writing = not later_clause and bool(cues["now"].search(gap))
        if year_source == "document" and w is not None and period in ("year", "term") and not at_writing:
            year, year_source = w - 1, "section"
        elif year_source == "document" and w is not None:
            year = w
        self._previous = (sentence_start, status, basis, reason, family)
        return Statement(status, basis, period_start, year, year_source, approx or bool(figure.get("approx")))


def _clause_start(text: str, floor: int, pos: int) -> int:
    return max([text.rfind(ch, floor, pos) for ch in "，,；;：:"] + [floor - 1]) + 1


def _noun_after(text: str, end: int) -> str:
    """The words after a figure up to the clause's end (its counted noun: 12个受援地州)."""
    return text[end:_clause_end(text, end, end + 12)]


def _clause_end(text: str, pos: int, ceiling: int) -> int:
    found = _CLAUSE_END.search(text, pos, ceiling)
    return found.start() if found else min(ceiling, len(text))


def _last_match(pattern: re.Pattern, text: str) -> re.Match | None:
    found = None
    for found in pattern.finditer(text):
        pass
    return found


def _basis(figure: dict, near: str, after: str, stock_noun: bool) -> tuple[str | None, str]:
    """(basis, the word that says so) from the words around a figure; basis None when its clause has no word
    of flow or level (then it shares the basis of the figure before it in its sentence, see describe)."""
    cues = _cues()
    unit = figure.get("unit_norm") or ""
    change = _last_match(cues["change_before"], near)
    if change is not None and change.end() < len(near) - CHANGE_CHARS:
        change = None                    # a change word must stand right before the number
    if unit == "%" or unit.endswith("百分点") or unit == "倍":
        if unit != "%" or cues["change_after"].search(after):
            return "change", "change"
        if change is not None and not cues["change_to"].match(near, change.end()):
            return "change", change.group()
        return "share", "share"
    if cues["change_after"].search(after):
        return "change", "change"
    change = _last_match(cues["change_count"], near)
    if (change is not None and change.end() >= len(near) - (1 if change.group() in ("多", "少") else CHANGE_CHARS)
            and not cues["change_to"].match(near, change.end())):
        return "change", change.group()
    adding = _last_match(cues["adding"], near)
    level = _last_match(cues["level_before"], near)
    if adding is not None and (level is None or level.start() < adding.end()):
        return "flow", adding.group()
    if cues["flow_units"].fullmatch(unit):
        return "flow", "unit"            # 达5.2亿人次: events counted
    subject = figure.get("subject") or ""
    if cues["level_subjects"].search(subject):
        return "level", "subject"
    if cues["flow_subjects"].search(subject) and not cues["level_subjects"].search(near):
        return "flow", "subject"
    if cues["level_after"].search(after):
        return "level", "level_after"
    if cues["from_before"].search(near) and cues["to_after"].search(after):
        return "level", "from"           # 由2020年的600家增至…
    if cues["object_before"].search(near) and cues["action_after"].search(after):
        return "flow", "object"          # 对147家企业进行筛选: the things an action was done to
    flow = _last_match(cues["flow_verbs"], near)
    reach = _last_match(cues["reach_verbs"], near)
    if reach is not None and stock_noun and (flow is None or reach.end() >= flow.end()):
        return "level", "reach"
    if level is not None and (flow is None or level.end() > flow.end()):
        return "level", level.group()
    if flow is not None:
        return "flow", flow.group()
    return None, ""


def _default_basis(figure: dict, after: str, period: str | None) -> str:
    """A figure with no word of flow or level: a level when it counts things that stand (the noun after it,
    or its subject), else a flow."""
    if period in ("year", "term") or unit_family(figure.get("unit_norm")) != "count":
        return "flow"                    # money and people: what was spent, who took part
    stock = _cues()["stock_subjects"]
    if stock.search(after[:STOCK_NOUN_CHARS]) or stock.search(figure.get("subject") or ""):
        return "level"
    return "flow"


def _masked(words: str) -> str:
    """words with the planned words that name a programme or a plan already made blanked out."""
    cues = _cues()
    return cues["not_planned"].sub(lambda m: "_" * len(m.group()), words) if cues["planned_any"].search(words) else words


def _status(earlier: str, clause: str, clause_after: str, year: int | None, writing_year: int | None,
            period: str | None) -> tuple[str, bool]:
    """(status, approx): planned when a planned word governs the figure and nothing after it says achieved.
    A planned word governs the rest of its clause and the clauses after it up to a ；, until a clause states a
    result of its own (clause: from the clause's start to the figure; earlier: the clauses before it)."""
    cues = _cues()
    if not cues["planned_any"].search(earlier) and not cues["planned_any"].search(clause):
        if writing_year is not None and year is not None and year > writing_year:
            return "planned", False          # a figure of a year still to come
        return ("planned" if period == "planned" else "actual"), False
    masked_earlier = _masked(earlier)
    governing = _last_match(cues["planned"], masked_earlier)
    setting = _last_match(cues["planned_setting"], masked_earlier)
    if setting is not None and cues["planned_task"].search(masked_earlier + clause + clause_after, setting.end()) \
            and (governing is None or setting.start() > governing.start()):
        governing = setting              # 确立了三年实施的重大项目126项，重点改革任务119条
    later = _clause_end(masked_earlier, governing.end(), len(masked_earlier)) if governing else 0
    if governing is not None and not cues["clause_verbs"].search(masked_earlier, later) \
            and not cues["actual_after_plan"].search(masked_earlier, governing.end()) \
            and not cues["clause_verbs"].search(clause):
        clause = masked_earlier[governing.start():] + "，" + clause   # 将设立专项，每年提供500万元
    masked = _masked(clause)
    setting = cues["planned_setting"].search(masked)
    if setting and cues["planned_task"].search(masked + clause_after, setting.end()):
        return "planned", False
    planned = _last_match(cues["planned"], masked)
    if planned is not None:
        if cues["actual_after_plan"].search(masked, planned.end()):
            planned = None
    if planned is not None and cues["estimate"].fullmatch(planned.group()):
        if writing_year is not None and year is not None and year < writing_year:
            return "actual", True            # 预计全年… of the year just ended: an estimate of a result
    if planned is not None:
        return "planned", False
    if writing_year is not None and year is not None and year > writing_year:
        return "planned", False              # a figure of a year still to come
    if period == "planned":
        return "planned", False
    return "actual", False
