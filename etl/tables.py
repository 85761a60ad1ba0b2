"""Tables in the texts: rows of cells separated by tabs, runs of spaces or bars. A cell is just its number;
its unit comes from the column header (项目数（项）) or a 单位：万元 line; the row label names a region, a
partner or a year."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import load_units, words
from .textnorm import SPACE_NO_NEWLINE_CLASS

CELL_SPLIT = re.compile(r"\t+|\s{2,}|\s*[|｜]\s*")
NUMBER_CELL = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^[-+]?\d+(?:\.\d+)?$")
# the unit at the end of a column header: 项目数（项）, 资金(单位：万元), 投资额/万元
HEADER_UNIT = re.compile(r"(?:[（(]\s*(?:单位\s*[:：]\s*)?([^（）()]{1,8}?)\s*[)）]|\s*/\s*([^/（）()\s]{1,6}))\s*$")
UNIT_COLUMN = set(words("tables_words.yaml", "unit_column_headers"))   # lexicons/tables_words.yaml
# a cell holding its number and its unit: 12项, 3500万元, 5.2%
NUMBER_UNIT_CELL = re.compile(r"^([-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)\s*([^\d\s]{1,6})$")
_SCALES = "十百千万亿"
TABLE_UNIT = re.compile(r"单位\s*[:：]\s*([^\s，,；;。]{1,6})")
EMPTY_CELL = {"-", "—", "--", "/", "…", ""}


@dataclass
class TableCell:
    row: int            # line index in the text
    start: int          # offsets of the number in the text
    end: int
    value_text: str
    header: str         # column header text, unit removed
    unit: str | None    # unit from the header or the table's 单位 line
    label: str          # row label (first cell)
    line_start: int
    line_end: int
    labels: str = ""    # every non-numeric cell of the row
    table_year: int | None = None
    title: str = ""     # the caption line above the table (深圳对口支援喀什科技项目情况（2020年）)


def _cells(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each cell of a line, offsets within the line."""
    cells, pos = [], 0
    stripped = line.strip("|｜ ")
    base = line.find(stripped) if stripped else 0
    for part in CELL_SPLIT.split(stripped):
        idx = stripped.find(part, pos) if part else pos
        if part:
            cells.append((base + idx, base + idx + len(part), part))
            pos = idx + len(part)
    return cells


_SEPARATED = re.compile(r"\t|\S\s{2,}\S|[|｜]")


def is_table_row(line: str) -> bool:
    if not _SEPARATED.search(line):
        return False
    cells = _cells(line)
    return len(cells) >= 2 and sum(1 for c in cells if NUMBER_CELL.match(c[2]) or c[2] in EMPTY_CELL) >= 1


# _is_header and is_table_row are False unless _SEPARATED (`\t|\S\s{2,}\S|[|｜]`) is found in the line. On a
# stripped line `\S\s{2,}\S` is just two whitespace characters in a row, so in lines joined by "\n",
# `[\t|｜]|[^\S\n]{2}` finds exactly the lines those two functions need to look at. Spelt here to start with one
# literal class (a tab, a bar, or a space that another space follows) so the engine skips ahead quickly.
_MAYBE_CELLS = re.compile(rf"[|｜{SPACE_NO_NEWLINE_CLASS}](?:(?<=[\t|｜])|(?=[{SPACE_NO_NEWLINE_CLASS}]))")
# When a text holds no tab, no bar and no white space but " " and "\n", `[\t|｜]|[^\S\n]{2}` is just two spaces:
# a literal, which the engine finds faster still.
_DOUBLE_SPACE = re.compile("  ")


def separated_lines(text: str, plain: bool = False) -> list[int]:
    """Indexes of the lines of text (each stripped) that _SEPARATED finds something in: the only ones that can be
    a table's header or row; usually few. plain: the text holds no tab, bar or white space but " " and "\n"."""
    finder = _DOUBLE_SPACE if plain else _MAYBE_CELLS
    found: list[int] = []
    index, line_start = 0, 0
    m = finder.search(text)
    while m:
        index += text.count("\n", line_start, m.start())
        found.append(index)
        line_start = text.find("\n", m.end())
        if line_start < 0:
            break
        m = finder.search(text, line_start)
    return found


def table_cells(text: str) -> tuple[list[TableCell], list[tuple[int, int]]]:
    """Every numeric cell of every table, and the (start, end) spans of the table rows."""
    candidates = set(separated_lines(text))
    if not candidates:
        return [], []
    lines, offsets, pos = text.split("\n"), [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    found: list[TableCell] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if (i not in candidates or i + 1 not in candidates or not _is_header(lines[i]) or i + 1 >= len(lines)
                or not is_table_row(lines[i + 1])):
            i += 1
            continue
        header_cells = _cells(lines[i])
        if i and unit_header_names(lines[i - 1], lines[i]) is not None:
            # the column names sit on the line above the units: each unit joins its name, aligned from the right
            above, units = _cells(lines[i - 1]), [c[2] for c in header_cells]
            pad = len(above) - len(units)
            header_cells = [(cs, ce, name + (units[k - pad] if k >= pad else ""))
                            for k, (cs, ce, name) in enumerate(above)]
        table_unit = table_year = None
        title = next((lines[b] for b in (i - 1, i - 2) if b >= 0 and lines[b].strip()
                      and not TABLE_UNIT.fullmatch(lines[b].strip())), "")
        for back in (i, i - 1, i - 2):
            if 0 <= back < len(lines):
                m = TABLE_UNIT.search(lines[back])
                if m and table_unit is None:
                    table_unit = m.group(1)
                y = re.search(r"((?:19|20)\d{2})\s*年", lines[back])
                if y and back < i and table_year is None:
                    table_year = int(y.group(1))
        spans.append((offsets[i], offsets[i] + len(lines[i])))
        j = i + 1
        while j < len(lines) and is_table_row(lines[j]):
            row_cells = _cells(lines[j])
            spans.append((offsets[j], offsets[j] + len(lines[j])))
            first = row_cells[0][2]
            year_label = (re.fullmatch(r"(?:19|20)\d{2}", first) is not None and "年" in header_cells[0][2])
            label = first if year_label or not NUMBER_CELL.match(first) else ""
            labels = " ".join(c[2] for c in row_cells if not NUMBER_CELL.match(c[2]) and c[2] not in EMPTY_CELL)
            shift = max(0, len(header_cells) - len(row_cells))   # cells missing on the left: align from the right
            row_unit = _row_unit(header_cells, row_cells, shift)
            for k, (cs, ce, cell) in enumerate(row_cells):
                if k == 0 and year_label:
                    continue
                own = None if NUMBER_CELL.match(cell) else _number_and_unit(cell)
                if own is None and not NUMBER_CELL.match(cell):
                    continue
                h = k + shift
                header = header_cells[h][2] if 0 <= h < len(header_cells) else ""
                unit_match = HEADER_UNIT.search(header)
                unit = (unit_match.group(1) or unit_match.group(2)) if unit_match else (row_unit or table_unit)
                name = header[:unit_match.start()].strip() if unit_match else header
                if row_unit is not None and not unit_match:
                    name = row_cells[0][2]            # 指标 | 单位 | 数值: the row's first cell names the figure
                if own is not None:                   # 12项: the cell's own unit
                    cell, unit = own
                    ce = cs + len(cell)
                found.append(TableCell(j, offsets[j] + cs, offsets[j] + ce, cell, name, unit, label,
                                       offsets[j], offsets[j] + len(lines[j]), labels, table_year, title))
            j += 1
        i = j
    return found, spans


_UNIT_ONLY = re.compile(r"[（(][^（）()]{1,8}[)）]")


def unit_header_names(above: str, header: str) -> list[str] | None:
    """The column names of the line above a header that holds only bracketed units (（个） （万元）), one per unit
    and aligned from the right (the label column usually has no unit), or None when it is not such a pair."""
    units = _cells(header)
    if not units or not all(_UNIT_ONLY.fullmatch(c[2]) for c in units) or not _SEPARATED.search(above):
        return None
    names = [c[2] for c in _cells(above)]
    if len(names) < len(units) or any(NUMBER_CELL.match(n) for n in names):
        return None
    return names[len(names) - len(units):]


def _number_and_unit(cell: str) -> tuple[str, str] | None:
    """(number, unit) of a cell like 12项 or 3500万元, else None."""
    m = NUMBER_UNIT_CELL.match(cell)
    if m is None:
        return None
    unit = m.group(2)
    base = unit.lstrip(_SCALES) if unit.lstrip(_SCALES) else unit
    return (m.group(1), unit) if unit in load_units() or base in load_units() else None


def _row_unit(header_cells, row_cells, shift: int) -> str | None:
    """The row's unit when the table has a 单位 column (指标 | 单位 | 数值)."""
    for h, (_, _, text) in enumerate(header_cells):
        if text.strip() in UNIT_COLUMN:
            k = h - shift
            if 0 <= k < len(row_cells) and not NUMBER_CELL.match(row_cells[k][2]):
                return row_cells[k][2]
    return None


def _is_header(line: str) -> bool:
    if not _SEPARATED.search(line):         # most lines are prose: no cells to split
        return False
    cells = _cells(line)
    return len(cells) >= 2 and sum(1 for c in cells if NUMBER_CELL.match(c[2])) == 0
