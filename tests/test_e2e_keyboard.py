"""The real app under Xvfb, driven by real X key events (xdotool), keyboard only.

Offscreen Qt does not move focus or handle keys as a desktop does; this drives the installed entry
point the way an agent at a counter does: Ctrl+N, Tab through every field in document order,
Alt+2…4, choice groups with the arrows and Space, Ctrl+Shift+S into a file name typed in Qt's own
(Chinese) save dialog. The PDF must then hold every value in its blank: it reads exactly like the
example case's PDF rendered from its file, page by page.
"""

from __future__ import annotations

import ctypes
import ctypes.util
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
# The line under each page's QR: the case number (or a case file's id) and the page, furniture too.
QR_CAPTION = re.compile(r"[A-Za-z0-9._-]+第\d+页")

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("xmodmap")),
    reason="needs Xvfb, xdotool and xmodmap (scripts/system-deps installs them)",
)


def free_display() -> int:
    for number in range(71, 199):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display")


@pytest.fixture
def display():
    number = free_display()
    # -noreset: an X server resets itself (its keymap included) whenever its last client leaves;
    # keymap_with's xmodmap was that client, so the keys prepared for the test's characters were
    # gone before the app connected, and every Chinese character went through xdotool's spare-key
    # remapping, which loses or doubles characters under load: the test's flakes (issue 23).
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1366x768x24", "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    # The socket appears before the server takes clients: wait until one can connect (else the
    # first xdotool call fails now and then with "Can't open display").
    env = {**os.environ, "DISPLAY": f":{number}"}
    while subprocess.run(["xdotool", "getmouselocation"], env=env, capture_output=True).returncode != 0:
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("Xvfb did not take clients")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(10)


WAIT_S = 90  # generous: a loaded 2-core CI machine takes seconds where a desk takes milliseconds


def wait_for(condition, what: str, timeout: float = WAIT_S):
    """Poll `condition` until it returns something true; fail naming `what` after `timeout` s.
    The test waits on what the app shows (a window, its title, the X focus, a file), never for a
    fixed time: under load a sleep is too short, unloaded it is wasted."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.05)


class Keyboard:
    """xdotool's real key events into whatever has the X focus.

    X delivers a client's events in order, so keys need no pause between them while the focus
    stays in one window; what needs waiting for is a window appearing, taking the focus, or going
    (a key sent before a dialog has the focus goes to the window under it)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.window = ""  # the main window's X id, once found

    def attempt(self, *args: str) -> subprocess.CompletedProcess:
        for _attempt in range(10):
            done = subprocess.run(
                ["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=60
            )
            # On a loaded machine the X server now and then refuses a connection: try again.
            if "Can't open display" not in done.stderr:
                break
            time.sleep(0.5)
        return done

    def run(self, *args: str) -> str:
        done = self.attempt(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def key(self, *keys: str) -> None:
        self.run("key", "--delay", "40", *keys)

    def type(self, text: str) -> None:
        """ASCII through `xdotool type`; every other character pressed by its key's code (the
        key keymap_with put it on) through XTest directly.

        `xdotool type` remaps a spare key for such characters even when the keymap holds them,
        and under load the app reads the key after the next remapping: a character is lost or
        doubled (「杭州云栖」 arrived as 「州云栖」 and 「杭栖栖」). A key code whose mapping never
        changes (the display fixture's -noreset keeps it) cannot be read wrong: no pause."""
        for ascii_run, chars in re.findall(r"([\x00-\x7f]*)([^\x00-\x7f]*)", text):
            if ascii_run:
                self.run("type", "--delay", "25", ascii_run)
            if chars:
                press_keycodes(self.env["DISPLAY"], [KEYCODES[self.env["DISPLAY"]][ch] for ch in chars])

    def field(self, text: str | None) -> None:
        """Type into the field under the cursor (or leave it as it is) and Tab to the next."""
        if text is not None:
            self.type(text)
        self.key("Tab")

    def visible(self, name: str) -> list[str]:
        """The X ids of visible windows whose title matches `name` (a regular expression)."""
        return self.attempt("search", "--onlyvisible", "--name", name).stdout.split()

    def focused(self) -> str:
        return self.attempt("getwindowfocus").stdout.strip()

    def focus(self, window: str, what: str) -> None:
        """Give `window` the X focus and wait until it has it (without a window manager nothing
        gives it back when a dialog closes)."""

        def has_it() -> bool:
            if self.focused() == window:
                return True
            self.attempt("windowfocus", window)
            return False

        wait_for(has_it, f"{what} did not take the keyboard focus")

    def dialog(self, name: str) -> str:
        """Wait for the window titled `name` and for it to have the focus; its X id."""
        window = wait_for(
            lambda: self.visible(name), f"the window 「{name}」 did not open; open: {titles(self)}"
        )[0]
        self.focus(window, f"「{name}」")
        return window

    def gone(self, name: str) -> None:
        wait_for(lambda: not self.visible(name), f"the window 「{name}」 did not close")

    def back_to_window(self) -> None:
        self.focus(self.window, "the main window")


KEYCODES: dict[str, dict[str, int]] = {}  # display -> the key each non-ASCII character is on


def press_keycodes(display: str, codes: list[int]) -> None:
    """Press and release each key code in turn through the XTest extension (libXtst), waiting
    until the X server has taken every event (XSync) before returning."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11"))
    xtst = ctypes.CDLL(ctypes.util.find_library("Xtst"))
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
    connection = x11.XOpenDisplay(display.encode())
    assert connection, f"cannot open display {display}"
    try:
        for code in codes:
            xtst.XTestFakeKeyEvent(connection, code, 1, 0)
            xtst.XTestFakeKeyEvent(connection, code, 0, 25)  # released 25 ms later, as typed
            x11.XSync(connection, 0)
    finally:
        x11.XCloseDisplay(connection)


def keymap_with(chars: set[str], env: dict[str, str]) -> dict[str, int]:
    """Put every character the test types into the X keymap first (over unused XF86 keys).

    Otherwise xdotool remaps one spare key per character while typing, and under load the client
    can read a key before its new mapping arrives: a character is lost that the agent did type.
    """
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
    mapped = subprocess.run(["xmodmap", "-pke"], env=env, capture_output=True, text=True, check=True).stdout
    for code, ch in zip(free, wanted, strict=False):
        assert re.search(rf"^keycode +{code} = U{ord(ch):04X}\b", mapped, re.M | re.I), (
            f"key {code} not mapped"
        )
    return dict(zip(wanted, free, strict=False))


def app_env(display: str, tmp_path: Path, values: dict) -> dict[str, str]:
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "DESK400_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
        # No printer, whatever the machine has: the print dialog then prints to the PDF file it
        # proposes (a CUPS printer would take the test's print).
        "CUPS_SERVER": str(tmp_path / "no-cups.sock"),
    }
    env.pop("WAYLAND_DISPLAY", None)
    KEYCODES[display] = keymap_with(
        {ch for value in values.values() for ch in str(value) if not ch.isascii()}, env
    )
    return env


def start_app(env: dict[str, str], db: Path, log: Path) -> tuple[subprocess.Popen, Keyboard]:
    """The real entry point; the first start's 营业厅设置 step is skipped with Escape. The app's
    output goes to `log` (a pipe nobody reads would block it once full)."""
    with log.open("w", encoding="utf-8") as out:
        app = subprocess.Popen(
            [sys.executable, "-m", "desktop", "--db", str(db)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    keys = Keyboard(env)
    keys.dialog("营业厅设置")
    keys.key("Escape")  # 跳过，稍后在设置中填写
    keys.gone("营业厅设置")
    # The drafts file opens right after the first paint; then the window shows the new case.
    keys.window = keys.dialog("^新案卷 - 400业务申请资料$")
    return app, keys


def stop_app(app: subprocess.Popen, log: Path) -> str:
    if app.poll() is None:
        app.terminate()
    try:
        app.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait()
    return log.read_text(encoding="utf-8", errors="replace")


def type_case(keys: Keyboard, v: dict) -> None:
    """The example case, field by field, keyboard only (Ctrl+N first)."""
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


def save_pdf(keys: Keyboard, target: Path) -> None:
    """Ctrl+Shift+S and a file name typed in Qt's own (Chinese) save dialog; waits for the file."""
    keys.key("ctrl+shift+s")
    keys.dialog("另存为 PDF")
    keys.key("ctrl+a")
    keys.type(str(target))
    keys.key("Return")
    keys.gone("另存为 PDF")
    wait_for(target.exists, "the PDF was not written")
    keys.back_to_window()


def title_with(keys: Keyboard, text: str) -> str:
    """The main window's title once it holds `text` (fails naming the windows open otherwise)."""
    return wait_for(
        lambda: text in (name := keys.attempt("getwindowname", keys.window).stdout) and name,
        f"the title never held 「{text}」 (windows: {titles(keys)})",
    )


def titles(keys: Keyboard) -> list[str]:
    """Every visible window's title (what a failed wait reports)."""
    done = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."], env=keys.env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    return [keys.run("getwindowname", w).strip() for w in done.stdout.split()]


def test_a_whole_case_typed_with_the_keyboard_prints_every_value_in_its_blank(display, tmp_path):
    values = json.loads(EXAMPLE.read_text(encoding="utf-8"))["fields"]
    env = app_env(display, tmp_path, values)
    log = tmp_path / "app.log"
    app, keys = start_app(env, tmp_path / "drafts.sqlite", log)
    target = tmp_path / "bundle.pdf"
    try:
        type_case(keys, values)
        save_pdf(keys, target)
    finally:
        output = stop_app(app, log)
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


def test_print_edit_changed_reprint_and_the_print_log(display, tmp_path):
    """Issue 23: a case typed and printed (a final PDF is a print), then edited: the window says
    打印后有修改; printed again through Ctrl+P's print dialog it is 已打印, and 打印记录 (Ctrl+J)
    opens on the case and lists both prints."""
    values = json.loads(EXAMPLE.read_text(encoding="utf-8"))["fields"]
    env = app_env(display, tmp_path, values)
    db = tmp_path / "drafts.sqlite"
    log = tmp_path / "app.log"
    app, keys = start_app(env, db, log)
    try:
        type_case(keys, values)
        save_pdf(keys, tmp_path / "first.pdf")
        number = title_with(keys, "已打印 - 400业务申请资料").split(" · ")[0]
        keys.key("alt+1")  # the cursor in 经办人, the first field
        keys.key("ctrl+a")
        keys.type(values["contact.name"])  # a printed value changed
        keys.key("Tab")
        title_with(keys, "打印后有修改")
        # 重新打印 through Ctrl+P and the system print dialog; without a printer it prints to the
        # PDF file it proposes (in the home folder, named for the customer): the vector PDF.
        reprinted = tmp_path / f"{values['customer.name']}.pdf"
        keys.key("ctrl+p")
        keys.dialog("打印 400 业务申请资料")
        keys.key("Return")
        keys.gone("打印 400 业务申请资料")
        wait_for(reprinted.exists, "the print dialog's PDF was not written")
        keys.back_to_window()
        title_with(keys, "已打印 - 400业务申请资料")
        keys.key("ctrl+j")
        keys.dialog(f"打印记录 · {number}")  # the log of this case, by its number
        keys.key("Escape")
        keys.gone("打印记录")
        keys.back_to_window()
        keys.key("ctrl+q")
        app.wait(WAIT_S)
    finally:
        output = stop_app(app, log)
    assert "Traceback" not in output, output
    from desktop.domain.forms import default_bundle
    from desktop.store import Store

    bundle = default_bundle()
    os.environ["DESK400_DATA_DIR"] = env["DESK400_DATA_DIR"]
    with Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False) as store:
        (summary,) = store.list_cases().items
        rows = store.prints(summary.id)
        assert len(rows) == 2 and rows[0].digest != rows[1].digest
        assert store.get(summary.id).status == "printed"
    # What the print dialog wrote is the bundle's own PDF: text on every page, the edit in it.
    printed = [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(str(reprinted)).pages]
    assert all(printed) and values["customer.name"] in printed[0]
    assert len(printed) == rows[0].pages


def pages(path: Path) -> list[str]:
    """Each page's text without spaces; the header (case number or id), the QR's caption and the
    page count left out."""
    out = []
    for page in PdfReader(str(path)).pages:
        lines = [re.sub(r"\s+", "", line) for line in page.extract_text().splitlines()]
        kept = [
            line
            for line in lines
            if line
            and not line.startswith("案卷编号")
            and not PAGE.fullmatch(line)
            and not QR_CAPTION.fullmatch(line)
        ]
        out.append("\n".join(kept))
    return out
