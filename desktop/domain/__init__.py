"""The domain: the bundle's forms as data and everything that judges a case.

`forms`, `schema`, `layout` and `records` load forms/ into typed, frozen definitions; `fields`,
`validation`, `segments`, `invisible` and `rules` judge single values and several fields together;
`resolve` computes what prints (typed, default, derived or fallback); `case` puts the verdicts
together; `session` is the Qt-free editing object that owns a case's verdicts; `materials` and
`same_customer` answer the checklist and the duplicate-customer questions. Nothing here imports
Qt, the drafts file or the network: tests call it without a QApplication.
"""

from desktop.files.lazy import attach

__getattr__, __dir__ = attach(
    __name__,
    [
        "case",
        "coverage",
        "digests",
        "feedback",
        "fields",
        "forms",
        "invisible",
        "layout",
        "materials",
        "merge",
        "records",
        "resolve",
        "rules",
        "same_customer",
        "schema",
        "segments",
        "session",
        "validation",
    ],
)
