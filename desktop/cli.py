"""The command line of case-format.md: check, render, fields, export, import, self-test.

Exit statuses are part of the contract (0 good, 1 findings/refusal/conflict, 2 bad input), and bad
input is one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from desktop import casefile, paths
from desktop.case import Finding, check_case, has_errors, normalise_values
from desktop.forms import Bundle, default_bundle
from desktop.schema import FormError

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the command cannot use; the message is the one line the user sees."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk400", description="400 业务申请资料：填写、校验、保存、打印")
    parser.add_argument("--db", type=Path, help="草稿数据库文件（默认在用户数据目录）")
    sub = parser.add_subparsers(dest="command")

    check = sub.add_parser("check", help="校验案例文件")
    check.add_argument("files", nargs="+", type=Path, metavar="CASE.json")
    check.add_argument("--json", action="store_true", help="以 JSON 输出")

    render = sub.add_parser("render", help="把案例打印成 PDF")
    render.add_argument("file", type=Path, metavar="CASE.json")
    render.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.pdf")
    render.add_argument("--final", action="store_true", help="有错误时拒绝输出（正式打印）")

    fields = sub.add_parser("fields", help="列出所有字段")
    fields.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        bundle = default_bundle()
    except FormError as exc:
        print(f"表单定义有误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.command == "check":
            return cmd_check(bundle, args.files, as_json=args.json)
        if args.command == "render":
            return cmd_render(bundle, args.file, args.output, final=args.final)
        if args.command == "fields":
            return cmd_fields(bundle, as_json=args.json)
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    build_parser().print_help()
    return EXIT_OK


def load_case(bundle: Bundle, path: Path) -> tuple[casefile.CaseFile, dict[str, Any]]:
    """Read a case file for this bundle and return it with its normalised values."""
    try:
        case = casefile.read(path, known_keys=bundle.keys())
    except casefile.CaseFileError as exc:
        raise BadInput(str(exc)) from None
    if case.bundle != bundle.id:
        raise BadInput(f"{path}：资料包 {case.bundle!r} 不是本程序的 {bundle.id!r}")
    return case, normalise_values(bundle, case.fields, today=date.today())


def font_coverage() -> frozenset[int]:
    from desktop.glyphs import load_coverage

    return load_coverage(paths.print_font())


def cmd_check(bundle: Bundle, files: list[Path], *, as_json: bool) -> int:
    loaded = [(path, load_case(bundle, path)[1]) for path in files]
    coverage = font_coverage()
    results: list[tuple[Path, Finding]] = []
    for path, values in loaded:
        results.extend((path, f) for f in check_case(bundle, values, today=date.today(), coverage=coverage))
    if as_json:
        rows = [{"file": str(p), "key": f.key, "severity": f.severity, "message": f.message} for p, f in results]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        prefix = len(files) > 1
        for path, f in results:
            print(f"{str(path) + ': ' if prefix else ''}{f.key}: {f.severity}: {f.message}")
    return EXIT_FINDINGS if has_errors([f for _, f in results]) else EXIT_OK


def cmd_render(bundle: Bundle, path: Path, output: Path, *, final: bool) -> int:
    from desktop.render import render_pdf

    case, values = load_case(bundle, path)
    findings = check_case(bundle, values, today=date.today(), coverage=font_coverage())
    errors = [f for f in findings if f.severity == "error"]
    if final and errors:
        print(f"{path}：有 {len(errors)} 处错误，不能正式打印：", file=sys.stderr)
        for f in errors:
            print(f"{f.key}: error: {f.message}", file=sys.stderr)
        return EXIT_FINDINGS
    if not output.parent.is_dir():
        raise BadInput(f"{output}：输出目录不存在")
    try:
        with output.open("wb") as handle:
            render_pdf(bundle, values, bundle.setting_defaults(), case_id=case.id, draft=bool(errors), out=handle)
    except OSError as exc:
        raise BadInput(f"{output}：无法写入（{exc.strerror}）") from None
    return EXIT_OK


def cmd_fields(bundle: Bundle, *, as_json: bool) -> int:
    rows = [
        {
            "key": f.key,
            "label": f.label,
            "type": f.type,
            "required": f.required,
            "documents": list(f.documents),
            **({"choices": [{"id": c.id, "label": c.label} for c in f.choices]} if f.choices else {}),
        }
        for f in bundle.fields.values()
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            need = "必填" if row["required"] else "选填"
            print(f"{row['key']}\t{row['label']}\t{row['type']}\t{need}\t{','.join(row['documents'])}")
    return EXIT_OK
