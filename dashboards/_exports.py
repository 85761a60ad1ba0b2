"""Files the reader downloads, each standing alone: tables as CSV (UTF-8 with BOM, with title, filter and
source lines) and XLSX (with 事实 and 来源 sheets listing exactly the facts and mentions behind the rows),
charts as PNG/SVG rendered by kaleido with title, filter line and source line inside the image, and the
briefing workbook of selected figures with their citations (document, year, page or address)."""
from __future__ import annotations

import io
import threading
import time

import pandas as pd
import plotly.graph_objects as go
import xlsxwriter

from . import _queries as q
from ._charts import BASIS_ZH, FONT, STATUS_ZH
from ._source import citation, metric_label, needs_review, value_text

_kaleido_lock = threading.Lock()
_kaleido_started = False
BRIEFING_COLUMNS = ["编号", "事实编号", "指标", "年份", "地区", "援疆省市", "状态", "口径", "原文数值", "标准化数值",
                    "标准化单位", "约数", "冲突", "需复核", "原句", "文档", "文档年份", "页码", "网址", "引文", "文件"]
SOURCE_COLUMNS = ["事实编号", "提及编号", "展示值", "冲突版本", "原文数字", "标准化数值", "标准化单位", "年份", "原句",
                  "文档", "文档年份", "页码", "网址", "需复核", "引文"]
FACT_COLUMNS = ["事实编号", "指标", "事项", "年份", "起始年份", "地区", "援疆省市", "状态", "口径", "数值", "单位", "约数",
                "冲突", "提及次数", "文档数"]


def stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def csv_bytes(frame: pd.DataFrame, title: str | None = None, filters: str | None = None,
              source: str | None = None) -> bytes:
    """UTF-8 with BOM so Excel opens the Chinese correctly. An aggregate table carries its title and filter
    line above the header and its source line below the rows, so the file stands alone."""
    head = "".join(f"{line}\n" for line in (title, filters) if line)
    tail = f"\n{source}\n" if source else ""
    return (head + frame.to_csv(index=False) + tail).encode("utf-8-sig")


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


def fact_sheets(fact_ids: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """事实 (one row per fact) and 来源 (every mention of those facts) for an export."""
    ids = sorted({int(i) for i in fact_ids if i is not None and not pd.isna(i)})
    if not ids:
        return pd.DataFrame(columns=FACT_COLUMNS), pd.DataFrame(columns=SOURCE_COLUMNS)
    facts = q.facts_by_id(ids)
    labels = q.indicator_options().set_index("key")["label"].to_dict()
    fact_rows = [[int(r.fact_id), labels.get(r.indicator, "") if isinstance(r.indicator, str) else "", _str(r.subject),
                  _int(r.year), _int(r.period_start), _str(r.region) or "全疆", _str(r.partner),
                  STATUS_ZH.get(r.status, r.status), BASIS_ZH.get(r.basis, r.basis), r.value_norm, r.unit_norm,
                  "是" if r.approx else "", "是" if r.conflict else "", int(r.n_mentions), int(r.n_documents)]
                 for r in facts.itertuples(index=False)]
    rows = q.mentions(ids, limit=100_000)
    src = [[int(r.fact_id), int(r.figure_id), "是" if r.shown else "", "是" if r.value_norm != r.fact_value else "",
            r.text, r.value_norm, r.unit_norm, _int(r.year), r.sentence, _str(r.title), _int(r.doc_year),
            _int(r.page), _str(r.source_url), "需复核" if needs_review(r) else "", citation(r)]
           for r in rows.itertuples(index=False)]
    return pd.DataFrame(fact_rows, columns=FACT_COLUMNS), pd.DataFrame(src, columns=SOURCE_COLUMNS)


def table_xlsx(table: pd.DataFrame, f: q.Filters, title: str, fact_ids: list[int] | None = None,
               source: str = "") -> bytes:
    """The table on screen plus 事实 and 来源 sheets: exactly the facts behind its rows and every mention of them."""
    facts, sources = fact_sheets(fact_ids or [])
    notes = {"内容": title, "筛选": _describe(f), "来源": source, "事实条数": f"{len(facts):,}",
             "提及条数": f"{len(sources):,}", "导出时间": time.strftime("%Y-%m-%d %H:%M")}
    return xlsx_bytes({"数据": table, "事实": facts, "来源": sources}, notes)


def _describe(f: q.Filters) -> str:
    from ._charts import describe
    return f"指标={f.indicator or '全部'}；单位={f.unit or '全部'}；" + describe(f).replace("筛选：", "")


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


EXPORT_WIDTH = 1100
CJK_WIDTH, OTHER_WIDTH = 1.0, 0.56   # text width per character, in em (Noto Sans CJK)


def text_width(text: str, size: float) -> float:
    return sum((CJK_WIDTH if ord(ch) > 0x2E80 else OTHER_WIDTH) for ch in text) * size


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaks so that no line is wider than width pixels at this font size."""
    lines, line = [], ""
    for ch in text or "":
        if text_width(line + ch, size) > width and line:
            lines.append(line)
            line = ""
        line += ch
    return lines + ([line] if line else [])


def export_figure(figure: dict) -> go.Figure:
    """The figure laid out for a file: title and subtitle above the plot, filter and source lines below it, all
    inside the canvas (margins sized from the wrapped text), legend at the right."""
    fig = go.Figure(figure)
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    width = EXPORT_WIDTH
    inner = width - 40
    title = wrap(meta.get("title", ""), inner, 20)
    sub = wrap(meta.get("subtitle", ""), inner, 12)
    foot = wrap(meta.get("filters", ""), inner, 11) + wrap(meta.get("source", ""), inner, 11)
    top = 20 + 28 * len(title) + 18 * len(sub) + 34
    bottom = 80 + 17 * len(foot)
    left, right = 90, 230
    screen = fig.layout.height or 420
    plot_h = max(300, screen - 84)
    height = top + plot_h + bottom
    fig.update_layout(width=width, height=height, paper_bgcolor="white", title=None,
                      margin={"l": left, "r": right, "t": top, "b": bottom, "autoexpand": False},
                      legend={"orientation": "v", "x": 1.02, "y": 1, "xanchor": "left", "yanchor": "top",
                              "font": {"size": 11}})
    pw = width - left - right
    x0 = -(left - 20) / pw      # paper x of the canvas' left edge + 20 px
    y_top = 1 + (top - 18) / plot_h
    lines = [(t, 20, "#111", True) for t in title] + [(t, 12, "#555", False) for t in sub]
    y = y_top
    for text, size, colour, bold in lines:
        fig.add_annotation(text=f"<b>{text}</b>" if bold else text, xref="paper", yref="paper", x=x0, y=y,
                           xanchor="left", yanchor="top", showarrow=False, align="left",
                           font={"size": size, "color": colour, "family": FONT})
        y -= (size * 1.4) / plot_h
    y = -(bottom - 14 - 17 * len(foot)) / plot_h
    for text in foot:
        fig.add_annotation(text=text, xref="paper", yref="paper", x=x0, y=y, xanchor="left", yanchor="top",
                           showarrow=False, align="left", font={"size": 11, "color": "#444", "family": FONT})
        y -= 17 / plot_h
    return fig


def chart_bytes(figure: dict, fmt: str) -> bytes:
    """PNG or SVG of a figure dict (as held by dcc.Graph), its title, filters and source drawn inside."""
    fig = export_figure(figure)
    with _kaleido_lock:
        _ensure_kaleido()
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fig.to_image(format=fmt, scale=1.5 if fmt == "png" else 1)   # 1650 px wide: print quality


def briefing_frame(ids: list[int]) -> pd.DataFrame:
    rows = q.figures_by_id(ids)
    labels = q.indicator_options().set_index("key")["label"].to_dict() if q.has("facts") else {}
    out = []
    for r in rows.itertuples(index=False):
        indicator = getattr(r, "indicator", None)
        label = labels.get(indicator) if isinstance(indicator, str) else None
        out.append([int(r.figure_id), _int(getattr(r, "fact_id", None)), label or metric_label(r.metric), _int(r.year),
                    _str(r.region) or "全疆/未指明", _str(r.partner), STATUS_ZH.get(getattr(r, "status", ""), ""),
                    BASIS_ZH.get(getattr(r, "basis", ""), ""), value_text(r).split(" → ")[0], r.value_norm, r.unit_norm,
                    "是" if r.approx else "", "是" if r.conflict else "", "需复核（OCR 识别）" if needs_review(r) else "",
                    r.sentence, r.title, _int(r.doc_year), _int(getattr(r, "page", None)), _str(getattr(r, "source_url", "")),
                    f"{citation(r)}：“{r.sentence}”", r.file_name])
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
    citations = pd.DataFrame({"编号": brief["编号"], "引文": brief["引文"]})
    notes = {"内容": "简报：所选数字及其出处", "数字条数": str(len(brief)),
             "说明": "‘约数’表示原文含余、多、近、约等；‘冲突’表示各处对同一事实给出不同数值，全部候选值见“冲突候选”表；"
                     "‘需复核’表示数字由扫描页面识别（OCR），请对照原件核实。",
             "导出时间": time.strftime("%Y-%m-%d %H:%M")}
    return xlsx_bytes({"简报": brief, "引文": citations, "冲突候选": cand}, notes)


def _str(v) -> str:
    return v if isinstance(v, str) else ""


def _int(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else int(v)
