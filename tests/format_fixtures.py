"""Fixtures for the format readers, made from the seed texts: PDFs printed by headless Chromium with Noto Sans CJK
(a text layer, a running header, page numbers, page breaks inside paragraphs), an image-only PDF of one page, Word
files with a real table, saved web pages with site furniture, and broken files. Nothing binary is committed."""
from __future__ import annotations

import html
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data" / "raw").glob("*.txt"))
RUNNING_HEADER = "新疆科技援疆年鉴"
# A table for the first seed, in every format: units from the headers, a caption and a 单位 line above it
TABLE_CAPTION = "表1 2016年援疆省市科技项目情况"
TABLE_UNIT = "单位：万元"
TABLE = [["地区", "项目数（项）", "投资（万元）", "培训（人次）"],
         ["喀什地区", "12", "345.6", "1200"],
         ["和田地区", "8", "120", ""],
         ["克拉玛依市", "5", "88.5", "300"]]
CSS = ("body{font-family:'Noto Sans CJK SC';font-size:11pt;line-height:1.5} p{margin:0 0 .3em 0;text-indent:2em}"
       " table{border-collapse:collapse;margin:.5em 0} td{border:1px solid #444;padding:2px 18px}")


def seed_text(index: int) -> str:
    """The seed's text; the first seed gets the table, as tab-separated rows (what a .txt table looks like)."""
    text = SEEDS[index].read_text(encoding="utf-8")
    if index == 0:
        rows = ["\t".join(cell or "-" for cell in row) for row in TABLE]
        text = text.rstrip("\n") + "\n" + "\n".join([TABLE_CAPTION, TABLE_UNIT, *rows]) + "\n"
    return text


def paragraphs(index: int) -> list[str]:
    """The seed's paragraphs as the .txt reading has them (its hard-wrapped lines joined, captions dropped): what a
    PDF, Word file or web page of the same report holds."""
    from etl.normalize import normalize_text

    return [line.strip() for line in normalize_text(seed_text(index)).split("\n") if line.strip()]


def squash(text: str) -> str:
    """What two readings of one text share: NFKC forms, no white space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _body_html(paras: list[str]) -> str:
    out, rows = [], []
    for text in paras + [""]:
        if "\t" in text:
            rows.append("<tr>" + "".join(f"<td>{html.escape(c) if c != '-' else ''}</td>" for c in text.split("\t"))
                        + "</tr>")
            continue
        if rows:
            out.append("<table>" + "".join(rows) + "</table>")
            rows = []
        if text:
            out.append(f"<p>{html.escape(text)}</p>")
    return "".join(out)


def print_pdf(browser, paras: list[str], path: Path, header: str = RUNNING_HEADER) -> None:
    """Print paragraphs with Chromium on A4 pages as they fall (a paragraph runs on over a page break), with a
    running header and '— N —' page numbers."""
    doc = (f"<html><head><meta charset='utf-8'><title>{html.escape(path.stem)}</title><style>{CSS}</style></head>"
           f"<body>{_body_html(paras)}</body></html>")
    page = browser.new_page()
    try:
        page.set_content(doc)
        page.pdf(path=str(path), format="A4", display_header_footer=True,
                 header_template=(f"<div style='font-size:9px;width:100%;text-align:center;"
                                  f"font-family:Noto Sans CJK SC'>{html.escape(header)}</div>"),
                 footer_template=("<div style='font-size:9px;width:100%;text-align:center'>"
                                  "— <span class='pageNumber'></span> —</div>"),
                 margin={"top": "2cm", "bottom": "2cm", "left": "2cm", "right": "2cm"})
    finally:
        page.close()


def seed_pdf(browser, index: int, path: Path) -> None:
    print_pdf(browser, paragraphs(index), path)


def page_texts(path: Path) -> list[str]:
    """The text layer of each page as pdfium gives it, squashed, the running header and page number taken out:
    the truth a figure's page is checked against (nothing of etl's PDF reader is used)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        texts = []
        for n in range(len(pdf)):
            textpage = pdf[n].get_textpage()
            text = textpage.get_text_range().replace(RUNNING_HEADER, "").replace(f"— {n + 1} —", "")
            texts.append(squash(text))
        return texts
    finally:
        pdf.close()


def image_pdf(source: Path, page_index: int, path: Path, dpi: int = 200) -> None:
    """A scanned page: one page of source rendered to an image and saved as a PDF with no text layer."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(source)
    try:
        image = pdf[page_index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        pdf.close()
    image.save(path, "PDF", resolution=dpi)


def seed_docx(index: int, path: Path) -> None:
    """The seed as a Word file: a heading, its paragraphs, and the table as a real Word table."""
    import docx

    document = docx.Document()
    paras = paragraphs(index)
    document.add_heading(paras[0], level=1)
    rows = [p for p in paras[1:] if "\t" in p]
    for text in paras[1:]:
        if "\t" in text:
            if text == rows[0]:
                table = document.add_table(rows=len(rows), cols=len(TABLE[0]))
                table.style = "Table Grid"
                for r, row in enumerate(rows):
                    for c, cell in enumerate(row.split("\t")):
                        table.cell(r, c).text = "" if cell == "-" else cell
            continue
        document.add_paragraph(text)
    document.save(path)


SITE_TOP = """<div class="top"><a href="/">无障碍</a> <a href="/">长者模式</a> <a href="/en">English</a></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/jggk/">机构概况</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/kjyj/">科技援疆</a></li><li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/kjyj/">科技援疆</a> &gt; 工作动态</div>"""
SITE_TOOLS = """<div class="info">来源：新疆维吾尔自治区科学技术厅&#12288;&#12288;时间：2017-01-05 10:30&#12288;&#12288;浏览次数：1234</div>
<div class="tools">【字号：<a href="#">加大</a> <a href="#">还原</a> <a href="#">减小</a>】 <a href="#">下载</a> <a href="#">打印</a> <a href="#">全屏</a> <a href="#">收藏</a></div>"""
SITE_BOTTOM = """<div class="editor">（责任编辑：王五）</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="print"><a href="#">【打印本页】</a> <a href="#">【关闭窗口】</a></div>
<div class="links">相关链接：<a href="/a">自治区科技厅关于印发通知</a></div>"""
SITE_FOOTER = """<div class="footer"><p>版权所有 © 新疆维吾尔自治区科学技术厅</p><p>主办单位：新疆维吾尔自治区科学技术厅</p>
<p>新ICP备05000000号-1 新公网安备 65010202000000号</p><p>网站标识码：6500000001</p></div>"""
# what must never reach documents.text from a saved page
FURNITURE = ["字号", "加大", "减小", "全屏", "收藏", "打印", "责任编辑", "分享到", "QQ空间", "版权所有", "ICP备",
             "公网安备", "浏览次数", "当前位置", "机构概况", "关闭窗口", "网站标识码", "相关链接", "来源：", "时间："]
PAGE_URL = "https://kjt.xinjiang.gov.cn/kjt/kjyj/2017-01-05/{n}.shtml"


def seed_html(index: int, path: Path, encoding: str = "utf-8") -> str:
    """The seed as a page saved from a government site (menus, tools, share buttons, editor, footer); its URL."""
    paras = paragraphs(index)
    url = PAGE_URL.format(n=index + 100)
    body, rows = [], [p for p in paras[1:] if "\t" in p]
    for text in paras[1:]:
        if "\t" in text:
            if text == rows[0]:
                body.append("<table>" + "".join("<tr>" + "".join(f"<td>{html.escape(c) if c != '-' else ''}</td>"
                                                              for c in r.split("\t")) + "</tr>" for r in rows)
                            + "</table>")
            continue
        body.append(f"<p>{html.escape(text)}</p>")
    title = html.escape(paras[0])
    page = (f"<!DOCTYPE html>\n<!-- saved from url=({len(url):04d}){url} -->\n<html lang='zh-CN'><head>"
            f"<meta http-equiv='Content-Type' content='text/html; charset={encoding}'>"
            f"<title>{title}_新疆维吾尔自治区科学技术厅</title><meta name='ArticleTitle' content='{title}'>"
            f"<meta name='PubDate' content='2017-01-05 10:30'></head><body>{SITE_TOP}"
            f"<div class='article'><h1>{title}</h1>{SITE_TOOLS}<div class='content'>{''.join(body)}</div>"
            f"{SITE_BOTTOM}</div>{SITE_FOOTER}</body></html>")
    path.write_bytes(page.encode(encoding, errors="xmlcharrefreplace"))
    return url


def zero_page_pdf(path: Path) -> None:
    import pypdf

    with path.open("wb") as fh:
        pypdf.PdfWriter().write(fh)


def encrypted_pdf(path: Path) -> None:
    """A PDF that opens only with a password (standard security handler, RC4 40-bit, user password 'secret')."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-40")
    with path.open("wb") as fh:
        writer.write(fh)
