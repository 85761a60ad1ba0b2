"""Files the reader downloads: tables as CSV (UTF-8 with BOM) and XLSX (with a sources sheet), charts as
PNG/SVG rendered by kaleido, and the briefing workbook of selected figures with their citations."""
from __future__ import annotations

import io
import threading
import time

import pandas as pd
import plotly.graph_objects as go
import xlsxwriter

from . import _queries as q
from ._source import metric_label, value_text

_kaleido_lock = threading.Lock()
_kaleido_started = False
BRIEFING_COLUMNS = ["编号", "指标", "年份", "地区", "援疆省市", "原文数值", "标准化数值", "标准化单位", "约数", "冲突",
                    "范围", "原句", "文档", "文档年份", "文件"]


def stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel opens the Chinese correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame], notes: dict[str, str] | None = None) -> bytes:
    """One workbook, a sheet per frame; notes go in a leading '说明' sheet. Written row by row with
    xlsxwriter (about twice as fast as pandas' writer)."""
    buf = io.BytesIO()
    # strings_to_formulas off: a sentence starting with "=" is text, never a formula run by Excel
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7"})
    if notes:
        sheets = {"说明": pd.DataFrame(list(notes.items()), columns=["项目", "说明"]), **sheets}
    for name, frame in sheets.items():
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
        for i, col in enumerate(frame.columns):
            wide = col in ("原句", "说明", "引文", "错误/说明")
            sheet.set_column(i, i, 60 if wide else min(30, max(8, len(str(col)) * 2 + 2)))
        for r, row in enumerate(frame.itertuples(index=False, name=None), start=1):
            sheet.write_row(r, 0, list(map(_cell, row)))
        sheet.freeze_panes(1, 0)
    book.close()
    return buf.getvalue()


def _cell(value):
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def table_xlsx(table: pd.DataFrame, f: q.Filters, title: str, sources: pd.DataFrame | None = None) -> bytes:
    """The table on screen plus a '来源' sheet: document, year and sentence of the figures behind it
    (queried when the page does not hand them over)."""
    notes = {"内容": title, "筛选": _describe(f), "导出时间": time.strftime("%Y-%m-%d %H:%M")}
    if sources is None:
        sources = q.sources(f)
        notes["来源条数"] = f"{len(sources):,} / {q.count_figures(f):,}（按数值从大到小，最多 {q.SOURCE_ROWS} 条）"
    return xlsx_bytes({"数据": table, "来源": sources}, notes)


def _describe(f: q.Filters) -> str:
    parts = [f"指标={f.metric or '全部'}", f"单位={f.unit or '全部'}", f"年份={f.year_from or ''}–{f.year_to or ''}",
             f"地区={'/'.join(f.regions) or '全部'}", f"援疆省市={'/'.join(f.partners) or '全部'}",
             f"范围={f.scope or '全部'}"]
    return "；".join(parts).replace(q.NO_REGION, "未指明")


def _ensure_kaleido() -> None:
    global _kaleido_started
    if _kaleido_started:
        return
    import kaleido
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except TypeError:
        kaleido.start_sync_server()
    except RuntimeError:  # already running
        pass
    _kaleido_started = True


def chart_bytes(figure: dict, fmt: str) -> bytes:
    """PNG or SVG of a figure dict (as held by dcc.Graph), source line included."""
    fig = go.Figure(figure)
    fig.update_layout(width=1100, height=max(500, int(fig.layout.height or 0)), paper_bgcolor="white")
    with _kaleido_lock:
        _ensure_kaleido()
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fig.to_image(format=fmt, scale=1.5 if fmt == "png" else 1)   # 1650 px wide: print quality


def briefing_frame(ids: list[int]) -> pd.DataFrame:
    rows = q.figures_by_id(ids)
    out = []
    for r in rows.itertuples(index=False):
        out.append([int(r.figure_id), metric_label(r.metric), _int(r.year), _str(r.region) or "全疆/未指明",
                    _str(r.partner), value_text(r).split(" → ")[0], r.value_norm, r.unit_norm,
                    "是" if r.approx else "", "是" if r.conflict else "", "单个项目" if r.scope == "project" else "总量",
                    r.sentence, r.title, _int(r.doc_year), r.file_name])
    return pd.DataFrame(out, columns=BRIEFING_COLUMNS)


def briefing_xlsx(ids: list[int]) -> bytes:
    """Selected figures, their citations and every conflicting candidate, in one workbook."""
    ids = [int(i) for i in ids][:500]
    brief = briefing_frame(ids)
    cands = q.conflict_candidates(ids)
    cand = pd.DataFrame({"冲突组": cands["conflict_group"], "编号": cands["figure_id"],
                         "候选值": [value_text(r) for r in cands.itertuples(index=False)], "年份": cands["year"],
                         "原句": cands["sentence"], "文档": cands["title"]}) if len(cands) else \
        pd.DataFrame(columns=["冲突组", "编号", "候选值", "年份", "原句", "文档"])
    citations = pd.DataFrame({"编号": brief["编号"], "引文": [
        f"{r.文档}（{r.文档年份 or '年份不详'}年）：“{r.原句}”" for r in brief.itertuples(index=False)]})
    notes = {"内容": "简报：所选数字及其出处", "数字条数": str(len(brief)),
             "说明": "‘约数’表示原文含余、多、近、约等；‘冲突’表示同一文档给出不同数值，全部候选值见“冲突候选”表。",
             "导出时间": time.strftime("%Y-%m-%d %H:%M")}
    return xlsx_bytes({"简报": brief, "引文": citations, "冲突候选": cand}, notes)


def _str(v) -> str:
    return v if isinstance(v, str) else ""


def _int(v):
    return None if v is None or pd.isna(v) else int(v)
