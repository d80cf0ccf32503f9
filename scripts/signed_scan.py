"""A drafts file with the example case printed and a signed, stamped, scanned PDF of that print:
what .ci/run hands the frozen app's `desk400-cli scan-in` (issue 25), made here by the venv with
the paper tests' own scan maker (tests/paper_scans.py), so the frozen app is checked on the same
kind of page the tests check the installed package on.

Usage (the drafts key from DESK400_PASSPHRASE, no keyring, as the frozen app will read it):
    DESK400_PASSPHRASE=... DESK400_DATA_DIR=DIR PYTHONPATH=.:tests python scripts/signed_scan.py DB OUTDIR
Prints the scan's path.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keyring
from keyring.backends import fail
from paper_scans import Desk

from desktop.domain.forms import default_bundle

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    db, out = Path(argv[0]), Path(argv[1])
    keyring.set_keyring(fail.Keyring())  # the passphrase, as in the frozen app's bare environment
    out.mkdir(parents=True, exist_ok=True)
    values = json.loads((ROOT / "examples" / "example-case.json").read_text(encoding="utf-8"))["fields"]
    desk = Desk(db, default_bundle(), out)
    case_id, _number = desk.case(values)
    print(desk.scan(desk.signed(case_id, "print"), "signed"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
