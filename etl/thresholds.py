"""Quantities that set the bar of a category rather than state a result: 营收超亿元的企业达120家, 5000万元以上的项目
30个. A hedged quantity (超, 以上 …) inside a modifier that ends in 的 + noun, when the clause goes on to count
what passes the bar, is the bar; the count is the figure. (A hedged magnitude of one named thing, 吞吐量超千万人次的
机场, counts nothing after it and stays a figure.)"""
from __future__ import annotations

import re

# after the quantity: 以上/以下, 的, the noun, then a count of such things in the same clause
COUNTED_AFTER = re.compile(r"(?:及?以上|以下|左右)?的[^，。；;,:：！？\n\d]{0,10}?"
                           r"[\d一二三四五六七八九十两百千]+(?:\.\d+)?\s*[万]?(?:家|个|户|所|座|项|人|名|款|种|条|批)")


# 一个九亿多人口的大国, 第4个吞吐量超千万人次的机场: one thing described, not a category
SINGULAR_BEFORE = re.compile(r"(?:一|这|那|第[\d一二三四五六七八九十]+)个[^，。；;,:：！？\n\d]{0,8}$")


def is_threshold(text: str, start: int, end: int, approx: bool) -> bool:
    """The quantity text[start:end] (approx: hedged) is the bar of a category that the clause then counts."""
    return (approx and text.startswith(("的", "以上", "及以上", "以下", "左右"), end)
            and COUNTED_AFTER.match(text, end) is not None
            and SINGULAR_BEFORE.search(text, max(0, start - 14), start) is None)
