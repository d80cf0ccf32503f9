"""ID card reader back-ends: the vendor's HTTP service (a fake one on 127.0.0.1), the helper
process (a fake helper speaking JSON lines), and the file back-end."""

from __future__ import annotations

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from desktop.capture.readers import FileReader, HelperReader, HttpReader, ReaderError

CARD = {
    "partyName": "李小梅",
    "certNumber": "330106199003071236",
    "certAddress": "浙江省杭州市西湖区文三路100号",
    "certOrg": "杭州市公安局西湖分局",
    "effDate": "20200102",
    "expDate": "20400102",
    "identityPic": base64.b64encode(b"\x89PNG fake photo").decode(),
}
HELPER = Path(__file__).with_name("fake_id_helper.py")


@pytest.fixture
def vendor_service():
    answers: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = answers.pop(0)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/readcard", answers
    server.shutdown()
    server.server_close()


def test_http_reader_reads_the_vendor_record(vendor_service):
    url, answers = vendor_service
    answers.append(json.dumps({"code": 0, "data": CARD}, ensure_ascii=False).encode())
    record = HttpReader(url).read()
    assert (record.name, record.id_number, record.issuer, record.valid_to) == (
        "李小梅", "330106199003071236", "杭州市公安局西湖分局", "20400102",
    )  # fmt: skip
    assert record.photo == b"\x89PNG fake photo" and record.source == "chip"
    read = record.to_read()
    assert read.fields["id_number"].confidence == 1.0 and read.complete


def test_http_reader_errors_are_chinese(vendor_service):
    url, answers = vendor_service
    answers.append(json.dumps({"ok": False, "error": "未检测到身份证"}, ensure_ascii=False).encode())
    with pytest.raises(ReaderError, match="未检测到身份证"):
        HttpReader(url).read()
    answers.append(b"<html>not json</html>")
    with pytest.raises(ReaderError, match="JSON"):
        HttpReader(url).read()
    with pytest.raises(ReaderError, match="连不上读卡器服务"):
        HttpReader("http://127.0.0.1:9/readcard", timeout=2).read()


def test_helper_reader_speaks_json_lines():
    reader = HelperReader([sys.executable, str(HELPER), json.dumps(CARD, ensure_ascii=False)])
    try:
        first, second = reader.read(), reader.read()  # one process, two reads
        assert first.name == second.name == "李小梅"
        assert first.valid_from == "20200102"
    finally:
        reader.close()


def test_helper_reader_failure_and_hang():
    failing = HelperReader([sys.executable, str(HELPER), "fail"])
    with pytest.raises(ReaderError, match="未放卡"):
        failing.read()
    failing.close()
    hanging = HelperReader([sys.executable, str(HELPER), "hang"], timeout=1.0)
    with pytest.raises(ReaderError, match="没有回应"):
        hanging.read()
    missing = HelperReader(["/nonexistent/sdtapi-helper.exe"])
    with pytest.raises(ReaderError, match="无法启动"):
        missing.read()


def test_file_reader_json_record(tmp_path):
    path = tmp_path / "card.json"
    path.write_text(json.dumps(CARD, ensure_ascii=False), encoding="utf-8")
    assert FileReader(path).read().address == "浙江省杭州市西湖区文三路100号"
    path.write_text(json.dumps({"partyName": "无号码"}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReaderError, match="没有身份证号码"):
        FileReader(path).read()
