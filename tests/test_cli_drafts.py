"""`--db` names a drafts file: anything else is refused untouched, export never creates one, and
self-test never touches it (docs/case-file.md, "Files the commands touch")."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from test_store_helpers import EXAMPLE, open_at

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "example-case.json"


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_a_case_file_given_as_db_is_refused_and_left_alone(tmp_path):
    case = tmp_path / "case.json"
    case.write_bytes(CASE.read_bytes())
    result = run("import", "--db", case, CASE)
    assert result.returncode == 2
    assert "不是 desk400 的草稿文件" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert case.read_bytes() == CASE.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.json"]


def test_another_sqlite_file_given_as_db_is_refused_and_left_alone(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    result = run("export", "--db", other, "--all", "-o", tmp_path / "out")
    assert result.returncode == 2 and "不是 desk400 的草稿文件" in result.stderr
    assert other.read_bytes() == before and not (tmp_path / "out").exists()


def test_export_from_a_missing_drafts_file_creates_nothing(tmp_path):
    typo = tmp_path / "drafst.sqlite"
    result = run("export", "--db", typo, "--all", "-o", tmp_path / "out")
    assert result.returncode == 2
    assert "没有草稿文件" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_self_test_never_touches_the_users_drafts_file(tmp_path):
    path = tmp_path / "drafts.sqlite"
    with open_at(path) as store:
        store.create(EXAMPLE)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = run("self-test", "--db", path)
    assert result.returncode == 0, result.stdout + result.stderr
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before
