"""What one write to the drafts file changed: the payload of the window's one change event.

Every write (an edit's save, a copy, a delete, a restore, a checklist tick, a print-log row, the
settings, a hall pull, a scan-in, a card image) ends with one `Changes`, and every view that
shows stored things (the drafts list, the window title, the banner, the preview) decides from it
what to show again. The model is Anki's `OpChanges` handed to `operation_did_execute`: the
writer says what it touched, the listeners never have to be called one by one by the writer.
No Qt here: the store's callers and tests build and read these without a window.
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop.domain.records import record  # a frozen dataclass without its compile at start-up


def _ids(ids: Iterable[str | None]) -> frozenset[str]:
    return frozenset(i for i in ids if i)


@record
class Changes:
    """`changed`: cases whose stored values, status, materials or papers changed; `added`: new
    cases; `removed`: cases moved to the bin or gone. `settings`: the hall's settings changed;
    `listed`: something the drafts list shows changed (a title, a summary value, a number);
    `status`: some case's status changed; `unnamed`: cases the writer cannot name changed (a
    hall pull, a scan-in of many pages), so the case on screen may be among them and is looked at
    again; `typed`: the write was an autosave of typing, which the list follows only once the
    agent pauses (a list rebuilt per save would flicker while typing)."""

    changed: frozenset[str] = frozenset()
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    settings: bool = False
    listed: bool = False
    status: bool = False
    unnamed: bool = False
    typed: bool = False

    @classmethod
    def of(
        cls,
        changed: Iterable[str | None] = (),
        *,
        added: Iterable[str | None] = (),
        removed: Iterable[str | None] = (),
        settings: bool = False,
        listed: bool = False,
        status: bool = False,
        unnamed: bool = False,
        typed: bool = False,
    ) -> Changes:
        """Built from any iterables of ids (None and "" are dropped: a case not stored yet)."""
        return cls(_ids(changed), _ids(added), _ids(removed), settings, listed, status, unnamed, typed)

    def __or__(self, other: Changes) -> Changes:
        """Both writes' changes, as one (a scan-in of many pages, a replayed journal)."""
        return Changes(
            self.changed | other.changed,
            self.added | other.added,
            self.removed | other.removed,
            self.settings or other.settings,
            self.listed or other.listed,
            self.status or other.status,
            self.unnamed or other.unnamed,
            self.typed and other.typed,
        )

    @property
    def cases(self) -> frozenset[str]:
        """Every case id this write touched."""
        return self.changed | self.added | self.removed

    def touches(self, case_id: str | None) -> bool:
        """Whether the case `case_id` (the one on screen, say) was written."""
        return case_id is not None and case_id in self.cases

    @property
    def list_changed(self) -> bool:
        """Whether the drafts list shows anything else now: lines come or go, or change."""
        return bool(self.listed or self.status or self.added or self.removed or self.unnamed)

    @property
    def empty(self) -> bool:
        return not (self.cases or self.settings or self.listed or self.status or self.unnamed)
