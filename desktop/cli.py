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
    # --db is accepted before the command and after it ("export --db FILE"), on every command.
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="草稿数据库文件（默认在用户数据目录）")
    parser = argparse.ArgumentParser(
        prog="desk400", description="400 业务申请资料：填写、校验、保存、打印", parents=[db]
    )
    sub = parser.add_subparsers(dest="command")

    check = sub.add_parser("check", parents=[db], help="校验案例文件")
    check.add_argument("files", nargs="+", type=Path, metavar="CASE.json")
    check.add_argument("--json", action="store_true", help="以 JSON 输出")

    render = sub.add_parser("render", parents=[db], help="把案例打印成 PDF")
    render.add_argument("file", type=Path, metavar="CASE.json")
    render.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.pdf")
    render.add_argument("--final", action="store_true", help="有错误时拒绝输出（正式打印）")

    fields = sub.add_parser("fields", parents=[db], help="列出所有字段")
    fields.add_argument("--json", action="store_true")

    export = sub.add_parser("export", parents=[db], help="把草稿导出为案例文件")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", metavar="ID", help="导出一个案例")
    which.add_argument("--all", action="store_true", help="导出全部案例，每个一个 ID.json")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="PATH")

    imp = sub.add_parser("import", parents=[db], help="导入案例文件（整批成功或整批不变）")
    imp.add_argument("files", nargs="+", type=Path, metavar="CASE.json")

    sub.add_parser("self-test", parents=[db], help="自检：表单、校验、打印和主窗口")
    add_hall_parsers(sub, db)
    return parser


def add_hall_parsers(sub: Any, db: argparse.ArgumentParser) -> None:
    """`sync` and `server init|add-desk` of hall-server.md."""
    sync = sub.add_parser("sync", parents=[db], help="与营业厅服务器同步一轮")
    sync.add_argument("--url", help="服务器连接地址（默认取设置里的）")
    server = sub.add_parser("server", help="营业厅服务器管理（管理员）")
    tasks = server.add_subparsers(dest="server_command", required=True)
    init = tasks.add_parser("init", help="建立或升级服务器数据库结构和柜台组角色")
    init.add_argument("--url", required=True, help="管理员的连接地址")
    desk = tasks.add_parser("add-desk", help="建立柜台登录角色 desk_<代码>")
    desk.add_argument("--url", required=True, help="管理员的连接地址")
    desk.add_argument("code", metavar="CODE", help="柜台代码，2 到 6 个字母或数字")
    desk.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    db_path: Path | None = getattr(args, "db", None)
    if args.command == "self-test":
        from desktop.selftest import run_self_test

        return run_self_test(db_path)
    try:
        bundle = default_bundle()
    except FormError as exc:
        print(f"表单定义有误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.command is None:
            from desktop.app import run

            return run(db_path)
        if args.command == "check":
            return cmd_check(bundle, args.files, as_json=args.json)
        if args.command == "render":
            return cmd_render(bundle, args.file, args.output, final=args.final, db_path=db_path)
        if args.command == "fields":
            return cmd_fields(bundle, as_json=args.json)
        if args.command == "export":
            return cmd_export(bundle, db_path, case_id=args.id, output=args.output)
        if args.command == "import":
            return cmd_import(bundle, db_path, args.files)
        if args.command == "sync":
            return cmd_sync(bundle, db_path, args.url)
        if args.command == "server" and args.server_command == "init":
            return cmd_server_init(args.url)
        if args.command == "server":
            return cmd_server_add_desk(args.url, args.code, from_stdin=args.password_stdin)
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    raise AssertionError(f"unhandled command {args.command}")


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
        rows = [
            {"file": str(p), "key": f.key, "severity": f.severity, "message": f.message} for p, f in results
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        prefix = len(files) > 1
        for path, f in results:
            print(f"{str(path) + ': ' if prefix else ''}{f.key}: {f.severity}: {f.message}")
    return EXIT_FINDINGS if has_errors([f for _, f in results]) else EXIT_OK


def cmd_render(bundle: Bundle, path: Path, output: Path, *, final: bool, db_path: Path | None = None) -> int:
    from desktop.render import render_pdf
    from desktop.render.fonts import registered_coverage

    case, values = load_case(bundle, path)
    coverage = registered_coverage(paths.print_font())
    findings = check_case(bundle, values, today=date.today(), coverage=coverage)
    errors = [f for f in findings if f.severity == "error"]
    if final and errors:
        print(f"{path}：有 {len(errors)} 处错误，不能正式打印：", file=sys.stderr)
        for f in errors:
            print(f"{f.key}: error: {f.message}", file=sys.stderr)
        return EXIT_FINDINGS
    settings = bundle.setting_defaults()
    if db_path is not None:
        with open_store(bundle, db_path) as store:
            settings.update({k: str(v) for k, v in store.settings().items() if k in settings and v})
    if not output.parent.is_dir():
        raise BadInput(f"{output}：输出目录不存在")
    try:
        # Given a path, the renderer writes a temp file and renames it: never half a PDF.
        render_pdf(bundle, values, settings, case_id=case.id, draft=bool(errors), out=output)
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


def open_store(bundle: Bundle, db_path: Path | None):
    """The drafts file of --db (or the default one); a file the app cannot use is bad input."""
    from desktop.store import StoreError
    from desktop.store import open_store as open_drafts

    try:
        store = open_drafts(db_path, bundle.drafts, bundle=bundle.id, edition=bundle.edition)
    except StoreError as exc:
        raise BadInput(f"{db_path or paths.default_db()}：{exc}") from None
    if store.recovery is not None:
        print(store.recovery.message, file=sys.stderr)
    return store


def cmd_export(bundle: Bundle, db_path: Path | None, *, case_id: str | None, output: Path) -> int:
    from desktop import transfer

    with open_store(bundle, db_path) as store:
        try:
            written = (
                transfer.export_all(store, output)
                if case_id is None
                else [transfer.export_case(store, case_id, output)]
            )
        except transfer.BadInput as exc:
            raise BadInput(str(exc)) from None
    print(f"已导出 {len(written)} 个案例到 {output}")
    return EXIT_OK


def cmd_import(bundle: Bundle, db_path: Path | None, files: list[Path]) -> int:
    from desktop import transfer

    with open_store(bundle, db_path) as store:
        try:
            report = transfer.import_files(store, files, known_keys=bundle.keys())
        except transfer.BadInput as exc:
            raise BadInput(str(exc)) from None
        except transfer.ImportConflict as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FINDINGS
    print(f"导入完成：新增 {len(report.created)}，更新 {len(report.replaced)}，未变 {len(report.unchanged)}")
    return EXIT_OK


def cmd_sync(bundle: Bundle, db_path: Path | None, url: str | None) -> int:
    from desktop.hall import cli as hall

    with open_store(bundle, db_path) as store:
        try:
            lines, status = hall.sync(store, url)
        except hall.HallError as exc:
            raise BadInput(str(exc)) from None
    print("\n".join(lines))
    return status


def cmd_server_init(url: str) -> int:
    from desktop.hall import cli as hall

    try:
        print(hall.server_init(url))
    except hall.HallError as exc:
        raise BadInput(str(exc)) from None
    return EXIT_OK


def cmd_server_add_desk(url: str, code: str, *, from_stdin: bool) -> int:
    from desktop.hall import cli as hall

    try:
        print(hall.server_add_desk(url, code, sys.stdin.readline().rstrip("\r\n") if from_stdin else None))
    except hall.HallError as exc:
        raise BadInput(str(exc)) from None
    return EXIT_OK
