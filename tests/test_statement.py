"""What a figure states and whose it is, on small texts written for the rules (tests/cases/statements.jsonl):
status, basis, period_start, the year a look-back describes, discourse region and partner."""
import json
from pathlib import Path

import pytest

from etl.extract import extract_figures

CASES = [json.loads(line) for line in (Path(__file__).parent / "cases" / "statements.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_statement_case(case):
    figures = extract_figures(case["text"], year=case.get("year"))
    found = {f["text"]: f for f in figures}
    if "n_figures" in case:
        assert len(figures) == case["n_figures"], [f["text"] for f in figures]
    for want in case["figures"]:
        assert want["text"] in found, (want["text"], sorted(found))
        got = found[want["text"]]
        for key, value in want.items():
            assert got[key] == value, (want["text"], key, got[key])
