"""The build over the 52 national government work reports of ../shared/corpora (another genre, with
Chinese-numeral and full-width eras): no error, and a sample of figures reads right."""
import csv
import json

import duckdb
import pytest

from etl.build import build
from etl.paths import ROOT

CORPUS = ROOT.parent / "shared" / "corpora" / "national-government-work-reports.jsonl"
pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpora not present")


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    raw = tmp_path_factory.mktemp("corpora")
    rows = []
    for i, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        name = f"{i:03d}_{record['year'] or 'resolution'}.txt"
        (raw / name).write_text(record["content"], encoding="utf-8")
        rows.append({"file": name, "year": record["year"] or "", "title": record["title"], "source": record["url"]})
    with (raw / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "year", "title", "source"])
        writer.writeheader()
        writer.writerows(rows)
    db = raw.parent / "corpora.duckdb"
    build(raw, db, progress=False)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def test_every_report_loads(corpus_db):
    statuses = dict(corpus_db.execute("SELECT status, count(*) FROM documents GROUP BY 1").fetchall())
    assert statuses == {"ok": 72}
    reports_without_figures = corpus_db.execute(
        "SELECT count(*) FROM documents WHERE n_figures = 0 AND file_name NOT LIKE '%resolution%'").fetchone()[0]
    assert reports_without_figures == 0
    titled = corpus_db.execute("SELECT count(*) FROM documents WHERE title LIKE '%政府工作报告%'").fetchone()[0]
    assert titled >= 50


def _figure(con, year, text):
    return con.execute("SELECT f.value_norm, f.unit_norm, f.year FROM figures f JOIN documents d USING (doc_id) "
                       "WHERE d.year = ? AND f.text = ?", [year, text]).fetchall()


@pytest.mark.parametrize("year, text, value_norm, unit_norm", [
    (2002, "95933亿元", 959330000, "万元"),          # ASCII era, 亿元 to 万元
    (1955, "百分之十七", 17, "%"),                   # Chinese-numeral era
    (1985, "一万亿元", 100000000, "万元"),
    (1985, "7.9%", 7.9, "%"),                        # written with full-width digits
    (2025, "134.9万亿元", 13490000000, "万元"),
    (2025, "1256万人", 12560000, "人"),
])
def test_sample_figures_read_right(corpus_db, year, text, value_norm, unit_norm):
    found = _figure(corpus_db, year, text)
    assert found, f"{text} not extracted from the {year} report"
    assert found[0][0] == pytest.approx(value_norm) and found[0][1] == unit_norm


def test_no_dates_or_ordinals_become_figures(corpus_db):
    bad = corpus_db.execute("""
        SELECT text FROM figures
        WHERE unit_norm IN ('年', '月', '天', '小时', '分钟') OR unit_norm IS NULL
           OR regexp_matches(text, '^(19|20)[0-9]{2}$') OR regexp_matches(sentence, '第' || text)
        LIMIT 20""").fetchall()
    assert bad == []


PROVINCIAL = ROOT.parent / "shared" / "corpora" / "provincial-2026"


@pytest.fixture(scope="module")
def provincial_db(tmp_path_factory):
    if not PROVINCIAL.exists():
        pytest.skip("shared provincial reports not present")
    db = tmp_path_factory.mktemp("provincial") / "provincial.duckdb"
    build(PROVINCIAL, db, progress=False)        # with its manifest.csv: written in 2026
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def test_provincial_reports_look_back_and_plan(provincial_db):
    """Thirty 2026 work reports: every one loads; most figures describe 2025 (the review), the 2026 targets are
    planned, and a province's own figures get no Xinjiang region or aid partner."""
    assert dict(provincial_db.execute("SELECT status, count(*) FROM documents GROUP BY 1").fetchall()) == {"ok": 30}
    by_year = dict(provincial_db.execute("SELECT year, count(*) FROM figures GROUP BY 1").fetchall())
    total = sum(by_year.values())
    assert by_year.get(2025, 0) > 0.7 * total and by_year.get(2026, 0) > 0.1 * total
    planned_2026, all_2026 = provincial_db.execute(
        "SELECT count(*) FILTER (WHERE status = 'planned'), count(*) FROM figures WHERE year = 2026").fetchone()
    assert planned_2026 > 0.8 * all_2026
    attributed = provincial_db.execute("""
        SELECT count(*) FROM figures f JOIN documents d USING (doc_id)
        WHERE (f.region IS NOT NULL OR f.partner IS NOT NULL)
          AND NOT regexp_matches(substr(d.text, greatest(1, f.sentence_start - 600), 1200), '新疆|援疆|兵团')""").fetchone()[0]
    assert attributed == 0
    n_facts, n_figures = provincial_db.execute("SELECT (SELECT count(*) FROM facts), count(*) FROM figures").fetchone()
    assert 0 < n_facts <= n_figures
