"""A document's title and reporting year, inferred from its text when manifest.csv does not state them."""
from __future__ import annotations

import re
from collections import Counter

from .lexicon import title_skip_regex, words
from .normalize import LIST_MARKER
from .years import ARABIC_YEAR, YEAR_DIGITS, year_value

_WORDS = "docmeta_words.yaml"         # lexicons/docmeta_words.yaml
YEAR_MENTION = re.compile(rf"(?<![\d〔\[［﹝])({YEAR_DIGITS})\s*年(?!代)")
TITLE_YEAR = re.compile(rf"(?<!\d)({YEAR_DIGITS})(?!\d)")
PLAN_AFTER = re.compile(rf"[，,]?\s*(?:{'|'.join(words(_WORDS, 'plan_after'))})")
PLAN_BEFORE = re.compile(f"(?:{'|'.join(words(_WORDS, 'plan_before'))})$")
_ATTACHMENT = "|".join(words(_WORDS, "attachment_labels"))
SKIP_TITLE = re.compile(rf"^({_ATTACHMENT})\s*\d*$")
ATTACHMENT = re.compile(rf"^(?:{_ATTACHMENT})\s*\d{{1,3}}?(?=(?:{ARABIC_YEAR})年|\D|$)\s*[:：]?\s*")   # 附件8 opening a line
CHAPTER = re.compile(r"^第[一二三四五六七八九十百\d]+[章篇编]")
SENTENCE_END = ("。", "；", ";", "！", "？")
# when the document was written: a dateline (——2026年1月27日在…会议上), a publication line (时间：2026-02-12,
# 来源:河北新闻网 2014-09-16), a date standing on its own line near the top
DATELINE = re.compile(rf"(?:^——|^(?=(?:{ARABIC_YEAR})\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日\s*在)|{'|'.join(words(_WORDS, 'dateline_labels'))})[^\n]{{0,30}}?({ARABIC_YEAR})\s*(?:年\s*(\d{{1,2}})\s*月|[-/.](\d{{1,2}})[-/.])"
                      rf"|^\s*({ARABIC_YEAR})\s*(?:年\s*(\d{{1,2}})\s*月\s*\d{{1,2}}\s*日|-(\d{{1,2}})-\d{{1,2}})[\s\d:时分秒]*$")
DATELINE_LINES = 12       # lines of the head read for a dateline (navigation lines not counted)
FILE_NAME_YEAR_GAP = 2      # a file named for year N whose text mostly names years this far off is dated N


def _head_lines(text: str, n: int) -> list[str]:
    """The first n lines that are not empty nor site furniture (下载, 打印, 【字号：…), attachment markers cut."""
    skip, lines = title_skip_regex(), []
    for line in text.split("\n", 200)[:200]:
        line = ATTACHMENT.sub("", line.strip())
        if line and not (len(line) <= 8 and skip.match(line)):
            lines.append(line)
            if len(lines) == n:
                break
    return lines


def infer_title(text: str, fallback: str) -> str:
    """The first short line that is not a list item or a sentence; else the first heading without its list
    marker (一、重大科技政策的制定与实施); else the first line, cut."""
    skip = title_skip_regex()
    lines = [l for l in _head_lines(text, 8) if l and not SKIP_TITLE.match(l) and not skip.match(l)][:5]
    for line in lines:
        if len(line) <= 40 and not LIST_MARKER.match(line) and not line.endswith(SENTENCE_END):
            return line
    for line in lines:
        if LIST_MARKER.match(line) and len(line) <= 40 and not line.endswith(SENTENCE_END):
            return line if CHAPTER.match(line) else (LIST_MARKER.sub("", line, count=1).strip() or line)
    return lines[0][:40] if lines else fallback


def _dateline(text: str) -> tuple[int, int] | None:
    """(year, month) of the dateline or publication line near the top, if any."""
    for line in _head_lines(text, DATELINE_LINES):
        m = DATELINE.search(line)
        if m:
            year, month = (m.group(1), m.group(2) or m.group(3)) if m.group(1) else (m.group(4), m.group(5) or m.group(6))
            return int(year), int(month)
    return None


def writing_month(text: str) -> int | None:
    """Month the document was written, from its dateline (a report delivered in January or February looks
    back on the year before)."""
    dated = _dateline(text)
    return dated[1] if dated else None


def infer_year(text: str, file_name: str = "") -> tuple[int | None, str | None]:
    """(year, source): the year the document was written, from a dateline near the top ("dateline"), a year
    in its title lines ("title"), else the most frequent year it mentions ("text", latest on ties) unless the
    file is named for a year far from that ("file_name")."""
    dated = _dateline(text)
    if dated:
        return dated[0], "dateline"
    for line in _head_lines(text, 3):
        m = TITLE_YEAR.search(line) if len(line) <= 60 else None
        if m and not LIST_MARKER.match(line):
            return year_value(m.group(1)), "title"
    counts: Counter = Counter()
    for m in YEAR_MENTION.finditer(text):
        year = year_value(m.group(1))
        if 1949 <= year <= 2100:
            plan = PLAN_AFTER.match(text, m.end()) or PLAN_BEFORE.search(text[max(0, m.start() - 4):m.start()])
            counts[year] += 0.5 if plan else 1.0     # "2021年将…", "到2025年": a plan, not the year reported
    named = TITLE_YEAR.search(file_name)
    if counts:
        best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if named and (best[0] > int(named.group(1)) or int(named.group(1)) - best[0] >= FILE_NAME_YEAR_GAP):
            return int(named.group(1)), "file_name"
        if best[1] >= 1 or not named:
            return best[0], "text"
    if named:
        return int(named.group(1)), "file_name"     # the text names only planned years
    return None, None
