"""The printed bundle, read back with pypdf: seed text verbatim, values, ticks, fonts, furniture."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf.generic import ContentStream

from desktop.domain import layout
from desktop.domain.fields import display_value
from desktop.domain.forms import default_bundle
from desktop.files import paths
from desktop.render import TICK_MARKER, render_pdf

DATA = paths.root() / "tests" / "data"
EXAMPLE_ID = "5b1f7a52-2f0c-4d7e-9a51-3c4a8e0d9b11"
A4 = (595.2756, 841.8898)


@pytest.fixture(scope="module")
def bundle():
    return default_bundle()


@pytest.fixture(scope="module")
def example_values() -> dict:
    path = paths.root() / "examples" / "example-case.json"
    return json.loads(path.read_text(encoding="utf-8"))["fields"]


def render(bundle, values, *, draft=False, case_id=EXAMPLE_ID, settings_=None) -> pypdf.PdfReader:
    buffer = io.BytesIO()
    render_pdf(
        bundle,
        values,
        bundle.setting_defaults() if settings_ is None else settings_,
        case_id=case_id,
        draft=draft,
        out=buffer,
    )
    buffer.seek(0)
    return pypdf.PdfReader(buffer)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(reader: pypdf.PdfReader) -> list[str]:
    return [flat(page.extract_text() or "") for page in reader.pages]


@pytest.fixture(scope="module")
def example_pdf(bundle, example_values) -> pypdf.PdfReader:
    return render(bundle, example_values)


@pytest.fixture(scope="module")
def example_text(example_pdf) -> str:
    return "".join(page_texts(example_pdf))


def seed_sentences() -> list[str]:
    """The sentences check-contract compares (same splitting and exclusions)."""
    seed = DATA / "documents-400-bundle.txt"  # the operator's text as issued
    marks = ("()", "（）", "( )", "年 月 日", "/ ", "：", "为年", "\t")
    out = []
    for raw in re.split(r"[。；\n]", seed.read_text(encoding="utf-8")):
        s = raw.strip()
        if len(s) >= 8 and not any(m in s for m in marks):
            out.append(flat(s))
    return out


def test_every_seed_sentence_is_verbatim(example_text):
    sentences = seed_sentences()
    assert len(sentences) > 60
    missing = [s for s in sentences if s not in example_text]
    assert missing == []


def test_quirks_are_kept(example_text):
    for quirk in ("散步谣言", "侵害他们合法权益", "从事违法违规行。", "甲方企业400,乙方", "不可抗力包括:"):
        assert quirk in example_text


def test_values_are_printed_as_displayed(example_text):
    for shown in (
        "杭州云栖数智科技有限公司",
        "兹证明王霄身份证610113198402242115为我公司员工",
        "400-903-0005",
        "2026年11月28日",
        "2026年12月1日",
        "HZ-2026-1128-017",
        "wangxiao@example.com",
        "中国电信杭州西湖营业厅",
        "赵晓峰",
        "服务期限为2年",
        "1、0571-81726504",
        "客服电话4008899899、057110000进行故障申告",
        "乙方(盖章)：浙江省公众信息产业有限公司",
    ):
        assert shown in example_text, shown


def test_settings_replace_the_operator_words(bundle, example_values):
    own = {"operator.name": "某省信息公司", "operator.brand": "某电信", "operator.hotlines": "10000"}
    text = "".join(page_texts(render(bundle, example_values, settings_=own)))
    assert "乙方(盖章)：某省信息公司" in text
    assert "为切实配合某电信强化400电话业务" in text
    assert "客服电话10000进行故障申告" in text
    assert "中国电信有权" not in text and "浙江省公众信息产业有限公司" not in text


def test_documents_start_on_new_pages_in_order(bundle, example_pdf):
    outline = [(o["/Title"], example_pdf.get_destination_page_number(o)) for o in example_pdf.outline]
    assert [title for title, _ in outline] == [d.title for d in bundle.documents]
    starts = [page for _, page in outline]
    assert starts[0] == 0 and starts == sorted(set(starts))
    texts = page_texts(example_pdf)
    for doc, start in zip(bundle.documents, starts, strict=True):
        assert texts[start].startswith(flat(doc.title)), doc.id


def ticks(reader: pypdf.PdfReader) -> list[str]:
    pattern = re.escape(TICK_MARKER).replace(r"\{\}", r"([a-z0-9_.]+=[a-z0-9_]+)")
    return re.findall(pattern, "".join(page_texts(reader)))


def drawing(reader: pypdf.PdfReader) -> tuple[int, int]:
    """(boxes, tick strokes) found in the pages' drawing operators."""
    boxes = strokes = 0
    for page in reader.pages:
        ops = [op for _, op in ContentStream(page.get_contents(), reader).operations]
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"re" and abs(float(operands[2]) - float(operands[3])) < 0.01 and 7 < operands[2] < 10:
                boxes += 1
        strokes += sum(1 for i in range(len(ops) - 3) if ops[i : i + 4] == [b"m", b"l", b"l", b"S"])
    return boxes, strokes


def box_count(bundle) -> int:
    return sum(isinstance(p, layout.Box) for d in bundle.documents for t in d.texts() for p in t.parts)


def test_ticks_where_chosen_and_none_elsewhere(bundle, example_pdf):
    assert sorted(ticks(example_pdf)) == sorted(
        [
            "business.categories=open",
            "agreement.scope=national",
            "agreement.usage=marketing",
            "agreement.usage=hotline",
        ]
    )
    assert drawing(example_pdf) == (box_count(bundle), 4)


def test_province_scope_shows_the_province(bundle, example_values):
    values = {
        **example_values,
        "agreement.scope": "province",
        "agreement.province": "浙江",
        "agreement.usage": ["office", "other"],
        "agreement.usage_other": "售后咨询",
        "business.categories": ["cancel", "number_change"],
    }
    reader = render(bundle, values)
    assert sorted(ticks(reader)) == sorted(
        [
            "agreement.scope=province",
            "agreement.usage=office",
            "agreement.usage=other",
            "business.categories=cancel",
            "business.categories=number_change",
        ]
    )
    text = "".join(page_texts(reader))
    assert "(浙江)省范围内产品的" in text and "其他(售后咨询)等服务" in text


def test_irrelevant_conditional_values_are_not_printed(bundle, example_values):
    values = {**example_values, "agreement.scope": "national", "agreement.province": "江苏"}
    assert "江苏" not in "".join(page_texts(render(bundle, values)))


def test_only_embedded_truetype_fonts(example_pdf):
    for page in example_pdf.pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for font in fonts.values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None:  # composite font: the descriptor is on the descendant
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            assert re.match(r"/[A-Z]{6}\+", str(font["/BaseFont"])), "subset embedded"


def test_a4_pages_with_numbers_and_case_id(example_pdf):
    texts = page_texts(example_pdf)
    total = len(texts)
    assert total >= 4
    for number, (page, text) in enumerate(zip(example_pdf.pages, texts, strict=True), start=1):
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.5)
        assert f"第{number}页共{total}页" in text
        assert EXAMPLE_ID in text
        assert "浙江2026版" in text  # the edition in the footer


def test_metadata(example_pdf):
    meta = example_pdf.metadata
    assert meta.title == "400业务申请资料（杭州云栖数智科技有限公司）"
    assert meta.author == "浙江省公众信息产业有限公司"
    assert EXAMPLE_ID in meta.subject and "浙江 2026 版" in meta.subject


def test_watermark_exactly_when_draft(bundle, example_values, example_pdf):
    assert not any("草稿" in text for text in page_texts(example_pdf))
    draft = render(bundle, example_values, draft=True)
    assert all("草稿" in text for text in page_texts(draft))
    assert "草稿" in draft.metadata.subject


def test_empty_case_leaves_every_blank(bundle):
    reader = render(bundle, {}, draft=True, case_id="")
    text = "".join(page_texts(reader))
    assert ticks(reader) == []
    assert drawing(reader) == (box_count(bundle), 0)
    assert "申请日期：年月日编号：" in text
    assert "日期：年月日" in text  # agreement and commitment dates left for the pen
    assert "兹证明身份证为我公司员工" in text
    assert all(s in text for s in seed_sentences() if "王霄" not in s)


# Each at or just under its field's limit (fields.toml max_length): long, but printed in full.
LONG = {
    "customer.name": "杭州" + "超长名称科技" * 15 + "有限公司",
    "customer.address": "浙江省杭州市西湖区文三路478号" * 12,
    "notes": "补充说明很长的内容，" * 50,
    "commitment.other": "其它约定事项ABCabc123；" * 25,
    "agreement.usage": ["other"],
    "agreement.usage_other": "W" * 30,
    "handler.email": "a" * 60 + "@" + "b" * 60 + ".com",
}


def test_long_values_are_printed_in_full(bundle, example_values):
    reader = render(bundle, {**example_values, **LONG})
    text = "".join(page_texts(reader))
    for key, value in LONG.items():
        if key == "agreement.usage":
            continue
        assert bundle.field(key).max_length is None or len(value) <= bundle.field(key).max_length, key
        assert flat(display_value(bundle.field(key), value)) in text, key
    assert "超长，已截断" not in text


def test_a_value_over_its_limit_prints_cut_and_marked(bundle, example_values):
    name = "甲" * 100 + "Q" * 9900  # 100 is customer.name's limit
    values = {**example_values, "customer.name": name, "number.destinations": ["13825265634"] * 50}
    text = "".join(page_texts(render(bundle, values, draft=True)))
    assert flat("甲" * 100 + "…（超长，已截断）") in text
    assert "Q" not in text
    assert text.count("13825265634") < 20  # three destinations at most, then the mark


def test_render_time_is_linear_in_the_value_length(bundle, example_values):
    """30,000 characters of company name took 18 s (ReportLab's CJK line breaking is quadratic in
    a paragraph's length); cut to its limit, it costs what a value at the limit costs."""
    import time

    def timed(length: int) -> float:
        start = time.perf_counter()
        render(bundle, {**example_values, "customer.name": "名" * length}, draft=True)
        return time.perf_counter() - start

    timed(100)
    assert timed(30_000) < max(1.0, 5 * timed(100))


def _pgm_pages(pdf: Path, out: Path) -> list[tuple[int, int, bytes]]:
    subprocess.run(["pdftoppm", "-r", "36", "-gray", str(pdf), str(out / "p")], check=True, timeout=120)
    pages = []
    for path in sorted(out.glob("p-*.pgm")):
        data = path.read_bytes()
        magic, width, height, _maxval, pixels = data.split(maxsplit=4)
        assert magic == b"P5"
        pages.append((int(width), int(height), pixels))
    return pages


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_long_values_stay_inside_the_margins(bundle, example_values, tmp_path):
    """Nothing is drawn in the side margins (text overflowing a line or a cell would be)."""
    pdf = tmp_path / "long.pdf"
    render_pdf(bundle, {**example_values, **LONG}, {}, case_id="x", draft=False, out=pdf)
    margin = 20 / 25.4 * 36  # 20 mm at 36 dpi
    for width, height, pixels in _pgm_pages(pdf, tmp_path):
        # The header, the page's QR with its caption (top 30 mm) and the footer line excepted.
        top, bottom = int(height * 30 / 297), int(height * 0.96)
        for y in range(top, bottom):
            row = pixels[y * width : (y + 1) * width]
            inked = [x for x in range(width) if row[x] < 200]
            if inked:
                assert min(inked) >= margin - 2 and max(inked) <= width - margin + 2, (
                    y,
                    inked[:3],
                    inked[-3:],
                )


def test_undrawable_characters_are_spelled_out_never_tofu(bundle, example_values):
    text = "".join(page_texts(render(bundle, {**example_values, "notes": "笑😀脸✓"}, draft=True)))
    assert "笑[U+1F600]脸[U+2713]" in text


def test_markup_in_values_is_printed_literally(bundle, example_values):
    values = {**example_values, "notes": "<b>粗</b> & <u>x</u> &amp; {customer.name}"}
    text = "".join(page_texts(render(bundle, values, draft=True)))
    assert flat("<b>粗</b>&<u>x</u>&amp;{customer.name}") in text


odd = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.integers(),
    st.lists(st.text(max_size=20), max_size=4),
    st.sampled_from(["", "2026-02-30", "not a date", "\x00\x1b[31m", "<para>", "&#xD800;", "\u202e反"]),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(sorted(default_bundle().fields)), odd))
def test_any_values_render_without_raising(bundle, values):
    render(bundle, values, draft=True)


def test_a_value_at_its_limit_splits_across_pages(bundle, example_values):
    values = {key: "长\n" * (bundle.field(key).max_length // 2) for key in ("notes", "commitment.other")}
    assert len(render(bundle, {**example_values, **values}, draft=True).pages) > 6


def test_writes_to_a_path_and_refuses_an_unwritable_one(bundle, example_values, tmp_path):
    out = tmp_path / "bundle.pdf"
    render_pdf(bundle, example_values, {}, case_id="a", draft=False, out=out)
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.pdf"]
    with pytest.raises(OSError):
        render_pdf(bundle, example_values, {}, case_id="a", draft=False, out=tmp_path / "no" / "x.pdf")


def test_bundle_pdf_is_small(bundle, example_values):
    buffer = io.BytesIO()
    render_pdf(bundle, example_values, {}, case_id=EXAMPLE_ID, draft=True, out=buffer)
    assert len(buffer.getvalue()) < 400_000


def test_renderer_imports_no_qt():
    code = (
        "import sys, desktop.render; print(any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=paths.root())
    assert result.stdout.strip() == "False", result.stderr


def test_a_line_breaking_at_latin_text_after_a_checkbox_renders(bundle, example_values):
    """ReportLab's CJK line breaker raised TypeError on the checkbox before 「(浙江…A…) 省范围」."""
    values = {**example_values, "agreement.scope": "province", "agreement.province": "浙江杭州西湖文三路A"}
    for tail in ("…", "B", "（超长"):
        values["agreement.province"] = "浙江杭州西湖文三路A" + tail
        assert render(bundle, values, draft=True).pages


def test_table_labels_break_only_where_the_form_breaks_them(bundle, example_values, tmp_path):
    """「400号码开通日期」 and 「企业组织代码证号」 wrap between their words, never inside one."""
    from desktop.domain.resolve import resolve

    values = resolve(bundle, example_values, today=date(2026, 11, 28)).values()
    out = tmp_path / "labels.pdf"
    render_pdf(bundle, values, {}, case_id="x", draft=False, out=out)
    lines = [
        line.replace(" ", "")
        for page in pypdf.PdfReader(str(out)).pages
        for line in page.extract_text().splitlines()
    ]
    assert "400号码开通" in lines and "日期" in lines
    assert "企业组织代码" in lines and "证号" in lines
