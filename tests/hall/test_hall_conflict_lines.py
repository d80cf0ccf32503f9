"""Issue 21: a `sync` conflict line shows invisible characters as code points, as `import` does:
「王霄」 and 「王\u200b霄」 differ, and the agent choosing between them must see how."""

from __future__ import annotations

from desktop.cli import main
from desktop.domain.forms import default_bundle
from desktop.store import Store


def test_a_sync_conflict_line_shows_a_hidden_zero_width_space(hall, capsys, tmp_path):
    bundle = default_bundle()

    def opened(name: str) -> Store:
        return Store.open(tmp_path / name, bundle.drafts, bundle=bundle.id, edition=bundle.edition)

    def sync(name: str, url: str) -> tuple[int, str]:
        status = main(["sync", "--db", str(tmp_path / name), "--url", url])
        return status, capsys.readouterr().out

    desks = {"a.db": hall.desk("zw01"), "b.db": hall.desk("zw02")}
    with opened("a.db") as store:
        case = store.create({"customer.name": "甲公司", "handler.name": "王小"})
    for name, url in desks.items():
        assert sync(name, url)[0] == 0
    for name, value in (("a.db", "王霄"), ("b.db", "王\u200b霄")):
        with opened(name) as store:
            store.save_field(case.id, "handler.name", value, store.get(case.id).revision)
    assert sync("a.db", desks["a.db"])[0] == 0
    status, out = sync("b.db", desks["b.db"])
    assert status == 1
    assert f"{case.number} handler.name: 王[U+200B]霄 / 王霄" in out.splitlines(), out
