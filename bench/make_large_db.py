"""Write a deterministic synthetic yearbook database with N figures, using etl/schema.sql.

    python bench/make_large_db.py --figures 1000000 --out bench/out/large.duckdb [--seed 7]

Every figure points into a real document text: its sentence is written into documents.text and
char_start/char_end/sentence_start are exact offsets, so the dashboard's source view works on it.
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


def _docs_for(n_figures: int) -> int:
    return max(6, min(2000, n_figures // 400))


def _figure_frame(n: int, n_docs: int, rng: np.random.Generator) -> pd.DataFrame:
    """Attributes of every figure, vectorised; text and offsets are filled in by _write_texts."""
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
    rows = {"doc_idx": doc_idx, "metric_idx": metric_idx, "year": year, "region": region, "partner": partner,
            "scope": scope, "approx": approx, "variant": variant, "scale": scale}
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
        sentence = f"{years[i]}年，{where}{subject}{span}。"
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
    docs = _documents(texts, np.bincount(frame["doc_idx"].to_numpy(), minlength=n_docs))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?)", _metrics())
    con.register("doc_batch", docs)
    con.execute("INSERT INTO documents BY NAME SELECT * FROM doc_batch")
    con.register("figure_batch", figures)
    con.execute("INSERT INTO figures BY NAME SELECT * FROM figure_batch")
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
