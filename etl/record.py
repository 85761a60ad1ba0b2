"""The two records the pipeline produces, defined once: a figure (one row of `figures`) and a document (one row
of `documents`). The column lists, the Arrow schemas the build writes, the JSON keys of `etl extract` and the
dict keys the stages pass along all come from these fields, in this order; tests/test_record.py checks
etl/schema.sql against them.

The stages pass figures as plain dicts (one per figure, `Figure(...).row()`): the later stages (repeats,
status, facts) read and update them by key, and the build turns a list of them into Arrow columns in C.
"""
from __future__ import annotations

import datetime
import types
import typing
from dataclasses import dataclass, fields


@dataclass
class Figure:
    doc_id: str | None                 # set by the build (documents.doc_id); None for `etl extract`
    year: int | None
    year_source: str | None            # sentence, relative, document, table …
    metric: str
    subject: str | None
    value: float | None
    value_max: float | None
    unit: str | None
    value_norm: float | None
    value_max_norm: float | None
    unit_norm: str | None
    approx: bool
    region: str | None
    partner: str | None
    scope: str                         # program or project
    conflict: bool
    conflict_group: int | None
    text: str | None                   # the span holding the number and its unit
    sentence: str
    sentence_start: int | None
    char_start: int
    char_end: int
    status: str = "actual"             # actual or planned (decided after the repeats are resolved)
    basis: str = "flow"                # flow, cumulative, level, change or share
    period_start: int | None = None
    indicator: str | None = None
    fact_id: int | None = None
    page: int | None = None            # PDF page, set by the build
    ocr: bool = False

    def row(self) -> dict:
        """The figure as the dict the stages pass along (its fields, in order)."""
        return self.__dict__


@dataclass
class Document:
    doc_id: str
    file_name: str
    title: str | None
    year: int | None
    year_source: str | None
    encoding: str | None
    n_chars: int | None
    n_figures: int | None
    sha256: str | None
    source: str | None
    text: str | None
    status: str
    error: str | None
    duplicate_of: str | None
    format: str | None
    page_count: int | None
    source_url: str | None
    published: datetime.date | None


def field_names(record: type) -> list[str]:
    return [f.name for f in fields(record)]


def field_types(record: type) -> dict[str, tuple[type, bool]]:
    """name -> (the Python type, whether None is allowed), from the annotations."""
    hints = typing.get_type_hints(record)
    out = {}
    for name in field_names(record):
        hint = hints[name]
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else ()
        if args:
            base = [a for a in args if a is not type(None)]
            out[name] = (base[0], len(base) < len(args))
        else:
            out[name] = (hint, False)
    return out


def arrow_schema(record: type):
    """The Arrow schema of a list of records: INTEGER columns are int32, as in etl/schema.sql."""
    import pyarrow as pa     # only the build needs it

    arrow = {int: pa.int32(), float: pa.float64(), bool: pa.bool_(), str: pa.string(), datetime.date: pa.date32()}
    return pa.schema([(name, arrow[kind]) for name, (kind, _) in field_types(record).items()])


FIGURE_FIELDS = field_names(Figure)
DOCUMENT_FIELDS = field_names(Document)
