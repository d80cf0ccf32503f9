"""设置 → 服务器: 测试连接 says what happened without freezing the dialog; the password goes to
the keyring, never into the settings; the hall's age key is checked before it is saved."""

from __future__ import annotations

import socket
import time

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QGroupBox

from desktop.hall.connection import KEYRING_SERVICE
from desktop.ui.settings_dialog import SettingsDialog

AGE_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"


@pytest.fixture
def dialog(qtbot, bundle):
    def make(current: dict | None = None) -> SettingsDialog:
        made = SettingsDialog(bundle.settings, current or {})
        qtbot.addWidget(made)
        made.show()
        return made

    return make


def click_test(qtbot, made: SettingsDialog, timeout: int = 15000) -> str:
    """Click 测试连接; the dialog answers events while the attempt runs; the result line."""
    made.test_button.click()
    assert not made.test_button.isEnabled() and made.test_result.text() == "正在连接…"
    qtbot.waitUntil(made.test_button.isEnabled, timeout=timeout)
    return made.test_result.text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_server_rows_are_under_one_heading(dialog):
    made = dialog()
    box = made.findChild(QGroupBox, "settings_server")
    assert box.title() == "服务器"
    for name in ("setting.hall.url", "setting.desk.code", "setting.hall.ca_file", "setting.hall.password",
                 "setting.hall.age_recipient", "hall_test_connection"):  # fmt: skip
        assert box.findChild(QObject, name) is not None, name


def test_a_working_server_says_connected_with_the_role_and_no_password(dialog, qtbot, hall):
    url = hall.desk("st01")
    made = dialog({"hall.url": url})
    text = click_test(qtbot, made)
    assert text.startswith("已连接服务器 127.0.0.1:") and "desk_st01" in text
    password = url.split(":")[2].split("@")[0]
    assert password not in text


def test_a_wrong_password_is_an_authentication_failure(dialog, qtbot, hall):
    url = hall.desk("st02")
    user_only = url.split("://")[0] + "://desk_st02@" + url.split("@")[1]
    made = dialog({"hall.url": user_only})
    made.password.setText("not-the-password-口令")
    text = click_test(qtbot, made)
    assert "拒绝了登录" in text and "not-the-password" not in text


def test_the_typed_password_is_tried_then_kept_in_the_keyring_not_the_settings(
    dialog, qtbot, hall, memory_keyring
):
    url = hall.desk("st03")
    secret = url.split(":")[2].split("@")[0]
    user_only = url.replace(f":{secret}@", "@")
    made = dialog({"hall.url": user_only})
    made.password.setText(secret)
    assert click_test(qtbot, made).startswith("已连接")
    made.accept()
    assert made.result() == QDialog.DialogCode.Accepted
    assert secret not in repr(made.values())
    (entry,) = memory_keyring.store.items()
    assert entry[0][0] == KEYRING_SERVICE and entry[1] == secret
    # Next time the dialog (and the sync) finds it there.
    again = dialog({"hall.url": user_only})
    assert click_test(qtbot, again).startswith("已连接")


def test_without_a_keyring_a_typed_password_keeps_the_dialog_open_and_says_so(dialog, hall):
    made = dialog({"hall.url": "postgresql://desk_x@127.0.0.1:5432/desk400"})
    made.password.setText("secret")
    made.accept()
    assert made.isVisible() and made.result() != QDialog.DialogCode.Accepted
    assert "钥匙串" in made.error.text() and "secret" not in made.error.text()


def test_an_unreachable_port_says_so_and_the_dialog_keeps_answering(dialog, qtbot):
    made = dialog({"hall.url": f"postgresql://desk_x@127.0.0.1:{free_port()}/desk400"})
    text = click_test(qtbot, made)
    assert text.startswith("无法连接服务器 127.0.0.1:")


def test_a_server_that_never_answers_does_not_freeze_the_dialog(dialog, qtbot):
    """A listening socket that never speaks: the attempt waits on its thread; the GUI does not."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        made = dialog({"hall.url": f"postgresql://desk_x@127.0.0.1:{port}/desk400?connect_timeout=2"})
        start = time.monotonic()
        made.test_button.click()
        qtbot.wait(50)  # the event loop runs: the click returned at once
        assert time.monotonic() - start < 1 and not made.test_button.isEnabled()
        made.edits["agency.name"].setText("西湖营业厅")  # the dialog still takes input meanwhile
        qtbot.waitUntil(made.test_button.isEnabled, timeout=15000)
    assert made.test_result.text().startswith("无法连接服务器")


@pytest.mark.parametrize(
    ("url", "ca", "needle"),
    [
        ("postgresql://desk_x@hall-server.example/desk400", "", "CA 证书文件"),
        ("postgresql://desk_x@hall-server.example/desk400?sslmode=require", "", "sslmode=verify-full"),
        ("", "", "请先填写营业厅服务器地址"),
        ("not a url", "", "服务器地址格式不对"),
    ],
)
def test_an_unsafe_or_missing_address_is_refused_before_any_connection(dialog, qtbot, url, ca, needle):
    made = dialog({"hall.url": url, "hall.ca_file": ca})
    assert needle in click_test(qtbot, made)


@pytest.mark.parametrize("bad", ["age1notakey", "AGE-SECRET-KEY-1QQQQ", "ssh-ed25519 AAAA", AGE_KEY[:-1]])
def test_a_malformed_age_key_is_refused_with_a_message(dialog, bad):
    made = dialog()
    made.age.setText(bad)
    made.accept()
    assert made.isVisible() and made.result() != QDialog.DialogCode.Accepted
    assert made.error.text().startswith("营业厅的 age 公钥无效") and made.focusWidget() is made.age


def test_a_good_age_key_is_saved_only_when_it_changed(dialog):
    made = dialog()
    made.age.setText(AGE_KEY)
    made.accept()
    assert made.result() == QDialog.DialogCode.Accepted
    assert made.values()["hall.age_recipient"] == AGE_KEY
    unchanged = dialog({"hall.age_recipient": AGE_KEY})
    assert unchanged.age.text() == AGE_KEY and "hall.age_recipient" not in unchanged.values()
