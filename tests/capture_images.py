"""Generated licence and ID card images (Pillow and the shipped CJK font), clean and degraded.

The values are valid codes built with the check functions; degradations are the ones a counter
sees: a few degrees of rotation, blur, JPEG compression, a low-resolution scan.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from desktop.domain.validation import id_check_char, org_check_char, uscc_check_char

ROOT = Path(__file__).resolve().parent.parent

FONT = ROOT / "resources" / "fonts" / "uming.ttc"


def uscc(body: str = "91330106", org: str = "MA2B3C4D") -> str:
    org_code = org + org_check_char(org)
    first17 = body + org_code
    return first17 + uscc_check_char(first17)


def id_number(first17: str = "33010619900307123") -> str:
    return first17 + id_check_char(first17)


@dataclass(frozen=True)
class Licence:
    name: str = "杭州示例科技有限公司"
    code: str = uscc()
    legal_rep: str = "张三丰"
    address: str = "浙江省杭州市西湖区文三路100号"


@dataclass(frozen=True)
class IdFront:
    name: str = "李小梅"
    number: str = id_number()
    address: str = "浙江省杭州市西湖区文三路100号"


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def licence_image(card: Licence = Licence(), dpi: int = 300) -> Image.Image:
    """An A4-landscape-ish licence body at `dpi` (labels left, values right)."""
    k = dpi / 300
    img = Image.new("RGB", (int(2480 * k), int(1754 * k)), "white")
    d = ImageDraw.Draw(img)
    d.text((int(900 * k), int(150 * k)), "营业执照", font=_font(int(120 * k)), fill="black")
    font = _font(int(48 * k))
    rows = [
        ("统一社会信用代码", card.code), ("名称", card.name), ("类型", "有限责任公司"),
        ("法定代表人", card.legal_rep), ("注册资本", "壹佰万元整"), ("成立日期", "2019年03月15日"),
        ("住所", card.address),
    ]  # fmt: skip
    y = int(450 * k)
    for label, value in rows:
        d.text((int(250 * k), y), label, font=font, fill="black")
        d.text((int(800 * k), y), value, font=font, fill="black")
        y += int(110 * k)
    return img


def id_front_image(card: IdFront = IdFront()) -> Image.Image:
    """An ID card front as a phone photo shows it (856 x 540, the card's 85.6 x 54 mm)."""
    img = Image.new("RGB", (856, 540), (236, 240, 246))
    d = ImageDraw.Draw(img)
    font = _font(30)
    d.text((60, 50), "姓名", font=font, fill=(60, 90, 140))
    d.text((170, 50), card.name, font=font, fill="black")
    d.text((60, 120), "性别", font=font, fill=(60, 90, 140))
    d.text((170, 120), "女", font=font, fill="black")
    d.text((300, 120), "民族", font=font, fill=(60, 90, 140))
    d.text((400, 120), "汉", font=font, fill="black")
    d.text((60, 190), "出生", font=font, fill=(60, 90, 140))
    d.text((170, 190), "1990年3月7日", font=font, fill="black")
    d.text((60, 260), "住址", font=font, fill=(60, 90, 140))
    d.text((170, 260), card.address[:12], font=font, fill="black")
    if card.address[12:]:
        d.text((170, 305), card.address[12:], font=font, fill="black")
    d.text((60, 440), "公民身份号码", font=font, fill=(60, 90, 140))
    d.text((290, 440), card.number, font=_font(34), fill="black")
    return img


def id_back_image(
    issuer: str = "杭州市公安局西湖分局", validity: str = "2020.01.02-2040.01.02"
) -> Image.Image:
    img = Image.new("RGB", (856, 540), (236, 240, 246))
    d = ImageDraw.Draw(img)
    font = _font(30)
    d.text((250, 60), "中华人民共和国", font=_font(44), fill="black")
    d.text((300, 130), "居民身份证", font=_font(52), fill="black")
    d.text((120, 360), "签发机关", font=font, fill="black")
    d.text((300, 360), issuer, font=font, fill="black")
    d.text((120, 430), "有效期限", font=font, fill="black")
    d.text((300, 430), validity, font=font, fill="black")
    return img


def degraded(
    img: Image.Image, *, rotate: float = 3, blur: float = 1.0, quality: int = 40, scale: float = 0.5
) -> Image.Image:
    """Rotated, blurred, scaled down (300 → 150 dpi) and JPEG-compressed."""
    img = img.rotate(rotate, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    img = img.filter(ImageFilter.GaussianBlur(blur))
    img = img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.LANCZOS)
    return Image.open(io.BytesIO(encoded(img, "JPEG", quality)))


def encoded(img: Image.Image, fmt: str = "PNG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, fmt, quality=quality) if fmt == "JPEG" else img.save(out, fmt)
    return out.getvalue()
