"""Grammar-constrained CTC decoding of a text recogniser's per-frame character probabilities.

Greedy CTC decoding takes the likeliest character in each frame, so one smudge can turn 皖 into
another character or drop a digit. Here the best alignment is searched among strings the plate
grammar allows (a Viterbi pass over the CTC lattice of a template: one allowed alphabet per
position), which turns "second-best but legal" characters into the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

_NEG_INF = -1e30
_FLOOR = 1e-12


@dataclass(frozen=True)
class DecodedText:
    """One decoded string with its evidence."""

    text: str
    char_probs: tuple[float, ...]  # peak probability of each character over the frames it spans
    log_prob: float  # log-probability of the best alignment (all frames)

    @property
    def confidence(self) -> float:
        """Geometric mean of the characters' peak probabilities."""
        if not self.char_probs:
            return 0.0
        return float(np.exp(np.mean(np.log(np.maximum(self.char_probs, _FLOOR)))))


class ConstrainedCTCDecoder:
    """Decodes (frames x classes) softmax output into the likeliest string that fits a template.

    `characters` is the recogniser's class list (index 0 = CTC blank). `gap_characters` are
    classes folded into the blank: the plate's separator dot is printed but is not part of the
    plate text, so frames showing it count as "between characters".
    """

    def __init__(self, characters: Sequence[str], templates: Sequence[Sequence[str]], gap_characters: str = ""):
        index = {ch: i for i, ch in enumerate(characters)}
        missing = {ch for alphabet in (a for t in templates for a in t) for ch in alphabet if ch not in index}
        if missing:
            raise ValueError(f"recogniser cannot emit {''.join(sorted(missing))}")
        self._characters = list(characters)
        self._gap_ids = np.array([0] + [index[ch] for ch in dict.fromkeys(gap_characters) if ch in index])
        self._templates = [_Template.build(template, index) for template in templates]

    def decode(self, probs: np.ndarray) -> DecodedText | None:
        """Best template-conforming string for one (frames x classes) probability matrix."""
        gap_probs = probs[:, self._gap_ids].sum(axis=1)
        greedy = self._greedy(probs, gap_probs)
        if greedy is not None:
            # The likeliest path overall already spells a legal plate, so it is also the best legal one.
            return greedy
        gap = np.log(np.maximum(gap_probs, _FLOOR))
        best: DecodedText | None = None
        for template in self._templates:
            decoded = self._viterbi(probs, gap, template)
            if decoded is not None and (best is None or decoded.log_prob > best.log_prob):
                best = decoded
        return best

    def _greedy(self, probs: np.ndarray, gap_probs: np.ndarray) -> DecodedText | None:
        """The per-frame argmax path, when it collapses to a string that fits a template."""
        masked = probs.copy()
        masked[:, self._gap_ids] = 0.0
        classes = masked.argmax(axis=1)
        frame_probs = masked[np.arange(len(classes)), classes]
        in_gap = gap_probs >= frame_probs
        classes[in_gap] = -1
        chosen = np.where(in_gap, gap_probs, frame_probs)
        text_ids: list[int] = []
        peaks: list[float] = []
        previous = -1
        for cls, p in zip(classes.tolist(), chosen.tolist()):
            if cls >= 0 and cls == previous:
                peaks[-1] = max(peaks[-1], p)
            elif cls >= 0:
                text_ids.append(cls)
                peaks.append(p)
            previous = cls
        for template in self._templates:
            if len(text_ids) == template.ids.shape[0] and all(
                cls in template.option_sets[i] for i, cls in enumerate(text_ids)
            ):
                text = "".join(self._characters[cls] for cls in text_ids)
                log_prob = float(np.log(np.maximum(chosen, _FLOOR)).sum())
                return DecodedText(text=text, char_probs=tuple(peaks), log_prob=log_prob)
        return None

    def _viterbi(self, probs: np.ndarray, gap: np.ndarray, template: "_Template") -> DecodedText | None:
        frames, (length, width) = probs.shape[0], template.ids.shape
        if frames < length:
            return None
        # emit[t, i, a]: log-probability of frame t showing the a-th allowed character of position i.
        emit = np.where(template.allowed, np.log(np.maximum(probs[:, template.ids], _FLOOR)), _NEG_INF)
        rows = np.arange(length)
        # blank[k]: k characters emitted, now in a gap; char[i, a]: emitting character i as its a-th option.
        blank = np.full(length + 1, _NEG_INF)
        blank[0] = gap[0]
        char = np.full((length, width), _NEG_INF)
        char[0] = emit[0, 0]
        # Back-pointers per frame. Gaps: -1 stayed, else the previous character's option.
        # Characters: -2 stayed, -1 came from the gap, else the previous position's option.
        blank_from = np.empty((frames, length + 1), dtype=np.int64)
        char_from = np.empty((frames, length, width), dtype=np.int64)
        for t in range(1, frames):
            best_option = char.argmax(axis=1)
            best_score = char[rows, best_option]
            enter_gap = best_score > blank[1:]
            blank_from[t, 0] = -1
            blank_from[t, 1:] = np.where(enter_gap, best_option, -1)
            new_blank = np.empty_like(blank)
            new_blank[0] = blank[0] + gap[t]
            new_blank[1:] = np.where(enter_gap, best_score, blank[1:]) + gap[t]

            # A character may follow the previous position's character directly unless it is the
            # same class (CTC merges repeats, so "99" needs a gap in between).
            top2 = np.argsort(char[:-1], axis=1)[:, :-3:-1]
            first, second = top2[:, 0], top2[:, min(1, width - 1)]
            first_class = template.ids[rows[:-1], first]
            pick = np.where(template.ids[1:] == first_class[:, None], second[:, None], first[:, None])
            direct = np.full((length, width), _NEG_INF)
            direct[1:] = np.take_along_axis(char[:-1], pick, axis=1)
            same = template.ids[1:] == np.take_along_axis(template.ids[:-1], pick, axis=1)
            direct[1:][same] = _NEG_INF
            from_gap = np.broadcast_to(blank[:length, None], (length, width))

            options = np.stack([char, from_gap, direct])
            choice = options.argmax(axis=0)
            came_from = np.vstack([np.zeros((1, width), dtype=np.int64), pick])
            char_from[t] = np.where(choice == 0, -2, np.where(choice == 1, -1, came_from))
            char = np.take_along_axis(options, choice[None], axis=0)[0] + emit[t]
            blank = new_blank
        end_option = int(char[-1].argmax())
        if blank[length] >= char[-1, end_option]:
            state, total = ("gap", length, 0), float(blank[length])
        else:
            state, total = ("char", length - 1, end_option), float(char[-1, end_option])
        if total <= _NEG_INF / 2:
            return None
        return self._backtrack(probs, template, state, blank_from, char_from, total)

    def _backtrack(self, probs, template, state, blank_from, char_from, total) -> DecodedText:
        length = template.ids.shape[0]
        options = [0] * length
        peaks = [0.0] * length
        kind, position, option = state
        for t in range(probs.shape[0] - 1, -1, -1):
            if kind == "char":
                options[position] = option
                peaks[position] = max(peaks[position], float(probs[t, template.ids[position, option]]))
                source = int(char_from[t, position, option]) if t > 0 else -2
                if source == -1:
                    kind = "gap"
                elif source >= 0:
                    position, option = position - 1, source
            elif t > 0:
                source = int(blank_from[t, position])
                if source >= 0:
                    kind, position, option = "char", position - 1, source
        text = "".join(self._characters[template.ids[i, options[i]]] for i in range(length))
        return DecodedText(text=text, char_probs=tuple(peaks), log_prob=total)


@dataclass(frozen=True)
class _Template:
    """A template's alphabets as a padded (positions x options) matrix of class ids."""

    ids: np.ndarray
    allowed: np.ndarray  # False where a row is padding
    option_sets: tuple[frozenset[int], ...]

    @classmethod
    def build(cls, template: Sequence[str], index: dict[str, int]) -> "_Template":
        width = max(len(alphabet) for alphabet in template)
        ids = np.zeros((len(template), width), dtype=np.int64)
        allowed = np.zeros((len(template), width), dtype=bool)
        for i, alphabet in enumerate(template):
            ids[i, : len(alphabet)] = [index[ch] for ch in alphabet]
            allowed[i, : len(alphabet)] = True
        option_sets = tuple(frozenset(index[ch] for ch in alphabet) for alphabet in template)
        return cls(ids=ids, allowed=allowed, option_sets=option_sets)
