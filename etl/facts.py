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
    _shown: dict | None = None
    _first_in_doc: dict = field(default_factory=dict)    # doc_id -> the fact's first mention there

    def add(self, figure: dict) -> None:
        self.mentions.append(figure)
        self._first_in_doc.setdefault(figure.get("doc_id"), figure)
        if self._shown is None or (self._shown.get("approx") and not figure.get("approx")):
            self._shown = figure             # exact over hedged, else the first stated

    def shown(self) -> dict:
        return self._shown

    def accepts(self, figure: dict) -> bool:
        """Whether figure states this fact (its key is the fact's key). From another document: the same value.
        From a document that states the fact already: a hedged rounding of its value (突破600个 of 644个), or
        the same value with the same wording of the subject (5家众创空间 and 5家离岸孵化器 are two facts)."""
        value = figure.get("value_norm")
        shown = self._shown
        first_here = self._first_in_doc.get(figure.get("doc_id"))
        if first_here is None:
            return _same_value(value, shown.get("value_norm"))
        if _same_value(value, shown.get("value_norm")) and figure.get("approx") == shown.get("approx"):
            return _same_subject(subject_key(figure.get("subject")), subject_key(first_here.get("subject")))
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
    the facts, one row each (FACT_COLUMNS). Figures of one document's conflict group share their fact.

    A fact is looked for among those of the figure's key with the same shown value (any document) and, for a
    hedged rounding, among those of the figure's key in its own document with a hedged value on either side:
    a text that states one thing thousands of times costs one lookup per figure, not a scan of its facts."""
    facts: list[_Fact] = []
    by_value: dict[tuple, list[_Fact]] = {}      # (key, shown value) -> facts
    hedged: dict[tuple, list[_Fact]] = {}        # (key, doc) -> facts of the document where a hedge is involved
    exact_in_doc: dict[tuple, list[_Fact]] = {}  # (key, doc) -> facts of the document shown exact
    by_conflict: dict[tuple, _Fact] = {}
    for figure in figures:
        doc, group, value = figure.get("doc_id"), figure.get("conflict_group"), figure.get("value_norm")
        fact = by_conflict.get((doc, group)) if group is not None else None
        key = fact_key(figure)
        if fact is None and key is not None:
            candidates = by_value.get((key, value), [])
            if figure.get("approx"):
                candidates = [*candidates, *exact_in_doc.get((key, doc), ())]
            candidates = [*candidates, *hedged.get((key, doc), ())]
            fact = next((f for f in candidates if f.accepts(figure)), None)
        if fact is None:
            fact = _Fact(len(facts) + 1)
            facts.append(fact)
        if group is not None:
            by_conflict[(doc, group)] = fact
        fact.add(figure)
        figure["fact_id"] = fact.fact_id
        if key is not None:
            shown = fact.shown()
            entries = by_value.setdefault((key, shown.get("value_norm")), [])
            if not entries or entries[-1] is not fact:
                entries.append(fact)
            if figure.get("approx") or shown.get("approx"):
                if fact not in hedged.setdefault((key, doc), []):
                    hedged[(key, doc)].append(fact)
            elif len(fact.mentions) == 1:
                exact_in_doc.setdefault((key, doc), []).append(fact)
    return [fact.row() for fact in facts]
