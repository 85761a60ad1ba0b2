"""Every SQL statement the pages run, parameterised, against the read-only database of _db."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import pandas as pd

from ._db import Database, DatabaseUnavailable  # noqa: F401  (re-exported for the pages)

DB = Database(os.environ.get("YEARBOOK_DB") or None)
NO_REGION = "__none__"   # filter value meaning "figures with no region (全疆/未指明)"
NO_PARTNER = "__none__"
TOP_GROUPS = 8
SOURCE_ROWS = 1000       # cap on the sources sheet of exports
FIGURE_COLUMNS = ("figure_id", "year", "metric", "subject", "value", "value_max", "unit", "value_norm",
                  "value_max_norm", "unit_norm", "approx", "conflict", "conflict_group", "region", "partner",
                  "scope", "text", "sentence", "doc_id")
SORTABLE = set(FIGURE_COLUMNS) | {"title"}
TEXT_CACHE_CHARS = 150_000_000  # keep every document text in memory up to this total


@dataclass(frozen=True)
class Filters:
    """What every page filters on; None or empty means 'all'."""
    metric: str | None = None
    unit: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    regions: tuple = field(default_factory=tuple)
    partners: tuple = field(default_factory=tuple)
    scope: str | None = None

    def without(self, *names: str) -> "Filters":
        """The same filters with some fields cleared."""
        blank = {"regions": (), "partners": ()}
        return Filters(**{k: (blank.get(k) if k in names else getattr(self, k)) for k in self.__dataclass_fields__})


def _in_list(column: str, values: tuple, none_token: str, clauses: list, params: list) -> None:
    named = [v for v in values if v != none_token]
    parts = []
    if named:
        parts.append(f"list_contains(?::VARCHAR[], {column})")
        params.append(named)
    if none_token in values:
        parts.append(f"{column} IS NULL")
    if parts:
        clauses.append("(" + " OR ".join(parts) + ")")


def placeholders(values: list) -> str:
    """'?, ?, ?' for an IN list of this length (values stay parameters; DuckDB can use the key index)."""
    return ", ".join("?" for _ in values) or "NULL"


def where(f: Filters, alias: str = "") -> tuple[str, list]:
    """WHERE clause (fixed fragments only) and its parameters for the filters."""
    a = f"{alias}." if alias else ""
    clauses, params = ["TRUE"], []
    for column, value in ((f"{a}metric", f.metric), (f"{a}unit_norm", f.unit), (f"{a}scope", f.scope)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if f.year_from is not None:
        clauses.append(f"{a}year >= ?")
        params.append(int(f.year_from))
    if f.year_to is not None:
        clauses.append(f"{a}year <= ?")
        params.append(int(f.year_to))
    _in_list(f"{a}region", f.regions, NO_REGION, clauses, params)
    _in_list(f"{a}partner", f.partners, NO_PARTNER, clauses, params)
    return " AND ".join(clauses), params


# ---- options and facts -------------------------------------------------------------------------

def metrics() -> pd.DataFrame:
    return DB.frame("SELECT metric, label_zh, label_en, core FROM metrics ORDER BY NOT core, metric")


_labels: dict = {}


def metric_labels() -> dict[str, str]:
    """metric id -> Chinese label, memoised per file version (called once per grid row)."""
    version = DB.version()
    if version not in _labels:
        frame = metrics()
        _labels.clear()
        _labels[version] = dict(zip(frame["metric"], frame["label_zh"].fillna(frame["metric"])))
    return _labels[version]


def units(metric: str | None) -> pd.DataFrame:
    return DB.frame("SELECT unit_norm, count(*) AS n FROM figures WHERE unit_norm IS NOT NULL "
                    "AND (? IS NULL OR metric = ?) GROUP BY unit_norm ORDER BY n DESC, unit_norm",
                    [metric, metric])


def regions() -> list[str]:
    return DB.frame("SELECT region, count(*) AS n FROM figures WHERE region IS NOT NULL "
                    "GROUP BY region ORDER BY n DESC")["region"].tolist()


def partners() -> list[str]:
    return DB.frame("SELECT partner, count(*) AS n FROM figures WHERE partner IS NOT NULL "
                    "GROUP BY partner ORDER BY n DESC")["partner"].tolist()


def year_range() -> tuple[int | None, int | None]:
    row = DB.frame("SELECT min(year) AS lo, max(year) AS hi FROM (SELECT year FROM figures UNION ALL "
                   "SELECT year FROM documents WHERE status = 'ok')").iloc[0]
    return (None if pd.isna(row.lo) else int(row.lo)), (None if pd.isna(row.hi) else int(row.hi))


def build_info() -> dict:
    return dict(DB.frame("SELECT key, value FROM build_info").itertuples(index=False, name=None))


def totals() -> dict:
    row = DB.frame("SELECT (SELECT count(*) FROM figures) AS n_figures, "
                   "(SELECT count(*) FROM documents WHERE status = 'ok') AS n_documents").iloc[0]
    return {"n_figures": int(row.n_figures), "n_documents": int(row.n_documents)}


# ---- aggregates for charts ---------------------------------------------------------------------

def trend(f: Filters, split: str | None = None) -> pd.DataFrame:
    """year, grp, total, n, any_approx, any_conflict; grp is the top regions/partners, the rest '其他'."""
    w, p = where(f)
    if split not in ("region", "partner"):
        return DB.frame(f"SELECT year, '合计' AS grp, sum(value_norm) AS total, count(*) AS n, "
                        f"bool_or(approx) AS any_approx, bool_or(conflict) AS any_conflict FROM figures "
                        f"WHERE {w} AND year IS NOT NULL GROUP BY year ORDER BY year", p)
    label = "'全疆/未指明'" if split == "region" else "'未指明'"
    sql = (f"WITH base AS (SELECT year, coalesce({split}, {label}) AS g, value_norm, approx, conflict "
           f"FROM figures WHERE {w} AND year IS NOT NULL), "
           f"top AS (SELECT g FROM base GROUP BY g ORDER BY sum(value_norm) DESC NULLS LAST LIMIT ?) "
           f"SELECT year, CASE WHEN g IN (SELECT g FROM top) THEN g ELSE '其他' END AS grp, "
           f"sum(value_norm) AS total, count(*) AS n, bool_or(approx) AS any_approx, "
           f"bool_or(conflict) AS any_conflict FROM base GROUP BY ALL ORDER BY year, grp")
    return DB.frame(sql, p + [TOP_GROUPS])


def by_column(f: Filters, column: str) -> pd.DataFrame:
    """region or partner: total, n, flags per value (null region shown as 全疆/未指明)."""
    if column not in ("region", "partner"):
        raise ValueError(column)
    w, p = where(f)
    label = "'全疆/未指明'" if column == "region" else "'未指明'"
    return DB.frame(f"SELECT coalesce({column}, {label}) AS name, sum(value_norm) AS total, count(*) AS n, "
                    f"bool_or(approx) AS any_approx, bool_or(conflict) AS any_conflict FROM figures "
                    f"WHERE {w} GROUP BY ALL ORDER BY total DESC NULLS LAST", p)


def links(f: Filters) -> pd.DataFrame:
    """partner -> region totals for figures that name a partner."""
    w, p = where(f)
    return DB.frame(f"SELECT partner, coalesce(region, '未指明') AS region, sum(value_norm) AS total, "
                    f"count(*) AS n FROM figures WHERE {w} AND partner IS NOT NULL GROUP BY ALL "
                    f"ORDER BY total DESC NULLS LAST", p)


def headlines(f: Filters) -> pd.DataFrame:
    """Per metric, unit and year: the largest figure (the card's figure) and how many there are."""
    w, p = where(f.without("metric", "unit"))
    return DB.frame(f"SELECT metric, unit_norm, year, max(value_norm) AS top, arg_max(figure_id, value_norm) "
                    f"AS figure_id, count(*) AS n FROM figures WHERE {w} AND year IS NOT NULL "
                    f"AND value_norm IS NOT NULL GROUP BY ALL", p)


# ---- figures and their sources -----------------------------------------------------------------

def count_figures(f: Filters, extra: str = "TRUE", extra_params: list | None = None) -> int:
    w, p = where(f, "f")
    return int(DB.frame(f"SELECT count(*) AS n FROM figures f WHERE {w} AND {extra}",
                        p + (extra_params or [])).iloc[0, 0])


def figure_rows(f: Filters, order: list[tuple[str, bool]], start: int, limit: int,
                extra: str = "TRUE", extra_params: list | None = None) -> pd.DataFrame:
    """A page of figures with their document title; order is [(column, descending)] of SORTABLE columns.

    Sorting and paging run on figures alone (a top-N), and documents are joined to that page only,
    unless the order or a grid filter needs the title."""
    w, p = where(f, "f")
    keys = [f"{'d.title' if c == 'title' else 'f.' + c} {'DESC' if desc else 'ASC'} NULLS LAST"
            for c, desc in order if c in SORTABLE] + ["f.figure_id"]
    needs_title = "d.title" in extra or any(c == "title" for c, _ in order)
    join = "LEFT JOIN documents d ON d.doc_id = f.doc_id" if needs_title else ""
    inner = ", ".join(f"f.{c}" for c in FIGURE_COLUMNS)
    outer = ", ".join(f"p.{c}" for c in FIGURE_COLUMNS)
    outer_keys = ", ".join(k.replace("f.", "p.") for k in keys)
    return DB.frame(f"SELECT {outer}, d.title, d.year AS doc_year FROM (SELECT {inner} FROM figures f {join} "
                    f"WHERE {w} AND {extra} ORDER BY {', '.join(keys)} LIMIT ? OFFSET ?) p "
                    f"LEFT JOIN documents d ON d.doc_id = p.doc_id ORDER BY {outer_keys}",
                    p + (extra_params or []) + [int(limit), int(start)])


def point_figures(f: Filters, year=None, region=None, partner=None, metric=None,
                  limit: int = 10) -> tuple[pd.DataFrame, int]:
    """The figures behind one chart point (largest first) and how many there are; metric overrides f's."""
    if metric:
        f = Filters(metric, None, f.year_from, f.year_to, f.regions, f.partners, f.scope)
    extra, params = ["TRUE"], []
    if year is not None:
        extra.append("f.year = ?")
        params.append(int(year))
    for column, value, unnamed in (("region", region, ("全疆/未指明", "未指明")), ("partner", partner, ("未指明",))):
        if value in unnamed:
            extra.append(f"f.{column} IS NULL")
        elif value is not None and value != "其他":
            extra.append(f"f.{column} = ?")
            params.append(value)
    clause = " AND ".join(extra)
    rows = figure_rows(f, [("value_norm", True)], 0, limit, clause, params)
    return rows, count_figures(f, clause, params)


def figures_by_id(ids: list[int]) -> pd.DataFrame:
    ids = [int(i) for i in ids]
    cols = ", ".join(f"f.{c}" for c in FIGURE_COLUMNS)
    return DB.frame(f"SELECT {cols}, f.char_start, f.char_end, d.title, d.year AS doc_year, d.file_name, "
                    f"d.source FROM (SELECT * FROM figures WHERE figure_id IN ({placeholders(ids)})) f "
                    f"LEFT JOIN documents d ON d.doc_id = f.doc_id ORDER BY f.figure_id", ids)


_texts: dict = {"version": None, "texts": None}
_texts_lock = threading.Lock()


def document_texts() -> dict[str, str] | None:
    """doc_id -> text for the current file version, loaded once (DuckDB decompresses the whole text column
    on every access, so per-click lookups cost tens of ms); None when the texts are too large to hold."""
    version = DB.version()
    with _texts_lock:
        if _texts["version"] != version:
            total = DB.frame("SELECT coalesce(sum(length(text)), 0) AS n FROM documents").n.iloc[0]
            texts = None
            if total <= TEXT_CACHE_CHARS:
                frame = DB.frame("SELECT doc_id, text FROM documents WHERE text IS NOT NULL", cache=False)
                texts = dict(zip(frame["doc_id"], frame["text"]))
            _texts.update(version=version, texts=texts)
        return _texts["texts"]


def _window(doc_id: str, lo: int, length: int, texts: dict | None) -> str | None:
    if texts is not None:
        text = texts.get(doc_id)
        return text[lo:lo + length] if isinstance(text, str) else None
    frame = DB.frame("SELECT substr(text, ?, ?) AS w FROM documents WHERE doc_id = ?", [lo + 1, length, doc_id])
    return frame["w"].iloc[0] if len(frame) else None


def contexts(ids: list[int], reach: int = 1500) -> dict[int, dict]:
    """The paragraph around each figure: text before, the figure, text after (cut at line breaks)."""
    ids = [int(i) for i in ids]
    spots = DB.frame(f"SELECT figure_id, doc_id, char_start, char_end, sentence_start, length(sentence) AS s_len "
                     f"FROM figures WHERE figure_id IN ({placeholders(ids)})", ids)
    texts = document_texts()
    out = {}
    for r in spots.itertuples(index=False):
        lo = max(int(r.char_start) - reach, 0)
        window = _window(r.doc_id, lo, int(r.char_end) - lo + reach, texts)
        if not isinstance(window, str):
            continue
        s, e = int(r.char_start) - lo, int(r.char_end) - lo
        head, tail = window[:s], window[e:]
        cut, end = head.rfind("\n") + 1, tail.find("\n")
        ctx = {"before": head[cut:], "figure": window[s:e], "after": tail if end < 0 else tail[:end]}
        if not pd.isna(r.sentence_start) and not pd.isna(r.s_len):  # where the sentence sits in the paragraph
            s_from = int(r.sentence_start) - lo - cut
            s_to = int(r.sentence_start) + int(r.s_len) - int(r.char_end)
            if 0 <= s_from <= len(ctx["before"]) and 0 <= s_to <= len(ctx["after"]):
                ctx.update(s_from=s_from, s_to=s_to)
        out[int(r.figure_id)] = ctx
    return out


def context(figure_id: int) -> dict | None:
    return contexts([figure_id]).get(int(figure_id))


def conflict_candidates(ids: list[int]) -> pd.DataFrame:
    """Every figure sharing a conflict group (and document) with one of ids."""
    ids = [int(i) for i in ids]
    cols = ", ".join(f"f.{c}" for c in FIGURE_COLUMNS)
    groups = DB.frame(f"SELECT DISTINCT doc_id, conflict_group FROM figures WHERE figure_id IN ({placeholders(ids)}) "
                      f"AND conflict_group IS NOT NULL", ids)
    docs = sorted(set(groups["doc_id"]))
    return DB.frame(f"SELECT {cols}, d.title, d.year AS doc_year FROM figures f "
                    f"JOIN (SELECT DISTINCT doc_id, conflict_group FROM figures WHERE figure_id IN ({placeholders(ids)}) "
                    f"AND conflict_group IS NOT NULL) g ON g.doc_id = f.doc_id AND g.conflict_group = f.conflict_group "
                    f"LEFT JOIN documents d ON d.doc_id = f.doc_id WHERE f.doc_id IN ({placeholders(docs)}) "
                    f"ORDER BY f.conflict_group, f.figure_id", ids + docs)


def sources(f: Filters, limit: int = SOURCE_ROWS) -> pd.DataFrame:
    """Document, year and sentence of the figures under the filters (largest first, capped)."""
    w, p = where(f, "f")
    return DB.frame(f"SELECT p.figure_id AS 编号, d.title AS 文档, d.file_name AS 文件, p.year AS 年份, "
                    f"p.text AS 原文数字, p.sentence AS 原句 FROM (SELECT f.figure_id, f.doc_id, f.year, f.text, "
                    f"f.sentence, f.value_norm FROM figures f WHERE {w} "
                    f"ORDER BY f.value_norm DESC NULLS LAST, f.figure_id LIMIT ?) p LEFT JOIN documents d "
                    f"ON d.doc_id = p.doc_id ORDER BY p.value_norm DESC NULLS LAST, p.figure_id", p + [int(limit)])


# ---- documents and coverage --------------------------------------------------------------------

def documents() -> pd.DataFrame:
    return DB.frame("SELECT doc_id, file_name, title, year, status, error, n_figures, n_chars, encoding, "
                    "duplicate_of, source FROM documents ORDER BY year NULLS LAST, file_name")


def coverage_cells(f: Filters) -> pd.DataFrame:
    """metric x region x year counts of the filtered figures (metric and unit filters ignored): one scan
    feeds both coverage matrices."""
    w, p = where(f.without("metric", "unit"))
    return DB.frame(f"SELECT metric, coalesce(region, '全疆/未指明') AS region, year, count(*) AS n_figures, "
                    f"count(*) FILTER (WHERE value_norm = 0) AS n_zero FROM figures "
                    f"WHERE {w} AND year IS NOT NULL GROUP BY ALL", p)


def document_years() -> pd.DataFrame:
    return DB.frame("SELECT year, count(*) FILTER (WHERE status = 'ok') AS docs_ok, "
                    "count(*) FILTER (WHERE status NOT IN ('ok', 'duplicate')) AS docs_failed "
                    "FROM documents WHERE year IS NOT NULL GROUP BY year")
