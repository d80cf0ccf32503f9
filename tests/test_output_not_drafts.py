"""No command writes its output over the drafts file or a file it lives by (review of issues 24
and 25): `handover -o drafts.sqlite` replaced every draft with the package PDF and `export --id ID
-o drafts.sqlite` with a case file, exit 0 both; the drafts file, its key and its backups are
refused as outputs, exit 2 in one Chinese line, nothing written."""

from __future__ import annotations

import pytest
from capture_images import encoded, licence_image

from desktop.cli import main
from desktop.domain.status import SIGNED
from desktop.files import paths
from desktop.store import images
from tests.paper_scans import Desk, open_store


@pytest.fixture
def desk(db, bundle, tmp_path) -> Desk:
    return Desk(db, bundle, tmp_path)


def test_no_output_lands_on_the_drafts_file_its_key_or_its_backups(desk, bundle, example_values, capsys):
    case_id, number = desk.case(example_values)
    with open_store(desk.db, bundle) as store:
        images.keep(store.db, case_id, "licence", encoded(licence_image(dpi=60)), "2026-12-07T10:00:00+08:00")
    assert desk.scan_in(desk.scan(desk.signed(case_id, "print"), "signed")) == 0
    capsys.readouterr()
    key = desk.db.with_name(desk.db.name + ".key")
    backups = desk.db.with_name(desk.db.name + ".backups")
    kept = {p: p.read_bytes() for p in (desk.db, key)}
    db = ["--db", str(desk.db)]
    for target in (desk.db, key, backups / "today.sqlite", desk.db.parent / "." / desk.db.name):
        for command in (
            ["handover", *db, "--id", number, "-o", str(target)],
            ["export", *db, "--id", case_id, "-o", str(target)],
            ["render", *db, "--id", number, "-o", str(target)],
        ):
            code = main(command)
            err = capsys.readouterr().err
            assert code == 2 and err.count("\n") == 1 and "是草稿文件 drafts.sqlite 本身" in err, (
                command,
                err,
            )
            assert {p: p.read_bytes() for p in kept} == kept
    assert desk.status(case_id) == SIGNED


def test_a_file_beside_the_drafts_file_is_not_one_of_its_own(tmp_path):
    drafts = tmp_path / "drafts.sqlite"
    assert paths.is_drafts_companion(drafts, tmp_path / "drafts.sqlite-wal")
    assert not paths.is_drafts_companion(drafts, tmp_path / "package.pdf")
    assert not paths.is_drafts_companion(drafts, tmp_path / "drafts.sqlite2")
    assert not paths.is_drafts_companion(drafts, tmp_path / "sub" / "drafts.sqlite")
