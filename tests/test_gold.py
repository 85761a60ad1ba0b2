"""The whole seed corpus against its annotations (tests/gold/seeds.jsonl): the acceptance scores hold."""
import pytest

from etl.evaluate import evaluate, load_gold, match, score
from etl.paths import GOLD_PATH


@pytest.fixture(scope="module")
def result():
    return evaluate()


def test_precision_and_recall(result):
    assert result["gold"] == len([1 for doc in load_gold(GOLD_PATH).values() for _ in doc])
    assert result["precision"] >= 0.97, result["errors"]
    assert result["recall"] >= 0.97, result["errors"]


def test_metric_accuracy_on_core_metrics(result):
    assert result["metric_accuracy"] >= 0.95, [e for e in result["errors"] if e[0] == "metric"]


@pytest.mark.parametrize("field", ["year", "region", "partner"])
def test_attribution_accuracy(result, field):
    assert result[f"{field}_accuracy"] >= 0.95, [e for e in result["errors"] if e[0] == field]
    assert result[f"{field}_accuracy_all"] >= 0.95


def test_scoring_counts_misses_and_extras():
    gold = {"d": [{"text": "5项", "value_norm": 5, "unit_norm": "项", "metric": ["projects"], "year": 2016}]}
    predicted = {"d": [{"text": "5项", "value_norm": 5.0, "unit_norm": "项", "metric": "other", "year": 2016,
                        "sentence": "x"},
                       {"text": "7个", "value_norm": 7.0, "unit_norm": "个", "metric": "other", "year": 2016,
                        "sentence": "x"}]}
    result = score(gold, predicted)
    assert (result["precision"], result["recall"], result["metric_accuracy"]) == (0.5, 1.0, 0.0)
    pairs, extra, missed = match(predicted["d"], gold["d"])
    assert len(pairs) == 1 and extra[0]["text"] == "7个" and not missed
