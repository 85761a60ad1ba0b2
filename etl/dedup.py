"""The same figure stated twice in a document is kept once; two statements of one thing that disagree
(38亿元 in one copy of an article, 35亿元 in the other) are both kept and flagged as a conflict."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

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
    return _NOISE.sub("", _SENTENCE_END.split(text[end:end + 3 * CONTEXT])[0])[:CONTEXT]


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 6 and SequenceMatcher(None, a, b).ratio() >= 0.8)


def _ends_sentence(text: str, figure: dict) -> bool:
    return text[figure["char_end"]:figure["char_end"] + 1] in ("。", "！", "？", "；", "")


def _completed(figure: dict, text: str) -> bool:
    """Planned and completed counts are different figures (6项 tasks set, 6项 completed)."""
    start = figure["char_start"]
    floor = max(figure["sentence_start"], start - 40)
    clause_start = max(text.rfind(ch, floor, start) for ch in "，,；;：:") + 1
    return bool(COMPLETION.search(text[max(clause_start, floor):figure["char_end"]]))


def resolve(figures: list[dict], text: str) -> list[dict]:
    """Drop repeats, flag conflicts; figures are in text order and carry char_start/char_end/sentence_start.

    Earlier figures are indexed by value (repeats need the same value) and by exact left context (conflicts
    need the same wording before the number), so a document costs about one comparison per figure."""
    kept: list[dict] = []
    by_value: dict[tuple, list[dict]] = {}
    by_left: dict[tuple, list[dict]] = {}
    next_group = 1
    for fig in figures:
        left = _side(text, fig["char_start"], fig["char_end"], True)
        right = _side(text, fig["char_start"], fig["char_end"], False)
        head = _head(fig)
        same_facts = lambda e: e["year"] == fig["year"] and e["region"] == fig["region"]  # noqa: E731
        duplicate = False
        for earlier in by_value.get((fig["metric"], fig["value_norm"]), [])[-RECENT:]:
            if not same_facts(earlier):
                continue
            same_place = _similar(left, earlier["_left"]) or _similar(right, earlier["_right"])
            if earlier["unit_norm"] == fig["unit_norm"] and same_place:
                duplicate = True
                break
            if (_countable(earlier, fig) and earlier["_head"] and earlier["_head"] == head
                    and earlier["sentence_start"] != fig["sentence_start"]
                    and _completed(earlier, text) == _completed(fig, text)):
                duplicate = True        # a restatement: 126项 重大项目 … 126个重大项目
                break
        if duplicate:
            continue
        if len(left) >= 8:
            for earlier in by_left.get((fig["metric"], fig["unit_norm"], left), [])[-RECENT:]:
                if (earlier["year"] == fig["year"] and earlier["value_norm"] != fig["value_norm"] and
                        (_similar(right, earlier["_right"]) or (_ends_sentence(text, earlier) and _ends_sentence(text, fig)))):
                    group = earlier["conflict_group"] or next_group
                    if earlier["conflict_group"] is None:
                        next_group += 1
                    earlier["conflict"] = fig["conflict"] = True
                    earlier["conflict_group"] = fig["conflict_group"] = group
        fig["_left"], fig["_right"], fig["_head"] = left, right, head
        kept.append(fig)
        by_value.setdefault((fig["metric"], fig["value_norm"]), []).append(fig)
        by_left.setdefault((fig["metric"], fig["unit_norm"], left), []).append(fig)
    for fig in kept:
        for key in ("_left", "_right", "_head"):
            fig.pop(key, None)
    return kept


def _head(fig: dict) -> str | None:
    """The counted noun without its modifiers (确立了三年实施的重大项目 -> 重大项目)."""
    subject = (fig.get("subject") or "").rsplit("的", 1)[-1]
    return subject[-6:] if len(subject) >= 2 else None


COUNT_UNITS = {"项", "个", "家", "所", "件", "条", "种", "套", "台"}


def _countable(a: dict, b: dict) -> bool:
    """Two counts in interchangeable classifiers (126项 / 126个): a restatement of how many of a thing there are.
    Shares (占全疆81%) and amounts repeat by coincidence, so they are never merged this way."""
    return {a["unit_norm"], b["unit_norm"]} <= COUNT_UNITS
