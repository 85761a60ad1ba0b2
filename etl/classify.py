"""What a figure counts: its metric id and subject phrase, from the metric keyword lexicon, and its scope."""
from __future__ import annotations

import re
from functools import lru_cache

from .context import DocumentContext, Sentence, Site
from .lexicon import load_metric_keywords, words_regex

WINDOW = 40            # characters of context a subject phrase can span (keeps long run-on texts linear)
FAMILY = {"money": "money", "money_usd": "money", "money_other": "money", "person": "person", "count": "count"}
# Verbs and particles that end the noun phrase a classifier opens (5家众创空间、22家科技企业孵化器|安排经费).
AFTER_STOP = re.compile(r"已|将|均|共|分别|进行|开展|参加|参与|落地|完成|获得|实现|达到|建成|通过|使用|入选|签约|开工|"
                        r"投产|建立|编制|设立|安排|提供|申报|承担|认定|获批|成立|入驻|分布|覆盖|为|是|在|于|被|得到|"
                        r"达成|列入|纳入|产生|带动|实施|开发|研发|取得|制定|出台|形成|组建|提升|发挥|\d")
# AFTER_STOP as its words and its digit apart: a pattern of plain words lets re skip to their first characters,
# and the first stop is the nearer of the two.
_STOP_WORDS = re.compile(AFTER_STOP.pattern.removesuffix("|\\d"))
_STOP_DIGIT = re.compile(r"\d")
LEADING_TIME = re.compile(r"^(?:(?:19|20)\d{2}年(?:度|底|末|初)?|截至|截止|其中|目前|同时|此外|全年|当年|今年|去年|并|还|又|共|累计|"
                          r"组织实施|实施|安排|落实|已完成|完成|确定了|确定|出台了|出台|研究制定|制定|遴选了|遴选|达到|有)+")
PROJECT_CUES = re.compile(r"这套|这款|这项技术|该产品|该项目|该企业|该公司|该技术|该平台|他的公司|她的公司|公司负责人|总经理|"
                          r"董事长|项目实施中|项目实施以来|研发出|研制出|有限公司|有限责任公司|一家企业|该家企业")
PROGRAM_CUES = re.compile(r"累计|共计|合计|总计|全年|全区共|全疆共|历届")
TRAINING = re.compile(r"培训|培养|培育|引进|进修|研修|轮训")
# people sent to study (选派117名干部到…学习): trainees by what follows them in the clause
TRAINING_AFTER = re.compile(r"^[^，。；]{0,24}?(?:学习|培训|进修|研修|深造|挂职|跟岗)")
PERSON_RESULT = re.compile(r"就业|脱贫|受益|增收|参观|惠及|带动")
ENTITY_SPAN = 100     # ENTITY_START matches at most 1+40+1+2 characters: a longer paragraph needs no more text
CASE_HEADING = re.compile(r"典型案例|案例|典型经验|示范项目|项目介绍|企业风采")
ENTITY_START = re.compile(r"^“[^”]{2,40}”项目|^[^，。；]{2,30}?项目(?:由|通过|自|实施以来|实施后)|"
                          r"^[^，。；]{2,30}?(?:有限公司|有限责任公司|集团|公司|研发中心|研究院|研究所|大学|学院|医院|"
                          r"星创天地|合作社|工厂|厂)[）)]?(?:承担|引进|以|与|通过|负责人|研发|开发|建成|建立|实施|自|在|是|"
                          r"依托|围绕|针对|联合)")

# PROJECT_CUES and PROGRAM_CUES as one trie (one branch per character, each opening on a plain character, so
# re skips ahead to the candidates): one pass finds the first cue of either kind, the longest at its position.
_PROJECT_WORDS = frozenset(PROJECT_CUES.pattern.split("|"))
_CUES = re.compile(words_regex(dict.fromkeys([*PROJECT_CUES.pattern.split("|"), *PROGRAM_CUES.pattern.split("|")], "")))
# hedge words right before the number (约 only where it is no word's end: 签约, 合约)
HEDGE_TAIL = re.compile(r"(?:近|(?<![签合条预制节])约|超过|超|突破|高达|多达|达到|达|逾)+$")
LIST_TAIL = re.compile(r"\d[^、]*、[^、]*$")


def family_of(kind: str | None) -> str | None:
    return FAMILY.get(kind or "")


@lru_cache(maxsize=None)
def _keyword_regex(family: str) -> tuple[re.Pattern, dict[str, str]]:
    pairs = load_metric_keywords().get(family, [])
    metric_of = dict(pairs)
    # a trie finds what the longest-first alternation does: the longest keyword at the leftmost position
    return re.compile(words_regex(dict.fromkeys(metric_of, "")) if pairs else "(?!)"), metric_of


def _keywords(family: str, window: str) -> list[tuple[int, int, str, str]]:
    """(start, end, keyword, metric) for each keyword occurrence; the longest keyword wins at a position."""
    pattern, metric_of = _keyword_regex(family)
    return [(m.start(), m.end(), m.group(), metric_of[m.group()]) for m in pattern.finditer(window)]


def classify(ctx: DocumentContext, start: int, end: int, kind: str | None,
             previous: list[tuple], site: Site | None = None) -> tuple[str, str | None]:
    """(metric, subject) of the figure text[start:end]; previous = (kind, metric, subject) of the earlier
    figures of the same sentence;
    site = ctx.site(start, end) when the caller has it already."""
    text = ctx.text
    family = FAMILY.get(kind or "")
    if site is None:
        site = ctx.site(start, end)
    clause_start, clause_end = site.clause_start, site.clause_end
    before = text[clause_start if clause_start > start - WINDOW else start - WINDOW:start]
    leading = LEADING_TIME.match(before)
    if leading:
        before = before[leading.end():]
    before = HEDGE_TAIL.sub("", before)
    if family == "person":               # 96人参加培训: for people the verb after the number says what they are
        after = text[end:min(clause_end, end + 12)]
        if TRAINING_AFTER.match(text[end:clause_end]):
            return "trainees", _subject_before(before) or after[:16]
    else:
        after = text[end:min(site.after_end, end + 20)]   # to the first stop word or digit
        word = _STOP_WORDS.search(after)
        stop = _STOP_DIGIT.search(after, 0, word.start() if word else len(after)) or word
        if stop:                         # (a digit found is before any word)
            after = after[:stop.start()]
        if after[:1] in ("、", "和", "及", "与", "或"):
            after = ""                   # 8个、星创天地5家: the next item of a list, not this number's noun
        if family is None:
            return "other", (before[-16:] or after[:16] or None)
    pattern, metric_of = _keyword_regex(family)
    if family == "count":                # the noun after a count is its last keyword (5家众创空间)
        head = None
        for head in pattern.finditer(after):
            pass
        if head is not None:
            return metric_of[head.group()], after[:head.end()]
    elif family == "person":
        trained = [m.end() for m in TRAINING.finditer(before)]
        if trained and not PERSON_RESULT.search(before, trained[-1]):
            return "trainees", _subject_before(before)   # 培训农牧民5.6万人次: the verb, not the noun, says trainees
    last = None
    for last in pattern.finditer(before):
        pass
    if last is not None:
        return metric_of[last.group()], _subject_before(before)
    if family != "count":                # (a count's keywords after it were looked at above)
        head = pattern.search(after)
        if head is not None:
            return metric_of[head.group()], after[:head.end()]
    for p_kind, p_metric, p_subject in reversed(previous):
        if FAMILY.get(p_kind or "") == family:
            return p_metric, p_subject
    if family == "money":                # 去年这一数字已飙升至35亿元: the amount named in an earlier clause
        earlier = _keywords(family, text[max(site.sentence_start, clause_start - 3 * WINDOW):clause_start])
        if earlier:
            return earlier[-1][3], earlier[-1][2]
    return "other", (before[-16:] or after[:16] or None)     # money that says nothing of projects is not investment


def _subject_before(before: str) -> str:
    """The noun phrase before the number: the last item when it follows another figure (基地8个、星创天地)."""
    if "、" in before and LIST_TAIL.search(before):      # (LIST_TAIL needs a 、)
        before = before.rsplit("、", 1)[1]
    return before[-16:]


def scope_of(ctx: DocumentContext, start: int, sentence: Sentence | None = None) -> str:
    """project when the sentence or its paragraph is about one named project or enterprise, else program
    (sentence = ctx.sentence_at(start), when known; the answer is kept on it)."""
    if sentence is None:
        sentence = ctx.sentence_at(start)
    scope = sentence.scope
    if scope is None:
        scope = sentence.scope = _sentence_scope(ctx, sentence.start, sentence.end)
    return scope


def _sentence_scope(ctx: DocumentContext, start: int, end: int) -> str:
    text = ctx.text
    cue = _CUES.search(text, start, end)
    if cue is not None:                  # the first cue; a project cue may still start at it or after it
        return ("project" if cue.group() in _PROJECT_WORDS or PROJECT_CUES.search(text, cue.start(), end)
                else "program")
    # the paragraph and heading tests depend only on the paragraph and the heading: asked once for each
    para_start, para_end = ctx.paragraph_at(start)
    opens = ctx.entity_paragraphs.get(para_start)
    if opens is None:
        opens = ctx.entity_paragraphs[para_start] = ENTITY_START.match(
            text[para_start:min(para_end, para_start + ENTITY_SPAN)]) is not None
    if opens:
        return "project"
    heading = ctx.heading_above(start)
    if heading is None:
        return "program"
    case = ctx.case_headings.get(heading.start)
    if case is None:
        case = ctx.case_headings[heading.start] = CASE_HEADING.search(text, heading.start, heading.end) is not None
    return "project" if case else "program"  # 典型案例: each paragraph of the section is one example
