"""Plates of the synthetic scenes: valid texts, faithful rendering, readable by OCR."""

from __future__ import annotations

import re

import numpy as np
import pytest

from detection.plate.grammar import is_valid_plate
from tools.synth import plates
from tools.synth.plates import BLUE, GREEN, PlateSpec, find_cjk_font, random_plate, render_plate


@pytest.mark.parametrize(("style", "length"), [(BLUE, 7), (GREEN, 8)])
def test_random_plates_follow_the_grammar_the_reader_checks(style, length):
    rng = np.random.default_rng(5)
    texts = [random_plate(rng, style).text for _ in range(300)]
    assert all(len(text) == length and is_valid_plate(text) for text in texts), texts[:5]
    if style == GREEN:
        assert {text[2] for text in texts} == {"D", "F"}  # electric or hybrid
    assert len(set(texts)) > 290
    assert not any(char in "IO" for text in texts for char in text)


def test_random_plates_repeat_for_a_seed():
    first = [random_plate(np.random.default_rng(11), BLUE) for _ in range(3)]
    again = [random_plate(np.random.default_rng(11), BLUE) for _ in range(3)]
    assert first == again


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="plate style"):
        random_plate(np.random.default_rng(0), "yellow")


def test_blue_plate_is_white_on_blue_and_green_plate_dark_on_green(cjk_font):
    blue = render_plate(PlateSpec("苏A12345", BLUE), 70, cjk_font)
    green = render_plate(PlateSpec("苏AD12345", GREEN), 70, cjk_font)
    assert blue.shape == (70, 220, 3)
    assert green.shape == (70, 240, 3)
    b, g, r = np.median(blue.reshape(-1, 3), axis=0)
    assert b > 150 and r < 40, "background should be blue"
    assert (blue.min(axis=2) > 230).mean() > 0.1, "characters should be white"
    bottom = green[-12:].reshape(-1, 3).mean(axis=0)
    assert bottom[1] > bottom[0] + 60 and bottom[1] > bottom[2] + 60, "bottom should be green"
    assert (green.max(axis=2) < 60).mean() > 0.1, "characters should be dark"


def test_every_character_cell_has_ink(cjk_font):
    image = render_plate(PlateSpec("京N8BQ77", BLUE), 140, cjk_font)
    ink = image.min(axis=2) > 200
    columns = ink[20:-20, 10:-10].any(axis=0)
    runs = np.diff(np.concatenate([[0], columns.astype(int), [0]]))
    # Seven glyphs plus the separator dot; the crop leaves out the frame line.
    assert (runs == 1).sum() == 8


@pytest.mark.parametrize("spec", [PlateSpec("苏A12345", BLUE), PlateSpec("粤BD67890", GREEN),
                                  PlateSpec("浙E9K5H3", BLUE)])
def test_rendered_plates_read_back_with_ocr(cjk_font, spec):
    from rapidocr_onnxruntime import RapidOCR

    reader = RapidOCR()
    result, _ = reader(render_plate(spec, 48, cjk_font), use_det=False, use_cls=False)
    text = re.sub(r"[^0-9A-Z\u4e00-\u9fff]", "", result[0][0])
    assert text == spec.text


def test_missing_font_is_reported_with_the_package_to_install(monkeypatch):
    monkeypatch.setattr(plates, "bundled_cjk_font", lambda: None)  # a broken install without the dependency
    monkeypatch.setattr(plates, "_FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    monkeypatch.setattr(plates.shutil, "which", lambda name: None)
    with pytest.raises(plates.FontNotFoundError, match="manimgx-fonts-cjk"):
        find_cjk_font()
