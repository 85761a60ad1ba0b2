"""A document's title and reporting year, inferred from its text when manifest.csv does not state them."""
from __future__ import annotations

import re
from collections import Counter

from .normalize import LIST_MARKER

YEAR_MENTION = re.compile(r"(?<![\d〔\[［﹝])((?:19|20)\d{2}|[一二][〇零九][〇零一二三四五六七八九]{2})\s*年(?!代)")
TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2}|[一二][〇零九][〇零一二三四五六七八九]{2})(?!\d)")
_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
PLAN_AFTER = re.compile(r"[，,]?\s*(?:将|计划|预计|力争|争取|拟|要)")
PLAN_BEFORE = re.compile(r"(?:到|至|于|计划|力争|预计|争取|面向)$")
SKIP_TITLE = re.compile(r"^(附件|附表)\s*\d*$")


def infer_title(text: str, fallback: str) -> str:
    lines = [l.strip() for l in text.split("\n") if l.strip()][:5]
    for line in lines:
        if SKIP_TITLE.match(line):
            continue
        if len(line) <= 40 and not LIST_MARKER.match(line):
            return line
    for line in lines:
        if not SKIP_TITLE.match(line):
            return line[:40]
    return fallback


def infer_year(text: str, file_name: str = "") -> tuple[int | None, str | None]:
    """(year, source): a year in the title lines wins, else the most frequent year mentioned (latest on ties)."""
    head = [l for l in text.split("\n")[:3] if len(l.strip()) <= 60]
    for line in head:
        m = TITLE_YEAR.search(line)
        if m and not LIST_MARKER.match(line.strip()):
            return int(m.group(1).translate(_CN_YEAR_DIGITS)), "title"
    counts: Counter = Counter()
    for m in YEAR_MENTION.finditer(text):
        year = int(m.group(1).translate(_CN_YEAR_DIGITS))
        if 1949 <= year <= 2100:
            plan = PLAN_AFTER.match(text, m.end()) or PLAN_BEFORE.search(text[max(0, m.start() - 4):m.start()])
            counts[year] += 0.5 if plan else 1.0     # "2021年将…", "到2025年": a plan, not the year reported
    named = TITLE_YEAR.search(file_name)
    if counts:
        best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if best[1] >= 1 or not named:
            return best[0], "text"
    if named:
        return int(named.group(1)), "file_name"     # the text names only planned years
    return None, None
