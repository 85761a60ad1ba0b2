"""etl.regex_union: one pass of a combined regex gives exactly the spans of each pattern's finditer."""
import random
import re

import pytest

from etl import charclass, mask, regex_shape, regex_union
from etl.lexicon import nonfigure_patterns
from etl.regex_shape import Unsupported
from etl.regex_union import UnionScan

PIECES = ["2016年", "3月5日", "电话：0991-1234567", "Tel", "\n 1、", "\n二、", "(1+2)", "附件3", "第3届", "一式三份",
          "邮编：830000", "距离市区12公里", "十三五", "十八大", "A3型", "3.5版", "12号楼", "138", "3:4", "千万", "一些",
          "为", "，", " ", "\n", "5", "一", "（", "〔2018〕44号"]


def mask_patterns() -> list[re.Pattern]:
    """What the build scans every document with: the nonfigures.yaml patterns and the numeral words."""
    return [pattern for _, pattern in nonfigure_patterns()] + [mask.numeral_word_regex()]


def finditer_spans(patterns, text):
    return [[m.span() for m in p.finditer(text)] for p in patterns]


def test_spans_are_the_finditer_spans_of_every_pattern():
    patterns = tuple(mask_patterns())
    scanner = regex_union.union_scan(patterns)
    assert scanner.regex is not None and len(scanner.plain) < len(patterns)     # most are combined
    rng = random.Random(11)
    for _ in range(300):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        assert regex_union.spans(patterns, text) == finditer_spans(patterns, text)


def test_patterns_it_cannot_combine_run_on_their_own_with_the_same_spans():
    patterns = (re.compile(r"a*"),                  # can match the empty string
                re.compile(r"(b)c"),                # a capturing group
                re.compile(r"(?i)d"),               # ignores case
                re.compile(r"[^x]y"),               # a negated class first
                re.compile(r"(?m)^z\d"),            # at line starts
                re.compile(r"\d+项"), re.compile(r"第\d+届"))
    scanner = regex_union.union_scan(patterns)
    assert set(scanner.plain) == {0, 1, 2, 3} and scanner.line_start == [4]
    for text in ["aa bc Dd xy qy", "z1\nz2 第3届 12项", "", "\n\nz9z9", "第第3届3项"]:
        assert regex_union.spans(patterns, text) == finditer_spans(patterns, text)


def test_second_characters():
    second = regex_shape.second_chars
    assert second(re.compile(r"a\d")) == (set(), {"CATEGORY_DIGIT"})
    assert second(re.compile(r"(?:x|)yz")) == ({"z", "y"}, set())
    assert second(re.compile(r"a(?<=a)b*c")) == ({"b", "c"}, set())
    assert second(re.compile(r"ab[^c]")) == ({"b"}, set())          # what comes third does not matter
    for one_character in (r"ab?", r"a|bc", r"a[^b]"):
        with pytest.raises(Unsupported):
            second(re.compile(one_character))


def test_the_second_character_test_changes_the_regex_not_the_spans(monkeypatch):
    patterns = mask_patterns()
    with_after = UnionScan(patterns)
    monkeypatch.setattr(UnionScan, "_after_class", lambda self, members: None)
    without = UnionScan(patterns)
    assert without.regex.pattern != with_after.regex.pattern
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        assert with_after.spans(text) == without.spans(text) == finditer_spans(patterns, text)


def test_without_the_private_parser_the_mask_is_the_same(monkeypatch):
    """The engine reads re's private parser; if that ever changes shape it runs each pattern on its own."""
    text = ("2016年3月5日，新政发〔2018〕44号文件印发，第七届论坛在乌鲁木齐举办，“十三五”期间新上项目122项，"
            "电话：0991-1234567，一些企业统一报送，比例为3:1，共计4,565万元。")
    combined = mask.blocked_mask(text)

    def broken(pattern):
        raise AttributeError("re._parser changed")

    regex_union.union_scan.cache_clear()
    monkeypatch.setattr(regex_shape, "first_chars", broken)
    try:
        fallback = regex_union.union_scan(mask.mask_patterns())
        assert fallback.regex is None and len(fallback.plain) == len(fallback.patterns)
        assert mask.blocked_mask(text) == combined
        assert any(combined) and not all(combined)
    finally:
        regex_union.union_scan.cache_clear()


def test_digit_class_matches_every_decimal_digit_and_no_other_character_of_the_bmp():
    spelt = re.compile(f"[{charclass.digit_class()}]")
    bmp = "".join(map(chr, range(0x10000))).replace("\ud800", "")
    assert re.findall(spelt, bmp) == re.findall(r"\d", bmp)
    assert spelt.match("\U0001d7d3") and not re.compile(f"[{charclass.digit_class(frozenset('0123456789'))}]").match("5")


def test_line_end_class_holds_every_last_character_of_a_match(monkeypatch):
    furniture = re.compile(r"^[-—–]\s*\d{1,4}\s*[-—–]$|^(page|Page)\s*\d{1,4}$|^第\s*\d{1,4}\s*页$")
    end = regex_shape.line_end_class(furniture)
    for line in ["— 12 —", "Page 3", "第 5 页", "-7-"]:
        assert furniture.match(line) and end.match(line[-1]), line
    assert not end.match("。") and not end.match("年")
    # what it cannot tell: a match not anchored at $, a case-blind pattern, a class it does not read
    assert regex_shape.line_end_class(re.compile(r"^\d+")) is None
    assert regex_shape.line_end_class(re.compile(r"(?i)^page$")) is None
    assert regex_shape.line_end_class(re.compile(r"^x\w$")) is None
    monkeypatch.setattr(regex_shape, "parsed", lambda pattern: (_ for _ in ()).throw(AttributeError("re._parser changed")))
    assert regex_shape.line_end_class(furniture) is None
