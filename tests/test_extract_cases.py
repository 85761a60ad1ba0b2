"""extract_figures against tests/cases/figures.jsonl: each case lists every figure expected, in order, with
the attributes it checks."""
import json
from pathlib import Path

import pytest

from etl import extract_figures

CASES = [json.loads(l) for l in (Path(__file__).parent / "cases" / "figures.jsonl").read_text("utf-8").splitlines()
         if l.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case):
    found = extract_figures(case["text"], year=case["year"])
    got = [(f["value_norm"], f["unit_norm"]) for f in found]
    assert len(found) == len(case["figures"]), got
    for want, fig in zip(case["figures"], found):
        for key, value in want.items():
            if key == "value_norm":
                assert fig[key] == pytest.approx(value, abs=0.01), (key, fig)
            else:
                assert fig[key] == value, (key, fig["text"], fig[key])


def test_offsets_point_into_the_normalised_text():
    from etl.normalize import normalize_text
    raw = "新上项目计划总投资14367.85万\n元，引进高级人才 45人。"
    text = normalize_text(raw)
    for fig in extract_figures(raw, year=2016):
        assert text[fig["char_start"]:fig["char_end"]] == fig["text"]
        assert fig["text"] in fig["sentence"]


def test_sentence_and_offsets_agree_for_every_seed_figure():
    from etl.paths import RAW_DIR
    from etl.normalize import normalize_text
    for path in sorted(RAW_DIR.glob("*.txt")):
        text = normalize_text(path.read_text(encoding="utf-8"))
        for fig in extract_figures(text):
            start = fig["sentence_start"]
            assert text[start:start + len(fig["sentence"])] == fig["sentence"]
            assert start <= fig["char_start"] and fig["char_end"] <= start + len(fig["sentence"])


def test_run_on_text_without_punctuation_stays_linear():
    """A text with no sentence ends (a broken extraction) must not cost quadratic time or memory."""
    import time
    started = time.perf_counter()
    found = extract_figures("新上项目122项，投资500万元" * 10000, year=2016)
    assert time.perf_counter() - started < 60          # quadratic work here took minutes
    assert {(f["value_norm"], f["unit_norm"]) for f in found} == {(122, "项"), (500, "万元")}
    assert max(len(f["sentence"]) for f in found) <= 700


def test_context_lookups_agree_with_a_scan_of_the_whole_text():
    """DocumentContext finds sentences, titles, quotes and headings around the positions asked about; they must
    be what a scan of the whole text finds, on texts crowded with sentence ends, closing quotes and marks."""
    import bisect
    import random

    from etl.context import CLAUSE_BREAK, QUOTE, SENTENCE_BREAK, TITLE, DocumentContext, _SENTENCE_END

    rng = random.Random(7)
    pieces = [*"。！？!?\n”’」』\"《》“”，；：,", "a", "bb", "数字", "a" * 30, " ", "\u3000"]
    for _ in range(800):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        ctx = DocumentContext(text)
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        if not ends or ends[-1] < len(text):
            ends.append(len(text))
        starts = [0, *ends[:-1]]
        titles = [m.span() for m in TITLE.finditer(text)]
        quotes = [m.span() for m in QUOTE.finditer(text)]

        def inside(spans, start, end, max_len=None):
            i = bisect.bisect_left([s for s, _ in spans], start) - 1
            return i >= 0 and end <= spans[i][1] and (max_len is None or spans[i][1] - spans[i][0] <= max_len)

        for pos in range(len(text) + 1):
            i = max(0, bisect.bisect_right(starts, pos) - 1)
            assert ctx.sentence_bounds(pos) == (starts[i], ends[i]), (text, pos)
            if pos < len(text):          # clauses: between the breaks of the sentence around [pos, pos + 1)
                site = ctx.site(pos, pos + 1)
                for breaks, got in ((CLAUSE_BREAK, (site.clause_start, site.clause_end)),
                                    (SENTENCE_BREAK, site.long_clause())):
                    at = [p for p in range(starts[i], ends[i]) if text[p] in breaks]
                    j = bisect.bisect_left(at, pos)
                    k = bisect.bisect_left(at, pos + 1, j)
                    assert got == (at[j - 1] + 1 if j else starts[i], at[k] if k < len(at) else ends[i]), (text, pos)
            for end in range(pos + 1, min(len(text), pos + 90) + 1):
                assert ctx.in_title(pos, end) == inside(titles, pos, end), (text, pos, end)
                assert ctx.in_name(pos, end) == (inside(titles, pos, end) or inside(quotes, pos, end, 26))
        lines, at = [], 0
        for line in text.split("\n"):
            if line.strip() and len(line.strip()) <= 30 and not any(ch in line for ch in "。；;！？，"):
                lines.append((at, at + len(line)))
            at += len(line) + 1
        assert [(h.start, h.end) for h in ctx.headings] == lines, text
