"""Write a deterministic synthetic yearbook database with N figures, using etl/schema.sql.

    python bench/make_large_db.py --figures 1000000 --out bench/out/large.duckdb [--seed 7]

Every figure points into a real document text: its sentence is written into documents.text and
char_start/char_end/sentence_start are exact offsets, so the dashboard's source view works on it.

Facts (issue 12, docs/facts-contract): about one figure in five restates a fact already stated in another
document (same value), and the figures of a conflict pair are two versions of one fact. `indicators`,
`facts`, `fact_totals` and the figure columns status, basis, period_start, indicator, fact_id (and page,
ocr, documents.source_url) are created here when etl/schema.sql does not have them yet.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_SQL = ROOT / "etl" / "schema.sql"
METRICS_CSV = ROOT / "etl" / "lexicons" / "metrics.csv"

REGIONS = ["乌鲁木齐", "克拉玛依", "吐鲁番", "哈密", "昌吉", "博州", "巴州", "阿克苏", "克州", "喀什",
           "和田", "伊犁", "塔城", "阿勒泰", "兵团"]
PARTNERS = ["北京", "天津", "上海", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
            "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "深圳", "四川", "重庆"]
# metric -> (weight, [(unit as written, unit_norm, factor, typical value, subject)])
METRICS = {
    "projects": (0.22, [("项", "项", 1, 40, "新上项目"), ("个", "个", 1, 15, "合作项目")]),
    "investment": (0.22, [("万元", "万元", 1, 900, "计划总投资"), ("亿元", "万元", 1e4, 3, "项目总投资"),
                          ("万美元", "万美元", 1, 200, "合同金额")]),
    "patents": (0.1, [("项", "项", 1, 25, "授权专利"), ("件", "件", 1, 30, "发明专利")]),
    "trainees": (0.12, [("人", "人", 1, 300, "培训技术人员"), ("人次", "人次", 1, 900, "培训农牧民")]),
    "fund_size": (0.06, [("亿元", "万元", 1e4, 5, "基金总规模"), ("万元", "万元", 1, 5000, "首期入资")]),
    "enterprises": (0.1, [("家", "家", 1, 20, "科技型中小企业")]),
    "other": (0.18, [("个", "个", 1, 8, "创新平台"), ("%", "%", 1, 12, "增长"), ("平方米", "平方米", 1, 3000, "孵化面积")]),
}
HEDGES = ["余", "多"]
# (metric, subject) -> synthetic catalogue indicator; subjects not listed keep indicator null
INDICATORS = [  # indicator, label_zh, metric, unit_family, definition, additive, basis
    ("aid_projects", "科技援疆项目数", "projects", "count", "当年新立项的科技援疆项目个数。", True, "flow"),
    ("planned_investment", "计划总投资", "investment", "money", "当年立项项目的计划总投资额。", True, "flow"),
    ("aid_funds", "援疆科技资金", "investment", "money", "当年到位的科技援疆资金。", True, "flow"),
    ("contract_amount", "技术合同成交额", "investment", "money", "当年技术合同的成交金额。", True, "flow"),
    ("results_patents", "引进技术成果和专利", "patents", "count", "当年引进或授权的技术成果和专利数。", True, "flow"),
    ("trainees", "培训人次", "trainees", "people", "当年培训的技术人员和农牧民人次。", True, "flow"),
    ("fund_size", "基金规模", "fund_size", "money", "基金的总规模（存量）。", False, "level"),
    ("sme_count", "科技型中小企业数", "enterprises", "count", "年末科技型中小企业数（存量）。", True, "level"),
    ("incubators", "孵化器/众创空间数", "other", "count", "年末孵化器和众创空间数。", True, "level"),
]
SUBJECT_INDICATOR = {"新上项目": "aid_projects", "计划总投资": "planned_investment", "项目总投资": "aid_funds",
                     "合同金额": "contract_amount", "授权专利": "results_patents", "培训技术人员": "trainees",
                     "培训农牧民": "trainees", "基金总规模": "fund_size", "科技型中小企业": "sme_count",
                     "创新平台": "incubators"}
RESTATED = 0.2          # share of figures that restate a fact of another document
CONTRACT_COLUMNS = {"figures": [("status", "VARCHAR"), ("basis", "VARCHAR"), ("period_start", "INTEGER"),
                                ("indicator", "VARCHAR"), ("fact_id", "INTEGER"), ("page", "INTEGER"),
                                ("ocr", "BOOLEAN")],
                    "documents": [("format", "VARCHAR"), ("page_count", "INTEGER"), ("source_url", "VARCHAR"),
                                  ("published", "VARCHAR")]}


def _docs_for(n_figures: int) -> int:
    return max(6, min(2000, n_figures // 400))


def _figure_frame(n: int, n_docs: int, rng: np.random.Generator) -> pd.DataFrame:
    """Attributes of every figure, vectorised; text and offsets are filled in by _write_texts. The first
    n_facts rows are first statements; the rest restate one of them (same attributes) in another document."""
    frame = _base_frame(n, n_docs, rng)
    n_facts = n - int(n * RESTATED)
    frame["fact_idx"] = np.arange(n)
    again = rng.choice(n_facts, size=n - n_facts, replace=False) if n > n_facts else np.array([], dtype=int)
    keep = [c for c in frame.columns if c not in ("doc_idx",)]
    frame.loc[n_facts:, keep] = frame.loc[again, keep].to_numpy()
    frame["doc_idx"] = rng.integers(0, n_docs, size=n)
    frame = frame.sort_values("doc_idx", kind="stable", ignore_index=True)
    return frame.astype({"fact_idx": "int64", "metric_idx": "int64", "year": "int64", "variant": "int64",
                         "scale": "float64", "approx": "bool", "planned": "bool", "cumulative": "bool"})


def _base_frame(n: int, n_docs: int, rng: np.random.Generator) -> pd.DataFrame:
    names = list(METRICS)
    weights = np.array([METRICS[m][0] for m in names])
    metric_idx = rng.choice(len(names), size=n, p=weights / weights.sum())
    doc_idx = np.sort(rng.integers(0, n_docs, size=n))
    doc_year = 2010 + (np.arange(n_docs) % 14)
    year = doc_year[doc_idx] - (rng.random(n) < 0.15).astype(int)
    region = np.where(rng.random(n) < 0.3, None, np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), n)])
    partner = np.where(rng.random(n) < 0.45, None,
                       np.array(PARTNERS, dtype=object)[rng.integers(0, len(PARTNERS), n)])
    scope = np.where(rng.random(n) < 0.8, "program", "project")
    approx = rng.random(n) < 0.15
    variant = rng.integers(0, 3, n)
    scale = rng.lognormal(0, 0.8, n)
    planned = rng.random(n) < 0.08
    cumulative = (rng.random(n) < 0.05) & ~planned
    rows = {"doc_idx": doc_idx, "metric_idx": metric_idx, "year": year, "region": region, "partner": partner,
            "scope": scope, "approx": approx, "variant": variant, "scale": scale, "planned": planned,
            "cumulative": cumulative}
    return pd.DataFrame(rows)


def _conflicts(frame: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Mark about 1% of figures as pairs that disagree inside one document."""
    n = len(frame)
    conflict = np.zeros(n, dtype=bool)
    group = np.full(n, -1, dtype=np.int64)
    starts = np.flatnonzero(rng.random(n - 1) < 0.005)
    same_doc = frame["doc_idx"].to_numpy()
    gid = 1
    for i in starts:
        if conflict[i] or conflict[i + 1] or same_doc[i] != same_doc[i + 1]:
            continue
        conflict[i] = conflict[i + 1] = True
        group[i] = group[i + 1] = gid
        gid += 1
    pairs = np.flatnonzero(conflict[:-1] & (group[:-1] == group[1:]) & (group[:-1] > 0))
    same = [c for c in frame.columns if c not in ("doc_idx", "approx")]
    frame.loc[pairs + 1, same] = frame.loc[pairs, same].to_numpy()  # two versions of one fact
    return conflict, group


def _write_texts(frame: pd.DataFrame, n_docs: int, conflict: np.ndarray):
    """Build each document's text from one sentence per figure and record exact offsets."""
    names = list(METRICS)
    cols = {k: [] for k in ("metric", "subject", "value", "value_max", "unit", "value_norm", "value_max_norm",
                            "unit_norm", "text", "sentence", "sentence_start", "char_start", "char_end")}
    texts = [[] for _ in range(n_docs)]
    lengths = [0] * n_docs
    m_idx, years = frame["metric_idx"].tolist(), frame["year"].tolist()
    regions, partners = ([v if isinstance(v, str) else None for v in frame[c]] for c in ("region", "partner"))
    approx, variant, scale, doc_idx = (frame[c].tolist() for c in ("approx", "variant", "scale", "doc_idx"))
    planned, cumulative = frame["planned"].tolist(), frame["cumulative"].tolist()
    for i in range(len(frame)):
        metric = names[m_idx[i]]
        options = METRICS[metric][1]
        unit, unit_norm, factor, typical, subject = options[variant[i] % len(options)]
        value = round(typical * scale[i], 2 if unit in ("亿元", "%") else 0) or 1.0
        if conflict[i] and i % 2:
            value = value + 1
        value_max = value * 2 if (i % 37 == 0 and unit not in ("%",)) else None
        hedge = HEDGES[i % 2] if approx[i] else ""
        num = f"{value:g}" if value_max is None else f"{value:g}～{value_max:g}"
        span = f"{num}{hedge}{unit}"
        where = (partners[i] + "援助" if partners[i] else "") + (regions[i] or "全区")
        kind = "计划" if planned[i] else ("累计" if cumulative[i] else "")
        lead = f"{years[i] - 4}—{years[i]}年" if cumulative[i] else f"{years[i]}年"
        sentence = f"{lead}，{where}{kind}{subject}{span}。"
        d = doc_idx[i]
        sep = "\n\n" if len(texts[d]) % 6 == 5 else ""
        sentence_start = lengths[d] + len(sep)
        char_start = sentence_start + sentence.index(span)
        texts[d].append(sep + sentence)
        lengths[d] = sentence_start + len(sentence)
        for key, val in (("metric", metric), ("subject", subject), ("value", value), ("value_max", value_max),
                         ("unit", unit), ("value_norm", value * factor),
                         ("value_max_norm", None if value_max is None else value_max * factor),
                         ("unit_norm", unit_norm), ("text", span), ("sentence", sentence),
                         ("sentence_start", sentence_start), ("char_start", char_start),
                         ("char_end", char_start + len(span))):
            cols[key].append(val)
    return cols, ["".join(parts) for parts in texts]


def _documents(texts: list[str], n_fig_per_doc: np.ndarray) -> pd.DataFrame:
    rows = []
    for d, text in enumerate(texts):
        year = 2010 + d % 14
        rows.append({"doc_id": f"{d:012x}", "file_name": f"synthetic/{d:05d}_{year}.txt",
                     "title": f"{year}年新疆科技援疆工作（合成文本 {d}）", "year": year, "year_source": "manifest",
                     "encoding": "utf-8", "n_chars": len(text), "n_figures": int(n_fig_per_doc[d]),
                     "sha256": f"{d:064x}", "source": "合成数据 bench/make_large_db.py", "text": text,
                     "status": "ok", "error": None, "duplicate_of": None})
    n = len(texts)
    extra = [("error", "extraction failed: UnicodeDecodeError", None), ("duplicate", "same bytes as 000000000000",
             "000000000000"), ("empty", "file is empty", None)]
    for k, (status, error, dup) in enumerate(extra):
        rows.append({"doc_id": f"{n + k:012x}", "file_name": f"synthetic/bad_{k}.txt", "title": None, "year": None,
                     "year_source": None, "encoding": None, "n_chars": 0, "n_figures": 0, "sha256": f"{n + k:064x}",
                     "source": None, "text": None, "status": status, "error": error, "duplicate_of": dup})
    return pd.DataFrame(rows)


def _metrics() -> list[tuple]:
    with METRICS_CSV.open(encoding="utf-8") as fh:
        return [(r["metric"], r["label_zh"], r["label_en"], r["core"] == "true", r["description"])
                for r in csv.DictReader(fh)]


def _ensure_contract(con) -> None:
    """Create what the facts contract adds when etl/schema.sql (an older ETL) does not have it yet."""
    have = {(t, c) for t, c in con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall()}
    for table, columns in CONTRACT_COLUMNS.items():
        for name, kind in columns:
            if (table, name) not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "indicators" not in tables:
        con.execute("CREATE TABLE indicators (indicator VARCHAR PRIMARY KEY, label_zh VARCHAR, metric VARCHAR, "
                    "unit_family VARCHAR, definition VARCHAR, additive BOOLEAN, sort_order INTEGER)")
    if "facts" not in tables:
        con.execute("CREATE TABLE facts (fact_id INTEGER PRIMARY KEY, indicator VARCHAR, subject VARCHAR, "
                    "metric VARCHAR, year INTEGER, period_start INTEGER, region VARCHAR, partner VARCHAR, "
                    "status VARCHAR, basis VARCHAR, value_norm DOUBLE, unit_norm VARCHAR, approx BOOLEAN, "
                    "conflict BOOLEAN, n_mentions INTEGER, n_documents INTEGER, figure_id INTEGER)")
    if "fact_totals" not in tables:
        con.execute("""CREATE VIEW fact_totals AS
            SELECT f.indicator, f.unit_norm, f.status, f.year, d.dimension, count(*) AS n_facts,
                   sum(f.value_norm) AS total
            FROM facts f JOIN indicators i USING (indicator)
            JOIN (VALUES ('region'), ('partner')) d(dimension)
              ON (d.dimension = 'region' AND f.region IS NOT NULL AND f.partner IS NULL)
              OR (d.dimension = 'partner' AND f.partner IS NOT NULL AND f.region IS NULL)
            WHERE i.additive AND f.basis = 'flow' AND NOT f.conflict AND f.value_norm IS NOT NULL
            GROUP BY ALL""")


def make_db(n_figures: int, out: Path, seed: int = 7) -> Path:
    """Write the synthetic database to out (atomically) and return out."""
    rng = np.random.default_rng(seed)
    n_docs = _docs_for(n_figures)
    frame = _figure_frame(n_figures, n_docs, rng)
    conflict, group = _conflicts(frame, rng)
    cols, texts = _write_texts(frame, n_docs, conflict)
    doc_ids = np.array([f"{d:012x}" for d in range(n_docs)], dtype=object)
    figures = pd.DataFrame({
        "figure_id": np.arange(1, n_figures + 1, dtype=np.int32), "doc_id": doc_ids[frame["doc_idx"].to_numpy()],
        "year": frame["year"].astype("int32"), "year_source": "document", "metric": cols["metric"],
        "subject": cols["subject"], "value": cols["value"], "value_max": cols["value_max"], "unit": cols["unit"],
        "value_norm": cols["value_norm"], "value_max_norm": cols["value_max_norm"], "unit_norm": cols["unit_norm"],
        "approx": frame["approx"], "region": frame["region"], "partner": frame["partner"], "scope": frame["scope"],
        "conflict": conflict, "conflict_group": pd.array(np.where(group < 0, None, group), dtype="Int64"),
        "text": cols["text"], "sentence": cols["sentence"], "sentence_start": cols["sentence_start"],
        "char_start": cols["char_start"], "char_end": cols["char_end"]})
    subjects = np.array(cols["subject"], dtype=object)
    indicator = pd.Series(subjects).map(SUBJECT_INDICATOR).to_numpy(dtype=object)
    default_basis = {i[0]: i[6] for i in INDICATORS}
    basis = np.array([default_basis.get(i, "flow") if isinstance(i, str) else
                      ("change" if u == "%" else "flow") for i, u in zip(indicator, cols["unit_norm"])], dtype=object)
    cumulative = frame["cumulative"].to_numpy() & (basis == "flow")
    basis[cumulative] = "cumulative"
    years = frame["year"].to_numpy()
    figures["status"] = np.where(frame["planned"].to_numpy(), "planned", "actual")
    figures["basis"] = basis
    figures["period_start"] = pd.array(np.where(cumulative, years - 4, -1), dtype="Int64").astype("Int64")
    figures.loc[~cumulative, "period_start"] = pd.NA
    figures["indicator"] = indicator
    figures["fact_idx"] = frame["fact_idx"].to_numpy()
    paged = frame["doc_idx"].to_numpy() % 3 == 0   # one document in three has pages (a PDF)
    figures["page"] = pd.array(np.where(paged, 1 + np.asarray(cols["char_start"]) // 4000, -1), dtype="Int64")
    figures.loc[~paged, "page"] = pd.NA
    figures["ocr"] = paged & (frame["doc_idx"].to_numpy() % 9 == 0)
    docs = _documents(texts, np.bincount(frame["doc_idx"].to_numpy(), minlength=n_docs))
    docs["format"] = ["pdf" if k % 3 == 0 else "txt" for k in range(len(docs))]
    docs["source_url"] = [f"https://example.org/kjyj/{k:05d}.html" if k % 2 == 0 else None for k in range(len(docs))]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    _ensure_contract(con)
    con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?)", _metrics())
    con.executemany("INSERT INTO indicators BY NAME SELECT ? AS indicator, ? AS label_zh, ? AS metric, "
                    "? AS unit_family, ? AS definition, ? AS additive, ? AS sort_order",
                    [row[:6] + (k,) for k, row in enumerate(INDICATORS)])
    con.register("doc_batch", docs)
    con.execute("INSERT INTO documents BY NAME SELECT * FROM doc_batch")
    con.register("figure_batch", figures)
    con.execute("CREATE TEMP TABLE fig_tmp AS SELECT * FROM figure_batch")
    # dense fact ids in order of first mention; the fact shows its first mention's value
    con.execute("CREATE TEMP TABLE fact_map AS SELECT fact_idx, row_number() OVER (ORDER BY min(figure_id)) "
                "AS fact_id FROM fig_tmp GROUP BY fact_idx")
    con.execute("UPDATE fig_tmp SET fact_idx = m.fact_id FROM fact_map m WHERE m.fact_idx = fig_tmp.fact_idx")
    con.execute("INSERT INTO figures BY NAME SELECT * EXCLUDE (fact_idx), fact_idx::INTEGER AS fact_id FROM fig_tmp")
    con.execute("""INSERT INTO facts BY NAME
        SELECT fact_id, arg_min(indicator, figure_id) AS indicator, arg_min(subject, figure_id) AS subject,
               arg_min(metric, figure_id) AS metric, arg_min(year, figure_id) AS year,
               arg_min(period_start, figure_id) AS period_start, arg_min(region, figure_id) AS region,
               arg_min(partner, figure_id) AS partner, arg_min(status, figure_id) AS status,
               arg_min(basis, figure_id) AS basis, arg_min(value_norm, figure_id) AS value_norm,
               arg_min(unit_norm, figure_id) AS unit_norm, bool_and(approx) AS approx, bool_or(conflict) AS conflict,
               count(*) AS n_mentions, count(DISTINCT doc_id) AS n_documents, min(figure_id) AS figure_id
        FROM figures GROUP BY fact_id""")
    info = {"raw_dir": "synthetic", "etl_version": "synthetic", "n_documents": len(docs), "n_figures": n_figures,
            "built_at": time.strftime("%Y-%m-%d %H:%M:%S"), "seed": seed}
    con.executemany("INSERT INTO build_info VALUES (?, ?)", [(k, str(v)) for k, v in info.items()])
    con.execute("CHECKPOINT")
    con.close()
    os.replace(tmp, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "large.duckdb")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    make_db(args.figures, args.out, args.seed)
    print(f"wrote {args.out} with {args.figures} figures in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
