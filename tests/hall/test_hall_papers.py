"""The paper trail through a real PostgreSQL (issues 23-25): print-log rows travel with their case,
card images and scanned pages only sealed; another desk shows them, hands the case over, and an
edit there of a printed value makes the case 打印后有修改. Hostile rows never stop a pull."""

from __future__ import annotations

import io
import os
import uuid
from datetime import date

import psycopg
import pyrage
import pytest
from PIL import Image

from desktop.domain.session import EditSession
from desktop.hall import schema
from desktop.hall.connection import connector
from desktop.hall.engine import SyncEngine
from desktop.paper.handover import handover
from desktop.store import images
from desktop.store.scans import ScanRow

# What `server init` granted at version 2 (the tables of version 3 do not exist there).
V2_GRANTS = """
    REVOKE ALL ON SCHEMA desk400 FROM PUBLIC;
    GRANT USAGE ON SCHEMA desk400 TO {group};
    GRANT SELECT ON desk400.meta, desk400.cases, desk400.history TO {group};
    GRANT EXECUTE ON FUNCTION desk400.push_cases, desk400.retire, desk400.append_audit TO {group};
    GRANT CONNECT ON DATABASE {database} TO {group};
"""
SOURCE = "客户签字扫描件-机密.pdf 第 1 页"


def picture(fmt: str, colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), colour).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def desks(hall, open_store):
    a, b = open_store("a"), open_store("b")
    eng = {"a": SyncEngine(a, connector(hall.desk("pa01"))), "b": SyncEngine(b, connector(hall.desk("pb01")))}
    yield a, b, eng
    for engine in eng.values():
        engine.close()


def session_for(bundle, case) -> EditSession:
    session = EditSession(bundle, date.today)
    session.load(
        case.id, case.revision, case.status, case.fields, number=case.number,
        materials=case.materials, last_print=case.last_print,
    )  # fmt: skip
    return session


def printed_and_signed(store, bundle, values):
    """A case printed (two pages of the agreement), its card images kept and both pages scanned
    back signed, as desk A's window and scan-in would leave it."""
    case = store.create(values)
    digest = session_for(bundle, store.get(case.id)).print_digest()
    store.record_print(case.id, store.get(case.id).revision, documents=["agreement"], pages=2, digest=digest)
    licence, id_front = picture("PNG", (200, 10, 10)), picture("JPEG", (10, 200, 10))
    images.keep(store.db, case.id, "licence", licence, "2026-12-08T10:00:00+08:00")
    images.keep(store.db, case.id, "id_front", id_front, "2026-12-08T10:00:01+08:00")
    pages = [
        ScanRow(case.id, SOURCE, "agreement", n, 2, digest[:10], picture("JPEG", (250, 250, 250 - n)))
        for n in (1, 2)
    ]
    store.add_scans(pages, [case.id])
    return store.get(case.id), digest, {"licence": licence, "id_front": id_front}, pages


def test_prints_images_and_scans_reach_another_desk_sealed(desks, hall, bundle, example_values, tmp_path):
    a, b, eng = desks
    eng["b"].sync_once()  # B has synced before: its recipient is registered
    case, digest, kept, pages = printed_and_signed(a, bundle, example_values)
    assert case.status == "signed"
    eng["a"].sync_once()
    assert eng["a"].papers.last.attachments_pushed == 4 and eng["a"].papers.last.prints_pushed == 1
    eng["b"].sync_once()
    assert eng["b"].papers.last.attachments_pulled == 4 and eng["b"].papers.last.prints_pulled == 1

    there = b.get(case.id)
    assert there.status == "signed" and there.last_print == digest
    (row,) = b.prints(case.id)
    assert (row.documents, row.pages, row.digest, row.desk) == (
        ("agreement",),
        2,
        digest,
        a.prints(case.id)[0].desk,
    )
    assert {i.kind: i.data for i in images.of_case(b.db, case.id)} == kept
    got = b.scans(case.id)
    assert [(s.page, s.image, s.source, s.digest, s.complete) for s in got] == [
        (p.page, p.image, SOURCE, p.digest, True) for p in pages
    ]
    # B can hand the case over (the scans and copies are there); the status travels back to A.
    package = handover(b, bundle, case.id, tmp_path / "交付包.pdf")
    assert package.pdf.read_bytes().startswith(b"%PDF")
    eng["b"].sync_once()
    eng["a"].sync_once()
    assert a.get(case.id).status == "handed_over"
    # Nothing went twice: a second round on each side moves no paper.
    for side in "ab":
        eng[side].sync_once()
        paper = eng[side].papers.last
        assert (paper.attachments_pushed, paper.attachments_pulled, paper.prints_pulled) == (0, 0, 0)
    assert len(b.prints(case.id)) == 1 and len(a.prints(case.id)) == 1 and len(b.scans(case.id)) == 2

    # The server holds no image, no scan metadata and no value of the images in clear.
    with hall.server.admin(hall.dbname) as conn:
        blobs = [bytes(r[0]) for r in conn.execute("SELECT sealed FROM desk400.attachments")]
        blobs += [bytes(r[0]) for r in conn.execute("SELECT sealed FROM desk400.attachment_keys")]
        texts = [
            r[0]
            for q in (
                "SELECT row_to_json(p)::text FROM desk400.prints p",
                "SELECT state::text FROM desk400.history",
                "SELECT coalesce(detail, '') || coalesce(key, '') FROM desk400.audit",
            )
            for r in conn.execute(q)
        ]
    assert len(blobs) == 4 + 4 * 2  # four attachments, each key sealed to both desks
    for blob in blobs:
        assert blob.startswith(b"age-encryption.org/v1\n")
        for magic in (b"\x89PNG", b"\xff\xd8\xff", b"%PDF", SOURCE.encode(), b"id_front", b"licence"):
            assert magic not in blob
        assert all(image[-64:] not in blob for image in [*kept.values(), *(p.image for p in pages)])
    assert all(SOURCE not in text and "AGE-SECRET" not in text for text in texts)


def test_an_edit_on_another_desk_of_a_printed_value_makes_it_changed(desks, bundle, example_values):
    a, b, eng = desks
    case = a.create(example_values)
    digest = session_for(bundle, a.get(case.id)).print_digest()
    a.record_print(
        case.id, a.get(case.id).revision, documents=["application", "agreement"], pages=4, digest=digest
    )
    eng["a"].sync_once()
    eng["b"].sync_once()
    there = b.get(case.id)
    assert there.status == "printed" and there.last_print == digest
    assert session_for(bundle, there).wanted_status() == "printed"  # nothing edited: still printed
    b.save_field(case.id, "customer.postcode", "310013", there.revision)
    edited = b.get(case.id)
    status = session_for(bundle, edited).wanted_status()
    assert status == "changed"
    b.set_status(case.id, status, edited.revision)
    eng["b"].sync_once()
    eng["a"].sync_once()
    assert a.get(case.id).status == "changed" and a.get(case.id).fields["customer.postcode"] == "310013"
    # Reprinted on B: the latest row, wherever printed, decides on A too.
    again = session_for(bundle, b.get(case.id)).print_digest()
    b.record_print(case.id, b.get(case.id).revision, documents=["agreement"], pages=2, digest=again)
    eng["b"].sync_once()
    eng["a"].sync_once()
    assert [p.digest for p in a.prints(case.id)] == [again, digest]
    assert a.get(case.id).status == "printed" and a.get(case.id).last_print == again


def test_hostile_attachment_rows_do_not_stop_a_pull(desks, hall, bundle, example_values):
    a, b, eng = desks
    eng["b"].sync_once()  # B registers its recipient
    case = a.create(example_values)
    eng["a"].sync_once()
    hostile = psycopg.connect(hall.desk("evil"), autocommit=True)
    try:
        (recipient,) = hostile.execute(
            "SELECT recipient FROM desk400.desk_keys WHERE desk = 'desk_pb01'"
        ).fetchone()
        to_b = pyrage.x25519.Recipient.from_str(recipient)
        push = "SELECT desk400.push_attachment(%s, %s, %s, %s, %s, %s::text[], %s::bytea[])"
        version = str(schema.VERSION)

        def attach(kind, sealed, key):
            return hostile.execute(
                push, [version, str(uuid.uuid4()), case.id, kind, sealed, [recipient], [key]]
            ).fetchone()[0]

        garbage_key = pyrage.encrypt(b"not an identity", [to_b])
        assert attach("image", b"\x89PNG\r\n\x1a\n" + os.urandom(100), garbage_key) == "not_sealed"
        assert (
            attach("image", b"age-encryption.org/v1\n" + os.urandom(33 * 1024 * 1024), garbage_key)
            == "too_big"
        )
        # Sealed, but a key that is no identity; a payload that is no image; one naming another case.
        assert attach("image", pyrage.encrypt(b"x", [to_b]), garbage_key) == "ok"
        junk = pyrage.x25519.Identity.generate()
        junk_key = pyrage.encrypt(str(junk).encode(), [to_b])
        assert (
            attach("scan", pyrage.encrypt(b'{"t":"scan"}\nnot an image', [junk.to_public()]), junk_key)
            == "ok"
        )
        other = f'{{"t":"image","case":"{uuid.uuid4()}","kind":"licence","added":"x"}}\n'.encode()
        assert (
            attach("image", pyrage.encrypt(other + b"\x89PNG\r\n\x1a\n", [junk.to_public()]), junk_key)
            == "ok"
        )
        # Bad print-log rows are left out; direct writes are refused.
        bad = "SELECT desk400.push_prints(%s, %s::uuid[], %s::text[], %s::text[], %s::text[], %s::int[], %s::text[])"
        assert (
            hostile.execute(
                bad, [version, [case.id], ["x"], ["EV"], ["Robert'); DROP"], [1], ["0" * 64]]
            ).fetchone()[0]
            == 0
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            hostile.execute(
                "INSERT INTO desk400.prints VALUES (%s, 'x', 'x', 'x', 1, 'x', 'x', now(), 1)", [case.id]
            )
    finally:
        hostile.close()
    # A row past the size limit that only the owner could write (a server restored from elsewhere).
    with hall.server.admin(hall.dbname) as conn:
        att = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO desk400.attachments VALUES (%s, %s, 'image', %s, %s, 'x', now(), nextval('desk400.paper_changes'))",
            [att, case.id, b"age-encryption.org/v1\n", 40 * 1024 * 1024],
        )
        conn.execute(
            "INSERT INTO desk400.attachment_keys VALUES (%s, %s, %s, 'x', nextval('desk400.paper_changes'))",
            [att, recipient, garbage_key],
        )
    # A's genuine paper comes after all that, and still arrives.
    good = picture("PNG", (1, 2, 3))
    images.keep(a.db, case.id, "licence", good, "2026-12-08T10:00:00+08:00")
    eng["a"].sync_once()
    report = eng["b"].sync_once()
    assert report.in_step
    notes = eng["b"].papers.last.notes
    assert len(notes) == 4 and all("已跳过" in n for n in notes), notes
    assert {i.kind: i.data for i in images.of_case(b.db, case.id)} == {"licence": good}
    assert b.scans(case.id) == []
    eng["b"].sync_once()
    assert eng["b"].papers.last.notes == []  # each skipped once, said once


def test_a_replayed_push_is_idempotent(desks, hall, example_values):
    a, b, eng = desks
    case = a.create(example_values)
    a.record_print(case.id, a.get(case.id).revision, documents=["agreement"], pages=2, digest="a" * 64)
    eng["a"].sync_once()
    row = a.prints(case.id)[0]
    with psycopg.connect(hall.desk("pa01"), autocommit=True) as again:  # the same desk, its push again
        args = [str(schema.VERSION), [case.id], [row.at], [row.desk], ["agreement"], [2], ["a" * 64]]
        q = "SELECT desk400.push_prints(%s, %s::uuid[], %s::text[], %s::text[], %s::text[], %s::int[], %s::text[])"
        assert again.execute(q, args).fetchone()[0] == 0
        att = str(uuid.uuid4())
        me = pyrage.x25519.Identity.generate()
        sealed = pyrage.encrypt(b"x", [me.to_public()])
        push = "SELECT desk400.push_attachment(%s, %s, %s, 'image', %s, %s::text[], %s::bytea[])"
        assert again.execute(push, [str(schema.VERSION), att, case.id, sealed, [], []]).fetchone()[0] == "ok"
        assert (
            again.execute(push, [str(schema.VERSION), att, case.id, sealed, [], []]).fetchone()[0] == "exists"
        )
    with hall.server.admin(hall.dbname) as conn:
        assert conn.execute("SELECT count(*) FROM desk400.prints").fetchone()[0] == 1
        assert (
            conn.execute("SELECT count(*) FROM desk400.attachments WHERE id = %s", [att]).fetchone()[0] == 1
        )
    eng["b"].sync_once()
    assert len(b.prints(case.id)) == 1


def test_a_desk_registered_later_gets_the_keys_resealed(hall, open_store, bundle, example_values):
    a = open_store("a")
    with SyncEngine(a, connector(hall.desk("pa01"))) as eng_a:
        case = a.create(example_values)
        licence = picture("PNG", (9, 9, 9))
        images.keep(a.db, case.id, "licence", licence, "2026-12-08T10:00:00+08:00")
        eng_a.sync_once()  # sealed to A alone: B does not exist yet
        late = open_store("late")
        with SyncEngine(late, connector(hall.desk("pl01"))) as eng_late:
            eng_late.sync_once()
            assert images.of_case(late.db, case.id) == []  # registered now; nobody re-sealed yet
            eng_a.sync_once()  # A sees a new desk and seals the key for it
            eng_late.sync_once()
            assert [i.data for i in images.of_case(late.db, case.id)] == [licence]


def test_the_halls_retention_takes_the_attachments_and_prints(desks, hall, bundle, example_values):
    a, b, eng = desks
    case, *_ = printed_and_signed(a, bundle, example_values)
    eng["a"].sync_once()
    eng["b"].sync_once()
    with hall.server.admin(hall.dbname) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE desk400.cases SET updated_at = now() - interval '100 days'")
        conn.execute("SET session_replication_role = origin")
        assert schema.set_retention(conn, 90) == 1
        for table in ("attachments", "attachment_keys", "prints"):
            assert conn.execute(f"SELECT count(*) FROM desk400.{table}").fetchone()[0] == 0
    eng["b"].sync_once()
    assert case.id not in b.ids()
    assert b.scans(case.id) == [] and b.prints(case.id) == [] and images.of_case(b.db, case.id) == []


def test_the_v2_to_v3_upgrade_keeps_everything(pg_server, open_store, example_values, monkeypatch):
    pg_server.create_database("hall_upgrade")
    url = pg_server.url("hall_upgrade")
    with monkeypatch.context() as m:  # a server as version 2 left it
        m.setattr(schema, "STEPS", schema.STEPS[:2])
        m.setattr(schema, "VERSION", 2)
        m.setattr(schema, "GRANTS", V2_GRANTS)
        with psycopg.connect(url) as conn:
            assert schema.init(conn).after == 2
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT * FROM desk400.push_cases('2', %s::uuid[], %s::uuid[], %s::text[], %s::text[],"
            " %s::text[], %s::int[], %s::text[], %s::text[], %s::text[])",
            [[str(uuid.uuid4())], [case_id := str(uuid.uuid4())], ["XH01-20261208-001"], ["400"],
             ['{"customer.name": "甲公司", "@status": "printed"}'], [0], ["2026-12-08T10:00:00+08:00"],
             [None], [None]],
        )  # fmt: skip
        before = conn.execute("SELECT count(*), max(change_seq) FROM desk400.cases").fetchone()
        history = conn.execute("SELECT count(*) FROM desk400.history").fetchone()
    with psycopg.connect(url) as conn:
        report = schema.init(conn)
    assert (report.before, report.after) == (2, 3)
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*), max(change_seq) FROM desk400.cases").fetchone() == before
        assert conn.execute("SELECT count(*) FROM desk400.history").fetchone() == history
        role, password, _ = schema.add_desk(conn, "up01")
    b = open_store("b")
    with SyncEngine(b, connector(pg_server.url("hall_upgrade", role, password))) as eng:
        eng.sync_once()
    assert b.get(case_id).fields == {"customer.name": "甲公司"} and b.get(case_id).status == "printed"


def test_the_latest_print_is_the_latest_printed_wherever_and_whenever_it_arrived(open_store, example_values):
    """A print made earlier elsewhere, pulled after a later one made here, is not the latest."""
    from desktop.store.prints import PrintRecord

    a = open_store("a")
    case = a.create(example_values)
    a.record_print(case.id, case.revision, documents=["agreement"], pages=2, digest="b" * 64)
    here = a.prints(case.id)[0]
    earlier = PrintRecord(0, case.id, "2000-01-01T09:00:00+08:00", "XH09", ("agreement",), 2, "c" * 64)
    assert a.keep_pulled_prints([earlier, earlier]) == 1  # each row once
    assert [p.digest for p in a.prints(case.id)] == ["b" * 64, "c" * 64]
    assert a.get(case.id).last_print == "b" * 64 and here.at > earlier.at


def test_a_page_both_desks_hold_is_kept_once_on_each(desks, example_values):
    """The same signed page reached both desks (scanned at one, carried in a sealed case file to
    the other): the hall's copy does not make it twice anywhere."""
    a, b, eng = desks
    case = a.create(example_values)
    eng["b"].sync_once()
    eng["a"].sync_once()
    eng["b"].sync_once()
    page = ScanRow(case.id, SOURCE, "agreement", 1, 1, "d" * 10, picture("JPEG", (1, 1, 1)))
    a.add_scans([page])
    b.add_scans([page])
    for side in "abab":
        eng[side].sync_once()
    assert len(a.scans(case.id)) == 1 and len(b.scans(case.id)) == 1
