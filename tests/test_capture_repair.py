"""Check-digit repair (desktop.capture.repair): a unique fix is made and marked, anything else is
left as read; the lowest-confidence character is tried first."""

from __future__ import annotations

from datetime import date

from capture_images import id_number, uscc

from desktop.capture.repair import CONFUSABLE, repair_id_number, repair_uscc

TODAY = date(2026, 12, 7)
SURE = [1.0] * 18


def test_valid_codes_are_kept_as_read():
    assert repair_uscc(uscc(), SURE).valid and not repair_uscc(uscc(), SURE).repaired
    assert repair_id_number(id_number(), SURE, today=TODAY).repaired is False


def test_single_confusion_in_credit_code_is_repaired():
    good = uscc("91330106", "MA2B8C5D")
    outcome = repair_uscc(good[:12] + "B" + good[13:], SURE)
    assert (outcome.value, outcome.valid, outcome.repaired, outcome.position) == (good, True, True, 12)


def test_lowest_confidence_character_is_the_one_repaired():
    good = id_number()
    wrong = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    doubt = [1.0] * 18
    doubt[10] = 0.42
    outcome = repair_id_number(wrong, doubt, today=TODAY)
    assert outcome.value == good and outcome.repaired and outcome.position == 10


def test_ambiguous_id_is_never_guessed():
    """Every single OCR confusion of a digit: a repair, when made, is the right number (the only
    candidate that passes is the true one), and the rest are left invalid, as read."""
    good = id_number()
    results = []
    for i in range(18):
        for digit in CONFUSABLE.get(good[i], ""):
            if digit.isdigit():
                results.append(repair_id_number(good[:i] + digit + good[i + 1 :], SURE, today=TODAY))
    assert any(not r.valid for r in results)  # some single errors have no unique fix …
    assert all(r.value == good for r in results if r.repaired)  # … and no repair is ever wrong
    for r in results:
        if not r.valid:
            assert not r.repaired


def test_wrong_length_is_not_repaired():
    outcome = repair_uscc(uscc()[:17], [1.0] * 17)
    assert not outcome.valid and not outcome.repaired
