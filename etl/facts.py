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
    fact_id: int
    mentions: list[dict] = field(default_factory=list)

    def shown(self) -> dict:
        exact = [m for m in self.mentions if not m.get("approx")]
        return (exact or self.mentions)[0]

    def accepts(self, figure: dict) -> bool:
        """Whether figure states this fact (its key is the fact's key). From another document: the same value.
        From a document that states the fact already: a hedged rounding of its value (突破600个 of 644个), or
        the same value with the same wording of the subject (5家众创空间 and 5家离岸孵化器 are two facts)."""
        value = figure.get("value_norm")
        shown = self.shown()
        doc = figure.get("doc_id")
        same_doc = [m for m in self.mentions if m.get("doc_id") == doc]
        if not same_doc:
            return _same_value(value, shown.get("value_norm"))
        if _same_value(value, shown.get("value_norm")) and figure.get("approx") == shown.get("approx"):
            subject = subject_key(figure.get("subject"))
            return all(_same_subject(subject, subject_key(m.get("subject"))) for m in same_doc)
        if figure.get("approx") and not shown.get("approx"):
            return _rounds(value, shown.get("value_norm"))
        if shown.get("approx") and not figure.get("approx"):
            return all(_rounds(m.get("value_norm"), value) for m in self.mentions)
        return False

    def row(self) -> dict:
        shown = self.shown()
        values = {m.get("value_norm") for m in self.mentions if not m.get("approx")}
        conflict = len(values) > 1 or any(m.get("conflict") for m in self.mentions)
        return {"fact_id": self.fact_id, **{k: shown.get(k) for k in FACT_COLUMNS[1:12]},
                "approx": bool(shown.get("approx")), "conflict": conflict, "n_mentions": len(self.mentions),
                "n_documents": len({m.get("doc_id") for m in self.mentions}), "figure_id": shown.get("figure_id")}


def link_facts(figures: list[dict]) -> list[dict]:
    """Set figure["fact_id"] on every figure (of one or many documents, in document and text order) and return
    the facts, one row each (FACT_COLUMNS). Figures of one document's conflict group share their fact."""
    facts: list[_Fact] = []
    by_key: dict[tuple, list[_Fact]] = {}
    by_conflict: dict[tuple, _Fact] = {}
    for figure in figures:
        group = figure.get("conflict_group")
        fact = by_conflict.get((figure.get("doc_id"), group)) if group is not None else None
        key = fact_key(figure)
        if fact is None and key is not None:
            fact = next((f for f in by_key.get(key, ()) if f.accepts(figure)), None)
        if fact is None:
            fact = _Fact(len(facts) + 1)
            facts.append(fact)
            if key is not None:
                by_key.setdefault(key, []).append(fact)
        if group is not None:
            by_conflict[(figure.get("doc_id"), group)] = fact
        fact.mentions.append(figure)
        figure["fact_id"] = fact.fact_id
    return [fact.row() for fact in facts]
