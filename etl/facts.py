"""From mentions to facts: figures that state the same thing become one fact with one shown value.

A fact is one value of one thing (an indicator of the catalogue, else the figure's subject) for one year,
period, region, partner, status and basis. Its mentions are the figures that state it, in any document:
- the same value stated again (a yearbook and a news item) joins the fact;
- a hedged restatement (突破600个 of 644个, 百余 of 127) joins the fact of the exact value it rounds;
- two versions that disagree (figures the repeat filter put in one conflict group) are one fact with
  conflict = true, every candidate kept as a mention.

The shown value is always one mention's value, never a sum, chosen by these rules in order:
1. an exact statement over a hedged one (644 over 突破600);
2. among exact statements, the one stated first (a document's headline or summary before its restatements,
   and documents in build order); a conflict shows its first candidate and is flagged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# a hedged value a rounds an exact value e when LOW <= a / e <= HIGH (突破600 of 644: 0.93; 百余 of 127: 0.79)
HEDGE_LOW, HEDGE_HIGH = 0.75, 1.1
_SUBJECT_NOISE = re.compile(r"[\s\d.,%“”\"'：:，,；;、（）()《》]+|^(?:其中|共|累计|全年|当年|今年|去年|新增|首次)+")

SHOWN_KEYS = ["figure_id", "indicator", "subject", "metric", "year", "period_start", "region", "partner", "status",
              "basis", "value_norm", "unit_norm", "approx"]
FACT_COLUMNS = ["fact_id", "indicator", "subject", "metric", "year", "period_start", "region", "partner", "status",
                "basis", "value_norm", "unit_norm", "approx", "conflict", "n_mentions", "n_documents", "figure_id"]


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= max(1e-9, 1e-6 * abs(b))


def _rounds(hedged: float | None, exact: float | None) -> bool:
    return (hedged is not None and exact is not None and exact > 0
            and HEDGE_LOW <= hedged / exact <= HEDGE_HIGH)


def _same_subject(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and (a in b or b in a)


def subject_key(subject: str | None) -> str | None:
    """The counted thing without numbers, punctuation and leading time words (签约项目 of 这次，签约项目)."""
    if not subject:
        return None
    tail = _SUBJECT_NOISE.sub("", subject.rsplit("，", 1)[-1].rsplit("的", 1)[-1])
    return tail[-8:] if len(tail) >= 2 else None


def fact_key(figure: dict) -> tuple | None:
    """What makes two mentions candidates for one fact; None when the figure says too little to link."""
    what = figure.get("indicator") or subject_key(figure.get("subject"))
    if what is None:
        return None
    return (what, figure.get("unit_norm"), figure.get("year"), figure.get("period_start"), figure.get("region"),
            figure.get("partner"), figure.get("status"), figure.get("basis"))


@dataclass
class _Fact:
    """A fact being linked: its shown mention and what the rules need of the others (not the mentions
    themselves, so that a build links hundreds of thousands of figures in little memory)."""
    fact_id: int
    _shown: dict | None = None
    subjects: dict = field(default_factory=dict)     # doc_id -> subject key of the fact's first mention there
    exact_values: set = field(default_factory=set)
    hedged_values: list = field(default_factory=list)
    n_mentions: int = 0
    any_conflict: bool = False

    def add(self, figure: dict) -> None:
        self.n_mentions += 1
        self.subjects.setdefault(figure.get("doc_id"), subject_key(figure.get("subject")))
        (self.hedged_values.append if figure.get("approx") else self.exact_values.add)(figure.get("value_norm"))
        self.any_conflict = self.any_conflict or bool(figure.get("conflict"))
        if self._shown is None or (self._shown.get("approx") and not figure.get("approx")):
            self._shown = {k: figure.get(k) for k in SHOWN_KEYS}   # exact over hedged, else the first stated

    def shown(self) -> dict:
        return self._shown

    def accepts(self, figure: dict) -> bool:
        """Whether figure states this fact (its key is the fact's key). From another document: the same value.
        From a document that states the fact already: a hedged rounding of its value (突破600个 of 644个), or
        the same value with the same wording of the subject (5家众创空间 and 5家离岸孵化器 are two facts)."""
        value = figure.get("value_norm")
        shown = self._shown
        doc = figure.get("doc_id")
        if doc not in self.subjects:
            return _same_value(value, shown.get("value_norm"))
        if _same_value(value, shown.get("value_norm")) and figure.get("approx") == shown.get("approx"):
            return _same_subject(subject_key(figure.get("subject")), self.subjects[doc])
        if figure.get("approx") and not shown.get("approx"):
            return _rounds(value, shown.get("value_norm"))
        if shown.get("approx") and not figure.get("approx"):
            return all(_rounds(v, value) for v in self.hedged_values)
        return False

    def row(self) -> dict:
        shown = self._shown
        return {"fact_id": self.fact_id, **{k: shown.get(k) for k in FACT_COLUMNS[1:12]},
                "approx": bool(shown.get("approx")), "conflict": len(self.exact_values) > 1 or self.any_conflict,
                "n_mentions": self.n_mentions, "n_documents": len(self.subjects), "figure_id": shown.get("figure_id")}


class FactLinker:
    """Links figures into facts one at a time (of one or many documents, in document and text order).

    A fact is looked for among those of the figure's key with the same shown value (any document) and, for a
    hedged rounding, among those of the figure's key in its own document with a hedged value on either side:
    a text that states one thing thousands of times costs one lookup per figure, not a scan of its facts."""

    def __init__(self):
        self.facts: list[_Fact] = []
        self._by_value: dict[tuple, list[_Fact]] = {}      # (key, shown value) -> facts
        self._hedged: dict[tuple, list[_Fact]] = {}        # (key, doc) -> the document's facts a hedge is part of
        self._exact_in_doc: dict[tuple, list[_Fact]] = {}  # (key, doc) -> the document's facts shown exact
        self._by_conflict: dict[tuple, _Fact] = {}

    def add(self, figure: dict) -> int:
        """The fact_id of figure's fact (a new fact when none accepts it)."""
        doc, group, value = figure.get("doc_id"), figure.get("conflict_group"), figure.get("value_norm")
        fact = self._by_conflict.get((doc, group)) if group is not None else None
        key = fact_key(figure)
        if fact is None and key is not None:
            candidates = self._by_value.get((key, value), [])
            if figure.get("approx"):
                candidates = [*candidates, *self._exact_in_doc.get((key, doc), ())]
            candidates = [*candidates, *self._hedged.get((key, doc), ())]
            fact = next((f for f in candidates if f.accepts(figure)), None)
        if fact is None:
            fact = _Fact(len(self.facts) + 1)
            self.facts.append(fact)
        if group is not None:
            self._by_conflict[(doc, group)] = fact
        fact.add(figure)
        if key is not None:
            shown = fact.shown()
            entries = self._by_value.setdefault((key, shown.get("value_norm")), [])
            if not entries or entries[-1] is not fact:
                entries.append(fact)
            if figure.get("approx") or shown.get("approx"):
                if fact not in self._hedged.setdefault((key, doc), []):
                    self._hedged[(key, doc)].append(fact)
            elif fact.n_mentions == 1:
                self._exact_in_doc.setdefault((key, doc), []).append(fact)
        return fact.fact_id

    def rows(self) -> list[dict]:
        return [fact.row() for fact in self.facts]


def link_facts(figures: list[dict]) -> list[dict]:
    """Set figure["fact_id"] on every figure (of one or many documents, in document and text order) and return
    the facts, one row each (FACT_COLUMNS). Figures of one document's conflict group share their fact."""
    linker = FactLinker()
    for figure in figures:
        figure["fact_id"] = linker.add(figure)
    return linker.rows()
