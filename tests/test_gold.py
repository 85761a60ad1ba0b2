"""The seed corpus against its annotations (tests/gold/seeds.jsonl) and the real text of ../shared/gold/dev:
the scores the README states hold."""
import shutil

import pytest

from etl.evaluate import evaluate, load_gold, match, score
from etl.paths import GOLD_PATH, ROOT

DEV = ROOT.parent / "shared" / "gold" / "dev"


@pytest.fixture(scope="module")
def result():
    return evaluate()


def test_precision_and_recall(result):
    assert result["gold"] == len([1 for doc in load_gold(GOLD_PATH).values() for _ in doc])
    assert result["precision"] == 1.0, result["errors"]
    assert result["recall"] == 1.0, result["errors"]


def test_metric_accuracy_on_core_metrics(result):
    assert result["metric_accuracy"] == 1.0, [e for e in result["errors"] if e[0] == "metric"]
    assert result["other_as_core"] == 0.0


@pytest.mark.parametrize("field, floor", [("year", 1.0), ("region", 0.98), ("partner", 1.0), ("status", 0.98),
                                          ("basis", 0.95), ("period_start", 0.96)])
def test_attribution_and_statement_accuracy(result, field, floor):
    assert result[f"{field}_accuracy_all"] >= floor, [e for e in result["errors"] if e[0] == field]


def test_same_fact_links(result):
    assert result["link_pairs_gold"] == 3
    assert (result["link_precision"], result["link_recall"]) == (1.0, 1.0)


@pytest.fixture(scope="module")
def dev_result(tmp_path_factory):
    if not DEV.exists():
        pytest.skip("../shared/gold/dev not present")
    raw = tmp_path_factory.mktemp("dev")
    for path in [*DEV.glob("*.txt"), *(DEV / "news").glob("*.txt")]:
        shutil.copy(path, raw / path.name)
    gold = raw / "dev.jsonl"
    gold.write_text("".join((DEV / name).read_text(encoding="utf-8") for name in ("provincial.jsonl", "news.jsonl")),
                    encoding="utf-8")
    return evaluate(gold, raw)


@pytest.mark.parametrize("key, floor", [("precision", 0.985), ("recall", 0.995), ("year_accuracy_all", 0.95),
                                        ("region_accuracy_all", 0.96), ("partner_accuracy_all", 0.975),
                                        ("status_accuracy_all", 0.965), ("basis_accuracy_all", 0.885),
                                        ("period_start_accuracy_all", 0.94), ("metric_accuracy", 0.96),
                                        ("link_precision", 1.0), ("link_recall", 1.0)])
def test_dev_gold_scores(dev_result, key, floor):
    assert dev_result[key] >= floor, [e for e in dev_result["errors"] if key.startswith(e[0])][:20]


def test_dev_gold_other_figures_rarely_get_a_core_metric(dev_result):
    assert dev_result["other_as_core"] <= 0.01


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


def test_link_scores_are_pairwise():
    gold = {"d": [{"text": "644个", "value_norm": 644, "unit_norm": "个", "metric": ["projects"], "fact": "A"},
                  {"text": "600个", "value_norm": 600, "unit_norm": "个", "metric": ["projects"], "fact": "A"},
                  {"text": "9家", "value_norm": 9, "unit_norm": "家", "metric": ["other"], "fact": "B"}]}
    predicted = {"d": [{"text": t, "value_norm": v, "unit_norm": u, "metric": "projects", "fact_id": f, "sentence": ""}
                       for t, v, u, f in (("644个", 644, "个", 1), ("600个", 600, "个", 1), ("9家", 9, "家", 1))]}
    result = score(gold, predicted)
    assert (result["link_pairs_gold"], result["link_pairs_predicted"]) == (1, 3)
    assert (result["link_precision"], result["link_recall"]) == (1 / 3, 1.0)
