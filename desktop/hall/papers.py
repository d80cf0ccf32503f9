"""The paper trail through the hall (issues 23-25): print-log rows, card images and scanned pages.

Print-log rows travel as they are (the server holds the case's values anyway; a row is its own
identity, so a replay adds nothing). Images and scans travel only sealed (age, pyrage): the
server never holds one in clear. Each attachment is sealed, with its metadata (case, kind, the
scan's page and verdict), to an age key of its own; that key is sealed to the age recipient of
every registered desk (each derives its own from its drafts key, desktop.files.sealing) and to
the hall's (setting hall.age_recipient), one small key row each. A desk that registers later gets
the key re-sealed by the desk that pushed the attachment, or by any desk holding it, never the
payload again. A key row by a desk other than the pusher can be garbage (a hostile desk's): it
is tried, fails, and is skipped with one line; the pusher's own row is what a re-seal checks for.

A desk trusts no attachment it pulls: an oversized, malformed or undecryptable one, one whose
sealed metadata names another case or holds no image, is skipped with one line (kept in the
drafts file's bookkeeping, desktop.store.papers) and the pull goes on. The server bounds what a
desk may write (desktop.hall.schema, version 3): a size per blob, a count per case, a quota
per desk, writes only through its functions stamping session_user.

One round costs one extra statement when nothing moved: the server's latest print row, the
latest key row for this desk and the registered desks are asked together.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
import pyrage

from desktop.files import sealing
from desktop.hall import local
from desktop.hall.connection import SchemaMismatch
from desktop.hall.schema import SCHEMA, VERSION, newer_message
from desktop.store import Store
from desktop.store.escrow import ESCROW_SETTING
from desktop.store.images import KINDS, MAX_IMAGE_BYTES
from desktop.store.papers import IMAGE, PULLED, SCAN, SENT, SKIPPED, documents_of, documents_text
from desktop.store.prints import PrintRecord, check
from desktop.store.scans import ScanRow

MAX_SEALED = 32 * 1024 * 1024  # the server's limit per blob (schema version 3's push_attachment)
MAX_KEY = 1024
MAX_HEADER = 256 * 1024
PRINT_BATCH = 1000
KEY_BATCH = 4  # attachments fetched per statement: at most 4 × MAX_SEALED in memory
PUSH_LIMIT = 200  # attachments pushed per round (the rest next round)
PURPOSE = b"hall attachments"
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"RIFF")

REFUSED = {
    "too_big": "太大（服务器每个附件限 32 MB）",
    "not_sealed": "不是加密的附件",
    "too_many": "这个案卷在服务器上的附件已满 200 个",
}
KIND_LABEL = {IMAGE: "证件图片", SCAN: "签字扫描页"}
DOC = re.compile("[a-z][a-z0-9_]{0,39}", re.ASCII)
HEX = re.compile("[0-9a-f]{1,64}", re.ASCII)


@dataclass
class PaperReport:
    """What one round did with the paper trail, and the lines the agent reads about it."""

    prints_pushed: int = 0
    prints_pulled: int = 0
    attachments_pushed: int = 0
    attachments_pulled: int = 0
    notes: list[str] = field(default_factory=list)


class PaperSync:
    """Carries one Store's print log, images and scans to and from the hall."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Without a drafts key (never so for a real drafts file) there is no identity of this
        # desk's own: the attachments stay here, the print log still travels.
        self.identity = sealing.derived_identity(store.key, PURPOSE) if store.key else None
        self.recipient = str(self.identity.to_public()) if self.identity is not None else None
        self._registered_on: int | None = None
        self.last = PaperReport()  # the latest round's

    def round(self, conn: psycopg.Connection, forgot: bool = False) -> PaperReport:
        """One round on the engine's (autocommit) connection, after its cases were pushed and
        pulled (an attachment needs its case on the server, and here). `forgot`: the round
        removed cases the hall retired, whose papers go too."""
        report = self.last = PaperReport()
        self._adopt()
        if forgot:
            self.store.forget_papers()
        self._register(conn)
        report.prints_pushed = self._push_prints(conn)
        if self.identity is not None:
            report.attachments_pushed = self._push_attachments(conn, report)
        top_print, top_key, desks = conn.execute(
            f"SELECT (SELECT max(seq) FROM {SCHEMA}.prints),"
            f" (SELECT max(seq) FROM {SCHEMA}.attachment_keys WHERE recipient = %s),"
            f" (SELECT count(*) || ' ' || coalesce(max(registered)::text, '') FROM {SCHEMA}.desk_keys)",
            [self.recipient or ""],
        ).fetchone()  # type: ignore[misc]
        if (top_print or 0) > local.get_state(self.store.db, "prints_pulled", 0):
            report.prints_pulled = self._pull_prints(conn)
        if self.identity is not None and (top_key or 0) > local.get_state(self.store.db, "keys_pulled", 0):
            report.attachments_pulled = self._pull_attachments(conn, report)
        seen = f"{desks}|{self.store.setting(ESCROW_SETTING) or ''}"
        if self.identity is not None and seen != local.get_state(self.store.db, "desks_seen"):
            self._reseal(conn)
            self._set("desks_seen", seen)
        return report

    # -- bookkeeping ---------------------------------------------------------------------

    def _adopt(self) -> None:
        """A drafts file pointed at another server sends its papers there afresh."""
        server = local.get_state(self.store.db, "server_id")
        if local.get_state(self.store.db, "papers_server") == server:
            return
        self.store.forget_papers(everything=True)
        for key in ("prints_pushed", "prints_pulled", "keys_pulled", "desks_seen"):
            self._set(key, None if key == "desks_seen" else 0)
        self._set("papers_server", server)

    def _set(self, key: str, value: Any) -> None:
        with local.write(self.store.db):
            local.set_state(self.store.db, key, value)

    def _register(self, conn: psycopg.Connection) -> None:
        """This desk's recipient on the server, once per connection (its drafts key may change)."""
        if self.recipient is None or self._registered_on == id(conn):
            return
        conn.execute(f"SELECT {SCHEMA}.register_desk(%s)", [self.recipient])
        self._registered_on = id(conn)

    def _recipients(self, conn: psycopg.Connection) -> list[str]:
        """Every registered desk's recipient and the hall's (when set): who may open an attachment."""
        found = [r[0] for r in conn.execute(f"SELECT recipient FROM {SCHEMA}.desk_keys").fetchall()]
        hall = self.store.setting(ESCROW_SETTING)
        if hall:
            found.append(str(sealing.recipient(str(hall))))
        return sorted(set(found))

    # -- the print log -------------------------------------------------------------------

    def _push_prints(self, conn: psycopg.Connection) -> int:
        done = 0
        while True:
            after = local.get_state(self.store.db, "prints_pushed", 0)
            rows = self.store.prints_after(after, PRINT_BATCH)
            if not rows:
                return done
            answer = conn.execute(
                f"SELECT {SCHEMA}.push_prints(%s, %b::uuid[], %b::text[], %b::text[], %b::text[],"
                " %b::int[], %b::text[])",
                [
                    str(VERSION),
                    [r.case_id for r in rows],
                    [r.at for r in rows],
                    [r.desk for r in rows],
                    [documents_text(r.documents) for r in rows],
                    [r.pages for r in rows],
                    [r.digest for r in rows],
                ],
            ).fetchone()[0]  # type: ignore[index]
            if answer < 0:
                raise SchemaMismatch(newer_message(VERSION + 1))
            done += answer
            self._set("prints_pushed", rows[-1].seq)
            if len(rows) < PRINT_BATCH:
                return done

    def _pull_prints(self, conn: psycopg.Connection) -> int:
        """Other desks' print-log rows (this desk's own come back too and are known by their
        values); a row that cannot describe a print is left out."""
        added = 0
        while True:
            after = local.get_state(self.store.db, "prints_pulled", 0)
            rows = conn.execute(
                f"SELECT seq, case_id, at, desk, documents, pages, digest FROM {SCHEMA}.prints"
                " WHERE seq > %s ORDER BY seq LIMIT %s",
                [after, PRINT_BATCH],
            ).fetchall()
            if not rows:
                return added
            records = []
            for seq, case_id, at, desk, documents, pages, digest in rows:
                record = PrintRecord(seq, str(case_id), at, desk, documents_of(documents), pages, digest)
                try:
                    check(record.documents, record.pages, record.digest)
                    datetime.fromisoformat(at)
                except (TypeError, ValueError):
                    continue
                records.append(record)
            before, pushed = self.store.print_top(), local.get_state(self.store.db, "prints_pushed", 0)
            added += self.store.keep_pulled_prints(records)
            if pushed == before:  # nothing of this desk's own waiting: the pulled rows need no push
                self._set("prints_pushed", self.store.print_top())
            self._set("prints_pulled", rows[-1][0])
            if len(rows) < PRINT_BATCH:
                return added

    # -- attachments out -----------------------------------------------------------------

    def _push_attachments(self, conn: psycopg.Connection, report: PaperReport) -> int:
        unsent = self.store.unsent_papers(PUSH_LIMIT)
        if not unsent:
            return 0
        recipients = self._recipients(conn)
        done = 0
        for item in unsent:
            payload = self._payload(item.kind, item.seq)
            if payload is None:
                continue
            case_id, plain, what = payload
            att_id = str(uuid.uuid4())
            if len(plain) > MAX_SEALED - 4096:
                reason = f"{what}{REFUSED['too_big']}，未上传到服务器"
                self.store.note_paper(att_id, item.kind, item.seq, case_id, None, SKIPPED, reason)
                report.notes.append(reason)
                continue
            key = pyrage.x25519.Identity.generate()
            sealed = pyrage.encrypt(plain, [key.to_public()])
            keys = [sealing.seal(str(key).encode(), [sealing.recipient(r)]) for r in recipients]
            answer = conn.execute(
                f"SELECT {SCHEMA}.push_attachment(%s, %s, %s, %s, %b, %b::text[], %b::bytea[])",
                [str(VERSION), att_id, case_id, item.kind, sealed, recipients, keys],
            ).fetchone()[0]  # type: ignore[index]
            if answer in ("ok", "exists"):
                self.store.note_paper(att_id, item.kind, item.seq, case_id, str(key), SENT)
                done += 1
            elif answer == "version":
                raise SchemaMismatch(newer_message(VERSION + 1))
            elif answer in REFUSED:
                reason = f"{what}被服务器拒收：{REFUSED[answer]}"
                self.store.note_paper(att_id, item.kind, item.seq, case_id, None, SKIPPED, reason)
                report.notes.append(reason)
            elif answer == "quota":
                report.notes.append(f"{what}暂未上传：本柜台在服务器上的附件已达配额，请联系营业厅管理员")
            # 'no_case': the case is not on the server yet (its push waits): next round.
        return done

    def _payload(self, kind: str, seq: int) -> tuple[str, bytes, str] | None:
        """(case id, the plaintext to seal: one JSON line of metadata then the image, what it is
        in words) for a local image or scan; None when it went meanwhile."""
        if kind == IMAGE:
            image = self.store.paper_image(seq)
            if image is None:
                return None
            head = {"t": IMAGE, "case": image.case_id, "kind": image.kind, "added": image.added}
            return image.case_id, _line(head) + image.data, f"证件图片（{image.kind}）"
        scan = self.store.paper_scan(seq)
        if scan is None:
            return None
        head = {
            "t": SCAN, "case": scan.case_id, "source": scan.source, "doc": scan.doc, "page": scan.page,
            "pages": scan.pages, "digest": scan.digest, "missing": list(scan.missing), "old": scan.old,
            "boxes": [dict(b) for b in scan.boxes], "at": scan.at,
        }  # fmt: skip
        return scan.case_id, _line(head) + scan.image, f"签字扫描页（{scan.doc} 第 {scan.page} 页）"

    def _reseal(self, conn: psycopg.Connection) -> None:
        """Seal the key of every attachment held here for each recipient that has no key row
        from the attachment's pusher or from this desk (a desk or hall key registered later)."""
        held = {h.att_id: h.secret for h in self.store.held_papers()}
        if not held:
            return
        recipients = self._recipients(conn)
        ids = list(held)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            missing = conn.execute(
                f"SELECT a.id, r.recipient FROM {SCHEMA}.attachments a, unnest(%b::text[]) AS r(recipient)"
                " WHERE a.id = ANY(%b::uuid[]) AND NOT EXISTS (SELECT 1 FROM"
                f" {SCHEMA}.attachment_keys k WHERE k.attachment_id = a.id AND k.recipient = r.recipient"
                " AND k.sealed_by IN (a.pushed_by, session_user))",
                [recipients, chunk],
            ).fetchall()
            if not missing:
                continue
            conn.execute(
                f"SELECT {SCHEMA}.push_keys(%b::uuid[], %b::text[], %b::bytea[])",
                [
                    [str(m[0]) for m in missing],
                    [m[1] for m in missing],
                    [sealing.seal(held[str(m[0])].encode(), [sealing.recipient(m[1])]) for m in missing],
                ],
            )

    # -- attachments in ------------------------------------------------------------------

    def _pull_attachments(self, conn: psycopg.Connection, report: PaperReport) -> int:
        added = 0
        while True:
            after = local.get_state(self.store.db, "keys_pulled", 0)
            rows = conn.execute(
                f"SELECT k.seq, a.id, a.case_id, a.kind, a.size, CASE WHEN a.size <= %s THEN a.sealed END,"
                f" CASE WHEN length(k.sealed) <= %s THEN k.sealed END FROM {SCHEMA}.attachment_keys k"
                f" JOIN {SCHEMA}.attachments a ON a.id = k.attachment_id"
                " WHERE k.recipient = %s AND k.seq > %s ORDER BY k.seq LIMIT %s",
                [MAX_SEALED, MAX_KEY, self.recipient, after, KEY_BATCH],
            ).fetchall()
            if not rows:
                return added
            for _seq, att_id, case_id, kind, size, sealed, key in rows:
                note = self._take(str(att_id), str(case_id), kind, size, sealed, key)
                if note is True:
                    added += 1
                elif note:
                    report.notes.append(note)
            self._set("keys_pulled", rows[-1][0])
            if len(rows) < KEY_BATCH:
                return added

    def _take(
        self, att_id: str, case_id: str, kind: str, size: int, sealed: bytes | None, key: bytes | None
    ) -> bool | str | None:
        """Keep one pulled attachment: True when kept, None when there is nothing to do, else the
        one line saying why it was skipped (noted, so a valid key row from another desk may
        still open it later)."""
        if self.store.paper_state(att_id) in (SENT, PULLED):
            return None
        what = KIND_LABEL.get(kind, "附件")
        try:
            if sealed is None or key is None:
                raise Skipped(f"太大（{size} 字节）")
            secret, identity = self._key(bytes(key))
            plain = _open_with(bytes(sealed), identity)
            head, data = _split(plain)
            if head.get("case") != case_id or head.get("t") != kind:
                raise Skipped("内容与服务器上登记的案卷不符")
            _check_image(data)
            kept = (
                self.store.keep_pulled_image(att_id, secret, case_id, *_image(head), data=data)
                if kind == IMAGE
                else self.store.keep_pulled_scan(att_id, secret, _scan(head, case_id, data))
            )
        except Skipped as exc:
            line = f"服务器上案卷 {case_id[:8]} 的{what}已跳过：{exc}"
            self.store.note_paper(
                att_id, kind if kind in KIND_LABEL else SCAN, None, case_id, None, SKIPPED, line
            )
            return line
        if not kept:
            line = f"服务器上案卷 {case_id[:8]} 的{what}已跳过：本机没有这个案卷"
            self.store.note_paper(att_id, kind, None, case_id, None, SKIPPED, line)
            return line
        return True

    def _key(self, data: bytes) -> tuple[str, Any]:
        """The attachment's own key from a key row sealed to this desk."""
        try:
            secret = pyrage.decrypt(data, [self.identity]).decode("ascii")
            return secret, pyrage.x25519.Identity.from_str(secret)
        except (pyrage.DecryptError, pyrage.IdentityError, ValueError, TypeError):
            raise Skipped("附件密钥无法用本柜台的密钥解开") from None


class Skipped(Exception):
    """A pulled attachment this desk does not keep; the message says why, in Chinese."""


def _open_with(data: bytes, identity: Any) -> bytes:
    try:
        return pyrage.decrypt(data, [identity])
    except (pyrage.DecryptError, ValueError, TypeError):
        raise Skipped("内容无法解密（已损坏或不是本营业厅的附件）") from None


def _line(head: dict[str, Any]) -> bytes:
    return json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _split(plain: bytes) -> tuple[dict[str, Any], bytes]:
    end = plain.find(b"\n", 0, MAX_HEADER)
    if end < 0:
        raise Skipped("格式不对")
    try:
        head = json.loads(plain[:end])
    except (ValueError, UnicodeDecodeError):
        raise Skipped("格式不对") from None
    if not isinstance(head, dict):
        raise Skipped("格式不对")
    return head, plain[end + 1 :]


def _check_image(data: bytes) -> None:
    if not data or len(data) > MAX_IMAGE_BYTES:
        raise Skipped("图片为空或太大")
    if not data.startswith(IMAGE_MAGIC):
        raise Skipped("不是图片")


def _text(value: Any, limit: int = 500) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise Skipped("格式不对")
    return value


def _whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
        raise Skipped("格式不对")
    return value


def _image(head: dict[str, Any]) -> tuple[str, str]:
    kind = head.get("kind")
    if kind not in KINDS:
        raise Skipped("证件图片的种类不对")
    return kind, _text(head.get("added"), 40)


def _scan(head: dict[str, Any], case_id: str, data: bytes) -> ScanRow:
    page, pages = _whole(head.get("page")), _whole(head.get("pages"))
    missing, boxes = head.get("missing"), head.get("boxes")
    if (
        page > pages
        or not isinstance(missing, list)
        or not isinstance(boxes, list)
        or not all(isinstance(b, dict) for b in boxes)
        or not isinstance(head.get("old"), bool)
    ):
        raise Skipped("格式不对")
    doc, digest = _text(head.get("doc"), 40), _text(head.get("digest"), 64)
    if not DOC.fullmatch(doc) or not HEX.fullmatch(digest):
        raise Skipped("格式不对")
    return ScanRow(
        case_id=case_id, source=_text(head.get("source")), doc=doc, page=page, pages=pages,
        digest=digest, image=data, missing=tuple(_text(m) for m in missing), old=head["old"],
        at=_text(head.get("at"), 40), boxes=tuple(boxes),
    )  # fmt: skip
