"""Draw the application icon once and save it in the formats each platform's installer needs.

Run: .venv/bin/python scripts/make_icon.py   (writes resources/icons/desk400.{png,ico,icns})
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SIZE = 512


def draw() -> Image.Image:
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(img)
    pen.rounded_rectangle((16, 16, SIZE - 16, SIZE - 16), radius=96, fill=(0, 94, 170, 255))
    pen.rounded_rectangle((96, 70, SIZE - 96, SIZE - 70), radius=24, fill=(255, 255, 255, 255))
    font = ImageFont.truetype(str(ROOT / "resources" / "fonts" / "uming.ttc"), 150, index=2)
    pen.text((SIZE // 2, 200), "400", font=font, fill=(0, 94, 170, 255), anchor="mm")
    for y in (300, 350, 400):
        pen.line((140, y, SIZE - 140, y), fill=(120, 140, 160, 255), width=14)
    return img


def main() -> None:
    out = ROOT / "resources" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    img = draw()
    img.save(out / "desk400.png")
    img.save(out / "desk400.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
    img.save(out / "desk400.icns")


if __name__ == "__main__":
    main()
