"""Offline training, evaluation and export over ultralytics, and the quality of the committed demo model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detection.training import TrainSettings, evaluate_model, export_model, format_report, train_model
from tools.synth.dataset import write_dataset
from tools.synth.scene import DEMO_CLASSES

REPO = Path(__file__).resolve().parents[2]
DEMO_MODEL = REPO / "traffic" / "demo" / "demo_model.pt"
DEMO_ARCH = REPO / "traffic" / "demo" / "demo_arch.yaml"




@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory, cjk_font):
    out = tmp_path_factory.mktemp("tiny")
    return write_dataset(out / "ds", train=8, val=4, seed=31, width=320, height=180, font_path=cjk_font)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_dataset):
    project = tmp_path_factory.mktemp("runs")
    settings = TrainSettings(data=tiny_dataset.data_yaml, model=DEMO_ARCH, epochs=1, imgsz=64, batch=4,
                             project=project, name="tiny", options={"cache": False, "close_mosaic": 0})
    return train_model(settings)


def test_training_from_a_yaml_runs_offline_and_leaves_stripped_weights(tiny_run):
    assert tiny_run.epochs == 1
    assert tiny_run.best.is_file() and tiny_run.best.stat().st_size < 5_000_000
    import torch

    checkpoint = torch.load(tiny_run.best, map_location="cpu", weights_only=False)
    assert checkpoint["optimizer"] is None, "ultralytics strips the optimizer from best.pt"
    assert list(checkpoint["model"].names.values()) == list(DEMO_CLASSES)


def test_evaluation_reports_every_labelled_class(tiny_run, tiny_dataset):
    report = evaluate_model(tiny_run.best, tiny_dataset.data_yaml, imgsz=64, batch=4)
    labelled = {name for name, count in tiny_dataset.boxes["val"].items() if count}
    assert {score.name for score in report.classes} == labelled
    assert report.overall.images == 4
    assert report.overall.instances == sum(tiny_dataset.boxes["val"].values())
    for score in (report.overall, *report.classes):
        assert 0.0 <= score.map50_95 <= score.map50 <= 1.0
    table = format_report(report)
    assert table.splitlines()[0].split()[-2:] == ["mAP50", "mAP50-95"] and len(table.splitlines()) == 2 + len(labelled)


def test_onnx_export_loads_and_predicts(tiny_run):
    exported = export_model(tiny_run.best, "onnx", imgsz=64)
    assert exported.suffix == ".onnx" and exported.is_file()
    from ultralytics import YOLO

    result = YOLO(str(exported), task="detect").predict(np.zeros((180, 320, 3), np.uint8), imgsz=64,
                                                        verbose=False)[0]
    assert result.boxes is not None and list(result.names.values()) == list(DEMO_CLASSES)


def test_unknown_export_format_and_missing_model_are_refused(tiny_run, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export_model(tiny_run.best, "tflite")
    with pytest.raises(FileNotFoundError, match="model file not found"):
        train_model(TrainSettings(data=tmp_path / "data.yaml", model=Path("yolov8n.pt")))


def test_demo_model_detects_the_target_classes_on_unseen_scenes(tmp_path, cjk_font):
    # Seed 77 was never used for training (the demo dataset uses seed 2024).
    unseen = write_dataset(tmp_path / "unseen", train=0, val=40, seed=77, font_path=cjk_font)
    scores = evaluate_model(DEMO_MODEL, unseen.data_yaml, imgsz=416).by_name()
    # Measured when the model was built: 0.83-0.91 mAP50 for these four, 0.39 for plates (see docs/demo-model.md).
    for name in ("e_tricycle", "fuel_tricycle", "e_four_wheeler", "car"):
        assert scores[name].map50 > 0.7, (name, scores[name])
    assert scores["plate"].map50 > 0.2
    assert scores["plate"].precision > 0.6, "plate boxes the model gives should mostly be plates"
