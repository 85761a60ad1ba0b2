"""From normalised text to figures: quantities that are achievements, classified, attributed, deduplicated."""
from __future__ import annotations

import re
from operator import itemgetter

from .attribute import Attributor
from .classify import classify, scope_of
from .context import DocumentContext, Site
from .dedup import drop_headline_restatements, resolve
from .discourse import Discourse
from .docmeta import infer_year, writing_month
from .facts import link_facts
from .indicators import indicator_of
from .lexicon import alternatives, words
from .normalize import normalize_text
from .quantities import Quantity, blocked_mask, scan
from .record import FIGURE_FIELDS, Figure
from .statement import Describer
from .tables import table_cells
from .thresholds import is_threshold
from .years import ARABIC_YEAR

FIGURE_COLUMNS = FIGURE_FIELDS       # the columns of a figure row, in order (etl/record.py)
NOT_FIGURE_KINDS = {"time"}
_WORDS = "extract_words.yaml"          # the word lists: lexicons/extract_words.yaml
DEMONSTRATIVE = "".join(words(_WORDS, "demonstrative"))
COUNTED_EDITIONS = re.compile(f"(?:{alternatives(_WORDS, 'counted_editions')})$")
# Requirements and caps of a call for proposals are rules, not achievements.
REQUIREMENT = re.compile(alternatives(_WORDS, "requirement"))


MAX_SENTENCE = 600
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _citation(text: str, lo: int, hi: int, start: int, end: int) -> tuple[str, int]:
    """(sentence, sentence_start) to cite for the sentence text[lo:hi]; a run-on "sentence" (a text without
    punctuation) is cut to a window around the figure."""
    if hi - lo > MAX_SENTENCE:
        lo = max(lo, start - MAX_SENTENCE // 2)
        hi = min(hi, end + MAX_SENTENCE // 2)
    cited = text[lo:hi]
    stripped = cited.lstrip()
    return stripped.rstrip(), lo + len(cited) - len(stripped)


def _is_figure(q: Quantity, ctx: DocumentContext) -> Site | None:
    """The figure's Site when the quantity is an achievement, else None (the cheap tests run first)."""
    text = ctx.text
    if q.unit is None or q.kind in NOT_FIGURE_KINDS or q.qualifier in ("cap", "floor"):
        return None
    if q.single_cn_digit and q.value in (1, 2) and q.value_max is None and not text.startswith("两", q.start):
        return None                      # articles and words: 一台机器人, 一批, 二次
    if q.start and text[q.start - 1] in DEMONSTRATIVE:
        return None                      # 这两种资源, 该3项
    if text[q.start] in "几数" or (q.approx and is_threshold(text, q.start, q.end, q.approx)):
        return None                      # 几千万元: no stated number; 营收超亿元的企业达120家: the bar, not a result
    if q.unit.endswith("届") and (_HAN.match(text[q.end:q.end + 1] or " ")
                                 or (q.numeral == "chinese" and not COUNTED_EDITIONS.search(text, max(0, q.start - 6), q.start))):
        return None                      # 十八届三中全会, 党的十八届: an edition, not a count
    if ctx.in_name(q.start, q.end):
        return None                      # “试验区建设 18条政策”, 《…2018～2020年》: names
    site = ctx.site(q.start, q.end)
    rules = site.sentence.requirement        # by clause: a clause lies inside its sentence
    key = (site.clause_start, site.clause_end)
    required = rules.get(key)
    if required is None:
        required = rules[key] = REQUIREMENT.search(text, site.clause_start, site.clause_end) is not None
    return None if required else site


def figures_of_document(text: str, year: int | None) -> list[dict]:
    """Figures of an already normalised document text, in text order, with offsets into it."""
    ctx = DocumentContext(text)
    attributor = Attributor(ctx, year)
    mask = blocked_mask(text)
    figures: list[dict] = []
    cells, table_spans = table_cells(text)
    for start, end in table_spans:
        mask[start:end] = b"\x01" * (end - start)
    year_of, region_of, partner_of = attributor.year, attributor.region, attributor.partner
    discourse = Discourse(ctx, attributor)
    for q in scan(text, mask):
        site = _is_figure(q, ctx)
        if site is None:
            continue
        start, end, kind = q.start, q.end, q.kind
        in_sentence = site.sentence
        metric, subject = classify(ctx, start, end, kind, in_sentence.classified, site)
        in_sentence.classified.append((kind, metric, subject))
        fig_year, year_source = year_of(start, site)
        if in_sentence.end - in_sentence.start > MAX_SENTENCE:
            sentence, sentence_start = _citation(text, in_sentence.start, in_sentence.end, start, end)
        else:                            # the same citation for every figure of the sentence
            if in_sentence.citation is None:
                in_sentence.citation = _citation(text, in_sentence.start, in_sentence.end, start, end)
            sentence, sentence_start = in_sentence.citation
        figures.append(Figure(
            doc_id=None, year=fig_year, year_source=year_source, metric=metric, subject=subject,
            value=q.value, value_max=q.value_max, unit=q.unit, value_norm=q.value_norm,
            value_max_norm=q.value_max_norm, unit_norm=q.unit_norm, approx=q.approx,
            region=region_of(start, end, site), partner=partner_of(start, end, site),
            scope=in_sentence.scope or scope_of(ctx, start, in_sentence), conflict=False, conflict_group=None,
            text=q.text, sentence=sentence, sentence_start=sentence_start, char_start=start, char_end=end,
        ).row())
    figures.extend(_table_figures(ctx, attributor, cells))
    figures.sort(key=itemgetter("char_start"))
    _describe(figures, ctx, year)
    figures = drop_headline_restatements(resolve(figures, text), ctx.headline_lines)
    for figure in figures:               # after the repeats: two copies of a sentence are compared as written
        figure.update(_names(discourse, ctx.sentence_at(figure["char_start"]), figure["region"], figure["partner"]))
    return figures


def _describe(figures: list[dict], ctx: DocumentContext, writing_year: int | None) -> None:
    """Status, basis, period and the year a look-back describes; the catalogue indicator."""
    describer, text = Describer(ctx, writing_year, writing_month(ctx.text)), ctx.text
    for figure in figures:
        stated = describer.describe(figure)
        figure.update(status=stated.status, basis=stated.basis, period_start=stated.period_start,
                      year=stated.year, year_source=stated.year_source, approx=stated.approx, fact_id=None)
        start = figure["char_start"]
        floor = max(figure["sentence_start"], start - 24, 0)
        before = text[max(floor, *(text.rfind(ch, floor, start) + 1 for ch in "，,；;：:")):start]   # its clause
        figure["indicator"] = indicator_of(figure["metric"], figure["unit_norm"], figure["subject"], before)


def _names(discourse: Discourse, sentence, region: str | None, partner: str | None) -> dict:
    """Region and partner of a figure: its sentence's, else the discourse's (paragraph, heading, headline)."""
    d_region, d_partner, other_place, named_partners = discourse.names(sentence.start, sentence.end)
    if region is None and not other_place:
        region = d_region                # the sentence names no other place (…促进英吉沙县发展 in a 喀什 text)
    if partner is None:                  # no partner acts in the sentence: the one it names, else the discourse's
        partner = next(iter(named_partners)) if len(named_partners) == 1 else None if named_partners else d_partner
    if not discourse.speaks_of_xinjiang(sentence.start, sentence.end):
        region = partner = None          # a province's own figures in its own report
    return {"region": region, "partner": partner}


def extract_figures(text: str, year: int | None = None, file_name: str = "") -> list[dict]:
    """Every figure of a raw text. Offsets (char_start, char_end) point into the normalised text, which is
    what the build stores as documents.text; year defaults to the year inferred from the text (or, when the
    text names only planned years, from file_name)."""
    normalised = normalize_text(text)
    if year is None:
        year, _ = infer_year(normalised, file_name)
    figures = figures_of_document(normalised, year)
    link_facts(figures)
    return figures


def _table_figures(ctx: DocumentContext, attributor: Attributor, cells) -> list[dict]:
    """One figure per numeric table cell: unit from the header, region/partner/year from the row label."""
    figures = []
    for cell in cells:
        if not cell.unit:
            continue
        parsed = scan(f"{cell.value_text}{cell.unit}")
        if len(parsed) != 1 or parsed[0].unit is None or parsed[0].kind in NOT_FIGURE_KINDS:
            continue
        q = parsed[0]
        probe = DocumentContext(f"{cell.header}{cell.value_text}{cell.unit}")
        metric, _ = classify(probe, len(cell.header), len(cell.header) + len(q.text), q.kind, [])
        label_year = re.search(f"({ARABIC_YEAR})", cell.label) or re.search(rf"({ARABIC_YEAR})\s*年", cell.header)
        year = int(label_year.group(1)) if label_year else cell.table_year
        region, partner = attributor.names_in(cell.labels)
        if region is None and partner is None:
            region, partner = attributor.names_in(cell.title)    # the caption names them for the whole table
        elif partner is None:
            partner = attributor.names_in(cell.title)[1]
        figures.append(Figure(
            doc_id=None, year=year or attributor.doc_year,
            year_source="table" if year else "document", metric=metric,
            subject=cell.header or None, value=q.value, value_max=None, unit=q.unit,
            value_norm=q.value_norm, value_max_norm=None, unit_norm=q.unit_norm, approx=False,
            region=region, partner=partner, scope="program", conflict=False, conflict_group=None,
            text=cell.value_text, sentence=ctx.text[cell.line_start:cell.line_end].strip(),
            sentence_start=cell.line_start, char_start=cell.start, char_end=cell.end,
        ).row())
    return figures
