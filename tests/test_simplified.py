"""Traditional characters become simplified ones in normalisation, one for one, and pinyin glosses are dropped;
figure offsets point into the stored (normalised) text."""
from etl import extract_figures, parse_quantities
from etl.normalize import normalize_text
from etl.simplified import drop_pinyin, simplify, to_simplified


def test_traditional_text_is_converted_character_for_character():
    raw = "全年實施科技項目35個，落實資金2.5億元，惠及農戶1200戶。"
    converted = to_simplified(raw)
    assert converted == "全年实施科技项目35个，落实资金2.5亿元，惠及农户1200户。"
    assert len(converted) == len(raw)


def test_simplified_text_is_returned_unchanged():
    text = "全年实施科技项目35个，乾隆年间的古城，著作权登记120件。"
    assert simplify(text) is text or simplify(text) == text


def test_figures_of_a_traditional_text_point_into_the_stored_text():
    raw = "新疆科技廳介紹，全年引進各類人才120人，實施項目35個，\n落實資金2.5億元。"
    stored = normalize_text(raw)
    figures = extract_figures(raw, year=2010)
    assert [(f["value_norm"], f["unit_norm"]) for f in figures] == [(120, "人"), (35, "个"), (25000, "万元")]
    for f in figures:
        assert stored[f["char_start"]:f["char_end"]] == f["text"]
    assert [f["metric"] for f in figures] == ["trainees", "projects", "investment"]


def test_parse_quantities_reads_traditional_units_with_offsets_into_the_input():
    text = "達成項目126個，資金3億元"
    found = parse_quantities(text)
    assert [(q["value_norm"], q["unit_norm"]) for q in found] == [(126, "个"), (30000, "万元")]
    assert [text[q["start"]:q["end"]] for q in found] == ["126個", "3億元"]


def test_pinyin_glosses_are_dropped_and_other_brackets_kept():
    assert drop_pinyin("科技项(xiàng)目和蒙(měng)古包") == "科技项目和蒙古包"
    assert drop_pinyin("国内生产总值(GDP)增长(zēng zhǎng)5%") == "国内生产总值(GDP)增长5%"
    assert drop_pinyin("研发投入(R&D)") == "研发投入(R&D)"
    figures = extract_figures("实施科技项(xiàng)目12项，投入资金800万元。", year=2023)
    assert [(f["value_norm"], f["metric"]) for f in figures] == [(12, "projects"), (800, "investment")]


def test_text_opencc_cannot_take_is_converted_character_by_character():
    """A lone surrogate or a NUL in a traditional line: the line keeps its length and loses nothing."""
    assert to_simplified("項目\ud800個") == "项目\ud800个"
    assert to_simplified("項目\x00個") == "项目\x00个"
    assert to_simplified("𠀀項目😀") == "𠀀项目😀"


def test_a_stray_traditional_name_in_simplified_text_is_left_as_written():
    text = "全省算力规模居全国前列，昇腾服务器出货量增长35%，" * 3
    assert to_simplified(text) == text
    assert to_simplified("全國項目") == "全国项目"
