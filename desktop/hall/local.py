"""The drafts file's hall bookkeeping lives in the store (desktop.store.hallbook): the sync engine
reaches the drafts file only through its `HallBook`. The functions named here are for the modules
that still take the drafts file's connection: desktop.exchange.transfer (`synced_base`, when it
writes a version-2 file) and desktop.hall.papers (the file's sync state, in a write transaction).
"""

from __future__ import annotations

from desktop.store.hallbook import get_state, set_state, synced_base, write

__all__ = ["get_state", "set_state", "synced_base", "write"]
