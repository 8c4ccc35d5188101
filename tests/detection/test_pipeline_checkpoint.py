"""Camera checkpoints survive the upgrade that renamed their class (CameraState -> PipelineCheckpoint)."""
from __future__ import annotations

import pickle
from dataclasses import dataclass, field

import pytest

from detection import pipeline
from detection.pipeline import CameraPipeline, PipelineCheckpoint


def test_a_checkpoint_saved_under_the_old_class_name_is_restored(monkeypatch) -> None:
    @dataclass
    class CameraState:  # the class as it was pickled by workers before the rename
        tracker: object
        inertia: object
        records: dict = field(default_factory=dict)
        frames_seen: int = 0

    CameraState.__module__, CameraState.__qualname__ = pipeline.__name__, "CameraState"
    monkeypatch.setattr(pipeline, "CameraState", CameraState, raising=False)
    old_bytes = pickle.dumps(CameraState("tracker", "inertia", {}, 42))
    monkeypatch.delattr(pipeline, "CameraState")

    restored = CameraPipeline.restore(old_bytes)

    assert isinstance(restored, PipelineCheckpoint)
    assert (restored.tracker, restored.inertia, restored.frames_seen) == ("tracker", "inertia", 42)


def test_bytes_that_are_no_checkpoint_are_refused() -> None:
    with pytest.raises(TypeError, match="not a camera checkpoint"):
        CameraPipeline.restore(pickle.dumps({"tracker": None}))
