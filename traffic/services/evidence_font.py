"""Find a font that can draw Chinese text on evidence images, or refuse clearly.

The default is the Noto Sans CJK collection installed with the package (dependency ``manimgx-fonts-cjk``), so no
system font is needed; $TRAFFIC_CJK_FONT or the ``cjk_font`` setting choose another file. An overlay drawn with a font lacking CJK glyphs shows empty boxes instead of the place and vehicle type, which
makes the composite useless as evidence; so a missing font is an error, never a silent fallback.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from detection.cjk_font import bundled_cjk_font, open_cjk_face
from traffic.errors import TrafficError

FONT_ENV = "TRAFFIC_CJK_FONT"
BUNDLED_DEPENDENCY = "manimgx-fonts-cjk"

# Fallbacks when the bundled font is missing (a broken install), most likely first: Debian/Ubuntu packages, other Linux layouts, macOS, Windows.
KNOWN_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
_PROBE = "电动三轮车"


class FontNotFound(TrafficError):
    """No font with Chinese glyphs could be found; evidence overlays cannot be drawn."""

    status_code = 500


def find_cjk_font(override: Path | str | None = None) -> Path:
    """The path of a font that draws Chinese; ``override`` (or $TRAFFIC_CJK_FONT) wins over the bundled font."""
    chosen = override or os.environ.get(FONT_ENV) or None
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise FontNotFound(f"the CJK font {path} (set by {FONT_ENV} or the cjk_font setting) does not exist")
        if not draws_cjk(path):
            raise FontNotFound(f"the font {path} has no Chinese glyphs; choose a CJK font such as WenQuanYi Zen Hei")
        return path
    bundled = bundled_cjk_font()
    for path in ([bundled] if bundled else []) + [Path(candidate) for candidate in KNOWN_FONT_PATHS]:
        if path.is_file() and draws_cjk(path):
            return path
    raise FontNotFound(
        "未找到可绘制中文的字体，无法生成证据叠加文字 (no font with Chinese glyphs found for evidence overlays): "
        f"reinstall the package with its dependency {BUNDLED_DEPENDENCY}, or set {FONT_ENV} to a .ttf/.ttc/.otf file"
    )


@lru_cache(maxsize=8)
def draws_cjk(path: Path) -> bool:
    """Whether the font has real glyphs for Chinese text (not the empty-box glyph it uses for missing ones)."""
    try:
        font = load_font(path, 24)
    except OSError:
        return False
    missing = _glyph(font, "\u0378")  # an unassigned code point: drawn as the missing-glyph box
    blank = _glyph(font, " ")
    return all(_glyph(font, char) not in (missing, blank) for char in _PROBE)


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    canvas = Image.new("L", (32, 32))
    ImageDraw.Draw(canvas).text((2, 2), char, font=font, fill=255)
    return canvas.tobytes()


def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """The Simplified Chinese face of a font at a pixel size (cached: fonts are megabytes)."""
    return open_cjk_face(Path(path), size)
