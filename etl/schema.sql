-- Curated yearbook database. Every table and column carries a COMMENT: docs/schema.md is generated from them.

CREATE TABLE documents (
    doc_id      VARCHAR PRIMARY KEY,
    file_name   VARCHAR NOT NULL,
    title       VARCHAR,
    year        INTEGER,
    year_source VARCHAR,
    encoding    VARCHAR,
    n_chars     INTEGER,
    n_figures   INTEGER,
    sha256      VARCHAR,
    source      VARCHAR,
    text        VARCHAR,
    status      VARCHAR NOT NULL,
    error       VARCHAR,
    duplicate_of VARCHAR,
    format      VARCHAR,
    page_count  INTEGER,
    source_url  VARCHAR,
    published   DATE
);

CREATE TABLE figures (
    figure_id   INTEGER PRIMARY KEY,
    doc_id      VARCHAR NOT NULL,
    year        INTEGER,
    year_source VARCHAR,
    metric      VARCHAR NOT NULL,
    subject     VARCHAR,
    value       DOUBLE,
    value_max   DOUBLE,
    unit        VARCHAR,
    value_norm  DOUBLE,
    value_max_norm DOUBLE,
    unit_norm   VARCHAR,
    approx      BOOLEAN NOT NULL,
    region      VARCHAR,
    partner     VARCHAR,
    scope       VARCHAR NOT NULL,
    conflict    BOOLEAN NOT NULL,
    conflict_group INTEGER,
    text        VARCHAR,
    sentence    VARCHAR NOT NULL,
    sentence_start INTEGER,
    char_start  INTEGER NOT NULL,
    char_end    INTEGER NOT NULL,
    status      VARCHAR NOT NULL DEFAULT 'actual',
    basis       VARCHAR NOT NULL DEFAULT 'flow',
    period_start INTEGER,
    indicator   VARCHAR,
    fact_id     INTEGER,
    page        INTEGER,
    ocr         BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE metrics (
    metric      VARCHAR PRIMARY KEY,
    label_zh    VARCHAR,
    label_en    VARCHAR,
    core        BOOLEAN,
    description VARCHAR
);

CREATE TABLE indicators (
    indicator   VARCHAR PRIMARY KEY,
    label_zh    VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    unit_family VARCHAR NOT NULL,
    definition  VARCHAR NOT NULL,
    additive    BOOLEAN NOT NULL,
    subjects    VARCHAR,
    sort_order  INTEGER
);

CREATE TABLE facts (
    fact_id     INTEGER PRIMARY KEY,
    indicator   VARCHAR,
    subject     VARCHAR,
    metric      VARCHAR NOT NULL,
    year        INTEGER,
    period_start INTEGER,
    region      VARCHAR,
    partner     VARCHAR,
    status      VARCHAR NOT NULL,
    basis       VARCHAR NOT NULL,
    value_norm  DOUBLE,
    unit_norm   VARCHAR,
    approx      BOOLEAN NOT NULL,
    conflict    BOOLEAN NOT NULL,
    n_mentions  INTEGER NOT NULL,
    n_documents INTEGER NOT NULL,
    figure_id   INTEGER NOT NULL
);

CREATE TABLE build_info (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE VIEW figures_by_year AS
SELECT metric, unit_norm, year, region, partner, scope,
       count(*)                      AS n_figures,
       sum(value_norm)               AS total,
       bool_or(approx)               AS any_approx,
       bool_or(conflict)             AS any_conflict
FROM figures
WHERE year IS NOT NULL
GROUP BY ALL;

CREATE VIEW figures_by_region AS
SELECT metric, unit_norm, coalesce(region, '全疆/未指明') AS region, year,
       count(*) AS n_figures, sum(value_norm) AS total
FROM figures
GROUP BY ALL;

CREATE VIEW partner_region_links AS
SELECT partner, coalesce(region, '未指明') AS region, metric, unit_norm,
       count(*) AS n_figures, sum(value_norm) AS total
FROM figures
WHERE partner IS NOT NULL
GROUP BY ALL;

CREATE VIEW coverage AS
SELECT m.metric, d.year,
       count(f.figure_id)                                     AS n_figures,
       count(f.figure_id) FILTER (WHERE f.value_norm = 0)     AS n_zero
FROM metrics m
CROSS JOIN (SELECT DISTINCT year FROM documents WHERE status = 'ok' AND year IS NOT NULL) d
LEFT JOIN figures f ON f.metric = m.metric AND f.year = d.year
GROUP BY ALL;

-- Sums that mean something: only facts of an additive indicator, of one status, of basis flow and without a
-- conflict, over disjoint places: regions (facts naming a region and no partner) or partners (facts naming a
-- partner and no region), each place with exactly one such fact (a place with two facts of the indicator in a
-- year, a total and its part, say, is left out and counted in n_left_out). Cumulative, level, change and share
-- facts are never summed.
CREATE VIEW fact_totals AS
WITH summable AS (
    SELECT f.indicator, f.unit_norm, f.status, f.year, f.value_norm, f.approx,
           CASE WHEN f.partner IS NULL THEN 'region' ELSE 'partner' END AS dimension,
           coalesce(f.region, f.partner) AS place
    FROM facts f JOIN indicators i ON i.indicator = f.indicator
    WHERE i.additive AND f.basis = 'flow' AND NOT f.conflict AND f.year IS NOT NULL
      AND (f.region IS NULL) <> (f.partner IS NULL)
), by_place AS (
    SELECT indicator, unit_norm, status, year, dimension, place,
           count(*) AS n, any_value(value_norm) AS value_norm, bool_or(approx) AS approx
    FROM summable GROUP BY ALL
)
SELECT indicator, unit_norm, status, year, dimension,
       count(*) FILTER (WHERE n = 1)                AS n_facts,
       sum(value_norm) FILTER (WHERE n = 1)         AS total,
       coalesce(bool_or(approx) FILTER (WHERE n = 1), false) AS any_approx,
       count(*) FILTER (WHERE n > 1)                AS n_left_out
FROM by_place
GROUP BY ALL
HAVING count(*) FILTER (WHERE n = 1) > 0;

COMMENT ON TABLE documents IS 'One row per file found under the raw folder (loaded, duplicate, empty or unreadable), plus a row for a manifest.csv with bad rows and for a folder that could not be listed (its name ends in /).';
COMMENT ON COLUMN documents.doc_id IS 'Stable id: first 12 hex digits of sha256 of the file path relative to the raw folder.';
COMMENT ON COLUMN documents.file_name IS 'Path of the file relative to the raw folder.';
COMMENT ON COLUMN documents.title IS 'Title from manifest.csv, else the first heading-like line of the text.';
COMMENT ON COLUMN documents.year IS 'Reporting year of the document (manifest.csv, else inferred from the text).';
COMMENT ON COLUMN documents.year_source IS 'Where the year came from: manifest, title, text (most frequent year mention) or null.';
COMMENT ON COLUMN documents.encoding IS 'Detected text encoding of the file (utf-8, utf-8-sig, utf-16, gb18030 ...).';
COMMENT ON COLUMN documents.n_chars IS 'Characters in the normalised text.';
COMMENT ON COLUMN documents.n_figures IS 'Figures extracted from this document (0 for documents that were not loaded).';
COMMENT ON COLUMN documents.sha256 IS 'SHA-256 of the raw file bytes.';
COMMENT ON COLUMN documents.source IS 'Source (publisher, URL) from manifest.csv.';
COMMENT ON COLUMN documents.text IS 'Normalised text; figures.char_start/char_end and sentence_start are offsets into it.';
COMMENT ON COLUMN documents.status IS 'ok, duplicate (same bytes as duplicate_of), empty, binary, error, or needs_ocr (a PDF with scanned pages that have no text layer, listed in error; build with --ocr to read them; the other pages are loaded).';
COMMENT ON COLUMN documents.error IS 'Why the file was not loaded; for a loaded file (status = ok), a warning about it (truncated UTF-8, lines in two encodings) or null.';
COMMENT ON COLUMN documents.duplicate_of IS 'doc_id of the document with the same bytes that was loaded instead.';
COMMENT ON COLUMN documents.format IS 'File format the text was read from: txt, pdf (its text layer, or OCR), docx or html (a saved web page); null for rows that are not files.';
COMMENT ON COLUMN documents.page_count IS 'Pages of a PDF (all of them, read or not); null for formats without pages.';
COMMENT ON COLUMN documents.source_url IS 'Address of a saved web page, from its metadata (canonical link, og:url, the saved-from note); null otherwise.';
COMMENT ON COLUMN documents.published IS 'Publication date of a saved web page, from its metadata or its 时间/发布日期 line; null otherwise.';

COMMENT ON TABLE figures IS 'One row per figure stated in a document: a number with what it counts, normalised, attributed and cited.';
COMMENT ON COLUMN figures.figure_id IS 'Row id, stable for the same raw folder.';
COMMENT ON COLUMN figures.doc_id IS 'Document the figure was read from (documents.doc_id).';
COMMENT ON COLUMN figures.year IS 'Year the figure describes: explicit in its sentence, else relative (去年) to, or equal to, the document year.';
COMMENT ON COLUMN figures.year_source IS 'sentence, relative or document: how the year was decided.';
COMMENT ON COLUMN figures.metric IS 'Metric id: projects, investment, patents, trainees, fund_size, enterprises or other (see table metrics).';
COMMENT ON COLUMN figures.subject IS 'The phrase that says what is counted (新上项目, 科技型中小企业).';
COMMENT ON COLUMN figures.value IS 'Number as written (Chinese numerals converted; 3千万元 -> 3).';
COMMENT ON COLUMN figures.value_max IS 'Upper end when the text states a range (3~5项), else null.';
COMMENT ON COLUMN figures.unit IS 'Unit as written, scale word included (万元, 亿元, 万人次, 项); null for a bare number.';
COMMENT ON COLUMN figures.value_norm IS 'Value in unit_norm: money in 万元 or 万美元, counts scaled to the base unit, fractions in %.';
COMMENT ON COLUMN figures.value_max_norm IS 'value_max in unit_norm.';
COMMENT ON COLUMN figures.unit_norm IS 'Normalised unit: 万元, 万美元, %, or the classifier / base unit (项, 家, 人, 人次, 平方米 ...).';
COMMENT ON COLUMN figures.approx IS 'True when the text hedges the number (余, 多, 近, 约, 左右, 超过, 突破, 以上).';
COMMENT ON COLUMN figures.region IS 'Xinjiang prefecture or city the figure concerns (short canonical name, 兵团 for the Corps), null for the whole region.';
COMMENT ON COLUMN figures.partner IS 'Aid partner province or city named as the source of the figure, else null.';
COMMENT ON COLUMN figures.scope IS 'program (a total of a programme, fund, fair, region or year) or project (one example project or enterprise).';
COMMENT ON COLUMN figures.conflict IS 'True when another statement of the same thing in the same document gives a different value.';
COMMENT ON COLUMN figures.conflict_group IS 'Figures that disagree with each other share this number; null when conflict is false.';
COMMENT ON COLUMN figures.text IS 'Exact span of the normalised text holding the number and its unit.';
COMMENT ON COLUMN figures.sentence IS 'The sentence of the normalised text the figure came from.';
COMMENT ON COLUMN figures.sentence_start IS 'Offset of the sentence in documents.text.';
COMMENT ON COLUMN figures.char_start IS 'Offset of the first character of the figure in documents.text.';
COMMENT ON COLUMN figures.char_end IS 'Offset just past the last character of the figure in documents.text.';
COMMENT ON COLUMN figures.page IS 'Page of the PDF the figure starts on (1 = first page; cite as 第N页); null for formats without pages.';
COMMENT ON COLUMN figures.ocr IS 'True when the figure was read from a scanned page by OCR: check it against the page before citing it.';

COMMENT ON COLUMN figures.status IS 'actual (achieved, decided or standing when written) or planned (a target, plan or forecast).';
COMMENT ON COLUMN figures.basis IS 'How the number relates to time: flow (within the year), cumulative (summed over years), level (a stock at a moment), change (a growth) or share (a proportion or rate).';
COMMENT ON COLUMN figures.period_start IS 'First year of a cumulative span (自2010年以来 -> 2010, “十四五” -> 2021), else null; year is then the last year covered.';
COMMENT ON COLUMN figures.indicator IS 'Indicator of the catalogue (table indicators) the figure states, or null (then subject says what it counts).';
COMMENT ON COLUMN figures.fact_id IS 'The fact this mention states (facts.fact_id): restatements, repeats in other documents and conflicting versions share it.';

COMMENT ON TABLE indicators IS 'The indicator catalogue (etl/lexicons/indicators.csv): indicators the genre repeats year after year.';
COMMENT ON COLUMN indicators.indicator IS 'Indicator id.';
COMMENT ON COLUMN indicators.label_zh IS 'Chinese name shown in the dashboard.';
COMMENT ON COLUMN indicators.metric IS 'Metric family (metrics.metric).';
COMMENT ON COLUMN indicators.unit_family IS 'money (万元), count, people or percent.';
COMMENT ON COLUMN indicators.definition IS 'What the indicator measures (定义), one sentence.';
COMMENT ON COLUMN indicators.additive IS 'True when values of disjoint regions or partners may be summed.';
COMMENT ON COLUMN indicators.subjects IS 'Subject phrases that map a figure to the indicator, separated by |.';
COMMENT ON COLUMN indicators.sort_order IS 'Order of the catalogue, for pickers.';

COMMENT ON TABLE facts IS 'One row per fact: one value of one indicator (or subject) for one year, period, region, partner, status and basis, with every mention in figures.fact_id. The value is always one of its mentions'' values (exact over hedged, the first stated first), never a sum.';
COMMENT ON COLUMN facts.fact_id IS 'Fact id (figures.fact_id points here).';
COMMENT ON COLUMN facts.indicator IS 'Indicator id (indicators.indicator), or null.';
COMMENT ON COLUMN facts.subject IS 'Subject phrase of the mention shown.';
COMMENT ON COLUMN facts.metric IS 'Metric id of the mention shown.';
COMMENT ON COLUMN facts.year IS 'Year the fact describes (for a cumulative fact, the last year covered).';
COMMENT ON COLUMN facts.period_start IS 'First year of a cumulative span, else null.';
COMMENT ON COLUMN facts.region IS 'Xinjiang region, null for the whole region or unknown.';
COMMENT ON COLUMN facts.partner IS 'Aid partner province or city, else null.';
COMMENT ON COLUMN facts.status IS 'actual or planned.';
COMMENT ON COLUMN facts.basis IS 'flow, cumulative, level, change or share.';
COMMENT ON COLUMN facts.value_norm IS 'The value shown: the value of mention figure_id, in unit_norm.';
COMMENT ON COLUMN facts.unit_norm IS 'Normalised unit.';
COMMENT ON COLUMN facts.approx IS 'True when the mention shown hedges its number.';
COMMENT ON COLUMN facts.conflict IS 'True when mentions disagree; every candidate is a mention (figures.fact_id).';
COMMENT ON COLUMN facts.n_mentions IS 'Figures that state the fact.';
COMMENT ON COLUMN facts.n_documents IS 'Documents that state it.';
COMMENT ON COLUMN facts.figure_id IS 'The mention whose value is shown (figures.figure_id).';
COMMENT ON VIEW fact_totals IS 'Sums that mean something: per additive indicator, unit, status and year, the flow facts without conflict of disjoint regions (dimension region: a region and no partner) or partners (dimension partner: a partner and no region), one fact per place; n_facts says how many facts each total adds, n_left_out how many places had several facts and were not added. Cumulative, level, change, share, conflicting and planned-with-actual values are never added together.';

COMMENT ON TABLE metrics IS 'The metric ids used in figures.metric, with Chinese and English labels.';
COMMENT ON COLUMN metrics.metric IS 'Metric id.';
COMMENT ON COLUMN metrics.label_zh IS 'Chinese label shown in the dashboard.';
COMMENT ON COLUMN metrics.label_en IS 'English label.';
COMMENT ON COLUMN metrics.core IS 'True for the six core metrics.';
COMMENT ON COLUMN metrics.description IS 'What the metric counts.';

COMMENT ON TABLE build_info IS 'Facts about the build that wrote this file (raw folder, counts, versions).';
COMMENT ON COLUMN build_info.key IS 'Name of the fact.';
COMMENT ON COLUMN build_info.value IS 'Its value, as text.';

COMMENT ON VIEW figures_by_year IS 'Figures summed per metric, unit, year, region, partner and scope.';
COMMENT ON VIEW figures_by_region IS 'Figures summed per metric, unit, region and year (null region shown as 全疆/未指明).';
COMMENT ON VIEW partner_region_links IS 'Partner province -> Xinjiang region links: figures naming a partner, summed.';
COMMENT ON VIEW coverage IS 'Metric x year: how many figures were extracted (0 means not extracted or not reported).';
