"""Papers in: reading the ID card and the business licence (paper-trail.md, "Papers in").

Qt-free. `readers` holds the ID-card reader back-ends (`IdReader.read() -> IdRecord`), `ocr` the
offline RapidOCR engine with its packaged, hash-checked models, `extract` the field extraction
by labels and layout, `repair` the check-digit repair of the credit code and the ID number, and
`command` the `desk400 read-card` command. Nothing here imports the OCR stack until it is used:
rapidocr's crop of a text line (`get_rotate_crop_image`) and onnxruntime's session classes load
from here on first use.
"""

from desktop.files.lazy import attach

__getattr__, __dir__ = attach(
    __name__,
    # The window names the card record's source mark only when a card fills the form.
    ["cards", "command", "extract", "imageops", "keys", "ocr", "readers", "record", "repair"],
    {
        "get_rotate_crop_image": "rapidocr.utils.process_img",
        # onnxruntime's, as the rapidocr module that drives it imports them (a plain "onnxruntime"
        # would be taken for a submodule of this package by desktop.files.lazy).
        "InferenceSession": "rapidocr.inference_engine.onnxruntime.main",
        "SessionOptions": "rapidocr.inference_engine.onnxruntime.main",
        "GraphOptimizationLevel": "rapidocr.inference_engine.onnxruntime.main",
    },
)
