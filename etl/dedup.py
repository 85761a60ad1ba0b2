"""The same figure stated twice in a document is kept once; two statements of one thing that disagree
(38亿元 in one copy of an article, 35亿元 in the other) are both kept and flagged as a conflict."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from .textnorm import SPACE_NO_NEWLINE_CLASS

CONTEXT = 10
RECENT = 64      # earlier figures compared per key: a text repeating one value thousands of times stays linear
_NOISE = re.compile(r"[\s\d.,%“”\"'：:，,；;。！？!?、（）()《》]+")
COMPLETION = re.compile(r"已完成|已经完成|完成了|已建成|实现了|已到位|已登记")


_SENTENCE_END = re.compile(r"[。！？!?\n]")


def _side(text: str, start: int, end: int, left: bool) -> str:
    """The wording next to a figure, within its sentence, without numbers and punctuation."""
    if left:
        window = text[max(0, start - 3 * CONTEXT):start]
        return _NOISE.sub("", _SENTENCE_END.split(window)[-1])[-CONTEXT:]
    window = text[end:end + 3 * CONTEXT]
    stop = _SENTENCE_END.search(window)          # the first piece of _SENTENCE_END.split(window)
    return _NOISE.sub("", window[:stop.start()] if stop else window)[:CONTEXT]


def _right(text: str, end: int) -> str:
    """_side(text, end, end, False), most often from the first _TAIL characters alone: noise goes character
    by character, so when they hold a sentence end or keep CONTEXT characters, the answer is theirs."""
    window = text[end:end + _TAIL]
    stop = _SENTENCE_END.search(window)
    if stop:
        return _NOISE.sub("", window[:stop.start()])[:CONTEXT]
    kept = _NOISE.sub("", window)
    return kept[:CONTEXT] if len(kept) >= CONTEXT or end + _TAIL >= len(text) else _side(text, end, end, False)


_LEFT_PATTERNS: dict[str, re.Pattern] = {}
_TAIL = 15


def _lefts(text: str, starts: list[int]) -> list[str]:
    """_side(text, start, start, True) for every start, with one regex pass over the last _TAIL characters
    before all of them.

    The tails are joined by a separator the text does not hold and reversed: the piece of a tail after its
    last sentence end is then the reversed piece before its first one. One substitution drops, left to
    right, a sentence end with the rest of its tail (up to the separator) and each run of the other noise
    characters (noise less the sentence ends, so a run never swallows one); what is left of a tail is its
    piece without noise, reversed. Noise goes character by character, so when a tail keeps CONTEXT
    characters, they are the last CONTEXT of the whole window's, sentence end or not; a shorter one is
    worked out again from the whole window."""
    sep = next(ch for ch in map(chr, range(0x110000)) if not _NOISE.match(ch) and ch not in text)  # "\x00"
    pattern = _LEFT_PATTERNS.get(sep)
    if pattern is None:
        noise = f"{SPACE_NO_NEWLINE_CLASS}\\d.,%“”\"'：:，,；;、（）()《》"     # _NOISE less the sentence ends
        # [end][^sep]*|[noise]+, opening on one character class so that re skips ahead to the candidates
        pattern = _LEFT_PATTERNS[sep] = re.compile(
            f"[。！？!?\n{noise}](?:(?<=[。！？!?\n])[^{re.escape(sep)}]*|[{noise}]*)")
    joined = sep.join([text[start - _TAIL if start > _TAIL else 0:start] for start in starts])
    kept = pattern.sub("", joined[::-1])[::-1].split(sep)
    return [piece[-CONTEXT:] if len(piece) >= CONTEXT or start <= _TAIL else _side(text, start, start, True)
            for piece, start in zip(kept, starts)]


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    la, lb = len(a), len(b)
    # ratio() is at most 2·min/(la+lb) (SequenceMatcher.real_quick_ratio): skip the matcher when that is short
    return min(la, lb) >= 6 and 2.0 * min(la, lb) / (la + lb) >= 0.8 and _close(a, b)


@lru_cache(maxsize=1 << 16)
def _close(a: str, b: str) -> bool:
    """The same wording pairs come up again and again within and across documents. ratio() is at most
    quick_ratio(), the characters the two share: most pairs fall short on that, which is cheap to count."""
    counts: dict[str, int] = {}
    for ch in b:
        counts[ch] = counts.get(ch, 0) + 1
    shared = 0
    for ch in a:
        left = counts.get(ch, 0)
        if left:
            counts[ch] = left - 1
            shared += 1
    return 2.0 * shared / (len(a) + len(b)) >= 0.8 and SequenceMatcher(None, a, b).ratio() >= 0.8


def _ends_sentence(text: str, figure: dict) -> bool:
    return text[figure["char_end"]:figure["char_end"] + 1] in ("。", "！", "？", "；", "")


def _completed(figure: dict, text: str) -> bool:
    """Planned and completed counts are different figures (6项 tasks set, 6项 completed)."""
    start = figure["char_start"]
    floor = max(figure["sentence_start"], start - 40)
    clause_start = max(text.rfind(ch, floor, start) for ch in "，,；;：:") + 1
    return bool(COMPLETION.search(text[max(clause_start, floor):figure["char_end"]]))


HEADLINE_MIN_VALUE = 10      # a headline's count this large is its story's figure, not a coincidence


def drop_headline_restatements(figures: list[dict], headline_lines: list[tuple[int, int]]) -> list[dict]:
    """A headline (or subtitle) states its story's figure; the lead, the body and a photo caption restate it:
    later figures of the same value, unit and metric as a headline figure are the same figure, kept once."""
    headline = {(f["value_norm"], f["unit_norm"], f["metric"]) for f in figures
                if any(start <= f["char_start"] < end for start, end in headline_lines)
                and (f["unit_norm"] in ("万元", "万美元") or (f["value_norm"] or 0) >= HEADLINE_MIN_VALUE)}
    if not headline:
        return figures
    kept, seen = [], set()
    for f in figures:                    # figures are in text order: the headline's comes first
        key = (f["value_norm"], f["unit_norm"], f["metric"])
        if key in headline:
            if key in seen:
                continue
            seen.add(key)
        kept.append(f)
    return kept


def resolve(figures: list[dict], text: str) -> list[dict]:
    """Drop repeats, flag conflicts; figures are in text order and carry char_start/char_end/sentence_start.

    Earlier figures are indexed by value (repeats need the same value) and by exact left context (conflicts
    need the same wording before the number), so a document costs about one comparison per figure. A repeat
    is looked for among the last RECENT figures of the same metric and value; only those with the same year
    and region can be one, so they are indexed by those too, each with its rank among the figures of its
    metric and value. The index entries are (rank, figure, left): the figures are not touched. Most figures
    are never compared, so the right context and the head noun are only worked out when a comparison needs
    them (right_of, _head)."""
    kept: list[dict] = []
    n_of_value: dict[tuple, int] = {}
    by_facts: dict[tuple, list[tuple]] = {}
    by_left: dict[tuple, list[tuple]] = {}
    rights: dict[int, str] = {}
    next_group = 1

    def right_of(fig: dict) -> str:
        end = fig["char_end"]
        right = rights.get(end)
        if right is None:
            right = rights[end] = _right(text, end)
        return right

    for fig, left in zip(figures, _lefts(text, [fig["char_start"] for fig in figures])):
        metric, value, year = fig["metric"], fig["value_norm"], fig["year"]
        value_key = (metric, value)
        facts_key = (metric, value, year, fig["region"], fig.get("status"))
        rank = n_of_value.get(value_key, 0)
        same_facts = by_facts.get(facts_key)
        if same_facts and _repeats(fig, left, right_of, same_facts, rank - RECENT, text):
            continue
        long_left = len(left) >= 8      # only such a left context is ever looked up
        if long_left:
            left_key = (metric, fig["unit_norm"], left)
            same_left = by_left.get(left_key)
            if same_left:
                for _, earlier, _ in same_left[-RECENT:]:
                    if (earlier["year"] == year and earlier["value_norm"] != value
                            and earlier["sentence_start"] != fig["sentence_start"]     # 分别增长6%、7.5%
                            and earlier.get("status") == fig.get("status") and earlier.get("basis") == fig.get("basis") and
                            # (both tests are pure: the cheap one first)
                            ((_ends_sentence(text, earlier) and _ends_sentence(text, fig))
                             or _similar(right_of(fig), right_of(earlier)))):
                        group = earlier["conflict_group"] or next_group
                        if earlier["conflict_group"] is None:
                            next_group += 1
                        earlier["conflict"] = fig["conflict"] = True
                        earlier["conflict_group"] = fig["conflict_group"] = group
        kept.append(fig)
        entry = (rank, fig, left)
        n_of_value[value_key] = rank + 1
        if same_facts is None:
            by_facts[facts_key] = [entry]
        else:
            same_facts.append(entry)
        if long_left:
            if same_left is None:
                by_left[left_key] = [entry]
            else:
                same_left.append(entry)
    return kept


def _repeats(fig: dict, left: str, right_of, same_facts: list[tuple], min_rank: int, text: str) -> bool:
    """Whether fig repeats one of the earlier figures of the same metric, value, year and region whose
    rank is at least min_rank (the order they are tried in does not matter: any one makes fig a repeat)."""
    unit = fig["unit_norm"]
    for rank, earlier, e_left in reversed(same_facts):
        if rank < min_rank:
            break
        if earlier["unit_norm"] == unit and (_similar(left, e_left) or _similar(right_of(fig), right_of(earlier))):
            return True
        if (_countable(earlier, fig) and earlier["sentence_start"] != fig["sentence_start"]):
            e_head = _head(earlier)
            if e_head and e_head == _head(fig) and _completed(earlier, text) == _completed(fig, text):
                return True             # a restatement: 126项 重大项目 … 126个重大项目
    return False


def _head(fig: dict) -> str | None:
    """The counted noun without its modifiers (确立了三年实施的重大项目 -> 重大项目)."""
    subject = (fig.get("subject") or "").rsplit("的", 1)[-1]
    return subject[-6:] if len(subject) >= 2 else None


COUNT_UNITS = {"项", "个", "家", "所", "件", "条", "种", "套", "台"}


def _countable(a: dict, b: dict) -> bool:
    """Two counts in interchangeable classifiers (126项 / 126个): a restatement of how many of a thing there are.
    Shares (占全疆81%) and amounts repeat by coincidence, so they are never merged this way."""
    return {a["unit_norm"], b["unit_norm"]} <= COUNT_UNITS
