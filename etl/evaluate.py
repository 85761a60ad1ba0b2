"""`python -m etl evaluate`: score the extraction against gold annotations (annotation-spec.md).

A predicted figure matches a gold one of the same document when value_norm and unit_norm agree (the gold
text breaks ties). Metric accuracy counts pairs whose gold metric list holds a core id; year, region and
partner accuracy count pairs where the gold value is set ("where the annotation has one") and, separately,
all pairs (strict: a place predicted where the gold has none is wrong). Status, basis and period_start are
scored over the pairs whose gold carries them; `other_as_core` is the share of pairs whose gold metric is only
`other` that were given a core metric. Same-fact links are scored pairwise over matched gold figures of one
gold file: two with one `fact` key must share a fact_id, two with different keys must not.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from .extract import extract_figures
from .facts import link_facts
from .paths import GOLD_PATH, RAW_DIR
from .read import decode_bytes

CORE = {"projects", "investment", "patents", "trainees", "fund_size", "enterprises"}
FIELDS = ("year", "region", "partner", "scope", "approx", "status", "basis", "period_start")
STATEMENT_FIELDS = ("status", "basis", "period_start")     # scored where the gold carries the key


def load_gold(path: Path) -> dict[str, list[dict]]:
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            by_doc[item["doc"]].append(item)
    return by_doc


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.011, 1e-6 * abs(b))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def match(predicted: list[dict], gold: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Greedy one-to-one matching: (pairs, unmatched predictions, unmatched gold)."""
    free = list(predicted)
    pairs, missed = [], []
    for g in gold:
        candidates = [p for p in free if p["unit_norm"] == (g["unit_norm"] or None) or
                      (p["unit_norm"] or "") == (g["unit_norm"] or "")]
        candidates = [p for p in candidates if _same_value(p["value_norm"], g["value_norm"])]
        if not candidates:
            missed.append(g)
            continue
        exact = [p for p in candidates if _squash(p.get("text")) == _squash(g["text"])]
        chosen = (exact or candidates)[0]
        free.remove(chosen)
        pairs.append((g, chosen))
    return pairs, free, missed


def score(gold_by_doc: dict[str, list[dict]], predicted_by_doc: dict[str, list[dict]]) -> dict:
    tp = fp = fn = 0
    field_hits: dict[str, list[int]] = {f: [0, 0] for f in FIELDS}
    field_hits_all: dict[str, list[int]] = {f: [0, 0] for f in FIELDS}
    metric_hits = [0, 0]
    other_hits = [0, 0]                  # gold only `other`: [given a core metric, all]
    linked: list[tuple[dict, dict]] = []
    errors = []
    for doc in sorted(set(gold_by_doc) | set(predicted_by_doc)):
        pairs, extra, missed = match(predicted_by_doc.get(doc, []), gold_by_doc.get(doc, []))
        tp, fp, fn = tp + len(pairs), fp + len(extra), fn + len(missed)
        errors += [("extra", doc, p["text"], p["sentence"][:60]) for p in extra]
        errors += [("missed", doc, g["text"], "") for g in missed]
        linked += pairs
        for g, p in pairs:
            if set(g["metric"]) == {"other"}:
                other_hits[1] += 1
                if p["metric"] in CORE:
                    other_hits[0] += 1
                    errors.append(("metric", doc, g["text"], f"{p['metric']} not in ['other']"))
            if CORE & set(g["metric"]):
                metric_hits[1] += 1
                if p["metric"] in g["metric"]:
                    metric_hits[0] += 1
                else:
                    errors.append(("metric", doc, g["text"], f"{p['metric']} not in {g['metric']}"))
            for f in FIELDS:
                if f in STATEMENT_FIELDS and f not in g:
                    continue
                want, got = g.get(f), p.get(f)
                field_hits_all[f][1] += 1
                field_hits_all[f][0] += want == got
                if f in STATEMENT_FIELDS or (want is not None and (f != "approx" or want)):
                    field_hits[f][1] += 1
                    field_hits[f][0] += want == got
                    if want != got:
                        errors.append((f, doc, g["text"], f"{got!r} != {want!r}"))
    ratio = lambda h: h[0] / h[1] if h[1] else None  # noqa: E731   (None: no gold figure carries it)
    result = {"gold": tp + fn, "predicted": tp + fp, "matched": tp,
              "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
              "metric_accuracy": ratio(metric_hits),
              "other_as_core": other_hits[0] / other_hits[1] if other_hits[1] else 0.0}
    for f in FIELDS:
        result[f"{f}_accuracy"] = ratio(field_hits[f])
        result[f"{f}_accuracy_all"] = ratio(field_hits_all[f])
    result.update(_link_scores(linked))
    result["f1"] = 2 * result["precision"] * result["recall"] / (result["precision"] + result["recall"] or 1)
    result["errors"] = errors
    return result


def _link_scores(pairs: list[tuple[dict, dict]]) -> dict:
    """Pairwise same-fact precision and recall over matched gold figures that carry a fact key."""
    keyed = [(g["fact"], p.get("fact_id")) for g, p in pairs if g.get("fact")]
    same_gold = same_pred = both = 0
    for i, (g_key, p_fact) in enumerate(keyed):
        for g_other, p_other in keyed[i + 1:]:
            gold_same = g_key == g_other
            pred_same = p_fact is not None and p_fact == p_other
            same_gold += gold_same
            same_pred += pred_same
            both += gold_same and pred_same
    return {"link_pairs_gold": same_gold, "link_pairs_predicted": same_pred,
            "link_precision": both / same_pred if same_pred else 1.0,
            "link_recall": both / same_gold if same_gold else 1.0}


def evaluate(gold_path: Path = GOLD_PATH, raw_dir: Path = RAW_DIR) -> dict:
    gold = load_gold(gold_path)
    docs = sorted({p.name for p in raw_dir.glob("*.txt")} | set(gold))
    predicted = {}
    for name in docs:
        path = raw_dir / name
        if path.exists():
            text, _, _ = decode_bytes(path.read_bytes())
            predicted[name] = extract_figures(text, file_name=name)
            for figure in predicted[name]:
                figure["doc_id"] = name
    link_facts([f for figures in predicted.values() for f in figures])     # facts across the gold file's documents
    return score(gold, predicted)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_table(result: dict) -> str:
    rows = [("figures (gold / predicted / matched)", f"{result['gold']} / {result['predicted']} / {result['matched']}"),
            ("precision", f"{result['precision']:.3f}"), ("recall", f"{result['recall']:.3f}"),
            ("F1", f"{result['f1']:.3f}"), ("metric accuracy (core)", _fmt(result['metric_accuracy'])),
            ("other given a core metric", f"{result['other_as_core']:.3f}")]
    for f in FIELDS:
        rows.append((f"{f} accuracy (gold set / all)",
                     f"{_fmt(result[f'{f}_accuracy'])} / {_fmt(result[f'{f}_accuracy_all'])}"))
    rows.append(("same-fact links P / R (pairs gold / predicted)",
                 f"{result['link_precision']:.3f} / {result['link_recall']:.3f} "
                 f"({result['link_pairs_gold']} / {result['link_pairs_predicted']})"))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def add_arguments(parser):
    parser.add_argument("--gold", type=Path, default=GOLD_PATH, help="gold JSONL (default tests/gold/seeds.jsonl)")
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="folder with the annotated texts")
    parser.add_argument("--errors", action="store_true", help="also list every disagreement")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")


def run(args) -> int:
    result = evaluate(args.gold, args.raw)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "errors"}, ensure_ascii=False, indent=2))
    else:
        print(format_table(result))
    if args.errors:
        for kind, doc, text, note in result["errors"]:
            print(f"{kind:8} {doc[:12]}  {text!r:16} {note}")
    return 0
