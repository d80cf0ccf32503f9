"""Generated scans for the paper tests: print a case, rasterise it, sign and stamp the boxes the
layout data marks, and degrade the result like a counter's scanner (rotation, noise, JPEG)."""

from __future__ import annotations

import io
import math
import random
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pypdfium2
from PIL import Image, ImageDraw

from desktop.cli import main
from desktop.paper.reprint import kept_copies, print_day, reprint
from desktop.render import PrintLayout, render_pdf
from desktop.render.identity import BoxFrame
from desktop.store import Store

INK = (25, 25, 60)
# The end-to-end tests scan at 150 dpi (the benchmark at 200): cheaper, and harder for the checker.
DPI = 150
RED = (205, 30, 35)


def print_case(
    bundle, values: Mapping[str, object], number: str, out: Path, *, digest: str | None = None, **kw
) -> PrintLayout:
    """Render the case's bundle to `out` and return where its boxes are."""
    layout = PrintLayout()
    render_pdf(bundle, values, {}, case_id=number, draft=False, out=out, layout=layout, digest=digest, **kw)
    return layout


def rasterise(pdf: Path, dpi: int = 200) -> list[Image.Image]:
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()


def _px(mm: float, dpi: int) -> float:
    return mm * dpi / 25.4


def sign(image: Image.Image, box: BoxFrame, dpi: int, rng: random.Random) -> None:
    """A handwritten-looking signature: a few connected strokes across the box's middle."""
    draw = ImageDraw.Draw(image)
    x0, x1 = _px(box.left + 6, dpi), _px(box.left + box.width - 6, dpi)
    mid = _px(box.top + box.height / 2, dpi)
    amp = _px(box.height / 4, dpi)
    points = [
        (x0 + (x1 - x0) * t / 40, mid + amp * math.sin(t * 0.9 + rng.random()) * rng.uniform(0.5, 1))
        for t in range(41)
    ]
    draw.line(points, fill=INK, width=max(2, round(_px(0.6, dpi))), joint="curve")


def stamp(image: Image.Image, box: BoxFrame, dpi: int) -> None:
    """A round red seal (ring, star, inner ring) centred in the box."""
    draw = ImageDraw.Draw(image)
    cx, cy = _px(box.left + box.width / 2, dpi), _px(box.top + box.height / 2, dpi)
    r = _px(min(box.width, box.height) / 2 - 5, dpi)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=RED, width=max(3, round(_px(1.0, dpi))))
    star = [
        (
            cx + (r / 3 if k % 2 else r / 7.5) * math.sin(k * math.pi / 5),
            cy - (r / 3 if k % 2 else r / 7.5) * math.cos(k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=RED)
    draw.ellipse((cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7), outline=RED, width=2)


def fill_boxes(
    pages: list[Image.Image],
    layout: PrintLayout,
    dpi: int,
    *,
    skip: Iterable[tuple[int, str]] = (),
    seed: int = 7,
) -> None:
    """Sign or stamp every box of the print (optional ones too, as a hall does), except `skip`
    ((page, label) pairs)."""
    rng = random.Random(seed)
    skipped = set(skip)
    for box in layout.boxes:
        if (box.page, box.label) in skipped:
            continue
        (stamp if box.kind == "stamp" else lambda im, b, d: sign(im, b, d, rng))(
            pages[box.page - 1], box, dpi
        )


def degrade(
    image: Image.Image, *, angle: float = 0.0, sigma: float = 0.0, quality: int = 0, seed: int = 3
) -> Image.Image:
    """The scanner's doing: a small rotation, sensor noise, JPEG compression."""
    out = (
        image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor="white")
        if angle
        else image
    )
    if sigma:
        noise = np.random.default_rng(seed).normal(0, sigma, (out.height, out.width, 1))
        out = Image.fromarray(np.clip(np.asarray(out, np.float32) + noise, 0, 255).astype(np.uint8))
    if quality:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=quality)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out


def save_pdf(pages: list[Image.Image], out: Path, dpi: int = 200) -> Path:
    """A multi-page scan PDF, as a multifunction printer writes one (JPEG pages)."""
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=85)
    return out


def signed_scan(
    bundle,
    values,
    number: str,
    tmp: Path,
    *,
    dpi: int = 200,
    skip=(),
    angle=1.5,
    sigma=8.0,
    quality=60,
    name="scan",
) -> tuple[Path, PrintLayout]:
    """Print, sign and stamp every box (but `skip`), degrade each page, and save one scan PDF."""
    pdf = tmp / f"{name}-print.pdf"
    layout = print_case(bundle, values, number, pdf)
    pages = rasterise(pdf, dpi)
    fill_boxes(pages, layout, dpi, skip=skip)
    pages = [
        degrade(p, angle=angle * (-1) ** i, sigma=sigma, quality=quality, seed=i) for i, p in enumerate(pages)
    ]
    return save_pdf(pages, tmp / f"{name}.pdf", dpi), layout


def open_store(db: Path, bundle) -> Store:
    return Store.open_for(db, bundle.drafts, bundle=bundle.id, edition=bundle.edition, backups=False)


class Desk:
    """A drafts file with cases printed through `desk400 render --final`, and their paper."""

    def __init__(self, db: Path, bundle, tmp: Path) -> None:
        self.db, self.bundle, self.tmp = db, bundle, tmp

    def case(self, values) -> tuple[str, str]:
        with open_store(self.db, self.bundle) as store:
            case = store.create(values)
        return case.id, case.number

    def print(self, case_id: str, name: str) -> list:
        out = self.tmp / f"{name}.pdf"
        assert main(["render", "--db", str(self.db), "--id", case_id, "-o", str(out), "--final"]) == 0
        return rasterise(out, DPI)

    def layout(self, case_id: str):
        """Where the latest print's boxes are (the checker's own reading, cross-checked by its digest)."""
        with open_store(self.db, self.bundle) as store:
            case, rec = store.get(case_id), store.prints(case_id)[0]
            settings = self.bundle.setting_defaults()
            laid = reprint(
                self.bundle, case.fields, settings, number=case.number, documents=rec.documents,
                materials=case.materials, day=print_day(rec.at), copies=kept_copies(store, case_id),
            )  # fmt: skip
        assert laid.digest == rec.short_digest
        return laid.layout

    def signed(self, case_id: str, name: str, skip=()) -> list:
        pages = self.print(case_id, name)
        fill_boxes(pages, self.layout(case_id), DPI, skip=skip)
        return pages

    def scan(self, pages: list, name: str, *, seed: int = 0) -> Path:
        rng = random.Random(seed)
        worn = [
            degrade(
                p,
                angle=rng.uniform(-2, 2),
                sigma=rng.uniform(4, 10),
                quality=rng.choice([45, 60, 80]),
                seed=i,
            )
            for i, p in enumerate(pages)
        ]
        return save_pdf(worn, self.tmp / f"{name}.pdf", DPI)

    def scan_in(self, *files: Path) -> int:
        return main(["scan-in", "--db", str(self.db), *map(str, files)])

    def status(self, case_id: str) -> str:
        with open_store(self.db, self.bundle) as store:
            return store.get(case_id).status

    def kept(self, case_id: str) -> int:
        with open_store(self.db, self.bundle) as store:
            return len(store.scans(case_id, images=False))
