"""The case lifecycle and the print log (shared/spec/paper-trail.md): one list of statuses, a pure
rule deciding them, every final print from the drafts a print-log row, `changed` against the
latest row, the status in case files, and `render --documents`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QLineEdit
from test_ui_support import clear, field, type_text

from desktop.cli import main
from desktop.domain.session import EditSession
from desktop.domain.status import LABELS, STATUSES, decide, label, print_digest
from desktop.store import Store

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "example-case.json"


def open_store(db: Path, bundle) -> Store:
    return Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False)


def stored_case(db: Path, bundle, values) -> str:
    with open_store(db, bundle) as store:
        return store.create(values).id


# -- the list and the rule --------------------------------------------------------------------


def test_the_statuses_and_their_labels_are_the_contracts():
    assert STATUSES == ("draft", "complete", "printed", "changed", "signed", "handed_over")
    assert [LABELS[s] for s in STATUSES] == ["草稿", "待打印", "已打印", "打印后有修改", "已签回", "已交付"]
    assert label("later_status") == "later_status"


def test_decide_follows_the_lifecycle():
    a, b = print_digest({"x": "1"}), print_digest({"x": "2"})
    assert decide(blocked=True, missing_materials=[], digest=a, last_print=None) == "draft"
    assert decide(blocked=False, missing_materials=["id_copy"], digest=a, last_print=None) == "draft"
    assert decide(blocked=False, missing_materials=[], digest=a, last_print=None) == "complete"
    assert (
        decide(blocked=False, missing_materials=[], digest=a, last_print=a, current="complete") == "printed"
    )
    assert decide(blocked=False, missing_materials=[], digest=b, last_print=a, current="printed") == "changed"
    # Editing a value back to what was printed: the paper matches again.
    assert decide(blocked=False, missing_materials=[], digest=a, last_print=a, current="changed") == "printed"
    # Only paper gives signed / handed over; a changed value takes it away.
    assert decide(blocked=False, missing_materials=[], digest=a, last_print=a, current="signed") == "signed"
    assert (
        decide(blocked=False, missing_materials=[], digest=b, last_print=a, current="handed_over")
        == "changed"
    )
    # Printed at another desk (no print row here): nothing here can tell, the status is kept.
    assert (
        decide(blocked=True, missing_materials=[], digest=a, last_print=None, current="printed") == "printed"
    )


def test_the_digest_ignores_empty_values_and_key_order():
    assert print_digest({"a": "1", "b": ""}) == print_digest({"a": "1"}) == print_digest({"a": "1", "c": []})
    assert print_digest({"a": "1", "b": "2"}) == print_digest({"b": "2", "a": "1"})
    assert print_digest({"a": "1"}) != print_digest({"a": "2"})


def test_the_session_turns_changed_after_a_print_and_back(bundle, example_values):
    session = EditSession(bundle)
    session.load("id", 3, "printed", example_values, "XH01-20261207-001", (), None)
    digest = session.print_digest()
    session.load("id", 3, "printed", example_values, "XH01-20261207-001", (), digest)
    assert session.wanted_status() == "printed"
    old = session.values["customer.postcode"]
    session.edit("customer.postcode", "310013" if old != "310013" else "310014")
    assert session.wanted_status() == "changed"
    session.edit("customer.postcode", old)
    assert session.wanted_status() == "printed"


# -- the print log in the drafts file ---------------------------------------------------------


def test_record_print_is_one_row_newest_first_with_desk_and_status(db, bundle, example_values):
    with open_store(db, bundle) as store:
        store.set_setting("desk.code", "XH01")
        case = store.create(example_values)
        revision = store.record_print(
            case.id, case.revision, documents=["authorization", "requirement"], pages=3, digest="1" * 64
        )
        revision = store.record_print(case.id, revision, documents=["agreement"], pages=2, digest="2" * 64)
        rows = store.prints(case.id)
        assert [(r.documents, r.pages, r.digest[:1], r.desk) for r in rows] == [
            (("agreement",), 2, "2", "XH01"),
            (("authorization", "requirement"), 3, "1", "XH01"),
        ]
        assert rows[0].number == case.number and rows[0].short_digest == "2" * 10
        got = store.get(case.id)
        assert got.status == "printed" and got.last_print == "2" * 64 and got.revision == revision
        with pytest.raises(ValueError):
            store.record_print(case.id, revision, documents=[], pages=1, digest="3" * 64)
        with pytest.raises(ValueError):
            store.record_print(case.id, revision, documents=["agreement"], pages=0, digest="3" * 64)
        assert len(store.prints(case.id)) == 2  # a refused row leaves nothing behind


def test_the_migration_is_recorded(db, bundle):
    from desktop.store.schema import known_migrations, recorded_migrations

    assert "0011_status_print_log" in known_migrations()
    with open_store(db, bundle) as store:
        assert "0011_status_print_log" in recorded_migrations(store.db.conn)


def test_a_purged_case_takes_its_prints_with_it(db, clock, example_values):
    from test_store_helpers import open_at

    with open_at(db, clock) as store:
        case = store.create(example_values)
        store.record_print(case.id, case.revision, documents=["agreement"], pages=2, digest="1" * 64)
        clock.advance(days=400)
        store.purge()
        assert store.db.execute("SELECT count(*) FROM prints").fetchone()[0] == 0


# -- case files: "status" written, information only when read --------------------------------


def test_export_writes_the_status_and_import_decides_its_own(tmp_path, db, bundle, example_values):
    case_id = stored_case(db, bundle, example_values)
    with open_store(db, bundle) as store:
        store.record_print(case_id, 1, documents=["agreement"], pages=2, digest="1" * 64)
    out = tmp_path / "case.json"
    assert main(["export", "--db", str(db), "--id", case_id, "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["status"] == "printed"
    doc["status"] = "handed_over"
    doc["updated"] = "2030-01-01T00:00:00+08:00"
    doc["fields"]["notes"] = "另一台电脑上改过"
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    other = tmp_path / "other.sqlite"
    assert main(["import", "--db", str(other), str(out)]) == 0
    with open_store(other, bundle) as store:
        assert store.get(case_id).status == "draft"


def test_a_case_file_with_a_malformed_status_is_refused(tmp_path, capsys):
    doc = json.loads(CASE.read_text(encoding="utf-8"))
    doc["status"] = ["printed"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    assert "status" in capsys.readouterr().err


# -- render: from a file (nothing recorded) or from the drafts (a final print is a row) --------


def test_render_of_a_case_file_records_nothing(tmp_path, db, bundle):
    stored_case(db, bundle, {})
    assert main(["render", "--db", str(db), str(CASE), "-o", str(tmp_path / "a.pdf"), "--final"]) == 0
    with open_store(db, bundle) as store:
        assert store.db.execute("SELECT count(*) FROM prints").fetchone()[0] == 0


def test_render_from_the_drafts_final_records_the_print(tmp_path, db, bundle, example_values, capsys):
    case_id = stored_case(db, bundle, example_values)
    out = tmp_path / "b.pdf"
    assert main(["render", "--db", str(db), "--id", case_id, "-o", str(out), "--final"]) == 0
    assert "已记入打印记录" in capsys.readouterr().out
    pages = len(PdfReader(out).pages)
    with open_store(db, bundle) as store:
        (row,) = store.prints(case_id)
        case = store.get(case_id)
        assert row.pages == pages and row.documents == (
            "authorization", "requirement", "agreement", "commitment", "materials",
        )  # fmt: skip
        assert case.status == "printed" and case.last_print == row.digest
    # Not final: a PDF to look at, not a print.
    assert main(["render", "--db", str(db), "--id", case_id, "-o", str(tmp_path / "c.pdf")]) == 0
    with open_store(db, bundle) as store:
        assert len(store.prints(case_id)) == 1
    # The window, opening the case, finds the same digest: still 已打印, not 打印后有修改.
    session = EditSession(bundle)
    with open_store(db, bundle) as store:
        case = store.get(case_id)
        session.set_settings(store.settings())
    session.load(
        case.id, case.revision, case.status, case.fields, case.number, case.materials, case.last_print
    )
    assert session.wanted_status() == "printed"


def test_render_from_the_drafts_with_errors_is_refused_when_final(tmp_path, db, bundle, capsys):
    case_id = stored_case(db, bundle, {"customer.name": "某某公司"})
    assert main(["render", "--db", str(db), "--id", case_id, "-o", str(tmp_path / "d.pdf"), "--final"]) == 1
    assert "不能正式打印" in capsys.readouterr().err
    with open_store(db, bundle) as store:
        assert store.prints(case_id) == [] and store.get(case_id).status == "draft"


def test_render_some_documents_in_bundle_order_counting_pages_printed(tmp_path, db, bundle, example_values):
    case_id = stored_case(db, bundle, example_values)
    out = tmp_path / "e.pdf"
    argv = ["render", "--db", str(db), "--id", case_id, "-o", str(out), "--final"]
    assert main([*argv, "--documents", "commitment,authorization,copies"]) == 0
    reader = PdfReader(out)
    texts = [page.extract_text() for page in reader.pages]
    n = len(texts)
    assert "授权委托书" in texts[0] and "承诺书" in texts[-1]
    # Page x / y counts the pages printed, not the bundle's.
    assert f"第 1 页 共 {n} 页" in texts[0] and f"第 {n} 页 共 {n} 页" in texts[-1]
    with open_store(db, bundle) as store:
        (row,) = store.prints(case_id)
        assert row.documents == ("authorization", "commitment") and row.pages == n


def test_render_refuses_an_unknown_document_and_needs_a_case(tmp_path, capsys):
    assert main(["render", str(CASE), "-o", str(tmp_path / "f.pdf"), "--documents", "contract"]) == 2
    assert "contract" in capsys.readouterr().err
    assert main(["render", "-o", str(tmp_path / "g.pdf")]) == 2
    assert "--id" in capsys.readouterr().err
    assert main(["render", str(CASE), "-o", str(tmp_path / "h.pdf"), "--documents", "copies"]) == 2
    assert not (tmp_path / "h.pdf").exists()


# -- the window: a print is a row, an edit after it makes the case 打印后有修改 -------------------


def test_the_window_logs_a_print_and_an_edit_after_it_is_changed(make_window, qtbot, tmp_path, db, bundle):
    from PySide6.QtPrintSupport import QPrinter

    window = make_window()
    window.action_load_example.trigger()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(72)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    pages = window.printing.print_to(printer)
    case_id = window.current_case_id()
    with open_store(db, bundle) as store:
        (row,) = store.prints(case_id)
        assert row.pages == pages and store.get(case_id).status == "printed"
    assert window.session.status == "printed"
    retype_postcode(window)  # the agent changes a printed value, key by key
    qtbot.waitUntil(lambda: window.session.status == "changed" and window.autosaver.in_flight is None)
    with open_store(db, bundle) as store:
        assert store.get(case_id).status == "changed"
    qtbot.waitUntil(lambda: "打印后有修改" in window.drafts.list.item(0).text())


def retype_postcode(window) -> None:
    """Select the postcode on 业务需求单 and type another one, as the agent does (autosave follows)."""
    window.view.go_tab(1)
    edit = field(window, "requirement", "customer.postcode", QLineEdit)
    old = edit.text()
    clear(edit)
    type_text(edit, "310014" if old != "310014" else "310013")


def pdf_printer(path: Path):
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(72)
    printer.setOutputFileName(str(path))
    return printer


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen platform, on showing a dialog
def test_changed_banner_offers_a_reprint_and_the_log_lists_both(make_window, qtbot, tmp_path, db, bundle):
    window = make_window()
    window.action_load_example.trigger()
    outputs = iter(tmp_path / f"print{n}.pdf" for n in range(5))
    window.printing.ask_printer = lambda: pdf_printer(next(outputs))  # the system dialog's answer
    window.printing.print_to(pdf_printer(tmp_path / "first.pdf"))
    assert not window.banner.isVisible() or window.banner.topic != "printed"
    retype_postcode(window)  # the agent changes a printed value, key by key
    qtbot.waitUntil(lambda: window.banner.isVisible() and "打印后有修改" in window.banner.label.text())
    button = window.banner.button("重新打印")
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: window.session.status == "printed")
    qtbot.waitUntil(lambda: not window.banner.isVisible() or window.banner.topic != "printed")
    dialog = window.trail.show_print_log()
    rows = dialog.texts()
    assert len(rows) == 2
    assert rows[0][2] == "授权委托书、业务需求单、安全服务协议、信息安全承诺书、材料清单"
    assert rows[0][4] != rows[1][4]  # a digest per print: the values differ
    assert dialog.windowTitle() == f"打印记录 · {window.session.number}"


def test_print_this_document_prints_the_current_tab_only(make_window, qtbot, tmp_path, db, bundle):
    window = make_window()
    window.action_load_example.trigger()
    window.view.go_tab(2)
    out = tmp_path / "agreement.pdf"
    window.printing.ask_printer = lambda: pdf_printer(out)
    assert window.action_print_document.shortcut().toString() == "Ctrl+Shift+P"
    window.action_print_document.trigger()
    case_id = window.current_case_id()
    qtbot.waitUntil(lambda: window.session.status == "printed", timeout=10_000)
    with open_store(db, bundle) as store:
        (row,) = store.prints(case_id)
    assert row.documents == (bundle.documents[2].id,)
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert bundle.documents[2].id == "agreement" and "授权委托书" not in text
