"""The stages' word lists are data (etl/lexicons/*_words.yaml), loaded and checked by etl.lexicon."""
import re
from pathlib import Path

import pytest

from etl import lexicon
from etl.paths import LEXICON_DIR

ROOT = Path(__file__).resolve().parent.parent
WORD_FILES = sorted(LEXICON_DIR.glob("*_words.yaml"))


def test_every_word_list_loads_and_is_read_by_its_stage():
    assert {p.name for p in WORD_FILES} >= {"classify_words.yaml", "attribute_words.yaml", "figure_year_words.yaml", "extract_words.yaml",
                                            "hedges_words.yaml", "normalize_words.yaml", "docmeta_words.yaml"}
    for path in WORD_FILES:
        lists = lexicon.word_lists(path.name)
        source = (ROOT / "etl" / f"{path.name.removesuffix('_words.yaml')}.py").read_text(encoding="utf-8")
        assert f'"{path.name}"' in source, path.name
        for key, entries in lists.items():
            assert entries, (path.name, key)
            assert f'"{key}"' in source or f"'{key}'" in source, f"{path.name}: list {key} is read by nothing"


def test_the_stages_build_their_patterns_from_the_lists():
    from etl import attribute, classify, docmeta, extract, figure_year, hedges, normalize

    assert classify.AFTER_STOP.pattern.startswith("已|将|均|") and classify.AFTER_STOP.pattern.endswith(r"|发挥|\d")
    assert classify.HEDGE_TAIL.search("签约") is None and classify.HEDGE_TAIL.search("总投资约").group() == "约"
    assert figure_year.RELATIVE_YEAR["去年"] == -1 and figure_year.RELATIVE_YEAR["明年"] == 1
    assert attribute.ANAPHOR.search("我要") and not attribute.ANAPHOR.search("我国")
    assert extract.REQUIREMENT.search("原则上不超过") and not extract.REQUIREMENT.search("急需")
    assert extract.COUNTED_EDITIONS.search("已举办了") and hedges.PRE_CAP[0] == "最高不超过"
    assert normalize.UNIT_FIGURE.search("共5万元") and normalize.CN_FIGURE.search("十余家")
    assert docmeta.PLAN_BEFORE.search("力争") and docmeta.PLAN_AFTER.match("，将")


@pytest.mark.parametrize("text, message", [
    ("a: [x, y\n", "not valid YAML"),
    ("- x\n- y\n", "expected a mapping"),
    ("a: []\n", "non-empty list"),
    ("a: [x, 3]\n", "is not a word"),
    ("a: [x, ' y']\n", "is not a word"),
    ("a: [x, y, x]\n", "listed twice"),
    ("a: [x, '(y']\n", "not a valid regex"),
    ("a: {x: 1, y: two}\n", "map to an integer"),
])
def test_a_bad_word_list_is_refused_with_the_file_and_list_named(tmp_path, monkeypatch, text, message):
    (tmp_path / "bad_words.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(lexicon, "LEXICON_DIR", tmp_path)
    lexicon.word_lists.cache_clear()
    try:
        with pytest.raises(ValueError, match=re.escape(message)) as info:
            lexicon.word_lists("bad_words.yaml")
        assert "bad_words.yaml" in str(info.value)
    finally:
        lexicon.word_lists.cache_clear()


def test_plain_word_lists_refuse_regex_syntax(tmp_path, monkeypatch):
    (tmp_path / "x_words.yaml").write_text("plain: [近, '(?<!签)约']\nnumbers: {去年: -1}\n", encoding="utf-8")
    monkeypatch.setattr(lexicon, "LEXICON_DIR", tmp_path)
    lexicon.word_lists.cache_clear()
    try:
        assert lexicon.alternatives("x_words.yaml", "plain") == "近|(?<!签)约"
        with pytest.raises(ValueError, match="regex syntax"):
            lexicon.words("x_words.yaml", "plain")
        with pytest.raises(ValueError, match="no list 'other'"):
            lexicon.words("x_words.yaml", "other")
        assert lexicon.word_numbers("x_words.yaml", "numbers") == {"去年": -1}
        with pytest.raises(ValueError, match="word: number"):
            lexicon.word_numbers("x_words.yaml", "plain")
    finally:
        lexicon.word_lists.cache_clear()
