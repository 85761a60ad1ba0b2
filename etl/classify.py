"""What a figure counts: its metric id and subject phrase, from the metric keyword lexicon, and its scope."""
from __future__ import annotations

import re
from functools import lru_cache

from .context import DocumentContext, Sentence, Site
from .lexicon import alternatives, load_metric_keywords, words, words_regex
from .years import ARABIC_YEAR

WINDOW = 40            # characters of context a subject phrase can span (keeps long run-on texts linear)
FAMILY = {"money": "money", "money_usd": "money", "money_other": "money", "person": "person", "count": "count"}
# The word lists are lexicons/classify_words.yaml.
_WORDS = "classify_words.yaml"
# Verbs and particles that end the noun phrase a classifier opens (5家众创空间、22家科技企业孵化器|安排经费),
# or a digit.
AFTER_STOP = re.compile(alternatives(_WORDS, "after_stop") + r"|\d")
# AFTER_STOP as its words and its digit apart: a pattern of plain words lets re skip to their first characters,
# and the first stop is the nearer of the two.
_STOP_WORDS = re.compile(alternatives(_WORDS, "after_stop"))
_STOP_DIGIT = re.compile(r"\d")
LEADING_TIME = re.compile(rf"^(?:(?:{ARABIC_YEAR})年(?:度|底|末|初)?|{alternatives(_WORDS, 'leading_time')})+")
PROJECT_CUES = re.compile("|".join(words(_WORDS, "project_cues")))
PROGRAM_CUES = re.compile("|".join(words(_WORDS, "program_cues")))
TRAINING = re.compile("|".join(words(_WORDS, "training")))
# people sent to study (选派117名干部到…学习): trainees by what follows them in the clause
TRAINING_AFTER = re.compile(rf"^[^，。；]{{0,24}}?(?:{'|'.join(words(_WORDS, 'sent_to_study'))})")
PERSON_RESULT = re.compile("|".join(words(_WORDS, "person_result")))
ENTITY_SPAN = 100     # ENTITY_START matches at most 1+40+1+2 characters: a longer paragraph needs no more text
CASE_HEADING = re.compile("|".join(words(_WORDS, "case_heading")))
ENTITY_START = re.compile(rf"^“[^”]{{2,40}}”项目|"
                          rf"^[^，。；]{{2,30}}?项目(?:{'|'.join(words(_WORDS, 'project_opening_after'))})|"
                          rf"^[^，。；]{{2,30}}?(?:{'|'.join(words(_WORDS, 'entity_suffixes'))})[）)]?"
                          rf"(?:{'|'.join(words(_WORDS, 'entity_verbs'))})")

# PROJECT_CUES and PROGRAM_CUES as one trie (one branch per character, each opening on a plain character, so
# re skips ahead to the candidates): one pass finds the first cue of either kind, the longest at its position.
_PROJECT_WORDS = frozenset(words(_WORDS, "project_cues"))
_CUES = re.compile(words_regex(dict.fromkeys([*words(_WORDS, "project_cues"), *words(_WORDS, "program_cues")], "")))
# hedge words right before the number (约 only where it is no word's end: 签约, 合约)
HEDGE_TAIL = re.compile(rf"(?:{alternatives(_WORDS, 'hedge_tail')})+$")
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
