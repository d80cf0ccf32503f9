"""Papers in: reading the ID card and the business licence (paper-trail.md, "Papers in").

Qt-free. `readers` holds the ID-card reader back-ends (`IdReader.read() -> IdRecord`), `ocr` the
offline RapidOCR engine with its packaged, hash-checked models, `extract` the field extraction
by labels and layout, `repair` the check-digit repair of the credit code and the ID number, and
`command` the `desk400 read-card` command. Nothing here imports the OCR stack until it is used.
"""

from desktop.files.lazy import attach

# Each part loads when first named (desktop.files.lazy): the window names the card record's
# source mark only when a card fills the form.
__getattr__, __dir__ = attach(
    __name__, ["cards", "command", "extract", "imageops", "keys", "ocr", "readers", "record", "repair"]
)
