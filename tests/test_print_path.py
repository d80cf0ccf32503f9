"""Issue 23: a print through the system dialog sends the vector PDF, never rasterised pages, wherever
the platform allows (desktop.ui.print_path): 打印到文件 writes the PDF's own pages, a CUPS printer
gets the PDF through `lp`, and only Windows renders pages, at the printer's resolution."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QPageRanges
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLineEdit
from test_ui_support import field, type_text

from desktop.store import Store
from desktop.ui.print_path import PrintChoice, PrintRefused, choice_of, chosen_pages, deliver, lp_command


def file_printer(path: Path, ranges: tuple[tuple[int, int], ...] = ()) -> QPrinter:
    """A QPrinter as Qt's dialog leaves it for 打印到文件 (PDF), the agent's page range set."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    if ranges:
        chosen = QPageRanges()
        for first, last in ranges:
            chosen.addRange(first, last)
        printer.setPageRanges(chosen)
        printer.setPrintRange(QPrinter.PrintRange.PageRange)
    return printer


def assert_vector_pages(path: Path) -> list[str]:
    """Each page's text; every page draws text with fonts, none is one image over the sheet."""
    reader = PdfReader(path)
    texts = []
    for page in reader.pages:
        resources = page["/Resources"]
        assert "/Font" in resources, "a page without fonts: rasterised"
        xobjects = resources.get("/XObject", {})
        images = [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
        assert not images or page.extract_text().strip(), "a page that is one image"
        texts.append(page.extract_text())
        assert len(texts[-1].strip()) > 40
    return texts


def test_printing_to_a_file_writes_the_bundles_vector_pdf(make_window, tmp_path, example_values):
    window = make_window()
    window.action_load_example.trigger()
    out = tmp_path / "printed.pdf"
    pages = window.printing.print_to(file_printer(out))
    texts = assert_vector_pages(out)
    assert len(texts) == pages >= 5
    assert example_values["customer.name"] in "".join(texts).replace(" ", "")
    assert out.stat().st_size < 1_000_000  # a rasterised bundle at 1200 dpi is megabytes


def test_a_page_range_printed_to_a_file_keeps_only_those_pages_as_text(make_window, tmp_path, db, bundle):
    window = make_window()
    window.action_load_example.trigger()
    whole = tmp_path / "whole.pdf"
    window.printing.print_to(file_printer(whole))
    full = [p.replace(" ", "") for p in assert_vector_pages(whole)]
    part = tmp_path / "pages.pdf"
    assert window.printing.print_to(file_printer(part, ((3, 4),))) == 2
    assert [p.replace(" ", "") for p in assert_vector_pages(part)] == full[2:4]
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        rows = store.prints(window.current_case_id())
        assert sorted(row.pages for row in rows) == [2, len(full)]


def test_the_dialogs_choice_is_read_from_the_printer(tmp_path):
    printer = file_printer(tmp_path / "x.pdf", ((1, 2), (4, 4)))
    printer.setCopyCount(3)
    printer.setDocName("400 业务")
    choice = choice_of(printer)
    assert choice.file == tmp_path / "x.pdf" and choice.ranges == ((1, 2), (4, 4))
    assert choice.copies == 3 and choice.title == "400 业务"
    assert chosen_pages(choice.ranges, 3) == [0, 1]  # page 4 of a 3-page print does not exist
    assert chosen_pages((), 3) == [0, 1, 2]


def test_the_lp_command_carries_printer_copies_range_and_sides():
    choice = PrintChoice(printer="Hall-HP", copies=2, ranges=((3, 4), (6, 6)), collate=False,
                         sides="two-sided-long-edge", title="XH01-20261130-017")  # fmt: skip
    assert lp_command(choice) == [
        "lp", "-d", "Hall-HP", "-n", "2", "-t", "XH01-20261130-017",
        "-o", "page-ranges=3-4,6", "-o", "collate=false", "-o", "sides=two-sided-long-edge",
    ]  # fmt: skip
    assert lp_command(PrintChoice(printer="P")) == ["lp", "-d", "P", "-n", "1"]


@pytest.fixture
def fake_lp(tmp_path, monkeypatch):
    """An `lp` first on PATH that keeps its arguments and standard input, and answers as CUPS does
    (or fails as CUPS does for an unknown printer when FAKE_LP_FAIL is set)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path}/lp.args"\n'
        f'cat > "{tmp_path}/lp.stdin"\n'
        'if [ -n "$FAKE_LP_FAIL" ]; then echo "lp: The printer or class does not exist." >&2; exit 1; fi\n'
        'echo "request id is Hall-HP-17 (0 file(s))"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def bundle_pdf(make_window) -> bytes:
    window = make_window()
    window.action_load_example.trigger()
    return window.printing.render_job()()


def never(_pages) -> int:
    raise AssertionError("rasterised where the PDF could go to the printer")


def test_a_cups_printer_gets_the_pdf_itself_through_lp(make_window, fake_lp):
    data = bundle_pdf(make_window)
    choice = PrintChoice(printer="Hall-HP", copies=2, ranges=((3, 4),), title="XH01")
    sent = deliver(choice, data, never, platform="linux")
    assert sent.pages == 2
    assert "Hall-HP" in sent.message and "Hall-HP-17" in sent.message and "2 份" in sent.message
    args = (fake_lp / "lp.args").read_text(encoding="utf-8").split("\n")[:-1]
    assert args == ["-d", "Hall-HP", "-n", "2", "-t", "XH01", "-o", "page-ranges=3-4", "-o", "collate=true"]
    assert (fake_lp / "lp.stdin").read_bytes() == data  # the ReportLab PDF, byte for byte


def test_a_printer_cups_refuses_is_said_in_chinese_and_not_logged(make_window, fake_lp, monkeypatch):
    data = bundle_pdf(make_window)
    monkeypatch.setenv("FAKE_LP_FAIL", "1")
    with pytest.raises(PrintRefused) as refused:
        deliver(PrintChoice(printer="Hall-HP"), data, never, platform="darwin")
    assert "打印机「Hall-HP」没有接受打印任务" in str(refused.value)
    assert "重新打印" in str(refused.value)


def test_windows_renders_the_chosen_pages_on_the_printer(make_window, fake_lp):
    data = bundle_pdf(make_window)
    drawn = []

    def raster(pages) -> int:
        drawn.append(list(pages))
        return len(pages)

    sent = deliver(PrintChoice(printer="HP LaserJet", ranges=((2, 3),)), data, raster, platform="win32")
    assert drawn == [[1, 2]] and sent.pages == 2
    assert not (fake_lp / "lp.args").exists()  # no lp on Windows, whatever PATH holds


def test_an_empty_page_range_prints_nothing_and_says_why(make_window, tmp_path):
    data = bundle_pdf(make_window)
    with pytest.raises(PrintRefused, match="所选页码范围里没有页"):
        deliver(PrintChoice(file=tmp_path / "none.pdf", ranges=((90, 99),)), data, never)
    assert not (tmp_path / "none.pdf").exists()


def test_the_proposed_pdf_is_named_for_the_customer_in_the_home_folder(make_window):
    window = make_window()
    type_text(field(window, "authorization", "customer.name", QLineEdit), "A/B:某某公司")
    assert window.printing.pdf_name() == Path.home() / "A_B_某某公司.pdf"  # never a folder A/
