"""Reading generated licence and ID images (paper-trail.md, "Papers in"): every key field right,
clean and degraded; the credit code repaired and marked; an ambiguous ID left for the agent;
`desk400 read-card` exits 0/1/2 as the contract says; the read works without a network.

One OCR engine is loaded for the session and shared; the images are made small and few.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date

import pytest
from capture_images import (
    IdFront,
    Licence,
    degraded,
    encoded,
    id_back_image,
    id_front_image,
    licence_image,
    uscc,
)

from desktop.capture.cards import read_card
from desktop.capture.keys import default_card_keys, keyed
from desktop.capture.ocr import NotAnImage, OcrEngine, shared_engine
from desktop.capture.repair import repair_id_number
from desktop.cli import main

TODAY = date(2026, 12, 7)
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def engine() -> OcrEngine:
    """The process's one engine, which `desk400 read-card` (main) and the window use too."""
    engine = shared_engine()
    engine.load()
    return engine


def _values(read) -> dict[str, str]:
    return {key: f.value for key, f in read.fields.items()}


@pytest.mark.parametrize(
    "degrade",
    [None, {}, {"rotate": 5, "scale": 1.0}],
    ids=[
        "clean",
        "degraded-150dpi",
        "askew-300dpi",
    ],  # askew: a value's box beside, not level with, its label
)
def test_licence_key_fields(engine, degrade):
    card = Licence()
    img = licence_image(card)
    data = encoded(img if degrade is None else degraded(img, **degrade))
    read = keyed(read_card("licence", data, today=TODAY, engine=engine), default_card_keys()["licence"])
    assert _values(read) == {
        "customer.name": card.name,
        "customer.license_no": card.code,
        "customer.address": card.address,
        "legal_rep": card.legal_rep,
    }
    assert read.complete and not any(f.repaired for f in read.fields.values())


@pytest.mark.parametrize("degrade", [False, True], ids=["clean", "degraded"])
def test_id_front_and_back(engine, degrade, tmp_path, capsys):
    card = IdFront()
    front, back = id_front_image(card), id_back_image()
    if degrade:
        front, back = degraded(front, scale=0.8), degraded(back, scale=0.8)
    (tmp_path / "front.jpg").write_bytes(encoded(front, "JPEG", 85))
    (tmp_path / "back.png").write_bytes(encoded(back))
    assert main(["read-card", "id", str(tmp_path / "front.jpg"), str(tmp_path / "back.png"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["missing"] == [] and out["unrepairable"] == []
    assert {key: f["value"] for key, f in out["fields"].items()} == {
        "handler.name": card.name,
        "handler.id_number": card.number,
        "address": card.address,
        "issuer": "杭州市公安局西湖分局",
        "valid_from": "2020-01-02",
        "valid_to": "2040-01-02",
    }


def test_confusable_character_in_credit_code_is_repaired_and_marked(engine, tmp_path, capsys):
    good = uscc("91330106", "MA2B8C5D")
    assert good[12] == "8"
    printed = good[:12] + "B" + good[13:]  # the letter B where the digit 8 belongs
    path = tmp_path / "licence.png"
    path.write_bytes(encoded(licence_image(Licence(code=printed))))
    assert main(["read-card", "licence", str(path), "--json"]) == 0
    fields = json.loads(capsys.readouterr().out)["fields"]
    assert fields["customer.license_no"]["value"] == good
    assert fields["customer.license_no"]["repaired"] is True
    assert fields["customer.name"]["repaired"] is False


def _ambiguous_id() -> str:
    """A number one digit off whose repair is not unique (found, not hand-picked)."""
    good = IdFront().number
    for i in range(6, 17):
        for digit in "0123456789":
            wrong = good[:i] + digit + good[i + 1 :]
            if wrong != good:
                outcome = repair_id_number(wrong, [1.0] * 18, today=TODAY)
                if not outcome.valid:
                    return wrong
    raise AssertionError("no ambiguous misprint found")


def test_ambiguous_id_number_is_left_for_the_agent(engine, tmp_path, capsys):
    wrong = _ambiguous_id()
    path = tmp_path / "front.png"
    path.write_bytes(encoded(id_front_image(IdFront(number=wrong))))
    assert main(["read-card", "id", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["fields"]["handler.id_number"] == {
        "value": wrong,
        "confidence": out["fields"]["handler.id_number"]["confidence"],
        "repaired": False,
    }
    assert out["unrepairable"] == ["handler.id_number"]
    assert out["missing"] == []  # a back not given is not missing


def test_not_an_image_is_exit_2(tmp_path, capsys):
    path = tmp_path / "licence.png"
    path.write_text("这不是图片", encoding="utf-8")
    assert main(["read-card", "licence", str(path)]) == 2
    err = capsys.readouterr().err
    assert "营业执照图片无法读取" in err and "Traceback" not in err
    with pytest.raises(NotAnImage):
        read_card("id", b"", today=TODAY)


def test_read_without_network_gives_the_same_result(tmp_path):
    """`unshare -n` (root): a process with no network at all reads the same fields."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        pytest.skip("unshare -n is not available here")
    path = tmp_path / "licence.jpg"
    path.write_bytes(encoded(degraded(licence_image(Licence())), "JPEG", 80))
    command = [sys.executable, "-m", "desktop", "read-card", "licence", str(path), "--json"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    offline = subprocess.run(
        ["unshare", "-n", *command], capture_output=True, text=True, env=env, timeout=120
    )
    online = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout)["fields"] == json.loads(online.stdout)["fields"]


def test_models_are_checked_by_hash_and_never_fetched(tmp_path):
    from desktop.capture.ocr import MODELS, OcrUnavailable, model_dir, verify_models

    for name, _digest in MODELS.values():
        (tmp_path / name).write_bytes((model_dir() / name).read_bytes())
    assert set(verify_models(tmp_path)) == {"det", "rec", "cls"}
    damaged = tmp_path / MODELS["rec"][0]
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"x")
    with pytest.raises(OcrUnavailable, match="已损坏"):
        OcrEngine(tmp_path).load()
    (tmp_path / MODELS["det"][0]).unlink()
    with pytest.raises(OcrUnavailable, match="缺失.*不会从网上下载"):
        verify_models(tmp_path)


def test_rapidocr_downloader_is_refused(engine):
    """The guard against rapidocr's own re-download of a missing model (see desktop.capture.ocr)."""
    from rapidocr.utils.download_file import DownloadFile

    from desktop.capture.ocr import OcrUnavailable

    with pytest.raises(OcrUnavailable, match="已阻止"):
        DownloadFile.run(None)


def test_the_models_threads_sleep_instead_of_spinning(engine):
    """On a 2-core laptop spinning onnxruntime threads take the cores the read (and the window's
    GUI thread) need; rapidocr cannot be told, so the engine's sessions are made without it."""
    assert engine.spins is False
