"""The drafts file's hall bookkeeping lives in the store (desktop.store.hallbook): the hall reaches
the drafts file only through its `HallBook`. `synced_base` is named here too for
desktop.exchange.transfer, which reads a case's hall base when it writes a version-2 file.
"""

from __future__ import annotations

from desktop.store.hallbook import synced_base

__all__ = ["synced_base"]
