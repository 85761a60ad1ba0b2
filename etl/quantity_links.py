"""Quantities read together with what stands around them, during and after the scan: what follows a unit and
belongs to it (3元5角, 三成半, 2813.8万辆（艘、架、列）次), RMB in 角/毛 and 块 (五毛钱, 十块三毛), a range with the unit on
both ends (4%-5%, 6%～7%), a unit that a list shares (1409万、1305万人次), and money written without 元 where the
clause is about money (资金3亿 -> 30000 万元; the money words are lexicons/money_words.txt)."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from .lexicon import _lines
from .numerals import CN_DIGITS, LARGE, SMALL, evaluate

RANGE_GAP = re.compile(r"\s*(?:~|～|--?|——?|–|－|至|到)\s*")
# 从4.6亿元到10亿元, 由600家到1500家: a change from one value to another, two figures (annotation spec), no range
_FROM_BEFORE = re.compile(r"[从由][^，。；;,:：！？\n]{0,7}$")
LIST_GAP = frozenset(("、", "和", "及", "与", "或"))
# after a quantity in 元: 5角, 2角3分, 3分 (one digit each)
MONEY_TAIL = re.compile(r"([0-9零〇一二两三四五六七八九])[角毛](?:([0-9零〇一二两三四五六七八九])分)?钱?|"
                        r"([0-9一二两三四五六七八九])分钱?")
# 角/毛 on their own, where 钱, 分 or a second digit (三毛五) says it is money: 五毛钱, 5角3分
SMALL_MONEY = re.compile(r"(?<![\d.])([0-9零〇一二两三四五六七八九十]{1,3})[角毛]"
                         r"(?:钱|([0-9一二两三四五六七八九])(?:分钱?|钱|(?![\u4e00-\u9fff])))")
_NUMERAL_END = frozenset("0123456789零〇一二两三四五六七八九十百千万亿几数")
# 块 for 元, where 毛/角 or a last digit follow: 十块三毛, 一百三十五块六角七分钱, 三块五
KUAI = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?[千万亿]?|[零〇一二两三四五六七八九十百千万亿几数]{1,10})块"
                  r"(?:([0-9一二两三四五六七八九])[角毛](?:([0-9一二两三四五六七八九])分)?钱?|"
                  r"([0-9一二两三四五六七八九])(?![\d\u4e00-\u9fff])|(?![\d\u4e00-\u9fff]))")
_DIGIT = {str(i): i for i in range(10)} | {k: v for k, v in CN_DIGITS.items()}
CLAUSE_END = "，。；;：:！？!?\n（）()"
MONEY_LOOKBACK = 24
MONEY_SCALES = frozenset(("亿", "万亿", "千万", "万"))
_SCALE_CHARS = frozenset("".join(SMALL) + "".join(LARGE))


@lru_cache(maxsize=None)
def money_words() -> re.Pattern:
    """The words that make a clause about money (资金, 投资, 总值 …), as one regex."""
    words = sorted(set(_lines("money_words.txt")), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


def _digit(ch: str | None) -> int:
    return _DIGIT[ch] if ch else 0


TAIL_FIRST = frozenset("0123456789零〇一二两三四五六七八九")


def money_tail(text: str, pos: int) -> tuple[float, int] | None:
    """(yuan, end) of a 角/分 tail at pos, after an amount in 元 (3元5角: 0.5), or None."""
    m = MONEY_TAIL.match(text, pos)
    if m is None:
        return None
    jiao, fen = (_digit(m.group(1)), _digit(m.group(2))) if m.group(1) else (0, _digit(m.group(3)))
    return jiao / 10 + fen / 100, m.end()


def small_money(text: str, found_spans) -> list[tuple[float, int, int, bool]]:
    """(yuan, start, end, approx) of 角/毛 amounts standing alone (五毛钱) and of 块 amounts with 毛 or 角 (十块三毛)."""
    out = []
    for m in _small_money_matches(text):
        num = evaluate(m.group(1))
        if num is None or any(s < m.end() and m.start() < e for s, e in found_spans):
            continue
        if m.re is SMALL_MONEY and m.start() and text[m.start() - 1] in "元块圆":
            continue                                  # 1元2角3分: the amount in 元 takes its tail
        if m.re is KUAI:
            if not (m.group(2) or m.group(4)) and not any(c in "千万亿" for c in m.group(1)):
                continue                              # 三块。: pieces, unless a scale word says money (几十万块)
            jiao = _digit(m.group(2) or m.group(4)) / 10 + _digit(m.group(3)) / 100
            out.append((num.value + jiao, m.start(), m.end(), num.approx))
        else:
            out.append((num.value / 10 + _digit(m.group(2)) / 100, m.start(), m.end(), num.approx))
    return out


def _positions(text: str, ch: str) -> list[int]:
    """Every index of ch in text (str.find: much faster than a regex over the text)."""
    out = []
    i = text.find(ch)
    while i >= 0:
        out.append(i)
        i = text.find(ch, i + 1)
    return out


def _small_money_matches(text: str):
    """SMALL_MONEY (before 角, 毛) and KUAI (before 块) matches, tried only in the few characters before each of
    those (their numeral is short): most texts hold few of them (视角, 毛利, 板块), and no digit run is tried at
    every digit."""
    end = 0
    for i in sorted(_positions(text, "角") + _positions(text, "毛") + _positions(text, "块")):
        if i < end or not i or text[i - 1] not in _NUMERAL_END:
            continue                                  # 视角, 板块: no numeral right before
        pattern, back = (KUAI, 10) if text[i] == "块" else (SMALL_MONEY, 3)
        for start in range(max(end, i - back), i):
            m = pattern.match(text, start)
            if m and m.start() < i < m.end():
                yield m
                end = m.end()
                break


# what can follow a unit and belong to it: a 角/分 tail (3元5角), bracketed classifiers, 半 (三成半)
TAIL_START = frozenset("0123456789零〇一二两三四五六七八九（(半")
# 辆（艘、架、列）次: classifiers in brackets, then the rest of the unit (unit_norm 辆次)
_BRACKETED_UNITS = re.compile(r"[（(][^（）()\n]{1,12}[)）]([次])")


def unit_tail(text: str, q, unit_norms: dict):
    """q with what follows its unit and belongs to it: 3元5角 (money in 元, 角, 分), 2813.8万辆（艘、架、列）次."""
    after = text[q.end:q.end + 1]
    if after == "半" and q.unit.endswith("成") and q.value_max is None:
        return replace(q, value=_tidy(q.value + 0.5), value_norm=_tidy(q.value_norm + 5), end=q.end + 1,
                       text=text[q.start:q.end + 1])               # 三成半: 35 %
    if q.unit == "元" and q.value_max is None and after and after in TAIL_FIRST:
        tail = money_tail(text, q.end)
        if tail is not None:
            jiao, end = tail
            yuan = q.value + jiao
            return replace(q, value=_tidy(yuan), value_norm=_tidy(yuan * 0.0001), end=end, text=text[q.start:end])
    elif after in ("（", "("):
        m = _BRACKETED_UNITS.match(text, q.end)
        split = base_unit(q.unit, unit_norms)
        if m and split and split[1] + m.group(1) in unit_norms:
            _, unit_norm, kind = unit_norms[split[1] + m.group(1)]
            return replace(q, unit=q.unit + text[q.end:m.end()], end=m.end(), text=text[q.start:m.end()],
                           unit_norm=unit_norm, kind=kind)
    return q


def link(text: str, found: list, unit_norms: dict) -> list:
    """The quantities of one text (in order) with ranges joined, list units shared and money without 元 read."""
    found = _join_ranges(text, found)
    found = _share_units(text, found, unit_norms)
    return [_money_without_yuan(text, q) if q.unit is None and ("万" in q.text or "亿" in q.text) else q
            for q in found]


def _join_ranges(text: str, found: list) -> list:
    out = []
    prev = None
    for q in found:
        if (prev is not None and q.start - prev.end <= 3 and prev.unit is not None and q.unit_norm == prev.unit_norm
                and prev.value_max is None and q.value_max is None and q.unit is not None):
            gap = text[prev.end:q.start]
            negative = q.value < 0 and text[q.start] in "-－" and gap == ""
            if ((negative or (gap and RANGE_GAP.fullmatch(gap))) and abs(prev.value_norm) <= abs(q.value_norm)
                    and not _FROM_BEFORE.search(text, max(0, prev.start - 8), prev.start)):
                prev = out[-1] = replace(prev, value_max=abs(q.value), value_max_norm=abs(q.value_norm), end=q.end,
                                         text=text[prev.start:q.end], approx=prev.approx or q.approx)
                continue
        out.append(q)
        prev = q
    return out


def base_unit(unit: str, unit_norms: dict) -> tuple[str, str] | None:
    """(scale, base) of a unit as written: 万人次 -> (万, 人次), 万千瓦 -> (万, 千瓦)."""
    for i in range(len(unit)):
        if unit[i:] in unit_norms and all(c in _SCALE_CHARS for c in unit[:i]):
            return unit[:i], unit[i:]
    return None


def _share_units(text: str, found: list, unit_norms: dict) -> list:
    """A bare number right before 、 and a number with a unit takes that unit (right to left, so that a whole
    list 10、20、30个 shares it)."""
    out = list(found)
    for i in range(len(out) - 2, -1, -1):
        q = out[i]
        if q.unit is not None:
            continue
        nxt = out[i + 1]
        if nxt.unit is None or nxt.value_max is not None or text[q.end:nxt.start] not in LIST_GAP:
            continue
        split = base_unit(nxt.unit, unit_norms)
        num = evaluate(q.text.lstrip("-－负−"))
        if split is None or num is None or (num.scale_text and num.scale_text != split[0]):
            continue
        factor, unit_norm, kind = unit_norms[split[1]]
        sign = -1.0 if q.value < 0 else 1.0
        # 8.6、5.2万吨: a number without a scale word takes the list's scale too
        scale = 1.0 if num.scale_text else _scale_of(split[0])
        out[i] = replace(q, value=_tidy(sign * num.written), unit=split[0] + split[1],
                         value_norm=_tidy(sign * num.value * scale * factor), unit_norm=unit_norm, kind=kind)
    return out


def _scale_of(scale_text: str) -> float:
    factor = 1.0
    for ch in scale_text:
        factor *= SMALL.get(ch) or LARGE[ch]
    return factor


def _money_without_yuan(text: str, q):
    """A bare number with a scale word (3亿, 1.2万亿, 万亿) in a clause that speaks of money reads as RMB."""
    numeral = q.text.lstrip("-－负−")
    num = evaluate(numeral, hedged=q.approx)
    if num is None:
        return q
    scale_text, written = num.scale_text, num.written
    if numeral and all(c in LARGE for c in numeral):
        scale_text, written = numeral, 1.0           # 突破万亿: the bare scale is the value 1 of its scale
    if scale_text not in MONEY_SCALES:
        return q
    after = text[q.end:q.end + 1]
    if after and "\u4e00" <= after <= "\u9fff" and after not in "的":
        return q                                      # 3亿人, 3万亩…: a word follows that the unit table lacks
    lo = max(0, q.start - MONEY_LOOKBACK)
    clause = text[lo:q.start]
    for ch in CLAUSE_END:
        cut = clause.rfind(ch)
        if cut >= 0:
            clause = clause[cut + 1:]
    if not money_words().search(clause):
        return q
    sign = -1.0 if q.value < 0 else 1.0
    return replace(q, value=_tidy(sign * written), unit=scale_text, value_norm=_tidy(sign * num.value * 1e-4),
                   unit_norm="万元", kind="money")


def _tidy(x: float) -> float:
    return float(f"{x:.15g}")
