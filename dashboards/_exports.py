"""Files the reader downloads: tables as CSV (UTF-8 with BOM) and XLSX (with a sources sheet), charts as
PNG/SVG rendered by kaleido, and the briefing workbook of selected figures with their citations."""
from __future__ import annotations

import io
import threading
import time

import pandas as pd
import plotly.graph_objects as go

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
    """One workbook, a sheet per frame; notes go in a leading '说明' sheet."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as writer:
        if notes:
            pd.DataFrame(list(notes.items()), columns=["项目", "说明"]).to_excel(writer, sheet_name="说明", index=False)
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for i, col in enumerate(frame.columns):
                width = 60 if col in ("原句", "sentence", "句子") else min(30, max(8, len(str(col)) * 2 + 2))
                sheet.set_column(i, i, width)
    return buf.getvalue()


def table_xlsx(table: pd.DataFrame, f: q.Filters, title: str) -> bytes:
    """The table on screen plus a '来源' sheet: document, year and sentence of the figures behind it."""
    src = q.sources(f)
    total = q.count_figures(f)
    notes = {"内容": title, "筛选": _describe(f), "来源条数": f"{len(src):,} / {total:,}（按数值从大到小，最多 "
                                                            f"{q.SOURCE_ROWS} 条）", "导出时间": time.strftime("%Y-%m-%d %H:%M")}
    return xlsx_bytes({"数据": table, "来源": src}, notes)


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
            return fig.to_image(format=fmt, scale=2 if fmt == "png" else 1)


def briefing_frame(ids: list[int]) -> pd.DataFrame:
    rows = q.figures_by_id(ids)
    out = []
    for r in rows.itertuples(index=False):
        out.append([int(r.figure_id), metric_label(r.metric), _int(r.year), r.region or "全疆/未指明",
                    r.partner or "", value_text(r).split(" → ")[0], r.value_norm, r.unit_norm,
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


def _int(v):
    return None if v is None or pd.isna(v) else int(v)
