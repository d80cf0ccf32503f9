"""The command line of docs/case-file.md: check, render, fields, export, import, self-test, sync.

Exit statuses are part of the contract (0 good, 1 findings/refusal/conflict, 2 bad input), and bad
input is one clear Chinese line on stderr, never a traceback, never the system's English text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from desktop.domain.forms import Bundle, default_bundle
from desktop.domain.schema import FormError
from desktop.files import paths, platform, safefile
from desktop.files.safefile import shown

if TYPE_CHECKING:  # the window's start (`desk400` alone) never loads the checking code
    from desktop.domain.case import Finding
    from desktop.files import casefile

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
# What went wrong inside the command itself (not the input); tests look for it.
INTERNAL_ERROR = "desk400 内部错误"


class BadInput(Exception):
    """Input the command cannot use; the message is the one line the user sees."""


# argparse's English messages (Python 3.11 wording) and their Chinese; the last one matching wins
# over nothing, and anything unmatched still gets a Chinese line.
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (.+)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.+)", "不认识的参数：{0}"),
    (r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)", "{0} 不能是 {1}，可选：{2}"),
    (r"argument (\S+): expected one argument", "{0} 后面要跟一个值"),
    (r"argument (\S+): expected at least one argument", "{0} 后面至少要跟一个值"),
    (r"argument (\S+): expected at most one argument", "{0} 后面最多跟一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", "{0} 不能和 {1} 同时使用"),
    (r"argument (\S+): ignored explicit argument (.+)", "{0} 不带值，多余的 {1} 请去掉"),
    (r"argument (\S+): invalid (\S+) value: (.+)", "{0} 的值 {2} 无效"),
    (r"one of the arguments (.+) is required", "必须给出 {0} 其中之一"),
    (r"ambiguous option: (\S+) could match (.+)", "选项 {0} 不明确，可能是 {1}"),
)


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[no-untyped-def]
        # Only argparse's default prefix is replaced: add_subparsers asks for the usage with an
        # empty prefix to name a subcommand's prog, which otherwise became 「用法：desk400 server」
        # and printed 「用法：用法：…」 in a nested command's usage and errors.
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with Chinese help and errors: a usage error is one Chinese line and exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}：参数有误：{translate_usage_error(message)}"
                                  f"（用 {self.prog} --help 查看用法）\n")  # fmt: skip


def translate_usage_error(message: str) -> str:
    """argparse's English error in Chinese (what the user typed is kept, made printable)."""
    for pattern, chinese in _ARGPARSE_MESSAGES:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            return chinese.format(*(shown(g, 80) for g in match.groups()))
    return "命令行参数不正确"


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before the command and after it ("export --db FILE"), on every command.
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="草稿数据库文件（默认在用户数据目录）")
    parser = ChineseArgumentParser(
        prog="desk400", description="400 业务申请资料：填写、校验、保存、打印", parents=[db]
    )
    sub = parser.add_subparsers(dest="command", title="命令", metavar="命令")

    check = sub.add_parser("check", parents=[db], help="校验案卷文件")
    check.add_argument("files", nargs="+", type=Path, metavar="CASE.json")
    check.add_argument("--json", action="store_true", help="以 JSON 输出")

    render = sub.add_parser("render", parents=[db], help="把案卷打印成 PDF")
    render.add_argument("file", type=Path, nargs="?", metavar="CASE.json")
    render.add_argument("--id", metavar="ID", help="打印草稿文件（--db）中的这个案卷，正式打印记入打印记录")
    render.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.pdf")
    render.add_argument("--final", action="store_true", help="有错误时拒绝输出（正式打印）")
    render.add_argument(
        "--documents",
        metavar="DOC,…",
        help="只打印这些文档（逗号分隔，按资料包顺序）：authorization,requirement,agreement,commitment,materials,copies",
    )

    fields = sub.add_parser("fields", parents=[db], help="列出所有字段")
    fields.add_argument("--json", action="store_true")

    export = sub.add_parser("export", parents=[db], help="把草稿导出为案卷文件")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", metavar="ID", help="导出一个案卷")
    which.add_argument("--all", action="store_true", help="导出全部案卷，每个一个 ID.json")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="PATH")

    imp = sub.add_parser("import", parents=[db], help="导入案卷文件（整批成功或整批不变）")
    imp.add_argument("files", nargs="+", type=Path, metavar="CASE.json")
    imp.add_argument(
        "--identity", type=Path, metavar="FILE", help="营业厅的 age 身份文件（导入 .age 加密文件时）"
    )

    recover = sub.add_parser("recover-key", parents=[db], help="用营业厅的 age 身份文件恢复草稿文件的密钥")
    recover.add_argument("--identity", type=Path, required=True, metavar="FILE", help="营业厅的 age 身份文件")

    sub.add_parser("self-test", parents=[db], help="自检：表单、校验、打印和主窗口")
    card = sub.add_parser("read-card", parents=[db], help="识别营业执照或身份证图片")
    card.add_argument("kind", choices=["licence", "id"], metavar="licence|id")
    card.add_argument("image", type=Path, metavar="IMAGE")
    card.add_argument("back", type=Path, nargs="?", metavar="BACK", help="身份证背面图片")
    card.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_hall_parsers(sub, db)

    add_paper_parsers(sub, db)
    return parser


def add_hall_parsers(sub: Any, db: argparse.ArgumentParser) -> None:
    """`sync` and `server init|add-desk|set-retention` (docs/case-file.md, "Commands")."""
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
    keep = tasks.add_parser("set-retention", help="设置营业厅的保留期（按服务器的时钟，各柜台随之清理）")
    keep.add_argument("--url", required=True, help="管理员的连接地址")
    keep.add_argument("days", metavar="DAYS", type=int, help="已完成的案卷在服务器上保留的天数")


def main(argv: Sequence[str] | None = None) -> int:
    # Before any output: a GBK console or pipe gets escapes for what it cannot show, so a
    # command never fails (exit 2) after its work is done.
    platform.configure_console()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage error (its Chinese line printed) or --help
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    db_path: Path | None = getattr(args, "db", None)
    if args.command == "self-test":
        from desktop.selftest import run_self_test

        return run_self_test()  # never on the user's drafts file, whatever --db says
    if args.command == "read-card":
        return _read_card(args)
    try:
        return _run(args, db_path)
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("已中断，未完成的输出没有写入", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: one line naming its kind, never a traceback or its text
        print(f"{INTERNAL_ERROR}（{type(exc).__name__}），请把命令和输入文件交给维护人员", file=sys.stderr)
        return EXIT_BAD_INPUT


def _read_card(args: argparse.Namespace) -> int:
    """read-card needs no form and no drafts file; its bad input is exit 2 like any other."""
    from desktop.capture.command import CardUnreadable, cmd_read_card

    try:
        return cmd_read_card(args.kind, args.image, args.back, as_json=args.json)
    except CardUnreadable as exc:
        print(str(exc), file=sys.stderr)
    except OSError as exc:
        print(safefile.why(exc), file=sys.stderr)
    except Exception as exc:  # a bug: one line naming its kind, never a traceback
        print(f"{INTERNAL_ERROR}（{type(exc).__name__}），请把命令和图片交给维护人员", file=sys.stderr)
    return EXIT_BAD_INPUT


def _run(args: argparse.Namespace, db_path: Path | None) -> int:
    try:
        bundle = default_bundle()
    except FormError as exc:
        raise BadInput(f"表单定义有误：{exc}") from None
    if args.command is None:
        from desktop.app import run

        return run(db_path)
    try:
        if args.command == "check":
            return cmd_check(bundle, args.files, as_json=args.json)
        if args.command == "render":
            return cmd_render(
                bundle, args.file, args.output, final=args.final, db_path=db_path,
                case_id=args.id, documents=args.documents,
            )  # fmt: skip
        if args.command == "fields":
            return cmd_fields(bundle, as_json=args.json)
        if args.command == "export":
            return cmd_export(bundle, db_path, case_id=args.id, output=args.output)
        if args.command == "import":
            return cmd_import(bundle, db_path, args.files, identity=args.identity)
        if args.command == "recover-key":
            return cmd_recover_key(db_path, args.identity)
        if args.command == "sync":
            return cmd_sync(bundle, db_path, args.url)
        if args.command in ("scan-in", "handover"):
            return run_paper(args, bundle, db_path)
        if args.command == "server" and args.server_command == "init":
            return cmd_server_init(args.url)
        if args.command == "server" and args.server_command == "set-retention":
            return cmd_server_set_retention(args.url, args.days)
        if args.command == "server":
            return cmd_server_add_desk(args.url, args.code, from_stdin=args.password_stdin)
    except OSError as exc:
        raise BadInput(safefile.why(exc)) from None
    except Exception as exc:
        # sqlite3 is named here, not up front: a render or a check never opens a drafts file, and
        # whatever did has loaded it already.
        import sqlite3

        if isinstance(exc, sqlite3.Error):
            raise BadInput(drafts_problem(db_path, exc)) from None
        from desktop.store import StoreError  # not imported up front: most commands never need it
        from desktop.store.connection import ERRORS

        if isinstance(exc, ERRORS):  # SQLCipher's errors are not sqlite3's
            raise BadInput(drafts_problem(db_path, exc)) from None
        if not isinstance(exc, StoreError):
            raise
        raise BadInput(str(exc)) from None  # a busy file, a full disk: one line, exit 2
    raise AssertionError(f"unhandled command {args.command}")


def drafts_problem(db_path: Path | None, exc: BaseException) -> str:
    """One Chinese line for a drafts file SQLite or the system refused (locked, disk full…)."""
    from desktop.store.describe import UNCHANGED, describe

    return f"{shown(db_path or paths.default_db())}：{describe(exc, then=UNCHANGED)}"


def load_case(bundle: Bundle, path: Path) -> tuple[casefile.CaseFile, dict[str, Any]]:
    """Read a case file for this bundle and return it with its normalised values."""
    from desktop.domain.case import normalise_values
    from desktop.files import casefile

    try:
        case = casefile.read(path, shapes=casefile.shapes_for(bundle.fields))
    except casefile.CaseFileError as exc:
        raise BadInput(str(exc)) from None
    if case.bundle != bundle.id:
        raise BadInput(f"{shown(path)}：资料包 {shown(case.bundle, 20)} 不是本程序的 {bundle.id}")
    return case, normalise_values(bundle, case.fields, today=date.today())


def font_coverage() -> frozenset[int]:
    from desktop.render.glyphs import load_coverage

    return load_coverage(paths.print_font())


def cmd_check(bundle: Bundle, files: list[Path], *, as_json: bool) -> int:
    from desktop.domain.case import check_case, has_errors

    loaded = [(path, load_case(bundle, path)[1]) for path in files]
    coverage = font_coverage()
    results: list[tuple[Path, Finding]] = []
    for path, values in loaded:
        results.extend((path, f) for f in check_case(bundle, values, today=date.today(), coverage=coverage))
    if as_json:
        rows = [
            {"file": shown(p, 4096), "key": f.key, "severity": f.severity, "message": f.message}
            for p, f in results
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        prefix = len(files) > 1
        for path, f in results:
            print(f"{shown(path) + ': ' if prefix else ''}{f.key}: {f.severity}: {f.message}")
    return EXIT_FINDINGS if has_errors([f for _, f in results]) else EXIT_OK


def cmd_render(
    bundle: Bundle,
    path: Path | None,
    output: Path,
    *,
    final: bool,
    db_path: Path | None = None,
    case_id: str | None = None,
    documents: str | None = None,
) -> int:
    """`render CASE.json` prints a file and records nothing; `render --id ID` prints a case of the
    drafts file, and a final print of it is a print-log row (shared/spec/paper-trail.md)."""
    from desktop.render import document_ids

    if (path is None) == (case_id is None):
        raise BadInput(
            "请给出一个案卷文件 CASE.json，或用 --db 草稿文件 --id 编号 指定草稿中的案卷（二者选一）"
        )
    wanted = None
    if documents is not None:
        wanted = [d.strip() for d in documents.split(",") if d.strip()]
        unknown = [d for d in wanted if d not in document_ids(bundle)]
        if unknown or not wanted:
            raise BadInput(
                f"--documents 的 {shown(','.join(unknown) or documents, 80)} 不是文档名，可选："
                + ",".join(document_ids(bundle))
            )
    if case_id is not None:
        return render_drafted(bundle, db_path, case_id, output, final=final, documents=wanted)
    case, typed = load_case(bundle, path)  # type: ignore[arg-type]
    settings = bundle.setting_defaults()
    copies: list[tuple[str, bytes]] = []
    if db_path is not None or (wanted and "copies" in wanted):
        # The card images live in the drafts file only (never in a case file): found by the case's id.
        with open_store(bundle, db_path, create=db_path is not None) as store:
            settings.update({k: str(v) for k, v in store.settings().items() if k in settings and v})
            copies = case_copies(store, case.id, wanted)
    label = getattr(case, "number", None) or case.id
    pages, _digest = render_checked(
        bundle, typed, settings, label, output, final=final, source=shown(path),
        number=getattr(case, "number", None), documents=wanted, materials=None, copies=copies,
    )  # fmt: skip
    return EXIT_FINDINGS if pages is None else EXIT_OK


def render_drafted(
    bundle: Bundle,
    db_path: Path | None,
    case_id: str,
    output: Path,
    *,
    final: bool,
    documents: list[str] | None,
) -> int:
    """Print a case of the drafts file as it is stored (its values, its number, its checklist
    ticks); a final print records one print-log row and makes the case 已打印."""
    from desktop.render import printed_documents
    from desktop.store import CaseNotFound

    with open_store(bundle, db_path, create=False) as store:
        try:
            case = store.get(case_id)
        except CaseNotFound:
            raise BadInput(f"找不到草稿 {shown(case_id, 60)}，请用草稿列表中的编号") from None
        if case.deleted is not None:
            raise BadInput(f"草稿 {shown(case_id, 60)} 在回收站中，请先恢复后再打印")
        settings = bundle.setting_defaults()
        settings.update({k: str(v) for k, v in store.settings().items() if k in settings and v})
        ticks = case.materials if bundle.materials is not None else None
        copies = case_copies(store, case.id, documents)
        pages, digest = render_checked(
            bundle, case.fields, settings, case.number or case.id, output, final=final,
            source=case.number or case.id, number=case.number, documents=documents, materials=ticks,
            copies=copies,
        )  # fmt: skip
        if pages is None:
            return EXIT_FINDINGS
        if final and digest is not None:
            printed = printed_documents(bundle, documents, materials=ticks is not None, copies=bool(copies))
            store.record_print(case.id, case.revision, documents=printed, pages=pages, digest=digest)
            print(f"已记入打印记录：{case.number or case.id}")
    return EXIT_OK


def case_copies(store: Any, case_id: str, documents: Sequence[str] | None) -> list[tuple[str, bytes]]:
    """The case's card images, (kind, bytes), when the print takes the 复印件 page (the whole
    bundle, or `copies` named); asked for alone with none kept, bad input naming the fix."""
    from desktop.store import images

    if documents is not None and "copies" not in documents:
        return []
    copies = [(i.kind, i.data) for i in images.of_case(store.db, case_id)]
    if not copies and documents is not None and set(documents) == {"copies"}:
        raise BadInput(
            f"案卷 {shown(case_id, 60)} 在草稿文件里没有证件图片，打印不了复印件：请先在窗口里读取证件"
        )
    return copies


def render_checked(
    bundle: Bundle,
    typed: dict[str, Any],
    settings: dict[str, str],
    label: str,
    output: Path,
    *,
    final: bool,
    source: str,
    number: str | None,
    documents: list[str] | None,
    materials: Sequence[str] | None,
    copies: Sequence[tuple[str, bytes]] = (),
) -> tuple[int | None, str | None]:
    """Check, then print what is checked; (None, None) when `final` meets errors (listed on
    stderr). Otherwise the pages written and, for a clean print, the digest of its values."""
    from desktop.domain.case import check_case
    from desktop.domain.resolve import resolve
    from desktop.domain.status import print_digest
    from desktop.render import printed_documents, render_pdf
    from desktop.render.fonts import registered_coverage

    # What prints is what is checked: fallbacks and derived values included (desktop.domain.resolve).
    resolved = resolve(bundle, typed, settings=settings, today=date.today(), number=number)
    values = resolved.values()
    coverage = registered_coverage(paths.print_font())
    findings = check_case(bundle, values, today=date.today(), coverage=coverage)
    errors = [f for f in findings if f.severity == "error"]
    if final and errors:
        print(f"{source}：有 {len(errors)} 处错误，不能正式打印：", file=sys.stderr)
        for f in errors:
            print(f"{f.key}: error: {f.message}", file=sys.stderr)
        return None, None
    if not printed_documents(bundle, documents, materials=materials is not None, copies=bool(copies)):
        raise BadInput("所选文档没有可打印的页（复印件页要先在窗口里读取证件），请另选文档")
    try:
        safefile.check_output(output)  # before the work: a link, folder or device is never written
    except safefile.FileProblem as exc:
        raise BadInput(str(exc)) from None
    try:
        pages = render_pdf(
            bundle, values, settings, case_id=label, draft=bool(errors), out=output,
            materials=materials, documents=documents, copies=copies,
        )  # fmt: skip
    except OSError as exc:
        raise BadInput(str(exc) if isinstance(exc, safefile.FileProblem) else safefile.why(exc)) from None
    state = f"草稿，{len(errors)} 处错误" if errors else "正式"
    print(f"已写入 {pages} 页（{state}）：{shown(output)}")
    return pages, None if errors else print_digest(values)


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


def open_store(bundle: Bundle, db_path: Path | None, *, create: bool = True):
    """The drafts file of --db (or the default one); a file the app cannot use is bad input."""
    from desktop.store import Store, StoreError
    from desktop.store.connection import ERRORS

    try:
        store = Store.open_for(
            db_path, bundle.drafts, bundle=bundle.id, edition=bundle.edition, create=create
        )
    except StoreError as exc:
        cause = exc.__cause__
        if isinstance(cause, (*ERRORS, OSError)):  # the store's message would carry its text
            raise BadInput(drafts_problem(db_path, cause)) from None
        raise BadInput(f"{shown(db_path or paths.default_db())}：{exc}") from None
    if store.recovery is not None:
        print(store.recovery.message, file=sys.stderr)
    return store


def cmd_export(bundle: Bundle, db_path: Path | None, *, case_id: str | None, output: Path) -> int:
    from desktop.exchange import transfer

    def skipped(message: str) -> None:
        print(message, file=sys.stderr)

    with open_store(bundle, db_path, create=False) as store:
        try:
            written = (
                transfer.export_all(store, output, on_skip=skipped, on_note=skipped)
                if case_id is None
                else [transfer.export_case(store, case_id, output, on_note=skipped)]
            )
        except transfer.BadInput as exc:
            raise BadInput(str(exc)) from None
        except transfer.DamagedCases as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FINDINGS
    where = shown(output) if case_id is None else shown(written[0])
    print(f"已导出 {len(written)} 个案卷：{where}")
    return EXIT_OK


def cmd_import(
    bundle: Bundle, db_path: Path | None, files: list[Path], *, identity: Path | None = None
) -> int:
    from desktop.exchange import transfer
    from desktop.files import casefile

    with open_store(bundle, db_path) as store:
        try:
            report = transfer.import_files(
                store, files, shapes=casefile.shapes_for(bundle.fields), identity=identity
            )
        except transfer.BadInput as exc:
            raise BadInput(str(exc)) from None
        except transfer.ImportConflict as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FINDINGS
    papers = (
        f"；随案卷收入证件图片 {report.images} 张、签字扫描件 {report.scans} 页"
        if report.images or report.scans
        else ""
    )
    print(
        f"已导入 {len(transfer.case_files(files))} 个文件：新增 {len(report.created)}，"
        f"更新 {len(report.replaced)}，合并 {len(report.merged)}，未变 {len(report.unchanged)}{papers}"
    )
    return EXIT_OK


def cmd_recover_key(db_path: Path | None, identity: Path) -> int:
    """Put the drafts key sealed to the hall back on this machine (keyring, else the passphrase)."""
    from desktop.store import StoreError, escrow

    path = Path(db_path or paths.default_db())
    try:
        escrow.recover_key(path, identity)
    except StoreError as exc:
        raise BadInput(f"{shown(path)}：{exc}") from None
    print(f"已恢复草稿文件的密钥：{shown(path)}")
    return EXIT_OK


def cmd_sync(bundle: Bundle, db_path: Path | None, url: str | None) -> int:
    from desktop.files import casefile
    from desktop.hall import cli as hall

    with open_store(bundle, db_path) as store:
        try:
            lines, status = hall.sync(store, url, casefile.shapes_for(bundle.fields))
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


def cmd_server_set_retention(url: str, days: int) -> int:
    from desktop.hall import cli as hall

    try:
        print(hall.server_set_retention(url, days))
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


# -- papers back: scan-in and handover (shared/spec/paper-trail.md) -------------------------------


def add_paper_parsers(sub: Any, db: argparse.ArgumentParser) -> None:
    scan = sub.add_parser("scan-in", parents=[db], help="导入签字扫描件（PDF、PNG、JPEG、TIFF）")
    scan.add_argument("scans", nargs="+", type=Path, metavar="SCAN")
    hand = sub.add_parser("handover", parents=[db], help="生成已签回案卷的交付包")
    hand.add_argument("--id", required=True, metavar="ID", help="案卷（草稿列表中的编号）")
    hand.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.pdf")


def run_paper(args: argparse.Namespace, bundle: Any, db_path: Path | None) -> int:
    try:
        if args.command == "scan-in":
            return cmd_scan_in(bundle, db_path, args.scans)
        return cmd_handover(bundle, db_path, args.id, args.output)
    except ImportError as exc:  # an install without numpy, zxing-cpp or pdfium
        missing = exc.name or "numpy"
        raise BadInput(
            f"这个 desk400 安装包没有带检查签字扫描件所需的组件（{missing}），{args.command} 无法运行；"
            "请用完整安装的 desk400（pip 安装）导入扫描件，草稿文件未改动"
        ) from None


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
