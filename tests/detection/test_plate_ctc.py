"""Grammar-constrained CTC decoding, checked against brute force and on hand-made frame sequences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detection.plate.ctc import ConstrainedCTCDecoder
from detection.plate.grammar import AUTHORITY_LETTERS, PROVINCES, SERIAL_CHARS, TEMPLATES, USAGE_SUFFIXES

TOY_CHARACTERS = ["blank", "a", "b", "c", "·", "x"]
TOY_TEMPLATES = [("ab", "abc", "c"), ("ab", "abc", "abc", "c")]


def brute_force(probs: np.ndarray) -> tuple[str, float] | None:
    """Likeliest path whose collapsed text fits a toy template, by enumerating every path."""
    merged = np.column_stack([probs[:, 0] + probs[:, 4], probs[:, 1], probs[:, 2], probs[:, 3], probs[:, 5]])
    labels = ["", "a", "b", "c", "x"]
    best = None
    for path in itertools.product(range(5), repeat=len(probs)):
        text, previous = "", 0
        for cls in path:
            if cls and cls != previous:
                text += labels[cls]
            previous = cls
        fits = any(len(text) == len(t) and all(ch in t[i] for i, ch in enumerate(text)) for t in TOY_TEMPLATES)
        if fits:
            score = float(np.log(merged[np.arange(len(path)), path]).sum())
            if best is None or score > best[1]:
                best = (text, score)
    return best


def random_probs(rng: np.random.Generator, near_legal: bool) -> np.ndarray:
    """Five frames of peaky class probabilities; `near_legal` ones mostly spell a legal string."""
    probs = rng.dirichlet(np.full(len(TOY_CHARACTERS), 0.3), size=5)
    if near_legal:
        template = TOY_TEMPLATES[rng.integers(len(TOY_TEMPLATES))]
        text = [rng.choice(list(alphabet)) for alphabet in template]
        path = [TOY_CHARACTERS.index(ch) for ch in text] + [0] * (5 - len(text))
        probs = 0.4 * probs + 0.6 * np.eye(len(TOY_CHARACTERS))[path]
    return probs


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("near_legal", [False, True], ids=["random", "near-legal"])
def test_decoder_finds_the_likeliest_legal_path(seed: int, near_legal: bool) -> None:
    probs = random_probs(np.random.default_rng(seed), near_legal)
    decoder = ConstrainedCTCDecoder(TOY_CHARACTERS, TOY_TEMPLATES, gap_characters="·")
    expected = brute_force(probs)
    decoded = decoder.decode(probs)
    assert expected is not None and decoded is not None
    assert decoded.text == expected[0]
    assert decoded.log_prob == pytest.approx(expected[1], rel=1e-6)


def test_decoder_refuses_characters_the_recogniser_lacks() -> None:
    with pytest.raises(ValueError, match="cannot emit"):
        ConstrainedCTCDecoder(["blank", "a"], [("ab",)])


PLATE_CHARACTERS = ["blank"] + sorted(set(PROVINCES + AUTHORITY_LETTERS + SERIAL_CHARS + USAGE_SUFFIXES + "院·"))


def frames(*steps: dict[str, float] | str) -> np.ndarray:
    """One probability row per step: a character (0.9, rest spread) or an explicit distribution."""
    index = {ch: i for i, ch in enumerate(PLATE_CHARACTERS)}
    rows = []
    for step in steps:
        distribution = {step: 0.9} if isinstance(step, str) else step
        row = np.full(len(PLATE_CHARACTERS), 0.0)
        for ch, p in distribution.items():
            row[index[ch]] = p
        row += (1.0 - row.sum()) / len(row)
        rows.append(row)
    return np.array(rows)


@pytest.fixture(scope="module")
def decoder() -> ConstrainedCTCDecoder:
    return ConstrainedCTCDecoder(PLATE_CHARACTERS, TEMPLATES, gap_characters="·")


def test_separator_dot_is_not_part_of_the_plate(decoder: ConstrainedCTCDecoder) -> None:
    decoded = decoder.decode(frames("皖", "A", "·", "Y", "L", "3", "7", "5"))
    assert decoded is not None and decoded.text == "皖AYL375"


def test_repeated_characters_need_a_gap(decoder: ConstrainedCTCDecoder) -> None:
    decoded = decoder.decode(frames("皖", "A", "9", "blank", "9", "blank", "9", "J", "3"))
    assert decoded is not None and decoded.text == "皖A999J3"


def test_province_is_forced_to_a_province_character(decoder: ConstrainedCTCDecoder) -> None:
    # The recogniser prefers 院 (a look-alike that is no province); 皖 is its second choice.
    decoded = decoder.decode(frames({"院": 0.6, "皖": 0.3}, "A", "Y", "L", "3", "7", "5"))
    assert decoded is not None and decoded.text == "皖AYL375"
    assert decoded.char_probs[0] == pytest.approx(0.3, abs=0.01)


def test_serial_o_becomes_zero_when_the_zero_is_likely(decoder: ConstrainedCTCDecoder) -> None:
    index_free = frames("皖", "A", {"O": 0.5, "0": 0.4}, "N", "7", "1", "8")
    decoded = decoder.decode(index_free)
    assert decoded is not None and decoded.text == "皖A0N718"


def test_new_energy_plate_keeps_all_eight_characters(decoder: ConstrainedCTCDecoder) -> None:
    decoded = decoder.decode(frames("皖", "A", "D", "1", "2", "3", "4", "5"))
    assert decoded is not None and decoded.text == "皖AD12345"


def test_too_few_frames_give_nothing(decoder: ConstrainedCTCDecoder) -> None:
    assert decoder.decode(frames("皖", "A", "1")) is None


def test_confidence_reflects_the_weakest_characters(decoder: ConstrainedCTCDecoder) -> None:
    sure = decoder.decode(frames("皖", "A", "Y", "L", "3", "7", "5"))
    doubtful = decoder.decode(frames("皖", "A", {"Y": 0.3, "V": 0.28}, "L", "3", "7", "5"))
    assert sure is not None and doubtful is not None
    assert doubtful.confidence < sure.confidence
