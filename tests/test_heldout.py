"""Documents of the genre written for testing, not used to write the rules (tests/gold/heldout/, annotated in
tests/gold/heldout.jsonl): a yearbook chapter with PDF wrapping and a page header mid-sentence, and a GB18030
news article printed twice with one number changed, with a table. Scores must stay near the seed scores."""
from etl.evaluate import evaluate
from etl.paths import ROOT

GOLD = ROOT / "tests" / "gold"


def test_heldout_scores():
    result = evaluate(GOLD / "heldout.jsonl", GOLD / "heldout")
    assert result["precision"] >= 0.95 and result["recall"] >= 0.95, result["errors"]
    assert result["metric_accuracy"] >= 0.95
    assert result["year_accuracy"] >= 0.95
    assert result["region_accuracy"] >= 0.9 and result["partner_accuracy"] >= 0.9
