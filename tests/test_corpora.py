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
