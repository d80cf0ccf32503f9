"""The ID reader's WebSocket back-end against a fake vendor service on 127.0.0.1 (websockets' sync
server in a thread): the card after status messages, the vendor's error, and hostile replies
(oversized, garbage, silence, a closed connection, nothing listening), each a Chinese
ReaderError naming what to fix."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
import websockets.sync.server
from test_capture_readers import CARD

from desktop.capture.readers import (
    MAX_RECORD_BYTES,
    HttpReader,
    ReaderError,
    WebSocketReader,
    reader_for_url,
)

Script = Callable[[websockets.sync.server.ServerConnection], None]


@pytest.fixture
def vendor_ws() -> Iterator[tuple[str, list[Script], list[str]]]:
    """A service on a free port; each connection runs the next script; requests are recorded."""
    scripts: list[Script] = []
    requests: list[str] = []

    def handler(connection: websockets.sync.server.ServerConnection) -> None:
        requests.append(str(connection.recv(timeout=5)))
        scripts.pop(0)(connection)

    server = websockets.sync.server.serve(handler, "127.0.0.1", 0, max_size=None, compression=None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/idcard", scripts, requests
    server.shutdown()
    thread.join(5)


def _sends(*messages: str | bytes) -> Script:
    def script(connection: websockets.sync.server.ServerConnection) -> None:
        for message in messages:
            connection.send(message)
        try:
            connection.recv(timeout=5)  # until the client closes
        except Exception:  # noqa: BLE001 (the client closing is the end of the script)
            pass

    return script


def test_the_card_arrives_after_status_messages(vendor_ws):
    url, scripts, requests = vendor_ws
    card = json.dumps({"code": 0, "data": CARD}, ensure_ascii=False)
    scripts.append(_sends('{"status": "请放卡"}', '{"status": "读卡中"}', card))
    record = WebSocketReader(url, timeout=5).read()
    assert requests == ['{"cmd": "read"}']
    assert (record.name, record.id_number, record.valid_to, record.source) == (
        "李小梅", "330106199003071236", "20400102", "chip",
    )  # fmt: skip
    assert record.photo == b"\x89PNG fake photo"


def test_the_setting_chooses_the_back_end_by_scheme(vendor_ws):
    url, scripts, _requests = vendor_ws
    assert isinstance(reader_for_url(url), WebSocketReader)
    assert isinstance(reader_for_url("WSS://127.0.0.1:1/x"), WebSocketReader)
    assert isinstance(reader_for_url("http://127.0.0.1:1/readcard"), HttpReader)
    scripts.append(_sends(json.dumps(CARD, ensure_ascii=False).encode()))  # a binary frame too
    assert reader_for_url(url).read().address == "浙江省杭州市西湖区文三路100号"


def test_the_vendors_error_is_passed_on(vendor_ws):
    url, scripts, _requests = vendor_ws
    scripts.append(_sends(json.dumps({"ok": False, "error": "未检测到身份证"}, ensure_ascii=False)))
    with pytest.raises(ReaderError, match="读卡失败：未检测到身份证，请重新放卡"):
        WebSocketReader(url, timeout=5).read()


def test_an_oversized_reply_is_refused_not_read(vendor_ws):
    url, scripts, _requests = vendor_ws
    scripts.append(_sends("x" * (MAX_RECORD_BYTES + 10)))
    with pytest.raises(ReaderError, match="数据过大"):
        WebSocketReader(url, timeout=5).read()


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (b"\xff\xfe\x00garbage", "应为 JSON"),
        ("<html>500</html>", "应为 JSON"),
        ("[1, 2, 3]", "JSON 对象"),
        ('{"data": "not a card"}', "格式不对"),
    ],
    ids=["bytes", "html", "array", "no-record"],
)
def test_garbage_is_a_chinese_error(vendor_ws, reply, says):
    url, scripts, _requests = vendor_ws
    scripts.append(_sends(reply))
    with pytest.raises(ReaderError, match=says):
        WebSocketReader(url, timeout=5).read()


def test_silence_and_endless_status_end_in_time(vendor_ws):
    url, scripts, _requests = vendor_ws
    scripts.append(_sends())  # says nothing
    with pytest.raises(ReaderError, match=r"1 秒内没有给出身份证信息.*「设置」里的「读卡器服务地址」"):
        WebSocketReader(url, timeout=1).read()
    scripts.append(_sends(*['{"status": "请放卡"}'] * 40))
    with pytest.raises(ReaderError, match="一直没有给出身份证信息"):
        WebSocketReader(url, timeout=5).read()


def test_a_closed_connection_and_no_service(vendor_ws):
    url, scripts, _requests = vendor_ws
    scripts.append(lambda connection: connection.close())
    with pytest.raises(ReaderError, match="断开了连接"):
        WebSocketReader(url, timeout=5).read()
    with pytest.raises(ReaderError, match="连不上读卡器服务.*「设置」里的「读卡器服务地址」"):
        WebSocketReader("ws://127.0.0.1:9/idcard", timeout=2).read()
    with pytest.raises(ReaderError, match="连不上读卡器服务"):
        WebSocketReader("ws://", timeout=2).read()
