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
        self._gap_ids = np.array([0] + [index[ch] for ch in gap_characters if ch in index])
        self._templates = [[np.array([index[ch] for ch in alphabet]) for alphabet in template] for template in templates]

    def decode(self, probs: np.ndarray) -> DecodedText | None:
        """Best template-conforming string for one (frames x classes) probability matrix."""
        gap = np.log(np.maximum(probs[:, self._gap_ids].sum(axis=1), _FLOOR))
        best: DecodedText | None = None
        for template in self._templates:
            decoded = self._viterbi(probs, gap, template)
            if decoded is not None and (best is None or decoded.log_prob > best.log_prob):
                best = decoded
        return best

    def _viterbi(self, probs: np.ndarray, gap: np.ndarray, template: list[np.ndarray]) -> DecodedText | None:
        frames = probs.shape[0]
        length = len(template)
        if frames < length:
            return None
        emit = [np.log(np.maximum(probs[:, ids], _FLOOR)) for ids in template]
        # blank[k]: k characters emitted, now in a gap; char[i][c]: emitting the i-th character as c.
        blank = np.full(length + 1, _NEG_INF)
        char = [np.full(len(ids), _NEG_INF) for ids in template]
        blank[0] = gap[0]
        char[0] = emit[0][0].copy()
        # Back-pointers per frame: for gaps, -1 = stayed, else the class slot it came from;
        # for characters, -2 = stayed, -1 = came from the gap, else the previous character's slot.
        blank_from: list[np.ndarray] = []
        char_from: list[list[np.ndarray]] = []
        for t in range(1, frames):
            new_blank = np.empty_like(blank)
            blank_src = np.full(length + 1, -1)
            new_char = []
            char_src = []
            for k in range(length + 1):
                stay = blank[k]
                if k > 0:
                    slot = int(np.argmax(char[k - 1]))
                    if char[k - 1][slot] > stay:
                        stay, blank_src[k] = char[k - 1][slot], slot
                new_blank[k] = stay + gap[t]
            for i, ids in enumerate(template):
                score = char[i].copy()
                src = np.full(len(ids), -2)
                from_gap = blank[i]
                better = from_gap > score
                score[better], src[better] = from_gap, -1
                if i > 0:
                    prev_ids, prev = template[i - 1], char[i - 1]
                    order = np.argsort(prev)[::-1][:2]
                    # A repeated character needs a gap in between, so skip the same class.
                    pick = np.where(ids == prev_ids[order[0]], order[1] if len(order) > 1 else order[0], order[0])
                    direct = prev[pick]
                    direct[ids == prev_ids[pick]] = _NEG_INF
                    better = direct > score
                    score[better], src[better] = direct[better], pick[better]
                new_char.append(score + emit[i][t])
                char_src.append(src)
            blank, char = new_blank, new_char
            blank_from.append(blank_src)
            char_from.append(char_src)
        end_slot = int(np.argmax(char[-1]))
        if blank[length] >= char[-1][end_slot]:
            state, total = ("gap", length), float(blank[length])
        else:
            state, total = ("char", length - 1, end_slot), float(char[-1][end_slot])
        if total <= _NEG_INF / 2:
            return None
        return self._backtrack(probs, template, state, blank_from, char_from, total)

    def _backtrack(self, probs, template, state, blank_from, char_from, total) -> DecodedText:
        length = len(template)
        slots = [0] * length
        peaks = [0.0] * length
        for t in range(len(blank_from), -1, -1):
            if state[0] == "char":
                _, i, slot = state
                slots[i] = slot
                peaks[i] = max(peaks[i], float(probs[t, template[i][slot]]))
                if t == 0:
                    break
                src = int(char_from[t - 1][i][slot])
                if src == -1:
                    state = ("gap", i)
                elif src >= 0:
                    state = ("char", i - 1, src)
            else:
                _, k = state
                if t == 0:
                    break
                src = int(blank_from[t - 1][k])
                if src >= 0:
                    state = ("char", k - 1, src)
        text = "".join(self._characters[template[i][slots[i]]] for i in range(length))
        return DecodedText(text=text, char_probs=tuple(peaks), log_prob=total)
