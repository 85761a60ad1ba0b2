"""Quantities in running text: a numeral, its unit, hedges, ranges, percent and fraction forms — and never
the number-shaped things that are not quantities (dates, document numbers, ordinals, phone numbers …)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from operator import attrgetter

from . import quantity_links
from .charclass import digit_class
from .hedges import HEDGE_LAST, POST_APPROX, VAGUE_BEFORE, hedge_before
from .mask import blocked_mask
from .numerals import CN_DIGITS, CN_NUMERAL, NOT_CN_NUMERAL, NUMERAL, NUMERAL_GOES_ON, SMALL, evaluate, numeral_pattern
from .simplified import to_simplified
from .textnorm import clean_with_offsets
from .units import unit_norms, unit_regex

RANGE_LINK = re.compile(r"\s*(?:~|～|--?|——?|–|－|至|到)\s*")
PERCENT_WORD = re.compile(rf"(百|千|万)分之((?:\d{{1,3}}(?:[,，]\d{{3}})+(?:\.\d{{1,6}})?|\d{{1,6}}(?:\.\d{{1,6}})?)|"
                          rf"[{CN_NUMERAL}点]{{1,16}})")
PER_PART = {"百": (1.0, "%"), "千": (0.1, "‰"), "万": (0.01, "‱")}


@dataclass
class Quantity:
    value: float
    value_max: float | None
    unit: str | None
    value_norm: float
    value_max_norm: float | None
    unit_norm: str | None
    approx: bool
    start: int
    end: int
    text: str
    kind: str | None
    qualifier: str | None
    numeral: str
    single_cn_digit: bool = False

    def public(self, offsets: list[int] | None = None, source: str | None = None) -> dict:
        out = asdict(self)
        out.pop("single_cn_digit")
        if offsets is not None:
            out["start"] = offsets[self.start]
            out["end"] = offsets[self.end - 1] + 1
            out["text"] = source[out["start"]:out["end"]]
        return out


def tidy(x: float | None) -> float | None:
    """Round away float noise (4.6亿 -> 46000 万元, not 45999.99999)."""
    if x is None:
        return None
    if -2.0 ** 53 < x < 2.0 ** 53 and x == int(x):
        return float(x)                   # an integer a float holds exactly (五十万亿零二十四 keeps its 24)
    return _tidy_fraction(x)


@lru_cache(maxsize=1 << 16)
def _tidy_fraction(x: float) -> float:
    """Cached: equal floats give equal results (±0 never gets here: 0 is an integer)."""
    return float(f"{x:.15g}")


def _any_set(flags: bytearray, start: int, end: int) -> bool:
    """any(flags[start:end]) without copying the slice."""
    end = min(end, len(flags))
    return end > start and flags.count(0, start, end) != end - start


def _numeral_kind(num) -> str:
    if num.chinese and num.arabic:
        return "mixed"
    return "chinese" if num.chinese else "arabic"


def _special_forms(text: str, mask: bytearray) -> list[Quantity]:
    """百分之十五, 千分之五, 三分之二 and 2/3: percent and fraction forms."""
    found = []
    has_part = "分之" in text               # percent and Chinese fraction forms need 分之, 2/3 needs a slash
    for m in PERCENT_WORD.finditer(text) if has_part else ():
        if mask[m.start()]:
            continue
        num = evaluate(m.group(2))
        if num is None:
            continue
        per, unit = PER_PART[m.group(1)]
        start, sign = m.start(), 1.0
        if start and text[start - 1] == "负":
            start, sign = start - 1, -1.0            # 负百分之五
        qualifier = hedge_before(text, start)
        found.append(Quantity(tidy(sign * num.value), None, unit, tidy(sign * num.value * per), None, "%",
                              num.approx or qualifier == "approx", start, m.end(), text[start:m.end()], "percent",
                              qualifier, _numeral_kind(num)))
    for m in _cn_fraction().finditer(text) if has_part else ():
        if mask[m.start()] or m.group(1) in PER_PART or any(q.start <= m.start() < q.end for q in found):
            continue
        den, num = evaluate(m.group(1)), evaluate(m.group(2))
        if den is None or num is None or den.value == 0:
            continue
        found.append(_fraction(num.value, den.value, m, text, "chinese"))
    for yuan, start, end, approx in quantity_links.small_money(text, [(q.start, q.end) for q in found]):
        if not mask[start]:
            qualifier = hedge_before(text, start)
            found.append(Quantity(tidy(yuan), None, "元", tidy(yuan * 0.0001), None, "万元", approx or qualifier == "approx",
                                  start, end, text[start:end], "money", qualifier, "mixed"))
    for m in _slash_fractions(text):
        if mask[m.start()] or mask[m.end() - 1]:
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if 0 < a < b:
            found.append(_fraction(a, b, m, text, "arabic"))
    return found


@lru_cache(maxsize=None)
def _cn_fraction() -> re.Pattern:
    r"""三分之二. It opens with a plain class (`\d` spelt out, then checked by a lookbehind at the few characters
    the class lets through), so re skips to where a match can start instead of trying a match at every character
    of the text. Bounded runs: an unbounded [..]+ before 分之 would retry every start inside a long digit run
    (quadratic)."""
    return re.compile(rf"([{CN_NUMERAL}{digit_class()}](?:(?<=[{CN_NUMERAL}])[{CN_NUMERAL}]{{0,7}}|"
                      rf"(?<=\d)\d{{0,5}}))分之([{CN_NUMERAL}]{{1,8}}|\d{{1,6}})")


FRACTION = re.compile(r"(\d(?<![\d/.].)\d{0,2})\s*/\s*(\d{1,4})(?![\d/])")


def _slash_fractions(text: str):
    """FRACTION.finditer(text), tried only just before each slash instead of at every digit: a match is one to three
    digits, white space and its only slash, so it starts in the three characters before the slash's white space."""
    end = 0
    slash = text.find("/")
    while slash >= 0:
        digits_end = slash
        while digits_end > end and text[digits_end - 1].isspace():      # str.isspace() is what \s matches
            digits_end -= 1
        for start in range(max(end, digits_end - 3), digits_end):
            m = FRACTION.match(text, start)
            if m:
                yield m
                end = m.end()
                break
        slash = text.find("/", max(slash + 1, end))


def _fraction(numerator: float, denominator: float, m: re.Match, text: str, numeral: str) -> Quantity:
    ratio = numerator / denominator
    qualifier = hedge_before(text, m.start())
    approx = qualifier == "approx" or text.startswith(("以上", "左右", "上下", "多"), m.end())   # 1/10以上
    return Quantity(round(ratio, 4), None, "", round(100 * ratio, 2), None, "%", approx, m.start(),
                    m.end(), m.group(), "fraction", qualifier, numeral)


def scan(text: str, mask: bytearray | None = None) -> list[Quantity]:
    """All quantities of an already cleaned text (half-width, spaces squeezed), in order."""
    if mask is None:
        mask = blocked_mask(text)
    found = _special_forms(text, mask)
    n = len(text)
    blocked = bytearray(mask[:n])                     # the mask, plus the spans already taken by a quantity
    blocked.extend(bytes(n - len(blocked)))
    for q in found:
        blocked[q.start:q.end] = b"\x01" * (q.end - q.start)
    count = blocked.count
    unit_match, norms, after_match = unit_regex().match, unit_norms(), _after_numeral().match
    numeral_re = _scan_numeral()
    for m in numeral_re.finditer(text):
        s, e = m.span()
        if count(0, s, e) != e - s:                   # any(blocked[s:e]), without copying the slice
            continue
        if text[e - 1] in SMALL and e - 1 > s:
            unit = unit_match(text, e - 1)            # 1亿千瓦, 2万千瓦时: 千 opens the unit
            if unit is not None and len(unit.group()) > 1:
                m = numeral_re.match(text, s, e - 1) or m
        q = _quantity(text, m, mask, unit_match, norms, after_match)
        if q is not None:
            if q.unit is not None and text[q.end:q.end + 1] in quantity_links.TAIL_START:
                q = quantity_links.unit_tail(text, q, norms)
            blocked[q.start:q.end] = b"\x01" * (q.end - q.start)
            found.append(q)
    found.sort(key=attrgetter("start"))
    return quantity_links.link(text, found, norms)


@lru_cache(maxsize=None)
def _scan_numeral() -> re.Pattern:
    """NUMERAL without the matches _quantity turns down at once, unread: a lone Chinese numeral character
    (一 of 统一, 十 of 十分 — 44 % of all matches) with neither a range link nor a unit after it. Skipping
    such a match changes nothing: it yields no quantity and marks nothing, and finditer goes on at the next
    character either way. Characters that may stand alone as a number (none, with today's grammar) keep
    every match."""
    never = _LONE_NEVER_BARE[False] & _LONE_NEVER_BARE[True]
    may_stand = "".join(ch for ch in CN_NUMERAL if ch not in never)
    lone = f"(?={NUMERAL_GOES_ON}|{RANGE_LINK.pattern}|{unit_regex().pattern})"
    if may_stand:
        lone = f"(?<=[{may_stand}])|{lone}"
    return re.compile(numeral_pattern(lone, first=digit_class()))


@lru_cache(maxsize=None)
def _after_numeral() -> re.Pattern:
    """A range link (group `link`, tried first, as _quantity does) or else the longest unit: one regex call
    where there would be two."""
    return re.compile(f"(?P<link>{RANGE_LINK.pattern})|{unit_regex().pattern}")


def _quantity(text: str, m: re.Match, mask: bytearray, unit_match, unit_norms, after_match) -> Quantity | None:
    """_general_quantity(...) (same arguments), its reading of the numeral and unit looked up in a cache where no
    range link follows (nearly always): the same numeral with the same unit reads the same wherever it stands."""
    s, e = m.span()
    before = text[s - 1] if s else " "
    if ((before in VAGUE_BEFORE and not (before == "数" and text[s].isdigit())) or text[e:e + 1] == "几"
            or (before.isascii() and before.isalpha())):
        return None                                   # as _general_quantity decides
    unit = after_match(text, e)
    if unit and unit.lastgroup == "link":
        return _general_quantity(text, m, mask, unit_match, unit_norms, after_match)
    hedge = hedge_before(text, s) if before in HEDGE_LAST or before == "\n" else None
    sign = 1.0
    if before in ("负", "−") or (before in "-－" and (s < 2 or not _before_minus_is_term(text[s - 2]))):
        sign, s = -1.0, s - 1
    elif before == "下" and s >= 2 and text[s - 2] == "零":
        sign, s = -1.0, s - 2                         # 零下十度
    unit_base = unit.group() if unit else None
    reading = _reading(m.group(), hedge == "approx", before in "上成", sign, unit_base)
    if reading is None:
        return _adjacent_digits(text, m, unit_base)
    value, unit_text, value_norm, unit_norm, kind, approx, numeral, single = reading
    end = e
    if unit_base is not None:
        end += len(unit_base)
        if text.startswith(POST_APPROX, end) and not text.startswith("多万", end):
            approx = True
    qualifier = hedge if s == m.start() else hedge_before(text, s)
    if qualifier == "approx":
        approx = True
    return Quantity(value, None, unit_text, value_norm, None, unit_norm, approx, s, end, text[s:end], kind, qualifier,
                    numeral, single)


# 三五百, 八九亿, 二三十, 三五个: two neighbouring digits for a vague range (the second one or two above the first)
_ADJACENT = re.compile(r"([一二三四五六七八九])([二三四五六七八九])([十百千万亿]*)")


def _adjacent_digits(text: str, m: re.Match, unit_base: str | None) -> Quantity | None:
    """The approximate range a pair of neighbouring digits states (三五百人: 300 to 500), or None."""
    pair = _ADJACENT.fullmatch(m.group())
    if pair is None or unit_base is None:
        return None
    d1, d2 = CN_DIGITS[pair.group(1)], CN_DIGITS[pair.group(2)]
    if not d1 < d2 <= d1 + 2:
        return None
    low, high = evaluate(pair.group(1) + pair.group(3)), evaluate(pair.group(2) + pair.group(3))
    if low is None or high is None:
        return None
    factor, unit_norm, kind = unit_norms()[unit_base]
    end = m.end() + len(unit_base)
    return Quantity(tidy(low.written), tidy(high.written), low.scale_text + unit_base, tidy(low.value * factor),
                    None if high is None else tidy(high.value * factor), unit_norm, True, m.start(), end,
                    text[m.start():end], kind, "approx", "chinese")


def _before_minus_is_term(ch: str) -> bool:
    """A - after ch is a dash between two terms (3-5, A-1, 4%-5%), not a minus sign (增长-2.3%)."""
    return (ch.isascii() and ch.isalnum()) or ch in "%‰"


@lru_cache(maxsize=1 << 16)
def _reading(numeral: str, hedged: bool, after_shang_cheng: bool, sign: float, unit_base: str | None) -> tuple | None:
    """What _general_quantity works out from the numeral alone (no range) and its unit: (value, unit as written,
    value_norm, unit_norm, kind, approx, numeral kind, single Chinese digit), or None for no quantity.
    after_shang_cheng: 上 or 成 comes right before (上千, 成百)."""
    num = evaluate(numeral, hedged)
    if num is None or (not num.has_digit and after_shang_cheng):
        return None
    if unit_base is None:
        if not _bare_is_number(num):
            return None
        unit_text, written, value_norm, unit_norm, kind = None, num.value, num.value, None, None
    else:
        factor, unit_norm, kind = unit_norms()[unit_base]
        unit_text, written, value_norm = num.scale_text + unit_base, num.written, num.value * factor
    if num.value == 0 and not num.has_digit:
        return None
    return (tidy(sign * written), unit_text, tidy(sign * value_norm), unit_norm, kind, num.approx, _numeral_kind(num),
            num.single_cn_digit)


def _general_quantity(text: str, m: re.Match, mask: bytearray, unit_match, unit_norms,
                      after_match) -> Quantity | None:
    """The quantity at the numeral m, or None. The last three: unit_regex().match, unit_norms(),
    _after_numeral().match, looked up once per scan."""
    s, e = m.span()
    before = text[s - 1] if s else " "
    # hedge_before finds nothing unless a hedge word's last character (or a newline) comes right before
    hedge = hedge_before(text, s) if before in HEDGE_LAST or before == "\n" else None
    num = evaluate(m.group(), hedge == "approx")
    if num is None:
        if ((before in VAGUE_BEFORE and not (before == "数" and text[s].isdigit())) or text[e:e + 1] == "几"
                or (before.isascii() and before.isalpha())):
            return None
        unit = unit_match(text, e)
        return _adjacent_digits(text, m, unit.group() if unit else None)
    if ((before in VAGUE_BEFORE and not (before == "数" and text[s].isdigit())) or text[e:e + 1] == "几"
            or (not num.has_digit and before in "上成")):
        return None                                   # 数百, 上千, 若干: not a stated number (总数1200家 is)
    if before.isascii() and before.isalpha():
        return None                                   # part of a code or model name (R2, G20)
    sign = 1.0
    if before in ("负", "−") or (before in "-－" and (s < 2 or not _before_minus_is_term(text[s - 2]))):
        sign, s = -1.0, s - 1
    elif before == "下" and s >= 2 and text[s - 2] == "零":
        sign, s = -1.0, s - 2                         # 零下十度
    value_max = None
    end = e
    unit = after_match(text, e)
    if unit and unit.lastgroup == "link":
        second = NUMERAL.match(text, unit.end())
        if second and not _any_set(mask, second.start(), second.end()):
            other = evaluate(second.group())
            if other is not None and unit_match(text, second.end()):
                value_max, end = other, second.end()
        unit = unit_match(text, end)                  # the unit after the range, or after the first numeral
    approx = num.approx or (value_max is not None and value_max.approx)
    qualifier = hedge if s == m.start() else hedge_before(text, s)
    if value_max is not None:
        scale = value_max.scale if num.scale == 1 else num.scale
        low, high = num.value * (scale if num.scale == 1 else 1), value_max.value
        if low > high and num.scale == 1:
            low = num.value                           # 从8500到3万元: the first is already in 元
        written, written_max, scale_text = low / scale, high / scale, value_max.scale_text or num.scale_text
    else:
        low, high = num.value, None
        written, written_max, scale_text = num.written, None, num.scale_text
    if unit is None:
        if not _bare_is_number(num):
            return None
        unit_text, written, written_max = None, low, high
        value_norm = unit_norm = kind = value_max_norm = None
    else:
        unit_base = unit.group()
        unit_text = scale_text + unit_base
        end += len(unit_base)
        if text.startswith(POST_APPROX, end) and not text.startswith("多万", end):
            approx = True
        factor, unit_norm, kind = unit_norms[unit_base]
    if num.value == 0 and not num.has_digit:
        return None
    if unit is None:
        value_norm = tidy(sign * low)
        value_max_norm = tidy(sign * high) if high is not None else None
    else:
        value_norm = tidy(sign * low * factor)
        value_max_norm = tidy(sign * high * factor) if high is not None else None
    if qualifier == "approx":
        approx = True
    return Quantity(tidy(sign * written), tidy(sign * written_max) if written_max is not None else None, unit_text,
                    value_norm, value_max_norm, unit_norm, approx, s, end, text[s:end], kind, qualifier,
                    _numeral_kind(num), num.single_cn_digit)


def _lone_never_bare(hedged: bool) -> frozenset[str]:
    """Numeral characters that, alone and with no unit or range after them, are never a quantity."""
    return frozenset(ch for ch in CN_NUMERAL
                     if (num := evaluate(ch, hedged=hedged)) is None or not _bare_is_number(num))


def _bare_is_number(num) -> bool:
    """A bare numeral (no unit) counts only when it is unmistakably a number: Arabic, or a Chinese numeral
    with a multiplier and a digit or hedge (两千四百五, 十余万) — not 一 of 统一, not 千万 of 千万不能."""
    if num.arabic:
        return True
    if num.single_cn_digit:
        return False
    if num.value != int(num.value):
        return True                       # 一点五: a decimal point makes it a number
    return num.value >= 10 and (num.has_digit or num.approx or num.multipliers >= 2)


def parse_quantities(text: str) -> list[dict]:
    """Quantities of any text, with offsets into that text.

    Each: value, unit (as written, scale word included; None for a bare number), value_norm, unit_norm
    (money in 万元 / 万美元, counts scaled to the base unit, fractions in %), approx, start, end, plus
    value_max / value_max_norm for ranges, text, kind, qualifier (approx, cap, floor) and numeral.
    """
    clean, offsets = clean_with_offsets(text)
    clean = to_simplified(clean)                      # 126個 -> 126个, one character for one: offsets hold
    found = scan(clean) or _whole_numeral(clean)
    return [q.public(offsets, text) for q in found]


_DIGIT_STRING = re.compile(rf"[{''.join(CN_DIGITS)}]+(?:点[{''.join(CN_DIGITS)}]+)?")


def _whole_numeral(text: str) -> list[Quantity]:
    """A text that is nothing but a numeral is that number, even where running text would not take it alone:
    一, 十, 两, and digit by digit 一七二零 (1720)."""
    stripped = text.strip()
    if not stripped or NOT_CN_NUMERAL.search(stripped.replace("点", "")):
        return []
    num = evaluate(stripped)
    if num is not None:
        value = num.value
    elif _DIGIT_STRING.fullmatch(stripped):
        whole, _, decimals = stripped.partition("点")
        value = float("".join(str(CN_DIGITS[c]) for c in whole) + "." + "".join(str(CN_DIGITS[c]) for c in decimals))
    else:
        return []
    start = text.index(stripped)
    return [Quantity(tidy(value), None, None, tidy(value), None, None, False, start, start + len(stripped), stripped,
                     None, None, "chinese")]


_LONE_NEVER_BARE = {hedged: _lone_never_bare(hedged) for hedged in (False, True)}
