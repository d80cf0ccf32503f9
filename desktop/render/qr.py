"""The page QR's modules (error correction M), from ReportLab's own encoder, loaded on its own.

ReportLab is slow here and we guard it, without changing a module of the symbol:
- `reportlab.graphics.barcode`'s package `__init__` imports every symbology it has (Code 128,
  EAN, USPS, Data Matrix, the graphics shapes...) to register its widgets: ~13 ms of every
  `desk400 render` for one QR. Its `qrencoder` module needs nothing but `re` and `itertools`, so
  it is loaded from the package's folder without running that `__init__` (`_load_encoder`),
  as a copy of our own: ReportLab's module is left as it is (where an importer cannot do that,
  the ordinary import, slower, same symbol).
- `QRCode.addData` tries each mode in turn and the Kanji one encodes the text to Shift-JIS,
  which imports the Japanese codecs (~8 ms) only to fail for our ASCII payload with its '|'
  (never digits or the alphanumeric set either): the payload is given as the 8-bit byte data
  the encoder would have settled on.
- The widget scores all eight mask patterns in pure Python; any mask is a valid ISO/IEC 18004
  symbol (the scoring only avoids patterns some readers dislike; zxing-cpp reads mask 0, see
  tests/test_paper_identity.py), so mask 0 is used.
- The Reed-Solomon generator polynomial (a pure function of the number of error correction
  codewords) is rebuilt by 20-odd polynomial multiplications for every block of every code: the
  same few polynomials each time, so our copy builds each once.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import importlib.util
from types import ModuleType

ENCODER = "reportlab.graphics.barcode.qrencoder"
MASK = 0


def _load_encoder() -> ModuleType:
    """ReportLab's qrencoder module, without the barcode package's `__init__` when its folder can
    be searched (a source install, PyInstaller's frozen importer); else imported as usual."""
    module = None
    try:
        package = importlib.util.find_spec("reportlab.graphics.barcode")  # runs no barcode code
        where = package.submodule_search_locations if package else None
        spec = importlib.machinery.PathFinder.find_spec(ENCODER, list(where)) if where else None
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 - an importer that cannot do this: the ordinary import
        module = None
    if module is None or not hasattr(module, "QRCode"):
        module = importlib.import_module(ENCODER)  # ReportLab's own (the cache below then is too)
    util = module.QRUtil
    util.getErrorCorrectPolynomial = staticmethod(
        functools.lru_cache(maxsize=64)(util.getErrorCorrectPolynomial)
    )
    return module


_encoder = _load_encoder()


def qr_modules(payload: str) -> list[list[bool]]:
    """The modules, row by row (True: dark), of the QR holding `payload` at level M, mask 0: the
    symbol ReportLab's QrCodeWidget(payload, barLevel="M") encodes, with the mask fixed."""
    code = _encoder.QRCode(None, _encoder.QRErrorCorrectLevel.M)
    code.addData(_encoder.QR8bitByte(payload))
    code.getBestMaskPattern = lambda: MASK
    code.make()
    return [[bool(m) for m in row] for row in code.modules]
