"""The grammar of numbers: Arabic, Chinese and mixed numerals (3万4000, 一万三, 两千四百五, 十余万, 1.5亿).

A numeral is scanned as tokens — numbers, small multipliers (十百千), large multipliers (万亿) and the hedges
余/多 — and evaluated the way a reader does, including the colloquial trailing digit (一万三 = 13000).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6, "柒": 7,
             "捌": 8, "玖": 9}
SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
LARGE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
HEDGES = "余多"
VAGUE = "几数"           # an approximate digit: 十几, 二十几万, 几十, 数百万 (read as the multipliers alone, approx)

_CN = "".join(CN_DIGITS) + "".join(SMALL) + "".join(LARGE)
CN_NUMERAL = _CN                  # every Chinese numeral character
NOT_CN_NUMERAL = re.compile(f"[^{_CN}]")
_MULTIPLIERS = "".join(SMALL) + "".join(LARGE)
ARABIC = r"\d{1,3}(?:[,，]\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?"
# A maximal numeral: numbers and multipliers, hedges only where a multiplier or the end follows.
# The first token is written `[digit or Chinese numeral]` + the rest of an Arabic number, so that the pattern
# starts with a plain character class: the regex engine then skips non-numeral text in C instead of trying a
# full match at every position (same matches as `(?:{ARABIC}|[{_CN}])`: an Arabic number always matches at a
# digit, and no Chinese numeral is a digit).
_ARABIC_REST = r"\d{0,2}(?:[,，]\d{3})+(?![\d])(?:\.\d+)?|\d*(?:\.\d+)?"


def numeral_pattern(lone_chinese: str = "", first: str = "") -> str:
    r"""NUMERAL's pattern. With lone_chinese (a regex, tried after a first Chinese numeral character), a
    match that starts with a Chinese numeral character needs it to hold; the match is unchanged where it does.
    quantities.scan uses it to skip, inside the regex engine, lone characters that cannot be a quantity.
    first: a class body for the opening character, a superset of the digits (`\d` spelt out, which re tests
    by table where `\d` costs a Unicode database call at every character of the text); its other characters
    start no match."""
    opening = first or r"\d"
    # the opening: an Arabic number, 几/数 before a multiplier (几十, 数百), or a Chinese numeral character
    return (rf"[{opening}{_CN}{VAGUE}](?:(?<=\d)(?:{_ARABIC_REST})|(?<=[{VAGUE}])(?=[{_MULTIPLIERS}])|"
            rf"(?<=[{_CN}])(?:{lone_chinese}))"
            rf"(?:{ARABIC}|[{_CN}]|点(?=[{''.join(CN_DIGITS)}\d])|[{HEDGES}{VAGUE}](?=[{_MULTIPLIERS}])"
            rf"|[{VAGUE}](?<=[{''.join(SMALL)}].)|个(?<=[{_CN}\d]个)(?=亿))*"
            rf"[{HEDGES}]?")


NUMERAL = re.compile(numeral_pattern())
# what, after a first Chinese numeral character, makes NUMERAL's match longer than that one character
NUMERAL_GOES_ON = rf"[\d{_CN}{HEDGES}{VAGUE}]|点(?=[{''.join(CN_DIGITS)}\d])"
_PLAIN = re.compile(ARABIC)
_SCALED = re.compile(rf"({ARABIC})([{''.join(LARGE)}])")
_HEDGED = re.compile(rf"({ARABIC})[{HEDGES}]")
_TOKEN = re.compile(rf"{ARABIC}|[{_CN}]|点|[{HEDGES}{VAGUE}]")


@dataclass(frozen=True)
class Numeral:
    value: float
    written: float          # the number before a trailing scale word (3千万 -> 3)
    scale_text: str         # the trailing scale word as written (千万), "" when none
    scale: float            # its factor (1e7), 1 when none
    approx: bool            # 余 / 多 inside the numeral
    has_digit: bool         # an explicit digit (Arabic or 一..九), not only multipliers
    chinese: bool           # written with Chinese numerals
    arabic: bool
    single_cn_digit: bool   # exactly one Chinese digit (一台, 二次) with no multiplier
    multipliers: int = 0    # how many 十百千万亿 it holds


_NEW = object.__new__
# a plain Arabic number: every field but value and written
_ARABIC_FIELDS = {"scale_text": "", "scale": 1.0, "approx": False, "has_digit": True, "chinese": False, "arabic": True,
                  "single_cn_digit": False, "multipliers": 0}


def _numeral(fields: dict, **more) -> Numeral:
    """Numeral(**fields, **more) (every field given), without the frozen dataclass's __init__, which sets each
    field through object.__setattr__: that was half of what evaluate costs on a numeral it has not seen."""
    num = _NEW(Numeral)
    num.__dict__.update(fields, **more)
    return num


def _as_number(token: str) -> float | None:
    if token[0].isdigit():
        return float(token.replace(",", "").replace("，", ""))
    if token in CN_DIGITS:
        return float(CN_DIGITS[token])
    return None


@lru_cache(maxsize=65536)
def evaluate(text: str, hedged: bool = False) -> Numeral | None:
    """Value of one numeral span, or None when it is not a well-formed number (十三五, 三五, 万千).

    A bare 万/亿 counts as one 万/亿 only when hedged: 万余人, 近万人 (hedged=True: a hedge word precedes)."""
    if _PLAIN.fullmatch(text):                       # the common case, 14367.85 or 4,565: no grammar needed
        value = float(text.replace(",", "").replace("，", ""))
        return _numeral(_ARABIC_FIELDS, value=value, written=value)
    scaled = _SCALED.fullmatch(text)
    if scaled and (number := float(scaled[1].replace(",", "").replace("，", ""))):
        # the next common case, 14367.85万 or 3亿: what the grammar below works out for these two tokens
        scale = 1.0 * LARGE[scaled[2]]
        value = number * LARGE[scaled[2]]
        return _numeral(_ARABIC_FIELDS, value=value, written=round(value / scale, 10), scale_text=scaled[2],
                        scale=scale, multipliers=1)
    hedged_number = _HEDGED.fullmatch(text)
    if hedged_number:
        # 300多, 1.5余: the same again, plus approx
        value = float(hedged_number[1].replace(",", "").replace("，", ""))
        return _numeral(_ARABIC_FIELDS, value=value, written=round(value, 10), approx=True)
    tokens = _TOKEN.findall(text)
    if tokens and tokens[0] in ("零", "〇") and len(tokens) > 1 and tokens[1] == "点":
        tokens = ["0"] + tokens[1:]                  # 零点五
    if not tokens:
        return None
    total = section = 0.0
    pending: float | None = None
    last_small = last_large = None
    approx = zero_before = False
    decimal_digits: list[int] | None = None
    has_digit = any(t[0].isdigit() or (t in CN_DIGITS and CN_DIGITS[t] > 0) for t in tokens)
    for i, tok in enumerate(tokens):
        if tok == "点":
            if pending is None and section and decimal_digits is None:
                pending, section, last_small = section, 0.0, None     # 二十点五: the integer part is 二十
            if pending is None or decimal_digits is not None:
                return None
            decimal_digits = []
            continue
        if tok in HEDGES:
            approx = True
            continue
        if tok in VAGUE:
            if pending is not None or decimal_digits is not None:
                return None                      # 三几
            approx = True
            if i + 1 < len(tokens) and tokens[i + 1] in SMALL:
                pending = 1.0                    # 几十, 几百: the multiplier alone
            continue
        number = _as_number(tok)
        if number is not None:
            if decimal_digits is not None:
                if tok not in CN_DIGITS:
                    return None
                decimal_digits.append(int(number))
                continue
            if tok in ("零", "〇"):
                zero_before = True
                continue
            if pending is not None:
                return None                      # two numbers in a row: 十三五, 三五个
            pending = number
            continue
        if decimal_digits is not None:
            pending = float(f"{int(pending)}.{''.join(map(str, decimal_digits))}") if decimal_digits else pending
            decimal_digits = None
        if tok in SMALL:
            unit = SMALL[tok]
            if pending is None:
                if i != 0 and tokens[i - 1] not in ("零", "〇"):
                    return None                  # a multiplier with no number before it, mid-numeral
                pending = 1.0
            if last_small is not None and unit >= last_small:
                return None                      # 十百, 百百
            section += pending * unit
            pending, last_small, zero_before = None, unit, False
        else:
            unit = LARGE[tok]
            value = section + (pending or 0.0)
            if value == 0 and last_large is not None and tokens[i - 1] in LARGE:
                total *= unit                    # stacked scales as written: 三万万 (3e8), 两亿万 (2e12)
                last_large = unit
                continue
            if value == 0 and total == 0:
                if i != 0 or not (hedged or any(t in HEDGES for t in tokens)):
                    return None                  # 万元, 亿元大关: a bare 万/亿 is not the number 1万
                value = 1.0
            if last_large is not None and unit > last_large:
                total = (total + value) * unit   # 万亿, 三千万亿
            elif last_large is not None and unit == last_large and value == 0:
                return None
            else:
                total += value * unit
            section, pending, last_small, last_large, zero_before = 0.0, None, None, unit, False
    if decimal_digits is not None:
        if not decimal_digits:
            return None
        pending = float(f"{int(pending)}.{''.join(map(str, decimal_digits))}")
    if pending is not None:
        single_digit = pending < 10 and pending == int(pending)
        if single_digit and not zero_before and last_small is not None and last_small >= 100:
            section += pending * last_small / 10           # 两千四百五 -> 2450
        elif single_digit and not zero_before and last_small is None and last_large is not None:
            section += pending * last_large / 10           # 一万三 -> 13000
        else:
            section += pending
    value = total + section
    written, scale_text, scale = _split_scale(tokens, value)
    chinese = any(t in CN_DIGITS or t in SMALL for t in tokens)
    arabic = any(t[0].isdigit() for t in tokens)
    multipliers = sum(1 for t in tokens if t in SMALL or t in LARGE)
    single = not arabic and not multipliers and sum(1 for t in tokens if t in CN_DIGITS) == 1
    return _numeral({}, value=value, written=written, scale_text=scale_text, scale=scale, approx=approx,
                    has_digit=has_digit, chinese=chinese, arabic=arabic, single_cn_digit=single,
                    multipliers=multipliers)


def _split_scale(tokens: list[str], value: float) -> tuple[float, str, float]:
    """Separate a trailing scale word (万, 亿, 千万, 万亿) so that 3千万元 reads as 3 with unit 千万元."""
    j = len(tokens)
    while j > 0 and (tokens[j - 1] in LARGE or tokens[j - 1] in HEDGES):
        j -= 1
    if j == len(tokens) or j == 0:
        return value, "", 1.0
    suffix = [t for t in tokens[j:] if t in LARGE]
    # "3千万": an Arabic number, then 千/百/十 directly before the large multiplier, joins the scale word
    if j == 2 and tokens[0][0].isdigit() and tokens[1] in SMALL:
        suffix = [tokens[1]] + suffix
    scale = 1.0
    for t in suffix:
        scale *= SMALL.get(t) or LARGE[t]
    written = value / scale
    written = round(written, 10)
    return written, "".join(suffix), scale
