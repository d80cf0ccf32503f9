"""Where a print from the system dialog goes: the vector PDF itself wherever the platform allows.

The bundle is a ReportLab PDF: text, lines and the page QR as vectors. Painting rasterised pages
onto a QPrinter (what desk400 did until issue 23) turned pages 3–4 printed to a file into a 4 MB
image-only PDF and sent bitmaps to the counter's laser printer. So:

- 打印到文件 (the dialog's PDF choice, QPrinter.OutputFormat.PdfFormat): the PDF's own bytes are
  written, only the pages chosen (pdfium copies their objects: text stays text);
- a printer on Linux or macOS: the PDF goes to CUPS as it is, with `lp` (CUPS filters it for the
  printer; copies, page range and sides are lp's options);
- Windows, or a Unix desk without CUPS' `lp`: Qt has no PDF passthrough to a GDI printer, so each
  page is rendered at the printer's own resolution (desktop.ui.preview.print_pdf), never at the
  screen's.

`PrintChoice` is what the agent chose in the dialog, read from the QPrinter once; the rest works
on it, so the routing and the `lp` command are tested without a printer or Qt's print engine.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PySide6.QtPrintSupport import QPrinter

from desktop.files.safefile import shown, why, write_atomic

LP_TIMEOUT_S = 60  # lp only spools the file to the local CUPS; a minute means CUPS is stuck
_JOB = re.compile(r"request id is (\S+)")
_SIDES = {
    QPrinter.DuplexMode.DuplexNone: "one-sided",
    QPrinter.DuplexMode.DuplexLongSide: "two-sided-long-edge",
    QPrinter.DuplexMode.DuplexShortSide: "two-sided-short-edge",
}  # DuplexAuto: the printer's own default, no option


class PrintRefused(Exception):
    """The printer or file did not take the print; str() is the Chinese line the agent sees."""


@dataclass(frozen=True)
class PrintChoice:
    """The system dialog's answer. `ranges`: 1-based inclusive page ranges, empty = every page;
    `file`: the PDF file chosen instead of a printer (打印到文件)."""

    printer: str = ""
    file: Path | None = None
    copies: int = 1
    ranges: tuple[tuple[int, int], ...] = ()
    collate: bool = True
    sides: str | None = None
    title: str = ""


@dataclass(frozen=True)
class Sent:
    pages: int  # pages of one copy, what the print log records
    message: str  # the status bar's confirmation


def choice_of(printer: QPrinter) -> PrintChoice:
    """What the dialog left in `printer`."""
    ranges = tuple((r.from_, r.to) for r in printer.pageRanges().toRangeList())
    to_file = printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName()
    return PrintChoice(
        printer=printer.printerName(),
        file=Path(printer.outputFileName()) if to_file else None,
        copies=max(printer.copyCount(), 1),
        ranges=ranges,
        collate=printer.collateCopies(),
        sides=_SIDES.get(printer.duplex()),
        title=printer.docName(),
    )


def chosen_pages(ranges: Sequence[tuple[int, int]], count: int) -> list[int]:
    """The 0-based pages a document of `count` pages prints for `ranges` (empty: all), in order."""
    if not ranges:
        return list(range(count))
    return [page for first, last in ranges for page in range(first - 1, last) if 0 <= page < count]


def lp_command(choice: PrintChoice) -> list[str]:
    """CUPS' `lp` for `choice`; the PDF comes on standard input (no temporary file to leak)."""
    command = ["lp", "-d", choice.printer, "-n", str(choice.copies)]
    if choice.title:
        command += ["-t", choice.title]
    if choice.ranges:
        spans = (str(a) if a == b else f"{a}-{b}" for a, b in choice.ranges)
        command += ["-o", "page-ranges=" + ",".join(spans)]
    if choice.copies > 1:
        command += ["-o", "collate=" + ("true" if choice.collate else "false")]
    if choice.sides:
        command += ["-o", "sides=" + choice.sides]
    return command


def select_pages(data: bytes, pages: Sequence[int]) -> bytes:
    """A PDF of only `pages` (0-based) of `data`, their content copied as it is (vectors, fonts)."""
    source = pypdfium2.PdfDocument(data)
    try:
        if list(pages) == list(range(len(source))):
            return data
        out = pypdfium2.PdfDocument.new()
        try:
            out.import_pages(source, pages=list(pages))
            buffer = io.BytesIO()
            out.save(buffer)
            return buffer.getvalue()
        finally:
            out.close()
    finally:
        source.close()


def page_count(data: bytes) -> int:
    document = pypdfium2.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def deliver(
    choice: PrintChoice, data: bytes, raster: Callable[[Sequence[int]], int], *, platform: str = sys.platform
) -> Sent:
    """Send `data` where `choice` says; `raster(pages)` draws those pages on the dialog's printer
    (the Windows path). Raises PrintRefused."""
    count = page_count(data)
    pages = chosen_pages(choice.ranges, count)
    if not pages:
        raise PrintRefused(f"所选页码范围里没有页：本次打印共 {count} 页，请在打印对话框中改选页码。")
    if choice.file is not None:
        try:
            write_atomic(choice.file, select_pages(data, pages))
        except OSError as exc:
            raise PrintRefused(
                f"没能写入打印文件 {shown(choice.file)}：{why(exc)}。请换一个位置再打印。"
            ) from exc
        return Sent(len(pages), f"已打印到文件：{shown(choice.file)}（{len(pages)} 页）")
    lp = shutil.which("lp") if platform != "win32" else None
    if lp is None or not choice.printer:
        printed = raster(pages)
        if not printed:
            raise PrintRefused("打印机没有接受打印任务：请确认打印机已开机并在系统中可用，或先“另存为 PDF”。")
        return Sent(printed, f"已发送到打印机：{printed} 页")
    return Sent(len(pages), _spool(lp, choice, data, len(pages)))


def _spool(lp: str, choice: PrintChoice, data: bytes, pages: int) -> str:
    """Hand the PDF to CUPS; the status bar's line naming the job."""
    command = [lp, *lp_command(choice)[1:]]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=LP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise PrintRefused(
            f"打印服务（CUPS）{LP_TIMEOUT_S} 秒没有响应，打印机「{shown(choice.printer)}」未收到任务："
            "请在系统的打印机设置中查看打印服务，稍后重试。"
        ) from exc
    except OSError as exc:
        raise PrintRefused(f"无法启动打印命令 lp：{why(exc)}。请联系营业厅管理员检查 CUPS。") from exc
    if done.returncode != 0:
        reason = shown(done.stderr.decode("utf-8", "replace").strip() or f"退出码 {done.returncode}", 200)
        raise PrintRefused(
            f"打印机「{shown(choice.printer)}」没有接受打印任务（{reason}）：请确认打印机已开机、"
            "在系统的打印机设置中可用，再重新打印。"
        )
    job = _JOB.search(done.stdout.decode("utf-8", "replace"))
    copies = f" × {choice.copies} 份" if choice.copies > 1 else ""
    named = f"，作业 {job.group(1)}" if job else ""
    return f"已发送到打印机「{shown(choice.printer)}」：{pages} 页{copies}{named}"
