"""Write a large corpus in the genre of data/raw/ by recombining its real sentences, and record what was planted.

    python bench/generate_corpus.py [OUT_DIR] [--mb 100] [--docs 2000] [--seed 1]

Every number that tests/gold/seeds.jsonl marks as a figure is replaced by a fresh number of the same shape (unit,
hedge, decimals, Chinese numeral kept); years are shifted to the new document's year; Xinjiang regions and partner
provinces are swapped for others. OUT_DIR/planted.jsonl lists every planted figure with its normalised value and
unit, and its year, region and partner where the generator decided them, so recall at scale can be measured.
The same arguments always give the same bytes.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = ROOT / "data" / "raw"
GOLD_PATH = ROOT / "tests" / "gold" / "seeds.jsonl"
REGIONS_CSV = ROOT / "etl" / "lexicons" / "regions.csv"

# Region planted -> how it is written when the source wrote a suffix (市, 地区, 州 ...) after the old name.
REGIONS = {"喀什": "喀什地区", "和田": "和田地区", "阿克苏": "阿克苏地区", "克拉玛依": "克拉玛依市",
           "乌鲁木齐": "乌鲁木齐市", "昌吉": "昌吉州", "哈密": "哈密市", "吐鲁番": "吐鲁番市", "伊犁": "伊犁州",
           "塔城": "塔城地区", "阿勒泰": "阿勒泰地区", "巴州": "巴州", "博州": "博州", "克州": "克州",
           "石河子": "石河子市", "兵团": "兵团"}
# Partner planted -> its administrative suffix (the source's 省/市 after the old name is rewritten to it).
PARTNERS = {"北京": "市", "上海": "市", "天津": "市", "重庆": "市", "深圳": "市", "广东": "省", "四川": "省",
            "云南": "省", "江苏": "省", "浙江": "省", "山东": "省", "河北": "省", "山西": "省", "辽宁": "省",
            "吉林": "省", "黑龙江": "省", "安徽": "省", "福建": "省", "江西": "省", "河南": "省", "湖北": "省",
            "湖南": "省"}
REGION_SUFFIX = r"(?:蒙古自治州|回族自治州|哈萨克自治州|柯尔克孜自治州|自治州|地区|市|县|州)?"
NOT_AFTER_REGION = "瓜"  # 哈密瓜 is a melon, not a place
YEAR_RE = re.compile(r"(?<![\d.])(19[5-9]\d|20[0-4]\d)(?![\d.])")
SENTENCE_END_RE = re.compile(r"(?<=[。！？])[”’」』）)]*|\n[ \t\u3000]*\n\s*")
# a heading line (（二）星创天地, 三、支持方向, 第九章, 附件8) ends a unit even without a blank line after it
HEADING_LINE_RE = re.compile(r"(?m)^[ \t\u3000]*(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、"
                             r"|第[一二三四五六七八九十]+章|附件\s*\d)[^\n。，；]{0,30}\n")
CN_DIGITS = "零一二三四五六七八九"
TITLES = ["{y}新疆科技工作年度报告", "{y}年新疆科技援疆工作总结", "{y}年度自治区科技援疆工作报告",
          "新疆科技年鉴{y}年卷 · 科技援疆"]


@dataclass
class Unit:
    """A sentence (or heading) of a seed text, cut into literal pieces and slots to fill."""
    seed_doc: str
    seed_year: int
    # str, or a slot: ("year", y), ("region", canon, suffixed), ("partner", name, suffixed), ("figure", row, span)
    pieces: list = field(default_factory=list)
    heading: bool = False

    @property
    def n_figures(self) -> int:
        return sum(1 for p in self.pieces if isinstance(p, tuple) and p[0] == "figure")


def load_gold(path: Path) -> dict[str, list[dict]]:
    gold: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            gold.setdefault(row["doc"], []).append(row)
    return gold


def locate(text: str, rows: list[dict]) -> list[tuple[int, int, dict]]:
    """Gold spans in document order; a span never starts right after a digit (211亿元 is not 1亿元)."""
    found, pos = [], 0
    for row in rows:
        start = _find(text, row["text"], pos)
        if start < 0:
            start = _find(text, row["text"], 0)
        if start < 0:
            print(f"warning: gold span {row['text']!r} not found in {row['doc']}", file=sys.stderr)
            continue
        found.append((start, start + len(row["text"]), row))
        pos = start + len(row["text"])
    return sorted(found, key=lambda f: f[0])


def _find(text: str, span: str, pos: int) -> int:
    while True:
        i = text.find(span, pos)
        if i <= 0 or not (text[i - 1].isdigit() or text[i - 1] == "."):
            return i
        pos = i + 1


def seed_year(text: str, rows: list[dict]) -> int:
    years = Counter(r["year"] for r in rows if r.get("year"))
    if not years:
        years = Counter(int(m.group(1)) for m in re.finditer(r"(?<!\d)((?:19|20)\d{2})\s*年", text))
    return years.most_common(1)[0][0] if years else 2018


def _slot_patterns() -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    canon = {}
    with REGIONS_CSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["needs_suffix"].strip().lower() != "true":
                canon[row["name"]] = row["region"]
    names = sorted(canon, key=len, reverse=True)
    region_re = re.compile(f"({'|'.join(map(re.escape, names))})({REGION_SUFFIX})(?![{NOT_AFTER_REGION}])")
    partner_re = re.compile(f"({'|'.join(sorted(PARTNERS, key=len, reverse=True))})([省市]?)")
    return region_re, partner_re, canon


def compile_unit(text: str, figures: list[tuple[int, int, dict]], doc: str, year: int, patterns) -> Unit:
    """Cut one sentence into pieces: gold figures, years, regions and partners become slots."""
    region_re, partner_re, canon = patterns
    slots = [(s, e, ("figure", row, text[s:e])) for s, e, row in figures]
    taken = [(s, e) for s, e, _ in slots]

    def free(s, e):
        return all(e <= ts or s >= te for ts, te in taken)

    for rx, kind in ((YEAR_RE, "year"), (region_re, "region"), (partner_re, "partner")):
        for m in rx.finditer(text):
            if not free(m.start(), m.end()):
                continue
            if kind == "year":
                slot = ("year", int(m.group(1)))
            elif kind == "region":
                slot = ("region", canon[m.group(1)], bool(m.group(2)))
            else:
                slot = ("partner", m.group(1), bool(m.group(2)))
            slots.append((m.start(), m.end(), slot))
            taken.append((m.start(), m.end()))
    unit, pos = Unit(doc, year), 0
    for s, e, slot in sorted(slots, key=lambda x: x[0]):
        if s > pos:
            unit.pieces.append(text[pos:s])
        unit.pieces.append(slot)
        pos = e
    if pos < len(text):
        unit.pieces.append(text[pos:])
    unit.heading = not figures and len(text) < 40 and not re.search(r"[。；，]", text)
    return unit


def _flatten(piece: str, spans: list[tuple[int, int, dict]]) -> tuple[str, list[tuple[int, int, dict]]]:
    """Undo the seed's own hard line breaks inside a sentence (each document gets its layout later)."""
    keep = [True] * len(piece)
    for m in re.finditer(r"[ \t]*\n[ \t\u3000]*", piece):
        for i in range(m.start(), m.end()):
            keep[i] = False
        if piece[m.start() - 1:m.start()].isascii() and piece[m.end():m.end() + 1].isascii():
            keep[m.start()] = True  # two Latin words or numbers stay apart
    new_at = [0]
    for k in keep:
        new_at.append(new_at[-1] + k)
    flat = "".join(ch if k else "" for ch, k in zip(piece, keep)).replace("\n", " ")
    return flat, [(new_at[s], new_at[e], row) for s, e, row in spans]


def load_units() -> list[Unit]:
    gold, patterns, units = load_gold(GOLD_PATH), _slot_patterns(), []
    for path in sorted(RAW_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        rows = gold.get(path.name, [])
        spans, year = locate(text, rows), seed_year(text, rows)
        ends = [m.end() for rx in (SENTENCE_END_RE, HEADING_LINE_RE) for m in rx.finditer(text)]
        cuts = [0] + sorted(set(ends)) + [len(text)]
        for a, b in zip(cuts, cuts[1:]):
            raw = text[a:b]
            lead = len(raw) - len(raw.lstrip())
            piece = raw.strip()
            if len(piece) < 4:
                continue
            start = a + lead
            inside = [(s - start, e - start, r) for s, e, r in spans if start <= s and e <= start + len(piece)]
            flat, inside = _flatten(piece, inside)
            units.append(compile_unit(flat, inside, path.name, year, patterns))
    return units


def new_number(row: dict, span: str, rng: random.Random) -> tuple[str, float]:
    """A fresh number for a gold span, same shape, and its normalised value; the span as it is when unsure."""
    value, factor = row["value"], None
    if value:
        factor = row["value_norm"] / value
    m = re.match(r"(\d+)(?:\.(\d+))?", span)
    if m and factor is not None and abs(float(m.group(0)) - value) < 1e-9:
        digits, decimals = len(m.group(1)), len(m.group(2) or "")
        while True:
            if digits == 1:  # 3千万元 stays a single digit; 2项 may become 27项
                whole = rng.randint(1, 9 if span[m.end():m.end() + 1] in "十百千万亿" else 30)
            else:
                whole = rng.randint(10 ** (digits - 1), 10 ** digits - 1)
            if not 1900 <= whole <= 2099:
                break
        text = str(whole)
        if decimals:
            text += "." + "".join(str(rng.randint(0, 9)) for _ in range(decimals - 1)) + str(rng.randint(1, 9))
        return text + span[m.end():], round(float(text) * factor, 6)
    if span[0] in CN_DIGITS[3:] and factor is not None and CN_DIGITS.index(span[0]) == value:
        k = rng.randint(3, 9)
        return CN_DIGITS[k] + span[1:], round(k * factor, 6)
    if span[0] == "百" and factor is not None and value == 100:
        k = rng.randint(1, 9)
        return ("" if k == 1 else CN_DIGITS[k]) + span, round(k * 100 * factor, 6)
    return span, row["value_norm"]


def render(unit: Unit, doc_year: int, rng: random.Random) -> tuple[str, list[dict]]:
    """Fill a unit's slots for a document of doc_year: its text and the figures planted in it."""
    delta = doc_year - unit.seed_year
    regions: dict[str, str] = {}
    partners: dict[str, str] = {}
    for p in unit.pieces:  # each old region or partner of the sentence gets its own new one
        if isinstance(p, tuple) and p[0] in ("region", "partner"):
            swap, pool = (regions, REGIONS) if p[0] == "region" else (partners, PARTNERS)
            if p[1] not in swap:
                swap[p[1]] = rng.choice([q for q in pool if q not in swap.values()])
    out, planted = [], []
    for p in unit.pieces:
        if isinstance(p, str):
            out.append(p)
        elif p[0] == "year":
            out.append(str(p[1] + delta))
        elif p[0] == "region":
            out.append(REGIONS[regions[p[1]]] if p[2] else regions[p[1]])
        elif p[0] == "partner":
            out.append(partners[p[1]] + (PARTNERS[partners[p[1]]] if p[2] else ""))
        else:
            row = p[1]
            text, value_norm = new_number(row, p[2], rng)
            out.append(text)
            fig = {"text": text, "value_norm": value_norm, "unit_norm": row["unit_norm"], "metric": row["metric"],
                   "year": row["year"] + delta if row.get("year") else None, "approx": row["approx"],
                   "scope": row["scope"], "seed": row["doc"], "key": (id(p), value_norm)}
            # region and partner are known only when the gold one is named in this sentence, and so swapped
            if row.get("region") in regions:
                fig["region"] = regions[row["region"]]
            if row.get("partner") in partners:
                fig["partner"] = partners[row["partner"]]
            planted.append(fig)
    return "".join(out), planted


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def wrap(paragraph: str, width: int) -> str:
    """Hard-wrap a paragraph the way PDF text extraction does: every line the same display width."""
    lines, line, used = [], [], 0
    for ch in paragraph:
        if used + _width(ch) > width:
            lines.append("".join(line))
            line, used = [], 0
        line.append(ch)
        used += _width(ch)
    lines.append("".join(line))
    return "\n".join(lines)


def write_document(units: list[Unit], target_bytes: int, year: int, rng: random.Random, order: list[int]):
    """One document: a title, then headings and paragraphs of sentences, flowing or hard-wrapped (PDF)."""
    width = rng.randint(48, 64) if rng.random() < 0.4 else None
    blocks, paragraph, planted, seen = [rng.choice(TITLES).format(y=year)], [], [], set()
    size, limit = len(blocks[0].encode()), rng.randint(2, 6)
    while size < target_bytes:
        if not order:
            order.extend(rng.sample(range(len(units)), len(units)))
        unit = units[order.pop()]
        text, figures = render(unit, year, rng)
        if unit.heading or len(paragraph) >= limit:
            if paragraph:
                blocks.append(wrap("".join(paragraph), width) if width else "".join(paragraph))
            paragraph, limit = [], rng.randint(2, 6)
        if unit.heading:
            blocks.append(text)
        else:
            paragraph.append(text)
        for fig in figures:  # a restatement of the same sentence with the same number may be kept once
            key = fig.pop("key")
            if key not in seen:
                planted.append(fig)
            seen.add(key)
        size += len(text.encode())
    if paragraph:
        blocks.append(wrap("".join(paragraph), width) if width else "".join(paragraph))
    return "\n\n".join(blocks) + "\n", planted


def generate(out_dir: Path, mb: float, n_docs: int, seed: int) -> dict:
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / "corpus.json").exists():
            raise SystemExit(f"{out_dir} is not empty and holds no corpus.json: refusing to overwrite it")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng, units = random.Random(seed), load_units()
    weights = [rng.lognormvariate(0, 0.5) for _ in range(n_docs)]
    scale = mb * 1e6 / sum(weights)
    order: list[int] = []
    stats = Counter()
    with (out_dir / "planted.jsonl").open("w", encoding="utf-8") as planted_file:
        for i, w in enumerate(weights):
            year = rng.randint(2008, 2024)
            name = f"{year}/xj_{i:05d}.txt"
            text, planted = write_document(units, int(w * scale), year, rng, order)
            encoding, newline = "utf-8", "\n"
            roll = rng.random()
            if roll < 0.03:
                encoding = "utf-8-sig"
            elif roll < 0.06:
                newline = "\r\n"
            path = out_dir / name
            path.parent.mkdir(exist_ok=True)
            with path.open("w", encoding=encoding, newline=newline) as f:
                f.write(text)
            stats["bytes"] += path.stat().st_size
            stats["documents"] += 1
            stats["chars"] += len(text)
            for fig in planted:
                planted_file.write(json.dumps({"doc": name, **fig}, ensure_ascii=False) + "\n")
            stats["planted"] += len(planted)
    info = {"seed": seed, "mb_requested": mb, **stats, "units": len(units),
            "figure_units": sum(1 for u in units if u.n_figures)}
    (out_dir / "corpus.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "bench" / "out" / "corpus")
    parser.add_argument("--mb", type=float, default=100, help="megabytes (10^6 bytes) of text to write (default 100)")
    parser.add_argument("--docs", type=int, default=2000, help="number of documents (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    info = generate(args.out, args.mb, args.docs, args.seed)
    print(f"wrote {info['documents']} documents, {info['bytes'] / 1e6:.1f} MB, {info['planted']} planted figures "
          f"to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
