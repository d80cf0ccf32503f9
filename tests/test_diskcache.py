"""The disk cache returns what was built, rebuilds when a source changes or the entry is damaged."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from desktop.domain.forms import default_bundle, load_bundle
from desktop.files import diskcache, paths


def test_hit_miss_change_and_damage(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("one", encoding="utf-8")
    builds = []

    def build():
        builds.append(1)
        return {"text": source.read_text(encoding="utf-8")}

    assert diskcache.cached("t", [source], build, kind=dict) == {"text": "one"}
    assert diskcache.cached("t", [source], build, kind=dict) == {"text": "one"}
    assert len(builds) == 1
    source.write_text("two!", encoding="utf-8")
    os.utime(source, ns=(1, 1))
    assert diskcache.cached("t", [source], build, kind=dict) == {"text": "two!"}
    assert len(builds) == 2
    (entry,) = (paths.data_dir() / "cache").glob("t.pickle")
    entry.write_bytes(b"not a pickle")
    assert diskcache.cached("t", [source], build, kind=dict) == {"text": "two!"}
    assert len(builds) == 3
    assert diskcache.cached("t", [source], lambda: ["wrong kind"], kind=dict) == {"text": "two!"}


def test_another_version_rebuilds(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("one", encoding="utf-8")
    builds = []

    def build():
        builds.append(1)
        return {"n": len(builds)}

    assert diskcache.cached("v", [source], build, kind=dict, version="4.0") == {"n": 1}
    assert diskcache.cached("v", [source], build, kind=dict, version="4.0") == {"n": 1}
    assert diskcache.cached("v", [source], build, kind=dict, version="4.1") == {"n": 2}


def test_missing_source_means_no_cache(tmp_path):
    assert diskcache.cached("m", [tmp_path / "gone"], lambda: {"x": 1}, kind=dict) == {"x": 1}
    assert not list((paths.data_dir() / "cache").glob("m*.pickle"))


def test_cached_bundle_equals_a_fresh_load():
    first, again = default_bundle(), default_bundle()
    assert again == first == load_bundle(paths.forms_dir() / "400")


def test_entries_of_the_earlier_layout_are_removed(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("one", encoding="utf-8")
    folder = paths.data_dir() / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "old-ad67d85341c8cd9740e9.pickle").write_bytes(b"stale")
    assert diskcache.cached("old", [source], lambda: {"x": 1}, kind=dict) == {"x": 1}
    assert sorted(p.name for p in folder.iterdir()) == ["old.pickle"]


def test_the_frozen_app_caches_the_bundle_by_its_executable(tmp_path, monkeypatch):
    """No .py loaders in a frozen build: a new build (a new executable) is what invalidates."""
    from desktop.domain import forms

    executable = tmp_path / "desk400"
    executable.write_bytes(b"build 1")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(executable))
    monkeypatch.setattr(forms, "__file__", str(tmp_path / "gone" / "forms.pyc"))  # as in the archive
    loads = []
    real = forms.load_bundle
    monkeypatch.setattr(forms, "load_bundle", lambda folder: loads.append(folder) or real(folder))
    first = forms.default_bundle()
    assert forms.default_bundle() == first and len(loads) == 1
    executable.write_bytes(b"build 2, another size")
    assert forms.default_bundle() == first and len(loads) == 2


def test_orphaned_temporary_entries_are_cleared(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("x", encoding="utf-8")
    folder = paths.data_dir() / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    orphan, recent = folder / "o.999999.part", folder / "o.999998.part"
    orphan.write_bytes(b"half")
    recent.write_bytes(b"being written")
    os.utime(orphan, (1, 1))
    diskcache.cached("o", [source], lambda: {"x": 1}, kind=dict)
    assert not orphan.exists() and recent.exists()


def test_forgetting_an_entry_in_use_is_not_an_error(monkeypatch):
    def busy(self, missing_ok=False):
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(Path, "unlink", busy)
    diskcache.forget("anything")  # the next run finds the entry unusable and tries again
