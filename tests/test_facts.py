"""Facts, not mentions (issue 12): how figures are linked into facts, and the facts of the seed database."""
import duckdb
import pytest

from etl.build import build
from etl.facts import link_facts
from etl.paths import RAW_DIR


def fig(doc, value, subject="签约项目", approx=False, indicator="signed_projects", **extra):
    return {"doc_id": doc, "value_norm": value, "unit_norm": "个", "subject": subject, "approx": approx,
            "indicator": indicator, "year": 2013, "period_start": None, "region": None, "partner": None,
            "status": "actual", "basis": "flow", "metric": "projects", "conflict": False, "conflict_group": None,
            **extra}


def test_a_hedged_restatement_joins_the_exact_fact_and_the_exact_value_is_shown():
    figures = [fig("a", 644, figure_id=1), fig("a", 600, approx=True, figure_id=2)]
    (fact,) = link_facts(figures)
    assert figures[0]["fact_id"] == figures[1]["fact_id"] == fact["fact_id"]
    assert (fact["value_norm"], fact["figure_id"], fact["approx"], fact["n_mentions"]) == (644, 1, False, 2)


def test_the_same_value_in_another_document_is_the_same_fact():
    figures = [fig("yearbook", 126, subject="科技援疆项目"), fig("news", 126, subject="项目")]
    (fact,) = link_facts(figures)
    assert fact["n_documents"] == 2


def test_equal_values_of_differently_worded_things_in_one_document_are_two_facts():
    figures = [fig("a", 5, subject="众创空间", indicator="incubators"),
               fig("a", 5, subject="离岸孵化器", indicator="incubators")]
    assert len(link_facts(figures)) == 2


def test_a_rounding_across_documents_or_of_another_status_is_another_fact():
    assert len(link_facts([fig("a", 3.38), fig("b", 3.6, approx=True)])) == 2
    assert len(link_facts([fig("a", 100), fig("a", 100, status="planned")])) == 2


def test_a_conflict_group_is_one_fact_flagged_conflict_with_the_first_value_shown():
    figures = [fig("a", 38, conflict=True, conflict_group=1, figure_id=7),
               fig("a", 35, conflict=True, conflict_group=1, subject="新增销售额", figure_id=9)]
    (fact,) = link_facts(figures)
    assert fact["conflict"] and fact["value_norm"] == 38 and fact["figure_id"] == 7 and fact["n_mentions"] == 2


def test_figures_that_say_too_little_are_facts_of_their_own():
    figures = [fig("a", 5, subject=None, indicator=None), fig("a", 5, subject=None, indicator=None)]
    assert len(link_facts(figures)) == 2


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("facts") / "seeds.duckdb"
    build(RAW_DIR, db, progress=False)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def test_the_2013_fair_signed_amount_is_one_fact_with_its_restatement(seed_db):
    rows = seed_db.execute("""
        SELECT f.value_norm, f.n_mentions, list(m.value_norm ORDER BY m.char_start), list(m.approx ORDER BY m.char_start)
        FROM facts f JOIN figures m USING (fact_id)
        WHERE f.year = 2013 AND f.indicator = 'signed_amount' AND f.value_norm = 1250000
        GROUP BY ALL""").fetchall()
    assert rows == [(1250000.0, 2, [1250000.0, 1000000.0], [False, True])]


def test_38_and_35_yi_are_one_conflicting_fact(seed_db):
    rows = seed_db.execute("""
        SELECT f.conflict, f.value_norm, list(m.value_norm ORDER BY m.char_start)
        FROM facts f JOIN figures m USING (fact_id)
        WHERE m.value_norm IN (380000, 350000) AND m.unit_norm = '万元' GROUP BY ALL""").fetchall()
    assert rows == [(True, 380000.0, [380000.0, 350000.0])]


def test_every_fact_shows_one_of_its_mentions_values(seed_db):
    orphans = seed_db.execute("""
        SELECT count(*) FROM facts f
        WHERE NOT EXISTS (SELECT 1 FROM figures m WHERE m.fact_id = f.fact_id AND m.value_norm = f.value_norm
                          AND m.figure_id = f.figure_id)""").fetchone()[0]
    assert orphans == 0
    assert seed_db.execute("SELECT count(*) FROM figures WHERE fact_id IS NULL").fetchone()[0] == 0
    n_facts, n_mentions = seed_db.execute("SELECT count(*), sum(n_mentions) FROM facts").fetchone()
    assert n_mentions == seed_db.execute("SELECT count(*) FROM figures").fetchone()[0] and n_facts < n_mentions


def test_totals_add_only_flow_facts_without_conflict_one_per_place(seed_db):
    facts = seed_db.execute("""
        SELECT f.indicator, f.unit_norm, f.status, f.year, f.region, f.partner, f.basis, f.conflict, f.value_norm
        FROM facts f JOIN indicators i USING (indicator) WHERE i.additive AND f.year IS NOT NULL""").fetchall()
    by_place: dict = {}
    for indicator, unit, status, year, region, partner, basis, conflict, value in facts:
        if basis != "flow" or conflict or (region is None) == (partner is None):
            continue                     # cumulative, level, change, share and conflicting facts are never added
        key = (indicator, unit, status, year, "region" if partner is None else "partner")
        by_place.setdefault(key, {}).setdefault(region or partner, []).append(value)
    expected = {key: (sum(v[0] for v in places.values() if len(v) == 1),
                      sum(1 for v in places.values() if len(v) == 1),
                      sum(1 for v in places.values() if len(v) > 1))
                for key, places in by_place.items() if any(len(v) == 1 for v in places.values())}
    got = {row[:5]: row[5:] for row in seed_db.execute(
        "SELECT indicator, unit_norm, status, year, dimension, total, n_facts, n_left_out FROM fact_totals").fetchall()}
    assert got == expected and got
    # 2018 乌鲁木齐: the 5,000万 allocation and the 2,500万 that is part of it are not added up
    assert seed_db.execute("SELECT count(*) FROM fact_totals WHERE indicator = 'aid_funds' AND year = 2018 "
                           "AND total = 7500").fetchone()[0] == 0
