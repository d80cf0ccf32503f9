"""ID card readers: one interface, `IdReader.read() -> IdRecord`, and its back-ends.

- HttpReader: the vendor's local service (华视/神思/精伦 ship one on 127.0.0.1) answering a GET
  with the card as JSON;
- WebSocketReader: the same service where the vendor speaks WebSocket (ws://127.0.0.1:…): a read
  request sent, the card pushed back as a JSON message (maybe after status messages);
- HelperReader: a helper process around the vendor DLL (sdtapi.dll, termb.dll), often 32-bit and
  so not loadable in the 64-bit app, speaking JSON lines over stdin/stdout: we write
  {"cmd": "read"}, it answers {"ok": true, "record": {…}} or {"ok": false, "error": "…"};
- FileReader: a JSON record or a photo of the card (read by OCR), what tests and a scan folder use.

Chip data is authoritative (confidence 1.0); OCR is the fallback. Vendors name the fields
differently: the aliases below take the names their services use.
"""

from __future__ import annotations

import base64
import binascii
import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

# The websockets library's sync client: maintained, pure Python with no event loop to run beside
# Qt's, and it enforces what a hostile local service could abuse (a size cap on each message,
# open/close timeouts, the handshake checked); hand-rolling RFC 6455 framing would redo all that.
import websockets.exceptions
import websockets.frames
import websockets.sync.client

from desktop.capture.cards import read_card
from desktop.capture.ocr import NotAnImage, OcrUnavailable
from desktop.capture.record import ID_CARD, IdRecord
from desktop.files.safefile import read_regular, why

# How long a reader may take: a card lifted off the pad mid-read makes some services hang.
READ_TIMEOUT = 10.0
MAX_RECORD_BYTES = 4 * 1024 * 1024
# What a WebSocket service is sent to read the card on its pad (the helper protocol's request).
WS_READ_REQUEST = '{"cmd": "read"}'
# Messages without a card or an error ("请放卡", "读卡中"…) a WebSocket service may send first.
WS_MAX_STATUS_MESSAGES = 16
# The setting an agent changes when the reader service is wrong (设置 → 读取证件).
URL_SETTING = "「设置」里的「读卡器服务地址」"
_ALIASES = {
    "name": ("name", "partyName", "Name", "xm"),
    "sex": ("sex", "gender", "Sex", "xb"),
    "nation": ("nation", "Nation", "mz", "folk"),
    "birth": ("birth", "bornDay", "birthday", "Born", "csrq"),
    "address": ("address", "certAddress", "Address", "zz"),
    "id_number": ("id_number", "certNumber", "IDCode", "cardno", "CardNo", "sfzh"),
    "issuer": ("issuer", "certOrg", "IssuedAt", "qfjg"),
    "valid_from": ("valid_from", "effDate", "EffectedDate", "yxqq"),
    "valid_to": ("valid_to", "expDate", "ExpiredDate", "yxqz"),
    "photo": ("photo", "identityPic", "PhotoBase64", "zp"),
}


class ReaderError(Exception):
    """The reader could not give a card; the message says what to do, in Chinese."""


class IdReader(Protocol):
    def read(self) -> IdRecord:
        """The card on the reader now; ReaderError when there is none or the reader fails."""
        ...


def record_from_json(data: Mapping[str, Any], source: str = "chip") -> IdRecord:
    """An IdRecord from a vendor's JSON object (any of the known field names)."""
    values: dict[str, Any] = {}
    for key, names in _ALIASES.items():
        for name in names:
            value = data.get(name)
            if isinstance(value, str) and value.strip():
                values[key] = value.strip()
                break
    photo = values.pop("photo", "")
    try:
        picture = base64.b64decode(photo, validate=True) if photo else b""
    except (binascii.Error, ValueError):
        picture = b""  # a damaged photo does not cost the agent the card's text
    if not values.get("id_number"):
        raise ReaderError("读卡器返回的数据里没有身份证号码，请重新放卡再读")
    return IdRecord(**values, photo=picture, source=source)


def reader_for_url(url: str, timeout: float = READ_TIMEOUT) -> IdReader:
    """The back-end the URL set in 设置 names: ws:// or wss:// a WebSocket service, else HTTP."""
    if url.lower().startswith(("ws://", "wss://")):
        return WebSocketReader(url, timeout=timeout)
    return HttpReader(url, timeout=timeout)


class HttpReader:
    """The vendor's local HTTP service: GET `url`, a JSON object (maybe under "data") back."""

    def __init__(self, url: str, timeout: float = READ_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout

    def read(self) -> IdRecord:
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_RECORD_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError):
            raise ReaderError(
                f"连不上读卡器服务 {self.url}：请检查读卡器已接好、厂商服务已启动，或在{URL_SETTING}里改地址"
            ) from None
        return _parse_answer(body)


class WebSocketReader:
    """The vendor's local WebSocket service: connect, send `request`, take the card it pushes.

    Everything is bounded: the connection and the whole read by `timeout`, each message by
    MAX_RECORD_BYTES (compression off, so no small message inflates past it), and the status
    messages waited through by WS_MAX_STATUS_MESSAGES; no proxy is used (the service is local).
    """

    def __init__(self, url: str, request: str = WS_READ_REQUEST, timeout: float = READ_TIMEOUT) -> None:
        self.url = url
        self.request = request
        self.timeout = timeout

    def read(self) -> IdRecord:
        deadline = time.monotonic() + self.timeout
        try:
            connection = websockets.sync.client.connect(
                self.url,
                open_timeout=self.timeout,
                close_timeout=1.0,
                max_size=MAX_RECORD_BYTES,
                compression=None,
                proxy=None,
            )
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException, ValueError):
            raise ReaderError(
                f"连不上读卡器服务 {self.url}：请检查读卡器已接好、厂商服务已启动，或在{URL_SETTING}里改地址"
            ) from None
        with connection:
            try:
                connection.send(self.request)
                for _ in range(WS_MAX_STATUS_MESSAGES + 1):
                    message = connection.recv(timeout=max(0.0, deadline - time.monotonic()))
                    body = message.encode("utf-8") if isinstance(message, str) else message
                    record = _card_or_status(body)
                    if record is not None:
                        return record
            except TimeoutError:
                raise ReaderError(
                    f"读卡器服务 {self.url} 在 {self.timeout:g} 秒内没有给出身份证信息：请重新放卡再读；"
                    f"仍不行请重启厂商的读卡服务，或检查{URL_SETTING}"
                ) from None
            except websockets.exceptions.ConnectionClosed as exc:
                if exc.sent is not None and exc.sent.code == websockets.frames.CloseCode.MESSAGE_TOO_BIG:
                    raise ReaderError("读卡器返回的数据过大，不像身份证信息：请检查厂商服务版本") from None
                raise ReaderError(
                    f"读卡器服务 {self.url} 断开了连接：请重新放卡再读；仍不行请重启厂商的读卡服务"
                ) from None
        raise ReaderError(f"读卡器服务 {self.url} 一直没有给出身份证信息：请重新放卡再读")


def _card_or_status(body: bytes) -> IdRecord | None:
    """A WebSocket message: the card, None for a status message (a JSON object with no card, no
    "data"/"record" and no error), ReaderError for anything else."""
    if len(body) <= MAX_RECORD_BYTES:
        try:
            answer = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            answer = None
        if isinstance(answer, dict) and not _carries_card_or_error(answer):
            return None
    return _parse_answer(body)


def _carries_card_or_error(answer: Mapping[str, Any]) -> bool:
    return (
        "record" in answer
        or "data" in answer
        or answer.get("ok") is False
        or bool(answer.get("error"))
        or any(answer.get(name) for name in _ALIASES["id_number"])
    )


def _parse_answer(body: bytes) -> IdRecord:
    if len(body) > MAX_RECORD_BYTES:
        raise ReaderError("读卡器返回的数据过大，不像身份证信息")
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ReaderError("读卡器返回的不是可识别的数据（应为 JSON），请检查厂商服务版本") from None
    if not isinstance(answer, dict):
        raise ReaderError("读卡器返回的不是可识别的数据（应为 JSON 对象）")
    if answer.get("ok") is False or answer.get("error"):
        raise ReaderError(f"读卡失败：{answer.get('error') or '读卡器未给出原因'}，请重新放卡")
    inner = answer.get("record", answer.get("data", answer))
    if not isinstance(inner, dict):
        raise ReaderError("读卡器返回的数据格式不对（缺少身份证信息）")
    return record_from_json(inner)


class HelperReader:
    """A helper process around the vendor DLL, started once and kept, spoken to in JSON lines."""

    def __init__(self, command: Sequence[str], timeout: float = READ_TIMEOUT) -> None:
        self.command = list(command)
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            try:
                self._process = subprocess.Popen(
                    self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
                )
            except OSError:
                raise ReaderError(
                    f"读卡程序 {self.command[0]} 无法启动，请在设置里检查读卡程序的位置"
                ) from None
        return self._process

    def read(self) -> IdRecord:
        with self._lock:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(b'{"cmd": "read"}\n')
                process.stdin.flush()
            except OSError:
                self.close()
                raise ReaderError("读卡程序已退出，请重试；仍不行请重新插拔读卡器") from None
            line = _read_line(process, self.timeout)
            if line is None:
                self.close()
                raise ReaderError("读卡程序没有回应，已停止它：请重新放卡再读")
            return _parse_answer(line)

    def close(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
            self._process = None


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> bytes | None:
    """One line from the helper, or None when it says nothing in `timeout` seconds or exits."""
    result: list[bytes] = []
    reader = threading.Thread(
        target=lambda: result.append(process.stdout.readline(MAX_RECORD_BYTES + 1)),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    if reader.is_alive() or not result or not result[0]:
        return None
    return result[0]


class FileReader:
    """A JSON record (.json) or a photo of the card front (read by OCR) in a file."""

    def __init__(self, path: Path, *, today: date | None = None) -> None:
        self.path = path
        self.today = today

    def read(self) -> IdRecord:
        try:
            data = read_regular(self.path, 64 * 1024 * 1024)
        except OSError as exc:
            raise ReaderError(f"读不了 {self.path.name}：{why(exc)}") from None
        if self.path.suffix.lower() == ".json":
            return _parse_answer(data)
        return ocr_record(data, today=self.today or date.today())


def ocr_record(front: bytes, *, today: date) -> IdRecord:
    """An IdRecord from a photo of the card front, read by OCR (source "ocr")."""
    try:
        read = read_card(ID_CARD, front, today=today)
    except (NotAnImage, OcrUnavailable) as exc:
        raise ReaderError(f"身份证图片无法识别：{exc}") from None
    values = {key: f.value for key, f in read.fields.items()}
    return IdRecord(
        name=values.get("name", ""),
        address=values.get("address", ""),
        id_number=values.get("id_number", ""),
        source="ocr",
    )
