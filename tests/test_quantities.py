"""parse_quantities against tests/cases/quantities.jsonl: one case per line, the input text is the test id."""
import json
from pathlib import Path

import pytest

from etl import parse_quantities

CASES = [json.loads(l) for l in (Path(__file__).parent / "cases" / "quantities.jsonl").read_text("utf-8").splitlines()
         if l.strip()]


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(reason=c["xfail"], strict=True))
                                  if c.get("xfail") else c for c in CASES], ids=[c["text"] for c in CASES])
def test_quantity(case):
    """A case marked "xfail" (with the reason) is a known failure, kept in the data: it must still fail."""
    found = parse_quantities(case["text"])
    if case.get("expect_none"):
        assert found == []
        return
    assert len(found) == 1, found
    q = found[0]
    assert q["value_norm"] == pytest.approx(case["value_norm"], rel=1e-9, abs=0.01)
    assert q["unit_norm"] == case["unit_norm"]
    assert q["approx"] == case.get("approx", False)
    for key in ("value", "unit", "value_max_norm"):
        if key in case:
            assert q[key] == (pytest.approx(case[key]) if isinstance(case[key], float | int) else case[key])
    span = case.get("span", case["text"].lstrip("约近超过突破增长"))
    assert case["text"][q["start"]:q["end"]] == span
    if case["unit_norm"] is None:
        assert q["unit"] is None


def test_offsets_point_into_the_input_after_cleanup():
    text = "引进先进技术成果和专利１２７ 项，总投资 5 000万元。"
    spans = [text[q["start"]:q["end"]] for q in parse_quantities(text)]
    assert spans == ["１２７ 项", "5 000万元"]


def test_several_quantities_in_running_text_keep_their_order():
    found = parse_quantities("2016年安排新上项目122项，新上项目计划总投资14367.85万元，引进高级人才45人。")
    assert [(q["value_norm"], q["unit_norm"]) for q in found] == [(122, "项"), (14367.85, "万元"), (45, "人")]


def test_words_regex_finds_the_longest_word_and_honours_end_conditions():
    import re

    from etl.lexicon import words_regex

    words = {"一": "", "一带": "", "一带一路": "", "和田": "(?=县|市)", "和": ""}
    pattern = re.compile(words_regex(words))
    # 和田 only before 县 or 市: at the end of the text it is the word 和
    assert [m.group() for m in pattern.finditer("一带一路和一带和田市和田")] == ["一带一路", "和", "一带", "和田", "和"]
    assert pattern.match("一带一").group() == "一带"


def test_scan_regexes_with_digits_spelt_out_match_as_with_backslash_d():
    import re

    from etl import quantities
    from etl.numerals import numeral_pattern

    # digits of other scripts (inside and outside the BMP) still start numbers; a character of the spelt-out
    # digit range that is no digit (an emoji) starts nothing, even before a unit
    texts = ["\U0001d7d3项和٣项", "\U0001f600项\U0001f600十万元", "共\U0001f6003/4和３/５", "三分之二，\U0001d7d0分之一"]
    plain = re.compile(numeral_pattern())
    for text in texts:
        assert ([m.span() for m in quantities._scan_numeral().finditer(text)]
                == [m.span() for m in plain.finditer(text) if quantities._scan_numeral().match(text, m.start())])
    cn = "[零〇一二两三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖十拾百佰千仟万萬亿億]{1,8}"
    slow_cn = re.compile(rf"({cn}|\d{{1,6}})分之({cn}|\d{{1,6}})")
    for text in texts:
        assert [m.span(1) for m in quantities._cn_fraction().finditer(text)] == [m.span(1) for m in slow_cn.finditer(text)]


def test_fractions_found_from_the_slashes_are_finditers():
    import random

    from etl import quantities

    rng = random.Random(3)
    pieces = ["1", "23", "4567", "/", " / ", "\n", " ", "  ", ".", "，", "年", "\U0001d7d3", "３", "//", "12/30", "1/2/3"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        assert ([m.span() for m in quantities._slash_fractions(text)]
                == [m.span() for m in quantities.FRACTION.finditer(text)])


def test_evaluate_builds_the_same_numerals_as_the_dataclass():
    import dataclasses

    import pytest as _pytest

    from etl.numerals import Numeral, evaluate

    for text in ("14367.85", "4,565", "一万三", "3千万", "十余万", "零点五"):
        num = evaluate(text)
        assert num == Numeral(**dataclasses.asdict(num)) and hash(num) == hash(Numeral(**dataclasses.asdict(num)))
        with _pytest.raises(dataclasses.FrozenInstanceError):
            num.value = 1.0
    assert evaluate("14367.85") == Numeral(14367.85, 14367.85, "", 1.0, False, True, False, True, False, 0)


def test_cached_reading_gives_the_general_quantity():
    import random

    from etl import quantities, units

    rng = random.Random(5)
    pieces = ["约", "近", "超过", "负", "-", "上", "成", "几", "数", "R", "3", "14367.85", "4,565", "一万三", "两千四百五",
              "十余万", "3千万", "万", "亿", "元", "万元", "项", "人", "个月", "%", "多", "余", "左右", "以上", "～", "至",
              "，", "。", "\n", " ", "一", "二", "零", "点", "五"]
    args = (units.unit_regex().match, units.unit_norms(), quantities._after_numeral().match)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        mask = quantities.blocked_mask(text)
        for m in quantities._scan_numeral().finditer(text):
            assert (quantities._quantity(text, m, mask, *args)
                    == quantities._general_quantity(text, m, mask, *args)), text


def test_evaluate_fast_paths_read_as_the_grammar_does(monkeypatch):
    import random

    from etl import numerals

    class Never:
        def fullmatch(self, text):
            return None

    rng = random.Random(9)
    texts = ["0万", "1,23万", "4,565万", "1亿", "3亿万", "40952.77万", "0.5億"]
    for _ in range(3000):
        number = rng.choice(["%d" % rng.randint(0, 10 ** rng.randint(1, 9)), "{:,}".format(rng.randint(0, 10 ** 9)),
                             "%.*f" % (rng.randint(1, 6), rng.random() * 10 ** rng.randint(0, 8))])
        texts.append(number + rng.choice(["", "万", "亿", "萬", "億", "多", "余", "万多"]))
    fast = [numerals.evaluate.__wrapped__(text) for text in texts]
    monkeypatch.setattr(numerals, "_PLAIN", Never())
    monkeypatch.setattr(numerals, "_SCALED", Never())
    monkeypatch.setattr(numerals, "_HEDGED", Never())
    assert [repr(numerals.evaluate.__wrapped__(text)) for text in texts] == list(map(repr, fast))


def test_not_unit_words_each_start_with_a_unit_and_block_only_that_unit():
    """lexicons/not_units.txt: every word starts with a unit of units.csv; the unit is not read where the word
    starts, and is read elsewhere."""
    from etl import units

    conditions = units.unit_conditions()
    assert conditions["个"] and conditions["期"] and conditions["岁"]
    assert parse_quantities("50万个旧市")[0]["unit"] is None
    assert parse_quantities("50万个")[0]["unit"] == "万个"
    assert parse_quantities("三期工程") == [] and parse_quantities("三期培训班")[0]["unit_norm"] == "期"


def test_large_integers_keep_every_digit():
    from etl.quantities import tidy

    assert tidy(50000031000024.0) == 50000031000024.0
    assert tidy(4.6 * 10000) == 46000.0
    assert tidy(0.1 + 0.2) == 0.3


def test_a_unit_shared_by_a_list_goes_to_each_number():
    found = parse_quantities("两市地铁单日客运量分别为1150万、980万人次，货运量分别为8.6、5.2万吨")
    assert [(q["text"], q["value_norm"], q["unit_norm"]) for q in found] == [
        ("1150万", 11500000, "人次"), ("980万人次", 9800000, "人次"), ("8.6", 86000, "吨"), ("5.2万吨", 52000, "吨")]


def test_money_without_yuan_needs_a_money_word_in_its_clause():
    assert [(q["value_norm"], q["unit_norm"]) for q in parse_quantities("落实援疆资金4.5亿")] == [(45000, "万元")]
    assert [(q["value_norm"], q["unit_norm"]) for q in parse_quantities("全市常住人口4.5亿")] == [(450000000, None)]
    # the clause ends at a comma: 资金 in the clause before does not make 300万 money
    assert parse_quantities("落实资金，惠及群众300万")[0]["unit_norm"] is None


def test_from_one_value_to_another_is_two_quantities_not_a_range():
    """The annotation spec: 从4.6亿元到10亿元 gives two figures; 4%到5% with no 从 is a range."""
    found = parse_quantities("基金规模从4.6亿元到10亿元，收益率4%到5%")
    assert [(q["value_norm"], q["value_max_norm"]) for q in found] == [(46000, None), (100000, None), (4, 5)]
