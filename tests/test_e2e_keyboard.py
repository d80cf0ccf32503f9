"""The real app under Xvfb, driven by real X key events (xdotool), keyboard only.

Offscreen Qt does not move focus or handle keys as a desktop does; this drives the installed entry
point the way an agent at a counter does: Ctrl+N, Tab through every field in document order,
Alt+2…4, choice groups with the arrows and Space, Ctrl+Shift+S into a file name typed in Qt's own
(Chinese) save dialog. The PDF must then hold every value in its blank: it reads exactly like the
example case's PDF rendered from its file, page by page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "example-case.json"
PAGE = re.compile(r"第\d+页共\d+页")

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Xvfb and xdotool (scripts/system-deps installs them)",
)


def free_display() -> int:
    for number in range(71, 199):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display")


@pytest.fixture
def display():
    number = free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(10)


class Keyboard:
    """xdotool's real key events into whatever has the X focus."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def run(self, *args: str) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def key(self, *keys: str) -> None:
        self.run("key", "--delay", "60", *keys)
        time.sleep(0.15)

    def type(self, text: str) -> None:
        # A character outside the keymap makes xdotool remap a spare key first; sent too fast,
        # the client can read the key before the new mapping and lose the character. One call,
        # and a pause, per such character.
        run = ""
        for ch in text:
            if ch.isascii():
                run += ch
                continue
            if run:
                self.run("type", "--delay", "25", run)
                run = ""
            self.run("type", "--delay", "60", ch)
            time.sleep(0.12)
        if run:
            self.run("type", "--delay", "25", run)
        time.sleep(0.1)

    def field(self, text: str | None) -> None:
        """Type into the field under the cursor (or leave it as it is) and Tab to the next."""
        if text is not None:
            self.type(text)
        self.key("Tab")


def keymap_with(chars: set[str], env: dict[str, str]) -> None:
    """Put every character the test types into the X keymap first (over unused XF86 keys).

    Otherwise xdotool remaps one spare key per character while typing, and under load the client
    can read a key before its new mapping arrives: a character is lost that the agent did type.
    """
    if not shutil.which("xmodmap"):
        return  # then xdotool remaps as it types (slower, paced per character)
    table = subprocess.run(["xmodmap", "-pke"], env=env, capture_output=True, text=True, check=True).stdout
    free = []
    for line in table.splitlines():
        code, _eq, *syms = line.split()[1:]
        if all(sym.startswith("XF86") or sym == "NoSymbol" for sym in syms):
            free.append(int(code))
    wanted = sorted(chars)
    assert len(wanted) <= len(free), "the keymap has too few unused keys for the test's characters"
    # One character a key, on both levels: typing it never needs Shift (a character on a key's
    # shifted level was once lost under load, its Shift press and key press racing).
    script = "\n".join(
        f"keycode {code} = U{ord(ch):04X} U{ord(ch):04X}" for code, ch in zip(free, wanted, strict=False)
    )
    subprocess.run(["xmodmap", "-"], input=script, env=env, text=True, check=True)


def test_a_whole_case_typed_with_the_keyboard_prints_every_value_in_its_blank(display, tmp_path):
    values = json.loads(EXAMPLE.read_text(encoding="utf-8"))["fields"]
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "DESK400_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
    }
    env.pop("WAYLAND_DISPLAY", None)
    keymap_with({ch for value in values.values() for ch in str(value) if not ch.isascii()}, env)
    app = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--db", str(tmp_path / "drafts.sqlite")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    keys = Keyboard(env)
    try:
        window = keys.run("search", "--sync", "--onlyvisible", "--name", "400业务申请资料").split()[0]
        keys.run("windowfocus", "--sync", window)
        time.sleep(1.0)  # the drafts file opens right after the first paint
        v = values
        keys.key("ctrl+n")
        # 授权委托书: 经办人, 身份证, 公司名称, 日期
        keys.field(v["handler.name"])
        keys.field(v["handler.id_number"])
        keys.field(v["customer.name"])
        keys.field(v["authorization.date"])  # the grey default is selected: typing replaces it
        # 业务需求单
        keys.key("alt+2")
        keys.field(v["application.date"])
        keys.field(v["application.serial"])
        keys.field(None)  # 公司名称: typed on the first tab, the same value everywhere
        keys.field(v["customer.license_no"])
        keys.field(None)  # 企业组织代码: filled from the licence, kept
        keys.field(v["customer.address"])
        keys.field(v["contact.name"])
        keys.field(v["contact.phone"])
        keys.field(v["customer.postcode"])
        keys.key("space")  # 业务类别: the first box, 开通
        keys.key("Tab")
        keys.field(v["number.n400"])
        keys.field(v["number.open_date"])
        keys.field(v["number.small"])
        keys.field(v["number.destinations"][0])
        keys.field(v["number.destinations"][1])
        keys.field(None)  # the third destination stays empty
        keys.field(v["notes"])
        keys.field(None)  # 经办人 again
        keys.field(v["handler.phone"])
        keys.field(v["handler.mobile"])
        keys.field(v["handler.email"])
        keys.field(v["agency.name"])
        keys.field(v["agency.handler"])
        # 安全服务协议: scope with the arrows (international → national), usage boxes with Space
        keys.key("alt+3")
        keys.key("Right")
        keys.key("Tab")
        keys.key("Right", "space", "Right", "space")  # 营销, 热线电话
        keys.key("Tab")
        keys.field(None)  # 甲方 (公司名称)
        keys.field(v["agreement.date_a"])
        keys.field(str(v["agreement.term_years"]))
        keys.field(v["agreement.date_b"])
        # 信息安全承诺书: 九、其它 empty, the signer left to follow the handler
        keys.key("alt+4")
        for _ in range(6):
            keys.key("Tab")
        keys.type(v["commitment.date"])
        keys.key("Tab")
        # Save as PDF through Qt's dialog, the name typed by hand.
        target = tmp_path / "bundle.pdf"
        keys.key("ctrl+shift+s")
        keys.run("search", "--sync", "--onlyvisible", "--name", "另存为 PDF")
        time.sleep(0.5)
        keys.key("ctrl+a")
        keys.type(str(target))
        keys.key("Return")
        deadline = time.monotonic() + 30
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert target.exists(), "the PDF was not written"
        time.sleep(0.5)
    finally:
        app.terminate()
        try:
            output, _ = app.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
            output, _ = app.communicate()
    assert "Traceback" not in output, output
    expected = tmp_path / "expected.pdf"
    rendered = subprocess.run(
        [sys.executable, "-m", "desktop", "render", str(EXAMPLE), "-o", str(expected)],
        cwd=ROOT,
        env={**env, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rendered.returncode == 0, rendered.stderr
    typed, issued = pages(target), pages(expected)
    # The window adds the agent's materials checklist as a last page (case files carry no ticks).
    assert len(typed) == len(issued) + 1 and typed[-1].startswith("材料清单")
    assert typed[:-1] == issued


def pages(path: Path) -> list[str]:
    """Each page's text without spaces; the header (case number or id) and page count left out."""
    out = []
    for page in PdfReader(str(path)).pages:
        lines = [re.sub(r"\s+", "", line) for line in page.extract_text().splitlines()]
        kept = [
            line for line in lines if line and not line.startswith("案卷编号") and not PAGE.fullmatch(line)
        ]
        out.append("\n".join(kept))
    return out
