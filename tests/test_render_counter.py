"""Issue 23, item 12, on paper: the 承诺书's wrapped address continues under the value (its underline
from where the value began, not back at the label's margin), and the materials page carries 经办单位,
经办人 and the date of the print instead of blanks."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from desktop import render

LONG_ADDRESS = "浙江省杭州市西湖区文三路一百二十八号东方通信大厦十八层一八零六室（近学院路口，北门进）"
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def pdf(bundle, values, documents, materials=None) -> bytes:
    out = io.BytesIO()
    render.render_pdf(bundle, values, {}, case_id="XH01-20261208-001", draft=False, out=out,
                      materials=materials, documents=documents)  # fmt: skip
    return out.getvalue()


def words(data: bytes, tmp_path: Path) -> list[tuple[float, float, float, str]]:
    """(x min, y min, x max, text) of every word poppler finds (pdftotext -bbox)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True)
    return [(float(a), float(b), float(c), t) for a, b, c, t in WORD.findall(done.stdout)]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (scripts/system-deps)")
def test_a_wrapped_address_on_the_commitment_continues_under_its_value(bundle, example_values, tmp_path):
    values = {**example_values, "customer.address": LONG_ADDRESS}
    found = words(pdf(bundle, values, ("commitment",)), tmp_path)
    (label,) = [w for w in found if w[3] == "单位地址："]
    # The address's lines: below the label's line, within the next few lines (not the footer).
    lines = [w for w in found if label[1] <= w[1] < label[1] + 80 and len(w[3]) > 2 and w[3] in LONG_ADDRESS]
    first, *rest = sorted(lines, key=lambda w: w[1])
    assert first[1] == label[1] and rest, "the long address should wrap"
    for line in rest:  # each next line starts under the value, where its underline begins
        assert label[2] - 0.5 <= line[0] <= first[0] + 0.5, (label, first, line)
    assert "".join(w[3] for w in [first, *rest]) == LONG_ADDRESS


def test_the_materials_page_names_the_hall_the_agent_and_the_print_date(bundle, example_values):
    data = pdf(bundle, example_values, ("materials",), materials=())
    text = re.sub(r"\s+", "", PdfReader(io.BytesIO(data)).pages[0].extract_text())
    today = date.today()
    assert f"经办单位：{example_values['agency.name']}" in text
    assert f"经办单位经办人：{example_values['agency.handler']}" in text
    assert f"日期：{today.year}年{today.month}月{today.day}日" in text


def test_the_materials_page_keeps_underlined_blanks_when_the_case_has_no_hall(bundle, example_values):
    values = {k: v for k, v in example_values.items() if k not in ("agency.name", "agency.handler")}
    data = pdf(bundle, values, ("materials",), materials=())
    text = re.sub(r"\s+", "", PdfReader(io.BytesIO(data)).pages[0].extract_text())
    assert "经办单位：经办单位经办人：日期：" in text  # the lines stay for a pen
