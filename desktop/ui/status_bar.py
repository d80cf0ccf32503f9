"""The status bar's labels: what printing needs (left), the hall's sync state and the last save."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar


def furnish(bar: QStatusBar, print_label: QLabel) -> tuple[QLabel, QLabel]:
    """Put the print status, the hall status (`hall_status`) and the last save (`saved_status`) in
    `bar`; returns the last two."""
    saved = QLabel("")
    saved.setObjectName("saved_status")
    # No label's text may resize the status bar (and with it relayout the window).
    print_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    saved.setMinimumWidth(saved.fontMetrics().horizontalAdvance("已保存 00:00:00 "))
    # A normal (not permanent) widget: a passing confirmation (「已保存 PDF：…」) replaces it for
    # its few seconds, then the print status comes back.
    bar.addWidget(print_label, 1)
    hall = QLabel("")
    hall.setObjectName("hall_status")
    bar.addPermanentWidget(hall)
    bar.addPermanentWidget(saved)
    return hall, saved
