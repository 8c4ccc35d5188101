"""The one adapter to rapidocr_onnxruntime (1.4.x): its bundled PP-OCRv4 models, loaded once, offline.

The plate reader needs the recogniser's raw per-frame character probabilities (to decode them
under the plate grammar) and the text detector's boxes; rapidocr's public call returns only
decoded strings, so this module reaches one level into the RapidOCR object it builds. Keeping
that in one place means a rapidocr upgrade touches only this file.
"""

from __future__ import annotations

import threading
from typing import Sequence

import cv2
import numpy as np

from detection.plate.preprocess import RECOGNISER_HEIGHT

# Longest side the text detector works at when searching a vehicle crop for a plate: a plate
# big enough to read stays 15+ px high at this size, and the detector's cost grows with area
# (on 2 CPU cores about 100 ms at 640, 250 ms at 960). Small crops are enlarged at most this much.
DETECTION_SIDE = 640
DETECTION_MAX_UPSCALE = 2.0


# Plate crops are tiny inputs: one onnxruntime thread reads them as fast as two on an idle
# 2-core machine and much faster on a busy one (the vehicle detector runs beside the reader).
DEFAULT_THREADS = 1


class OcrEngine:
    """rapidocr's recogniser and detector, created on first use and shared by all calls.

    `threads`: onnxruntime intra-op threads (None: onnxruntime's default, all cores).
    `detection_side`: longest side of the image the text detector works on in `detect_text`.
    """

    def __init__(self, threads: int | None = DEFAULT_THREADS, detection_side: int = DETECTION_SIDE):
        self._threads = threads
        self._detection_side = detection_side
        self._ocr = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        # Sessions and locks do not pickle; a copy (e.g. in a pipeline checkpoint) reloads lazily.
        return {"threads": self._threads, "detection_side": self._detection_side}

    def __setstate__(self, state: dict) -> None:
        self.__init__(threads=state["threads"], detection_side=state["detection_side"])

    def _models(self):
        with self._lock:
            if self._ocr is None:
                # Imported here so `import detection.plate` stays cheap for code that never reads.
                from rapidocr_onnxruntime import RapidOCR

                # detect_text sizes images itself; "max" keeps rapidocr from resizing them again.
                options: dict[str, object] = {"det_limit_side_len": 4096, "det_limit_type": "max"}
                if self._threads:
                    options["intra_op_num_threads"] = self._threads
                self._ocr = RapidOCR(**options)
            return self._ocr

    @property
    def characters(self) -> list[str]:
        """The recogniser's classes; index 0 is the CTC blank."""
        return list(self._models().text_rec.postprocess_op.character)

    def recognise(self, lines: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per-frame class probabilities (frames x classes) for each BGR text line 48 px high.

        Lines are run as one batch, right-padded to the widest; padding adds trailing frames
        that the recogniser reads as blank.
        """
        if not lines:
            return []
        if any(line.shape[0] != RECOGNISER_HEIGHT or line.ndim != 3 for line in lines):
            raise ValueError(f"text lines must be BGR images {RECOGNISER_HEIGHT} px high")
        width = max(line.shape[1] for line in lines)
        batch = np.zeros((len(lines), 3, RECOGNISER_HEIGHT, width), dtype=np.float32)
        for i, line in enumerate(lines):
            # The same scaling rapidocr applies: pixels to [-1, 1], padding at 0.
            batch[i, :, :, : line.shape[1]] = line.transpose(2, 0, 1).astype(np.float32) / 127.5 - 1.0
        probs = self._models().text_rec.session(batch)[0]
        # Frames past a line's own width only saw padding.
        frames_per_pixel = probs.shape[1] / width
        return [probs[i, : max(1, int(np.ceil(line.shape[1] * frames_per_pixel)))] for i, line in enumerate(lines)]

    def detect_text(self, image: np.ndarray) -> list[np.ndarray]:
        """Quadrilaterals (4x2 float32, pixels of `image`) of the text lines found in `image`."""
        scale = min(self._detection_side / max(image.shape[:2]), DETECTION_MAX_UPSCALE)
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        resized = cv2.resize(image, None, fx=scale, fy=scale, interpolation=interpolation)
        boxes, _ = self._models().text_det(resized)
        if boxes is None:
            return []
        return [np.asarray(box, dtype=np.float32).reshape(4, 2) / scale for box in boxes]
