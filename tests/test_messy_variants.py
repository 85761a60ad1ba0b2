"""The seed documents made messier, the way other files of the genre are: the scores must not move.

Each variant rewrites every seed the same deterministic way and is scored against the seed annotations."""
import random
import re

import pytest

from etl.evaluate import evaluate
from etl.paths import GOLD_PATH, RAW_DIR

FULLWIDTH = {**{chr(c): chr(c + 0xFEE0) for c in range(ord("0"), ord("9") + 1)}, ".": "．", "%": "％"}


def _fullwidth_paged_gb18030(text: str, rng: random.Random) -> bytes:
    """Full-width digits, page numbers and running headers between lines, CRLF, GB18030."""
    lines = []
    for i, line in enumerate("".join(FULLWIDTH.get(ch, ch) for ch in text).split("\n")):
        lines.append(line)
        if i and i % 37 == 0:
            lines.append(f"— {i // 37 + 11} —")
        if i and i % 53 == 0:
            lines.append("新疆科技年鉴 2018")
    return "\r\n".join(lines).encode("gb18030")


def _spaced_broken_utf16(text: str, rng: random.Random) -> bytes:
    """Spaces as thousands separators, long lines broken at a random point, UTF-16 with BOM."""
    text = re.sub(r"(?<![\d.])(\d{1,2})(\d{3})(?=[万元项家人个])", r"\1 \2", text)
    lines = []
    for line in text.split("\n"):
        if len(line) > 80 and rng.random() < 0.5:
            cut = rng.randint(20, len(line) - 20)
            lines += [line[:cut], line[cut:]]
        else:
            lines.append(line)
    return "\n".join(lines).encode("utf-16")


@pytest.mark.parametrize("variant", [_fullwidth_paged_gb18030, _spaced_broken_utf16], ids=lambda v: v.__name__)
def test_scores_hold_on_messier_copies(tmp_path, variant):
    rng = random.Random(11)
    for path in sorted(RAW_DIR.glob("*.txt")):
        (tmp_path / path.name).write_bytes(variant(path.read_text(encoding="utf-8"), rng))
    result = evaluate(GOLD_PATH, tmp_path)
    assert result["precision"] >= 0.97 and result["recall"] >= 0.97, result["errors"]
    assert result["metric_accuracy"] >= 0.95
    for field in ("year", "region", "partner"):
        assert result[f"{field}_accuracy"] >= 0.95, (field, result["errors"])


def test_furniture_without_the_line_end_shortcut_is_the_same(monkeypatch):
    """normalize reads re's private parser to skip lines no furniture pattern can end like; without it (a Python
    whose parser looks different) every short line is tested, with the same result."""
    from etl import normalize

    text = "第九章 全国科技援疆\n— 12 —\n新疆年鉴2017\n2016年安排新上项目122项，\n计划总投资14367.85万元。\n·56·\n新疆年鉴2017\n新疆年鉴2017\n"
    shortcut = normalize.normalize_text(text)
    normalize._furniture_end.cache_clear()
    monkeypatch.setattr(normalize, "line_end_class", lambda pattern: None)    # what it gives when the parser changed
    try:
        assert normalize._furniture_end() is None
        assert normalize.normalize_text(text) == shortcut
        assert "12 —" not in shortcut and "新上项目122项" in shortcut
    finally:
        normalize._furniture_end.cache_clear()
