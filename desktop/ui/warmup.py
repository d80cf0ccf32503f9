"""Start-up work done off the GUI thread, so the first keystrokes never wait for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import desktop.domain  # lazy: the checks load on first use (desktop.files.lazy)
import desktop.files  # lazy: the case file reader loads with the job, off the GUI thread
import desktop.render  # lazy: ReportLab loads with the first render (desktop.files.lazy)
from desktop.files import paths


def warm_up_job(bundle: Any, today: date) -> Callable[[], frozenset[int]]:
    """A job that loads every validator's lazy data and returns the print font's coverage.

    Checking the example case once loads the geocoder behind a phone's city and the region tables
    behind an ID or licence here, not at an agent's keystroke.
    """
    font = paths.print_font()
    example = paths.root() / "examples" / "example-case.json"

    def job() -> frozenset[int]:
        casefile = desktop.files.casefile
        try:
            values = desktop.domain.case.normalise_values(bundle, casefile.read(example).fields, today=today)
        except (OSError, casefile.CaseFileError):
            values = {}
        for key in values:
            desktop.domain.case.check_field(bundle, key, values, today=today)
        return desktop.render.glyphs.load_coverage(font)

    return job
