"""The source view: for a fact, every mention of it in every document (conflicting versions first); for a
mention, document title, year, page or address, the figure highlighted in its paragraph, its original unit and
conversion, marks for hedged, conflicting and OCR-read (需复核) figures."""
from __future__ import annotations

import pandas as pd
from dash import html

from . import _queries as q
from ._charts import fmt

METRIC_LABELS_FALLBACK = {"projects": "项目数", "investment": "投资/经费", "patents": "专利/成果",
                          "trainees": "培养/引进人才", "fund_size": "基金规模", "enterprises": "企业数", "other": "其他"}


def metric_label(metric: str) -> str:
    try:
        labels = q.metric_labels()
    except q.DatabaseUnavailable:
        labels = {}
    return labels.get(metric) or METRIC_LABELS_FALLBACK.get(metric, metric)


def _s(value) -> str:
    """Text of a nullable column ('' for NULL, which pandas may hand over as NaN)."""
    return value if isinstance(value, str) else ""


def value_text(row) -> str:
    """'1.2 亿元 → 12,000 万元' : as written, then normalised."""
    written = fmt(row.value) + ("～" + fmt(row.value_max) if pd.notna(row.value_max) else "") + _s(row.unit)
    norm = fmt(row.value_norm) + ("～" + fmt(row.value_max_norm) if pd.notna(row.value_max_norm) else "")
    norm = f"{norm} {_s(row.unit_norm)}".strip()
    return written if written.replace(" ", "") == norm.replace(" ", "") else f"{written} → {norm}"


def _page_no(row):
    page = getattr(row, "page", None)
    return None if page is None or pd.isna(page) else int(page)


def needs_review(row) -> bool:
    """Read by OCR from a scanned page: a person should check the number against the scan."""
    ocr = getattr(row, "ocr", None)
    return bool(ocr) if ocr is not None and not pd.isna(ocr) else False


def citation(row) -> str:
    """《title》（2016年），第3页 / 网址 …: the reference an official can quote."""
    title = _s(row.title) or _s(getattr(row, "file_name", "")) or str(row.doc_id)
    parts = [f"《{title}》（{_year(row.doc_year)}年）"]
    if _page_no(row):
        parts.append(f"第{_page_no(row)}页")
    url = _s(getattr(row, "source_url", ""))
    if url:
        parts.append(f"网址 {url}")
    return "，".join(parts)


def badges(row) -> list:
    out = []
    if needs_review(row):
        out.append(html.Span("需复核（OCR 识别）", className="badge review", title="数字由扫描页面识别而来，请对照原件核实"))
    if bool(row.approx):
        out.append(html.Span("约数", className="badge approx", title="原文含“余、多、近、约、超过”等"))
    if bool(row.conflict):
        out.append(html.Span("冲突", className="badge conflict", title="各处对同一事实给出不同数值"))
    if row.scope == "project":
        out.append(html.Span("单个项目", className="badge"))
    return out


def paragraph(row, ctx: dict | None = None) -> html.P:
    if ctx is None:  # no document text: fall back to the stored sentence
        sentence, span = _s(row.sentence), _s(row.text)
        i = sentence.find(span) if span else -1
        ctx = {"before": sentence[:max(i, 0)], "figure": span if i >= 0 else "",
               "after": sentence[i + len(span):] if i >= 0 else sentence}
    before, after = ctx["before"], ctx["after"]
    s_from, s_to = ctx.get("s_from", 0), ctx.get("s_to", len(after))
    sentence = html.Span([before[s_from:], html.Mark(ctx["figure"], className="hl"), after[:s_to]], className="sentence")
    return html.P([before[:s_from], sentence, after[s_to:]], className="paragraph")


def candidates_table(frame: pd.DataFrame) -> html.Table:
    head = html.Tr([html.Th(h) for h in ("冲突组", "候选值", "年份", "原句", "文档")])
    body = [html.Tr([html.Td(int(r.conflict_group)), html.Td(value_text(r)), html.Td(_year(r.year)),
                     html.Td(r.sentence), html.Td(_s(r.title) or r.doc_id)]) for r in frame.itertuples(index=False)]
    return html.Table([head] + body, className="candidates")


def _year(value) -> str:
    return "—" if value is None or pd.isna(value) else str(int(value))


def figure_card(row, candidates: pd.DataFrame, ctx: dict | None = None) -> html.Div:
    where = " · ".join(x for x in (row.region if isinstance(row.region, str) else "全疆/未指明",
                                   row.partner if isinstance(row.partner, str) else None) if x)
    parts = [
        html.Div([html.Strong(f"{metric_label(row.metric)}：{value_text(row)}", className="value"), *badges(row)]),
        html.Div(f"{_year(row.year)}年 · {where} · {_s(row.subject)}", className="meta"),
        html.Div([html.Span("出处："), html.B(citation(row)), html.Span(f"（提及编号 {int(row.figure_id)}）")],
                 className="doc"),
        paragraph(row, ctx),
    ]
    mine = candidates[candidates["conflict_group"] == row.conflict_group] if bool(row.conflict) else candidates[:0]
    if len(mine):
        parts += [html.Div("该文档对此事项的全部候选值：", className="meta"), candidates_table(mine)]
    return html.Div(parts, className="source-card", **{"data-figure-id": str(int(row.figure_id))})


def source_panel(ids: list[int], heading: str, total: int | None = None) -> list:
    """Children of a page's source area for these figure ids (mentions)."""
    if not ids:
        return [html.Div("点击图中的点或表格中的行，查看该事实在各文档中的全部提及和原文出处。", className="hint")]
    order = {int(i): k for k, i in enumerate(ids)}
    rows = q.figures_by_id(ids)
    rows = rows.iloc[rows["figure_id"].map(order).argsort()]
    candidates = q.conflict_candidates([int(i) for i in rows.loc[rows["conflict"], "figure_id"]])
    more = f"（共 {total:,} 条，显示 {len(rows)} 条）" if total and total > len(rows) else ""
    ctx = q.contexts(rows["figure_id"].tolist())
    return [html.H4(f"出处 · {heading}{more}")] + [figure_card(r, candidates, ctx.get(int(r.figure_id)))
                                                  for r in rows.itertuples(index=False)]


def fact_head(fact, unit: str = "") -> html.Div:
    """One line on a fact: value, year, place, status and basis, how often and where it is stated."""
    span = f"{int(fact.period_start)}—{int(fact.year)}年" if pd.notna(fact.period_start) else f"{_year(fact.year)}年"
    place = " → ".join(x for x in (_s(fact.partner), _s(fact.region)) if x) or "全疆"
    marks = [html.Span("冲突：各文档说法不一", className="badge conflict")] if bool(fact.conflict) else []
    marks += [html.Span("约数", className="badge approx")] if bool(fact.approx) else []
    from ._charts import BASIS_ZH, STATUS_ZH
    return html.Div([html.Strong(f"事实 #{int(fact.fact_id)}：{fmt(fact.value_norm, _s(fact.unit_norm))}", className="value"),
                     *marks, html.Div(f"{span} · {place} · {STATUS_ZH.get(fact.status, fact.status)} · "
                                      f"{BASIS_ZH.get(fact.basis, fact.basis)} · {int(fact.n_mentions)} 次提及，"
                                      f"{int(fact.n_documents)} 份文档", className="meta")], className="fact-head",
                    **{"data-fact-id": str(int(fact.fact_id))})


def fact_panel(fact_ids: list[int], heading: str, max_facts: int = 20) -> tuple[list, list[int]]:
    """Children of the source area for facts: each fact, then every mention of it (all documents, conflicting
    versions first); and the ids of the mentions shown (for the 简报 export)."""
    fact_ids = [int(i) for i in fact_ids if i is not None][:max_facts]
    if not fact_ids:
        return source_panel([], ""), []
    facts = q.facts_by_id(fact_ids)
    rows = q.mentions(fact_ids, limit=200)
    candidates = q.conflict_candidates([int(i) for i in rows.loc[rows["conflict"], "figure_id"]])
    ctx = q.contexts(rows["figure_id"].tolist())
    out = [html.H4(f"出处 · {heading}")]
    order = {int(i): k for k, i in enumerate(fact_ids)}
    for fact in sorted(facts.itertuples(index=False), key=lambda r: order.get(int(r.fact_id), 0)):
        mine = rows[rows["fact_id"] == fact.fact_id]
        out.append(html.Div([fact_head(fact)] + [figure_card(r, candidates, ctx.get(int(r.figure_id)))
                                                 for r in mine.itertuples(index=False)], className="fact-block"))
    return out, [int(i) for i in rows["figure_id"]]
