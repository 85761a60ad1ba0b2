"""Write the facts of a built database: link its figures into facts (etl/facts.py) and store them."""
from __future__ import annotations

import duckdb
import pyarrow as pa

from .facts import FACT_COLUMNS, FactLinker
from .indicators import load_indicators

_LINKED = ["figure_id", "doc_id", "indicator", "subject", "metric", "year", "period_start", "region", "partner",
           "status", "basis", "value_norm", "unit_norm", "approx", "conflict", "conflict_group"]
_FACT_TYPES = {"fact_id": pa.int32(), "year": pa.int32(), "period_start": pa.int32(), "value_norm": pa.float64(),
               "approx": pa.bool_(), "conflict": pa.bool_(), "n_mentions": pa.int32(), "n_documents": pa.int32(),
               "figure_id": pa.int32()}
LINK_BATCH = 50_000           # figures read into Python at a time
FACT_SCHEMA = pa.schema([(c, _FACT_TYPES.get(c, pa.string())) for c in FACT_COLUMNS])


def write_indicators(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(r["indicator"], r["label_zh"], r["metric"], r["unit_family"], r["definition"], r["additive"],
                      "|".join(r["subjects"]), r["sort_order"]) for r in load_indicators()])


def _link(con: duckdb.DuckDBPyConnection, order: str) -> tuple[FactLinker, list[int], list[int]]:
    """Link the figures as a scan of the table gives them (the build inserted them in figure_id order, which
    a one-thread scan keeps; sorting them would hold the whole table in memory)."""
    linker, figure_ids, fact_ids = FactLinker(), [], []
    reader = con.sql(f"SELECT {', '.join(_LINKED)} FROM figures {order}").to_arrow_reader(LINK_BATCH)
    for batch in reader:
        for figure in batch.to_pylist():
            figure_ids.append(figure["figure_id"])
            fact_ids.append(linker.add(figure))
    return linker, figure_ids, fact_ids


def write_facts(con: duckdb.DuckDBPyConnection) -> int:
    """Fill facts and figures.fact_id from the figures table, in build order (document, then text order), read
    in batches: a figure's dict lives only while it is linked."""
    linker, figure_ids, fact_ids = _link(con, "")
    if any(a > b for a, b in zip(figure_ids, figure_ids[1:])):     # a scan not in insertion order: sort
        linker, figure_ids, fact_ids = _link(con, "ORDER BY figure_id")
    facts = linker.rows()
    con.register("fact_rows", pa.Table.from_pylist(facts, schema=FACT_SCHEMA))
    con.register("fact_links", pa.table({"figure_id": pa.array(figure_ids, pa.int32()),
                                         "fact_id": pa.array(fact_ids, pa.int32())}))
    try:
        con.execute("INSERT INTO facts SELECT * FROM fact_rows")
        con.execute("UPDATE figures SET fact_id = l.fact_id FROM fact_links l WHERE figures.figure_id = l.figure_id")
    finally:
        con.unregister("fact_rows")
        con.unregister("fact_links")
    return len(facts)
