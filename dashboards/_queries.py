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
SORTABLE = set(FIGURE_COLUMNS) | {"title", "fact_id", "status", "basis", "page"}
TEXT_CACHE_CHARS = 150_000_000  # keep every document text in memory up to this total


@dataclass(frozen=True)
class Filters:
    """What every page filters on; None or empty means 'all'. indicator is a catalogue id, or
    's:<subject>' for the facts of one subject that match no catalogue row."""
    indicator: str | None = None
    unit: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    regions: tuple = field(default_factory=tuple)
    partners: tuple = field(default_factory=tuple)

    def without(self, *names: str) -> "Filters":
        """The same filters with some fields cleared."""
        blank = {"regions": (), "partners": ()}
        return Filters(**{k: (blank.get(k) if k in names else getattr(self, k)) for k in self.__dataclass_fields__})


SUBJECT_PREFIX = "s:"
STATUSES = ("actual", "planned")
BASES = ("flow", "cumulative", "level", "change", "share")


def indicator_clause(key: str | None, alias: str = "") -> tuple[str, list]:
    """SQL fragment (fixed text) selecting one indicator, or one subject without indicator."""
    a = f"{alias}." if alias else ""
    if not key:
        return "TRUE", []
    if key.startswith(SUBJECT_PREFIX):
        return f"({a}indicator IS NULL AND {a}subject = ?)", [key[len(SUBJECT_PREFIX):]]
    return f"{a}indicator = ?", [key]


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


def where(f: Filters, alias: str = "", places: bool = True) -> tuple[str, list]:
    """WHERE clause (fixed fragments only) and its parameters for the filters, on figures or facts."""
    a = f"{alias}." if alias else ""
    clause, params = indicator_clause(f.indicator, alias)
    clauses = ["TRUE", clause]
    if f.unit:
        clauses.append(f"{a}unit_norm = ?")
        params.append(f.unit)
    if f.year_from is not None:
        clauses.append(f"{a}year >= ?")
        params.append(int(f.year_from))
    if f.year_to is not None:
        clauses.append(f"{a}year <= ?")
        params.append(int(f.year_to))
    if places:
        _in_list(f"{a}region", f.regions, NO_REGION, clauses, params)
        _in_list(f"{a}partner", f.partners, NO_PARTNER, clauses, params)
    return " AND ".join(clauses), params


# ---- schema: what this database file has ------------------------------------------------------

_schema: dict = {}


def schema() -> dict[str, set]:
    """table or view -> its columns, once per file version (columns from other helpers may be absent)."""
    version = DB.version()
    if version not in _schema:
        frame = DB.frame("SELECT table_name, column_name FROM information_schema.columns "
                         "WHERE table_schema = 'main'")
        found: dict[str, set] = {}
        for t, c in frame.itertuples(index=False):
            found.setdefault(t, set()).add(c)
        _schema.clear()
        _schema[version] = found
    return _schema[version]


def has(table: str, column: str | None = None) -> bool:
    cols = schema().get(table)
    return cols is not None and (column is None or column in cols)


def require_facts() -> None:
    if not (has("facts") and has("indicators") and has("fact_totals")):
        raise DatabaseUnavailable("数据库中还没有事实表（facts、indicators、fact_totals）：请用新版 ETL 重新运行 "
                                  "python -m etl build。")


def _opt(table_alias: str, table: str, column: str, sql_type: str = "NULL") -> str:
    """column if the table has it, else a typed NULL, as the column name."""
    return f"{table_alias}.{column}" if has(table, column) else f"CAST(NULL AS {sql_type}) AS {column}"


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
    return per_version("build_info", lambda: dict(DB.frame("SELECT key, value FROM build_info")
                                                  .itertuples(index=False, name=None)))


def totals() -> dict:
    def compute():
        row = DB.frame("SELECT (SELECT count(*) FROM figures) AS n_figures, "
                       "(SELECT count(*) FROM documents WHERE status = 'ok') AS n_documents").iloc[0]
        return {"n_figures": int(row.n_figures), "n_documents": int(row.n_documents)}
    return per_version("totals", compute)


# ---- indicators ---------------------------------------------------------------------------------

FAMILY_ORDER = ["projects", "investment", "patents", "trainees", "fund_size", "enterprises", "other"]  # = cards
MAX_SUBJECTS = 300


_per_version: dict = {}


def per_version(name: str, compute):
    """compute() once per database file version (small answers every callback needs: the picker's options,
    the totals of the source line); a rebuilt file gets fresh ones."""
    version = DB.version()
    key = (version, name)
    if key not in _per_version:
        if len(_per_version) > 64:
            _per_version.clear()
        _per_version[key] = compute()
    return _per_version[key]


def indicator_options() -> pd.DataFrame:
    """key, label, metric, definition, additive, n (facts): catalogue indicators with facts, then the subjects
    of facts without indicator; ordered by metric family in the order of the overview cards."""
    require_facts()
    return per_version("indicator_options", _indicator_options)


def _indicator_options() -> pd.DataFrame:
    frame = DB.frame(
        "SELECT * FROM (SELECT i.indicator AS key, i.label_zh AS label, i.metric, i.definition, i.additive, "
        "i.sort_order, n, ny FROM indicators i JOIN (SELECT indicator, count(*) AS n, count(DISTINCT year) "
        "FILTER (WHERE status = 'actual') AS ny FROM facts WHERE indicator IS NOT NULL GROUP BY indicator) c "
        "USING (indicator)) "
        "UNION ALL BY NAME SELECT * FROM (SELECT ? || subject AS key, subject AS label, arg_max(metric, 1) AS metric, "
        "CAST(NULL AS VARCHAR) AS definition, false AS additive, CAST(NULL AS INTEGER) AS sort_order, "
        "count(*) AS n, count(DISTINCT year) FILTER (WHERE status = 'actual') AS ny FROM facts "
        "WHERE indicator IS NULL AND subject IS NOT NULL GROUP BY subject "
        "ORDER BY n DESC, subject LIMIT ?)", [SUBJECT_PREFIX, MAX_SUBJECTS])
    rank = {m: k for k, m in enumerate(FAMILY_ORDER)}
    frame = frame.assign(family_rank=frame["metric"].map(lambda m: rank.get(m, len(rank))),
                         is_subject=frame["key"].str.startswith(SUBJECT_PREFIX))
    frame = frame.sort_values(["family_rank", "is_subject", "sort_order", "n", "key"],
                              ascending=[True, True, True, False, True], na_position="last", ignore_index=True)
    frame["n"] = frame["n"].astype(int)
    return frame


def indicator_info(key: str | None) -> dict:
    """label, metric, definition, additive of one key ({} when unknown)."""
    if not key:
        return {}
    frame = indicator_options()
    row = frame[frame["key"] == key]
    return {} if row.empty else row.iloc[0].to_dict()


def fact_units(key: str | None) -> pd.DataFrame:
    """unit_norm, n: the units of an indicator's facts, most facts first."""
    require_facts()
    clause, params = indicator_clause(key)
    return DB.frame(f"SELECT unit_norm, count(*) AS n FROM facts WHERE {clause} AND unit_norm IS NOT NULL "
                    f"GROUP BY unit_norm ORDER BY n DESC, unit_norm", params)


# ---- facts for charts ------------------------------------------------------------------------------

FACT_COLUMNS = ("fact_id, indicator, subject, year, period_start, region, partner, status, basis, value_norm, "
                "unit_norm, approx, conflict, n_mentions, n_documents, figure_id")
# one fact per cell: the best-attested one; the others are counted (n_alt) and listed on click
_ONE_PER_CELL = "QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY n_mentions DESC, n_documents DESC, fact_id) = 1"
PLACE = {"": "region IS NULL AND partner IS NULL", "region": "region IS NOT NULL AND partner IS NULL",
         "partner": "partner IS NOT NULL AND region IS NULL", "link": "partner IS NOT NULL AND region IS NOT NULL",
         "region+all": "partner IS NULL", "partner+all": "region IS NULL"}   # with the 全疆 facts (null place)


def fact_cells(f: Filters, place: str, keys: list[str], status: str | None = None, basis: str | None = None,
               year: int | None = None) -> pd.DataFrame:
    """One fact per combination of keys (plus status and basis): facts of the indicator and unit whose place
    is '' (全疆: no region, no partner), 'region', 'partner' or 'link' (both); n_alt = facts in the cell."""
    require_facts()
    w, p = where(f, places=place != "")
    extra = [PLACE[place], "value_norm IS NOT NULL"]
    if status in STATUSES:
        extra.append("status = ?")
        p.append(status)
    if basis in BASES:
        extra.append("basis = ?")
        p.append(basis)
    if year is not None:
        extra.append("year = ?")
        p.append(int(year))
    part = ", ".join(keys + ["status", "basis"])
    return DB.frame(f"SELECT {FACT_COLUMNS}, count(*) OVER (PARTITION BY {part}) AS n_alt FROM facts "
                    f"WHERE {w} AND {' AND '.join(extra)} {_ONE_PER_CELL.format(keys=part)} "
                    f"ORDER BY {', '.join(keys + ['status', 'basis'])}", p)


def series_facts(f: Filters, split: str = "") -> pd.DataFrame:
    """Facts for the trends chart: per year (and region or partner when split), status and basis, one fact."""
    split = split if split in ("region", "partner") else ""
    keys = ["year"] + ([split] if split else [])
    return fact_cells(f, split, keys)


def fact_totals(f: Filters, dimension: str = "region", status: str = "actual") -> pd.DataFrame:
    """year, n_facts, total from the fact_totals view (the only sums shown); empty for subjects, for a region
    or partner filter (the view sums all of them) and for non-additive indicators."""
    require_facts()
    if not f.indicator or f.indicator.startswith(SUBJECT_PREFIX) or f.regions or f.partners or not f.unit:
        return pd.DataFrame(columns=["year", "n_facts", "total", "n_left_out"])
    w, p = where(f, places=False)
    left = "n_left_out" if has("fact_totals", "n_left_out") else "0 AS n_left_out"
    return DB.frame(f"SELECT year, n_facts, total, {left} FROM fact_totals WHERE {w} AND dimension = ? AND status = ? "
                    f"ORDER BY year", p + [dimension, status])


def total_fact_ids(f: Filters, year: int, dimension: str = "region", status: str = "actual") -> list[int]:
    """The facts a fact_totals row adds, by the view's own rule (additive indicator, flow, no conflict, one
    kind of place, and only places with exactly one such fact), for citing them."""
    require_facts()
    w, p = where(f, "f", places=False)
    place = PLACE[dimension].replace("region", "f.region").replace("partner", "f.partner")
    return DB.frame(f"SELECT fact_id FROM (SELECT f.fact_id, f.value_norm, count(*) OVER (PARTITION BY "
                    f"coalesce(f.region, f.partner)) AS n FROM facts f JOIN indicators i ON i.indicator = f.indicator "
                    f"WHERE {w} AND f.year = ? AND f.status = ? AND i.additive AND f.basis = 'flow' AND NOT f.conflict "
                    f"AND {place}) WHERE n = 1 ORDER BY value_norm DESC NULLS LAST, fact_id",
                    p + [int(year), status])["fact_id"].tolist()


def total_fact_ids_by_year(f: Filters, dimension: str = "region", status: str = "actual") -> dict[int, list[int]]:
    """total_fact_ids for every year at once (one query for a whole table)."""
    require_facts()
    w, p = where(f, "f", places=False)
    place = PLACE[dimension].replace("region", "f.region").replace("partner", "f.partner")
    frame = DB.frame(f"SELECT year, fact_id FROM (SELECT f.year, f.fact_id, f.value_norm, count(*) OVER (PARTITION BY "
                     f"f.year, coalesce(f.region, f.partner)) AS n FROM facts f JOIN indicators i ON i.indicator = f.indicator "
                     f"WHERE {w} AND f.status = ? AND i.additive AND f.basis = 'flow' AND NOT f.conflict "
                     f"AND f.year IS NOT NULL AND {place}) WHERE n = 1 ORDER BY year, value_norm DESC NULLS LAST, fact_id",
                     p + [status])
    out: dict[int, list[int]] = {}
    for year, fact in frame.itertuples(index=False):
        out.setdefault(int(year), []).append(int(fact))
    return out


def fact_years(f: Filters, place: str, status: str | None = None) -> list[int]:
    """Years that have facts of the indicator at this kind of place, newest first."""
    require_facts()
    w, p = where(f, places=place != "")
    extra = ""
    if status in STATUSES:
        extra = " AND status = ?"
        p.append(status)
    return [int(y) for y in DB.frame(f"SELECT DISTINCT year FROM facts WHERE {w} AND {PLACE[place]} "
                                     f"AND year IS NOT NULL{extra} ORDER BY year DESC", p)["year"]]


def place_choices(f: Filters, place: str, status: str) -> tuple[list[int], list[str]]:
    """Years (newest first) and bases (most facts first) of the indicator's facts at this kind of place, plus
    the 全疆 facts, in one scan: the year and basis pickers of the place pages."""
    require_facts()
    w, p = where(f)
    frame = DB.frame(f"SELECT year, basis, count(*) AS n FROM facts WHERE {w} AND ({PLACE[place]} OR ({PLACE['']})) "
                     f"AND status = ? AND year IS NOT NULL GROUP BY ALL", p + [status])
    years = sorted({int(y) for y in frame["year"]}, reverse=True)
    bases = frame.groupby("basis")["n"].sum().sort_values(ascending=False).index.tolist()
    return years, bases


def fact_bases(f: Filters, place: str | None = None) -> pd.DataFrame:
    """basis, n of the indicator's facts (most first)."""
    require_facts()
    w, p = where(f, places=bool(place))
    pl = f" AND {PLACE[place]}" if place in PLACE else ""
    return DB.frame(f"SELECT basis, count(*) AS n FROM facts WHERE {w}{pl} GROUP BY basis ORDER BY n DESC, basis", p)


def overview_series(f: Filters) -> pd.DataFrame:
    """Per catalogue indicator: its actual 全疆 facts (one per year, unit and basis: the best attested) for the
    cards; one grouping pass rather than a window over every fact."""
    require_facts()
    w, p = where(f.without("indicator", "unit"), "f", places=False)
    rank = "(f.n_mentions::BIGINT * 2147483648 - f.fact_id)"
    pick = ", ".join(f"arg_max(f.{c}, {rank}) AS {c}" for c in ("fact_id", "value_norm", "approx", "conflict",
                                                                 "n_mentions", "figure_id"))
    return DB.frame(f"SELECT s.*, i.label_zh AS label, i.metric, i.definition, i.sort_order FROM (SELECT f.indicator, "
                    f"f.year, f.unit_norm, f.basis, {pick} FROM facts f WHERE {w} AND f.indicator IS NOT NULL "
                    f"AND f.status = 'actual' AND f.region IS NULL AND f.partner IS NULL AND f.value_norm IS NOT NULL "
                    f"AND f.year IS NOT NULL GROUP BY ALL) s JOIN indicators i USING (indicator)", p)


def cell_facts(f: Filters, column: str, key, year: int, limit: int = 20) -> list[int]:
    """Facts stated by the figures of one coverage cell (metric or region, and year)."""
    require_facts()
    w, p = where(f.without("indicator", "unit"), "f")
    if column == "metric":
        cond, params = "f.metric = ?", [key]
    elif key in ("全疆/未指明", None):
        cond, params = "f.region IS NULL", []
    else:
        cond, params = "f.region = ?", [key]
    return DB.frame(f"SELECT DISTINCT f.fact_id FROM figures f WHERE {w} AND {cond} AND f.year = ? "
                    f"AND f.fact_id IS NOT NULL ORDER BY f.fact_id LIMIT ?", p + params + [int(year), int(limit)]
                    )["fact_id"].tolist()


def facts_by_id(ids: list[int]) -> pd.DataFrame:
    require_facts()
    ids = [int(i) for i in ids]
    return DB.frame(f"SELECT {FACT_COLUMNS} FROM facts WHERE fact_id IN ({placeholders(ids)}) ORDER BY fact_id", ids)


def mentions(fact_ids: list[int], limit: int = 5000) -> pd.DataFrame:
    """Every figure that states one of these facts, all documents; per fact the conflicting versions first.
    The figure ids come from the fact_id column alone; the rows are then read by primary key (so the long
    text columns of a million figures are not scanned)."""
    require_facts()
    ids = [int(i) for i in fact_ids]
    found = DB.frame("SELECT figure_id FROM figures WHERE list_contains(?::INTEGER[], fact_id) "
                     "ORDER BY fact_id, conflict DESC, figure_id LIMIT ?", [ids, int(limit)])["figure_id"].tolist()
    cols = ", ".join(f"f.{c}" for c in FIGURE_COLUMNS)
    extra = ", ".join([_opt("f", "figures", "page", "INTEGER"), _opt("f", "figures", "ocr", "BOOLEAN"),
                       _opt("d", "documents", "source_url", "VARCHAR"), "f.status", "f.basis", "f.fact_id",
                       "f.period_start"])
    return DB.frame(f"SELECT {cols}, {extra}, d.title, d.year AS doc_year, d.file_name, d.source, "
                    f"x.value_norm AS fact_value, (x.figure_id = f.figure_id) AS shown "
                    f"FROM (SELECT * FROM figures WHERE figure_id IN ({placeholders(found)})) f "
                    f"JOIN (SELECT * FROM facts WHERE fact_id IN ({placeholders(ids)})) x ON x.fact_id = f.fact_id "
                    f"LEFT JOIN documents d ON d.doc_id = f.doc_id "
                    f"ORDER BY f.fact_id, f.conflict DESC, (x.figure_id = f.figure_id) DESC, f.figure_id",
                    found + ids)


# ---- figures and their sources -----------------------------------------------------------------

def _grid_columns(alias: str) -> str:
    extra = [f"{alias}.{c}" for c in ("status", "basis", "indicator", "fact_id") if has("figures", c)]
    extra += [_opt(alias, "figures", c, t) for c, t in (("page", "INTEGER"), ("ocr", "BOOLEAN"))]
    return ", ".join([f"{alias}.{c}" for c in FIGURE_COLUMNS] + extra)


def count_figures(f: Filters, extra: str = "TRUE", extra_params: list | None = None) -> int:
    w, p = where(f, "f")
    return int(DB.frame(f"SELECT count(*) AS n FROM figures f WHERE {w} AND {extra}",
                        p + (extra_params or [])).iloc[0, 0])


def figure_rows(f: Filters, order: list[tuple[str, bool]], start: int, limit: int,
                extra: str = "TRUE", extra_params: list | None = None) -> pd.DataFrame:
    """A page of figures with their document title; order is [(column, descending)] of SORTABLE columns.

    The page's ids come from a top-N on the sort keys alone (documents joined only when the order or a grid
    filter needs the title); the rows are then read by primary key, so the long text columns are read for
    this page only."""
    w, p = where(f, "f")
    keys = [(f"{'d.title' if c == 'title' else 'f.' + c}", desc) for c, desc in order if c in SORTABLE]
    keys.append(("f.figure_id", False))
    needs_title = "d.title" in extra or any(k == "d.title" for k, _ in keys)
    join = "LEFT JOIN documents d ON d.doc_id = f.doc_id" if needs_title else ""
    sql_keys = ", ".join(f"{k} {'DESC' if desc else 'ASC'} NULLS LAST" for k, desc in keys)
    ids = DB.frame(f"SELECT f.figure_id FROM figures f {join} WHERE {w} AND {extra} ORDER BY {sql_keys} "
                   f"LIMIT ? OFFSET ?", p + (extra_params or []) + [int(limit), int(start)])["figure_id"].tolist()
    if not ids:
        return DB.frame(f"SELECT {_grid_columns('f')}, d.title, d.year AS doc_year FROM figures f "
                        f"LEFT JOIN documents d ON d.doc_id = f.doc_id WHERE FALSE")
    rows = DB.frame(f"SELECT {_grid_columns('f')}, d.title, d.year AS doc_year FROM "
                    f"(SELECT * FROM figures WHERE figure_id IN ({placeholders(ids)})) f "
                    f"LEFT JOIN documents d ON d.doc_id = f.doc_id", ids)
    order_of = {i: k for k, i in enumerate(ids)}
    return rows.iloc[rows["figure_id"].map(order_of).argsort()].reset_index(drop=True)


def figures_by_id(ids: list[int]) -> pd.DataFrame:
    ids = [int(i) for i in ids]
    return DB.frame(f"SELECT {_grid_columns('f')}, f.char_start, f.char_end, d.title, d.year AS doc_year, d.file_name, "
                    f"d.source, {_opt('d', 'documents', 'source_url', 'VARCHAR')} "
                    f"FROM (SELECT * FROM figures WHERE figure_id IN ({placeholders(ids)})) f "
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


# ---- documents and coverage --------------------------------------------------------------------

def documents() -> pd.DataFrame:
    return DB.frame("SELECT doc_id, file_name, title, year, status, error, n_figures, n_chars, encoding, "
                    "duplicate_of, source FROM documents ORDER BY year NULLS LAST, file_name")


def coverage_cells(f: Filters) -> pd.DataFrame:
    """metric x region x year counts of the filtered figures (metric and unit filters ignored): one scan
    feeds both coverage matrices."""
    w, p = where(f.without("indicator", "unit"))
    return DB.frame(f"SELECT metric, coalesce(region, '全疆/未指明') AS region, year, count(*) AS n_figures, "
                    f"count(*) FILTER (WHERE value_norm = 0) AS n_zero FROM figures "
                    f"WHERE {w} AND year IS NOT NULL GROUP BY ALL", p)


def document_years() -> pd.DataFrame:
    return DB.frame("SELECT year, count(*) FILTER (WHERE status = 'ok') AS docs_ok, "
                    "count(*) FILTER (WHERE status NOT IN ('ok', 'duplicate')) AS docs_failed "
                    "FROM documents WHERE year IS NOT NULL GROUP BY year")
