"""`desk400 scan-in` and `desk400 handover` (paper-trail.md): exits 0 / 1 / 2 as the contract says."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desktop.cli import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, BadInput, open_store
from desktop.files.safefile import shown


def add_parsers(sub: Any, db: argparse.ArgumentParser) -> None:
    scan = sub.add_parser("scan-in", parents=[db], help="导入签字扫描件（PDF、PNG、JPEG、TIFF）")
    scan.add_argument("scans", nargs="+", type=Path, metavar="SCAN")
    hand = sub.add_parser("handover", parents=[db], help="生成已签回案卷的交付包")
    hand.add_argument("--id", required=True, metavar="ID", help="案卷（草稿列表中的编号）")
    hand.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.pdf")


def run(args: argparse.Namespace, bundle: Any, db_path: Path | None) -> int:
    if args.command == "scan-in":
        return cmd_scan_in(bundle, db_path, args.scans)
    return cmd_handover(bundle, db_path, args.id, args.output)


def cmd_scan_in(bundle: Any, db_path: Path | None, files: list[Path]) -> int:
    from desktop.paper.intake import read_all, scan_in
    from desktop.paper.scans import ScanUnreadable

    try:
        pages = read_all(files)  # every file read before the drafts file is opened
    except ScanUnreadable as exc:
        print(f"{exc}；本批扫描件均未导入", file=sys.stderr)
        return EXIT_BAD_INPUT
    with open_store(bundle, db_path, create=False) as store:
        report = scan_in(store, bundle, pages)
    for line in report.problems:
        print(line, file=sys.stderr)
    for line in report.cases:
        print(line)
    print(f"共 {len(pages)} 页，收入 {report.kept} 页")
    return report.exit_code


def cmd_handover(bundle: Any, db_path: Path | None, case_ref: str, output: Path) -> int:
    from desktop.files import safefile
    from desktop.files.sealing import SealError
    from desktop.paper.handover import NotReady, handover
    from desktop.store import CaseNotFound

    try:
        safefile.check_output(output)
    except safefile.FileProblem as exc:
        raise BadInput(str(exc)) from None
    with open_store(bundle, db_path, create=False) as store:
        case_id = store.case_for_number(case_ref) or case_ref
        try:
            package = handover(store, bundle, case_id, output)
        except CaseNotFound:
            raise BadInput(f"找不到案卷 {shown(case_ref, 60)}，请用草稿列表中的编号") from None
        except NotReady as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FINDINGS
        except SealError as exc:
            raise BadInput(str(exc)) from None
    print(f"已写入交付包 {package.pages} 页：{shown(package.pdf)}")
    if package.sealed is not None:
        print(f"已加密给营业厅：{shown(package.sealed)}")
    return EXIT_OK
