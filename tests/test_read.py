"""etl.read: encodings are detected, never assumed; every bad file is described, none raises."""
import codecs
import datetime
import os
import socket

import pytest

from etl.read import decode_bytes, discover, display_name, read_document, read_manifest

TEXT = ("2016年安排新上项目122项，新上项目计划总投资14367.85万元。\n"
        "喀什地区引进科技人才30余人，培训农牧民1200人次（Training）。\n")

ENCODINGS = [
    ("utf-8", TEXT.encode("utf-8"), "utf-8"),
    ("utf-8 with BOM", codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    ("utf-16 LE with BOM", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    ("utf-16 BE with BOM", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    ("utf-16 LE without BOM", TEXT.encode("utf-16-le"), "utf-16-le"),
    ("utf-16 BE without BOM", TEXT.encode("utf-16-be"), "utf-16-be"),
    ("utf-16 LE without BOM, no ASCII", "新上项目一百二十二项，总投资一亿元。".encode("utf-16-le"), "utf-16-le"),
    ("gb18030", TEXT.encode("gb18030"), "gb18030"),
    ("gbk", TEXT.encode("gbk"), "gb18030"),
    ("gb18030 beyond gbk", (TEXT + "𠀀㐀€").encode("gb18030"), "gb18030"),
]


@pytest.mark.parametrize("data,encoding", [e[1:] for e in ENCODINGS], ids=[e[0] for e in ENCODINGS])
def test_encoding_is_detected(data, encoding):
    text, found, warning = decode_bytes(data)
    assert found == encoding
    assert warning is None
    assert text.startswith(TEXT[:20]) or text.startswith("新上项目")


def test_truncated_utf8_keeps_what_is_whole():
    data = TEXT.encode("utf-8") + "项".encode("utf-8")[:2]
    text, encoding, warning = decode_bytes(data)
    assert (text, encoding) == (TEXT, "utf-8")
    assert "truncated UTF-8" in warning


def test_mixed_encodings_decoded_line_by_line():
    lines = [l + "\n" for l in TEXT.splitlines()]
    data = lines[0].encode("utf-8") + lines[1].encode("gb18030")
    text, encoding, warning = decode_bytes(data)
    assert text == TEXT
    assert encoding == "mixed(utf-8+gb18030)"
    assert "line by line" in warning


def test_odd_length_utf16_drops_last_byte():
    text, encoding, warning = decode_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le") + b"\x00")
    assert text == TEXT and "last byte dropped" in warning


BINARY = [
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\n" + bytes(range(256)) * 8, "PDF"),
    ("png", b"\x89PNG\r\n\x1a\n" + bytes(300), "PNG"),
    ("zip / docx", b"PK\x03\x04" + bytes(100), "ZIP"),
    ("random bytes", bytes((i * 7919 + 13) % 256 for i in range(20000)), "binary data"),
    ("elf", b"\x7fELF\x02\x01\x01" + bytes(200), "program"),
]


@pytest.mark.parametrize("data,word", [b[1:] for b in BINARY], ids=[b[0] for b in BINARY])
def test_binary_raises_a_readers_message(data, word):
    with pytest.raises(ValueError, match=word):
        decode_bytes(data)


def test_gb18030_is_not_taken_for_utf16():
    """GBK byte pairs never decode to CJK code points as UTF-16, so order of guesses cannot mislead."""
    data = ("一、科技援疆\n" * 3).encode("gbk")
    assert decode_bytes(data)[1] == "gb18030"


@pytest.fixture
def raw(tmp_path):
    d = tmp_path / "raw"
    d.mkdir()
    return d


def test_discover_sorts_and_skips_directory_loops(raw):
    (raw / "b.txt").write_text("乙")
    (raw / "sub").mkdir()
    (raw / "sub" / "a.txt").write_text("甲")
    (raw / "sub" / "loop").symlink_to(raw, target_is_directory=True)
    (raw / "notes.md").write_text("x")
    (raw / "UPPER.TXT").write_text("丙")
    names = [p.relative_to(raw).as_posix() for p in discover(raw)]
    assert names == ["UPPER.TXT", "b.txt", "sub/a.txt"]


def _status(raw, name):
    doc = read_document(raw / name, raw)
    return doc.status, doc.error


def test_dangling_symlink(raw):
    (raw / "gone.txt").symlink_to(raw / "missing.txt")
    status, error = _status(raw, "gone.txt")
    assert status == "error" and "dangling symlink" in error


def test_symlink_loop(raw):
    (raw / "a.txt").symlink_to(raw / "b.txt")
    (raw / "b.txt").symlink_to(raw / "a.txt")
    assert [p.name for p in discover(raw)] == ["a.txt", "b.txt"]
    status, error = _status(raw, "a.txt")
    assert status == "error" and "symlink loop" in error


def test_fifo_is_not_read(raw):
    """A named pipe would block a plain read() forever; it is refused at once."""
    os.mkfifo(raw / "pipe.txt")
    status, error = _status(raw, "pipe.txt")
    assert status == "error" and "named pipe" in error


def test_socket_and_device(raw):
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(raw / "sock.txt"))
    (raw / "zero.txt").symlink_to("/dev/zero")
    try:
        assert _status(raw, "sock.txt")[1].endswith("a socket")
        assert "character device" in _status(raw, "zero.txt")[1]
    finally:
        sock.close()


def test_empty_and_blank(raw):
    (raw / "empty.txt").write_bytes(b"")
    (raw / "blank.txt").write_bytes(b"\r\n  \t\n")
    (raw / "bom.txt").write_bytes(codecs.BOM_UTF8 + b"\n")
    assert _status(raw, "empty.txt") == ("empty", "file is empty")
    assert _status(raw, "blank.txt") == ("empty", "file holds only white space")
    assert _status(raw, "bom.txt")[0] == "empty"


def test_non_utf8_file_name_is_shown_and_kept_apart(raw):
    name = os.fsdecode("科技援疆报告.txt".encode("gbk"))
    (raw / name).write_text(TEXT, encoding="utf-8")
    doc = read_document(raw / name, raw)
    assert doc.status == "ok" and doc.rel_name == "科技援疆报告.txt"
    assert "not UTF-8" in doc.error
    assert len(doc.doc_id) == 12
    assert display_name("a b.txt") == ("a b.txt", None)


def test_manifest_bad_rows(raw):
    for name in ("a.txt", "b c.txt", "年鉴 2017.txt"):
        (raw / name).write_text(TEXT)
    (raw / "manifest.csv").write_text(
        "File, Year ,title,source\n"
        "a.txt,2016,甲,科技厅\n"
        "./b c.txt,twenty,乙,\n"
        "missing.txt,2017,丙,\n"
        ",2018,丁,\n"
        "a.txt,2019,重复,\n"
        "年鉴 2017.txt,２０１７年,戊,x,extra\n"
        "../outside.txt,2016,,\n"
        "\n", encoding="utf-8-sig")
    rows, problems = read_manifest(raw)
    assert rows["a.txt"]["year"] == 2016 and rows["a.txt"]["title"] == "甲"
    assert rows["b c.txt"]["year"] is None and "not a year" in rows["b c.txt"]["warnings"][0]
    assert rows["年鉴 2017.txt"]["year"] == 2017 and "more than the header" in rows["年鉴 2017.txt"]["warnings"][0]
    assert set(rows) == {"a.txt", "b c.txt", "年鉴 2017.txt"}
    text = "\n".join(problems)
    for expected in ("line 3: year 'twenty'", "line 4: no file 'missing.txt'", "line 5: no file name",
                     "line 6: 'a.txt' is listed again", "line 8: '../outside.txt' is outside"):
        assert expected in text


@pytest.mark.parametrize("content,message", [
    (b"name,year\nx.txt,2016\n", "no 'file' column"),
    (b"", "no 'file' column"),
    (b"%PDF-1.4 not a manifest" + bytes(40), "unreadable"),
], ids=["no file column", "empty", "binary"])
def test_manifest_unusable(raw, content, message):
    (raw / "manifest.csv").write_bytes(content)
    rows, problems = read_manifest(raw)
    assert rows == {} and message in problems[0]


def test_manifest_in_gbk(raw):
    (raw / "报告.txt").write_text(TEXT)
    (raw / "manifest.csv").write_bytes("file,year,title\n报告.txt,2016,科技援疆\n".encode("gbk"))
    rows, problems = read_manifest(raw)
    assert rows["报告.txt"]["title"] == "科技援疆" and not problems


def test_discover_finds_the_formats_that_are_read(raw):
    for name in ("a.txt", "b.pdf", "c.DOCX", "d.html", "e.htm", "f.doc", "g.md", "h.pdf.bak"):
        (raw / name).write_bytes(b"x")
    assert [p.name for p in discover(raw)] == ["a.txt", "b.pdf", "c.DOCX", "d.html", "e.htm"]


def test_radicals_become_ideographs_one_for_one():
    from etl.normalize import _radicals, normalize_text

    text = "⼀、深化科技援疆\n推进科技援疆⻓效机制建⽴，对⼝⽀援，新上项⽬122项。"
    out = normalize_text(text)
    assert out == "一、深化科技援疆\n推进科技援疆长效机制建立，对口支援，新上项目122项。"
    table = _radicals()
    assert all(0x2F00 <= cp <= 0x2FD5 for cp in range(0x2F00, 0x2FD6) if cp in table)
    assert len([cp for cp in table if cp >= 0x2F00]) == 214            # every Kangxi radical
    for cp, ideograph in table.items():
        assert "\u3400" <= chr(ideograph) <= "\u9fff" or ideograph > 0xFFFF, hex(cp)
    from etl.extract import extract_figures
    plain, radicals = extract_figures(out), extract_figures(text)
    assert [(f["text"], f["char_start"]) for f in plain] == [(f["text"], f["char_start"]) for f in radicals] != []


def test_page_starts_survive_normalisation():
    """normalize_pages gives the text normalize_text gives the pages joined, and where each page begins in it."""
    from etl.normalize import normalize_pages, normalize_text
    from etl.textnorm import to_halfwidth
    from tests.format_fixtures import SEEDS

    for seed in SEEDS:
        lines = seed.read_text(encoding="utf-8").split("\n")
        pages = ["\n".join(lines[i:i + 7]) for i in range(0, len(lines), 7)]
        text, starts = normalize_pages(pages)
        assert text == normalize_text("\n".join(pages))
        assert starts[0] == 0 and starts == sorted(starts) and len(starts) == len(pages)
        squashed = "".join(text.split())
        checked = 0
        for page, start in zip(pages, starts):
            first = next((l.strip() for l in page.split("\n") if l.strip()), "")
            head = "".join(to_halfwidth(first).split())[:8]
            if len(head) < 8 or squashed.count(head) != 1:
                continue                          # a short or repeated first line (a heading, dropped furniture)
            assert "".join(text[start:start + 40].split()).startswith(head), (seed.name, start, first)
            checked += 1
        assert checked >= len(pages) // 3, (seed.name, checked, len(pages))


def test_page_starts_at_the_edges():
    from etl.normalize import normalize_pages

    text, starts = normalize_pages(["— 1 —", "新上项目12", "", "2项，投资1.2亿元。", "— 5 —"])
    assert text == "新上项目122项，投资1.2亿元。"
    assert starts == [0, 0, 6, 6, len(text)]
    text, starts = normalize_pages(["一、总体情况\n2016年安排新上项目122项。", "二、援疆省市\n北京市支援和田地区3000万元。"])
    assert starts == [0, text.index("二、")] and text[starts[1] - 1] == "\n"


def test_web_furniture_lines_are_dropped_and_content_kept():
    from etl.formats.html import drop_furniture

    furniture = ["【字号：大 中 小】", "【字号：加大 还原 减小】 下载 打印 全屏 收藏", "打印本页 关闭窗口", "【打印本页】 【关闭窗口】",
                 "（责任编辑：王五）", "责任编辑：张三", "分享到：微信 微博 QQ空间", "来源：新疆维吾尔自治区科学技术厅",
                 "来源：新疆科技厅　　时间：2017-01-05 10:30　　浏览次数：123", "发布时间：2018年3月2日",
                 "版权所有 © 新疆维吾尔自治区科学技术厅", "Copyright © 2017 xjkjt.gov.cn All Rights Reserved",
                 "新ICP备05000000号-1", "当前位置：首页 > 科技援疆 > 工作动态", "首页 > 科技援疆", "上一篇：自治区科技厅召开会议",
                 "网站标识码：6500000001", "主办单位：新疆维吾尔自治区科学技术厅"]
    content = ["2016年安排新上项目122项，新上项目计划总投资14367.85万元。", "时间紧、任务重，各地共培训3000人次。",
               "来源于援疆省市的资金达1.2亿元。", "一、深化科技援疆", "打印机、复印机等设备120台（套）。",
               "加大科技惠民与环境保护合作力度，支持项目35项。"]
    kept, date = drop_furniture("\n".join(furniture + content))
    assert kept == content
    assert date == datetime.date(2017, 1, 5)
