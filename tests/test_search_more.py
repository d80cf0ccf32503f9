"""Issue 23 item 7: a search finds the handler's mobile, the contact's name and phone and the full
ID number (the list still shows the ID masked); drafts files from before are re-indexed once."""

from __future__ import annotations

from desktop.store import Store


def open_real(db, bundle) -> Store:
    return Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False)


def test_search_finds_what_customers_bring(db, bundle, example_values):
    with open_real(db, bundle) as store:
        case = store.create(example_values)
        store.create({"customer.name": "别的公司"})
        for key in ("handler.mobile", "contact.name", "contact.phone", "handler.id_number"):
            value = str(example_values[key])
            (found,) = store.search(value).items
            assert found.id == case.id, key
        shown = store.search(example_values["handler.id_number"]).items[0]
        assert shown.summary["handler.id_number"] != example_values["handler.id_number"]  # masked
        assert "*" in shown.summary["handler.id_number"]


def test_an_older_drafts_file_is_reindexed_once(db, bundle, example_values):
    with open_real(db, bundle) as store:
        case = store.create(example_values)
        # As a file from before migration 0012: the old search text, the migration not recorded.
        old = "\n".join(str(example_values[k]).lower() for k in bundle.drafts.search_keys)
        store.db.execute("UPDATE cases SET search = ? WHERE id = ?", [old, case.id])
        store.db.execute("DELETE FROM _sqlite_migrations WHERE name = '0012_search_more'")
        store.db.conn.commit()
        assert store.search(example_values["contact.name"]).items == ()
    with open_real(db, bundle) as store:
        assert [c.id for c in store.search(example_values["contact.name"]).items] == [case.id]
        assert store.db.execute("SELECT count(*) FROM meta WHERE key = 'search_stale'").fetchone()[0] == 0


def test_the_search_box_says_what_it_finds(make_window):
    window = make_window()
    text = window.drafts.search.placeholderText()
    assert "手机" in text and "联系人" in text and "身份证" in text
