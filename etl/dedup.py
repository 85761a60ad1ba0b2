"""The same figure stated twice in a document is kept once; two statements of one thing that disagree
(38亿元 in one copy of an article, 35亿元 in the other) are both kept and flagged as a conflict."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

CONTEXT = 10
_NOISE = re.compile(r"[\s\d.,%“”\"'：:，,；;。！？!?、（）()《》]+")
COMPLETION = re.compile(r"已完成|已经完成|完成了|已建成|实现了|已到位|已登记")


def _side(text: str, start: int, end: int, left: bool) -> str:
    if left:
        return _NOISE.sub("", text[max(0, start - 3 * CONTEXT):start])[-CONTEXT:]
    return _NOISE.sub("", text[end:end + 3 * CONTEXT])[:CONTEXT]


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 6 and SequenceMatcher(None, a, b).ratio() >= 0.8)


def _ends_sentence(text: str, figure: dict) -> bool:
    return text[figure["char_end"]:figure["char_end"] + 1] in ("。", "！", "？", "；", "")


def _completed(figure: dict, text: str) -> bool:
    """Planned and completed counts are different figures (6项 tasks set, 6项 completed)."""
    start = figure["char_start"]
    clause_start = max(text.rfind(ch, figure["sentence_start"], start) for ch in "，,；;：:") + 1
    return bool(COMPLETION.search(text[max(clause_start, figure["sentence_start"]):figure["char_end"]]))


def resolve(figures: list[dict], text: str) -> list[dict]:
    """Drop repeats, flag conflicts; figures are in text order and carry char_start/char_end/sentence_start."""
    kept: list[dict] = []
    next_group = 1
    for fig in figures:
        left = _side(text, fig["char_start"], fig["char_end"], True)
        right = _side(text, fig["char_start"], fig["char_end"], False)
        duplicate = False
        for earlier in kept:
            if earlier["metric"] != fig["metric"]:
                continue
            same_unit = earlier["unit_norm"] == fig["unit_norm"]
            e_left, e_right = earlier["_left"], earlier["_right"]
            same_place = _similar(left, e_left) or _similar(right, e_right)
            same_facts = earlier["year"] == fig["year"] and earlier["region"] == fig["region"]
            if same_unit and same_place and same_facts and earlier["value_norm"] == fig["value_norm"]:
                duplicate = True
                break
            if (same_unit and len(left) >= 8 and _similar(left, e_left) and earlier["year"] == fig["year"]
                    and (_similar(right, e_right) or (_ends_sentence(text, earlier) and _ends_sentence(text, fig)))
                    and earlier["value_norm"] != fig["value_norm"]):
                group = earlier["conflict_group"] or next_group
                if earlier["conflict_group"] is None:
                    next_group += 1
                earlier["conflict"] = fig["conflict"] = True
                earlier["conflict_group"] = fig["conflict_group"] = group
                continue
            if (earlier["value_norm"] == fig["value_norm"] and same_facts and _countable(earlier, fig)
                    and earlier["_head"] and earlier["_head"] == _head(fig)
                    and _completed(earlier, text) == _completed(fig, text)):
                duplicate = True        # a restatement: 126项 重大项目 … 126个重大项目
                break
        if duplicate:
            continue
        fig["_left"], fig["_right"], fig["_head"] = left, right, _head(fig)
        kept.append(fig)
    for fig in kept:
        for key in ("_left", "_right", "_head"):
            fig.pop(key, None)
    return kept


def _head(fig: dict) -> str | None:
    subject = fig.get("subject") or ""
    return subject[-4:] if len(subject) >= 2 else None


COUNT_UNITS = {"项", "个", "家", "所", "件", "条", "种", "套", "台"}


def _countable(a: dict, b: dict) -> bool:
    """Two counts in interchangeable classifiers (126项 / 126个), or the same unit."""
    return a["unit_norm"] == b["unit_norm"] or {a["unit_norm"], b["unit_norm"]} <= COUNT_UNITS
