"""The CJK font that arrives with the Python install, and how to open its Simplified Chinese face.

The dependency ``manimgx-fonts-cjk`` ships Noto Sans CJK (SIL OFL 1.1) as one variable-weight collection, so
evidence overlays and synthetic plates draw Chinese on a machine with no system fonts. A collection holds one face
per region (JP, KR, SC, TC, HK) whose glyph shapes differ; Chinese text must use the SC face, found by its family
name rather than a hard-coded index. A variable font opens at its lightest weight, so a named weight is chosen.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import ImageFont

BUNDLED_PACKAGE = "manimgx_fonts_cjk"
BUNDLED_FILE = "NotoSansCJK-VF.otf.ttc"
_MAX_FACES = 32  # collections hold a handful of faces; the bound only stops a loop on a broken file
_SIMPLIFIED_MARKERS = (" SC", "GB", "Simplified", "Zen Hei", "Micro Hei")


def bundled_cjk_font() -> Path | None:
    """The Noto Sans CJK collection installed with the package, or None when the dependency is missing."""
    try:
        path = resources.files(BUNDLED_PACKAGE) / BUNDLED_FILE
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


@lru_cache(maxsize=16)
def simplified_chinese_face(path: Path) -> int:
    """The index of the Simplified Chinese face in a font file (0 for a single-face font or no SC face)."""
    for index in range(_MAX_FACES):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break  # past the last face
        if family and any(marker in family for marker in _SIMPLIFIED_MARKERS):
            return index
    return 0


@lru_cache(maxsize=64)
def open_cjk_face(path: Path, size: int, weight: str = "Regular") -> ImageFont.FreeTypeFont:
    """The Simplified Chinese face of ``path`` at a pixel size, at ``weight`` when the font is variable (cached)."""
    font = ImageFont.truetype(str(path), size, index=simplified_chinese_face(Path(path)))
    try:
        names = [name.decode() if isinstance(name, bytes) else name for name in font.get_variation_names()]
    except OSError:
        return font  # not a variable font: its one weight is the weight
    if weight in names:
        font.set_variation_by_name(weight)
    return font
