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

# a hedged value a rounds an exact value e when LOW <= a / e <= HIGH (突破600 of 644: 0.93; 百余 of 127: 0.79)
HEDGE_LOW, HEDGE_HIGH = 0.75, 1.1
_SUBJECT_NOISE = re.compile(r"[\s\d.,%“”\"'：:，,；;、（）()《》]+|^(?:其中|共|累计|全年|当年|今年|去年|新增|首次)+")

SHOWN_KEYS = ["figure_id", "indicator", "subject", "metric", "year", "period_start", "region", "partner", "status",
              "basis", "value_norm", "unit_norm", "approx"]
_APPROX = SHOWN_KEYS.index("approx")
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


class _Fact:
    """A fact being linked: its shown mention and what the rules need of the others, not the mentions
    themselves (a build links hundreds of thousands of figures: most facts have one mention, so the
    structures for more are made only when a second one comes)."""
    __slots__ = ("fact_id", "_shown", "_doc", "_subject", "_subjects", "_exact", "_hedged", "n_mentions",
                 "any_conflict")

    def __init__(self, fact_id: int):
        self.fact_id, self._shown, self.n_mentions, self.any_conflict = fact_id, None, 0, False
        self._doc = self._subject = None       # the first mention's document and subject key
        self._subjects: dict | None = None     # doc_id -> subject key of the first mention there, from a 2nd doc on
        self._exact: tuple = ()                # the exact values stated (distinct)
        self._hedged: tuple = ()               # the hedged values stated

    def add(self, figure: dict) -> None:
        doc = figure.get("doc_id")
        if self.n_mentions == 0:
            self._doc, self._subject = doc, subject_key(figure.get("subject"))
        elif doc != self._doc:
            if self._subjects is None:
                self._subjects = {self._doc: self._subject}
            self._subjects.setdefault(doc, subject_key(figure.get("subject")))
        self.n_mentions += 1
        value = figure.get("value_norm")
        if figure.get("approx"):
            self._hedged += (value,)
        elif value not in self._exact:
            self._exact += (value,)
        self.any_conflict = self.any_conflict or bool(figure.get("conflict"))
        if self._shown is None or (self._shown[_APPROX] and not figure.get("approx")):
            self._shown = tuple(figure.get(k) for k in SHOWN_KEYS)   # exact over hedged, else the first stated

    def shown(self) -> dict:
        return dict(zip(SHOWN_KEYS, self._shown))

    def _subject_in(self, doc) -> tuple[bool, str | None]:
        """(whether the fact has a mention in doc, the subject key of its first one there)."""
        if self._subjects is not None:
            return doc in self._subjects, self._subjects.get(doc)
        return doc == self._doc, self._subject

    def accepts(self, figure: dict) -> bool:
        """Whether figure states this fact (its key is the fact's key). From another document: the same value.
        From a document that states the fact already: a hedged rounding of its value (突破600个 of 644个), or
        the same value with the same wording of the subject (5家众创空间 and 5家离岸孵化器 are two facts)."""
        value = figure.get("value_norm")
        shown = self.shown()
        here, subject = self._subject_in(figure.get("doc_id"))
        if not here:
            return _same_value(value, shown["value_norm"])
        if _same_value(value, shown["value_norm"]) and bool(figure.get("approx")) == bool(shown["approx"]):
            return _same_subject(subject_key(figure.get("subject")), subject)
        if figure.get("approx") and not shown["approx"]:
            return _rounds(value, shown["value_norm"])
        if shown["approx"] and not figure.get("approx"):
            return all(_rounds(v, value) for v in self._hedged)
        return False

    def row(self) -> dict:
        shown = self.shown()
        return {"fact_id": self.fact_id, **{k: shown.get(k) for k in FACT_COLUMNS[1:12]},
                "approx": bool(shown["approx"]), "conflict": len(self._exact) > 1 or self.any_conflict,
                "n_mentions": self.n_mentions, "n_documents": len(self._subjects) if self._subjects else 1,
                "figure_id": shown.get("figure_id")}


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
        self._doc = None                                   # the document the per-document indexes are of

    def add(self, figure: dict) -> int:
        """The fact_id of figure's fact (a new fact when none accepts it)."""
        doc, group, value = figure.get("doc_id"), figure.get("conflict_group"), figure.get("value_norm")
        if doc != self._doc:             # figures come document by document: the last one's indexes are done
            self._doc = doc
            self._hedged.clear()
            self._exact_in_doc.clear()
            self._by_conflict.clear()
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
