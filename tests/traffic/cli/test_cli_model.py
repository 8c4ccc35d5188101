"""`traffic model train|eval|export` end to end on a tiny synthetic dataset (offline, CPU)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tools.synth.dataset import write_dataset
from traffic.cli.model import DEMO_ARCH, app

runner = CliRunner()


@pytest.fixture(scope="module")
def data_yaml(tmp_path_factory, cjk_font):
    out = tmp_path_factory.mktemp("cli") / "ds"
    return write_dataset(out, train=8, val=4, seed=12, width=320, height=180, font_path=cjk_font).data_yaml


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_yaml):
    root = tmp_path_factory.mktemp("cli_runs")
    weights = root / "model.pt"
    result = runner.invoke(app, ["train", str(data_yaml), "--model", str(DEMO_ARCH), "--epochs", "1", "--imgsz",
                                 "64", "--batch", "4", "--no-cache", "--close-mosaic", "0", "--project",
                                 str(root / "runs"), "--name", "cli", "--out", str(weights)])
    assert result.exit_code == 0, result.output
    return weights, result.output


def test_train_copies_the_weights_and_prints_scores_per_class(trained):
    weights, output = trained
    assert weights.is_file()
    assert "trained 1 epochs" in output
    assert "mAP50-95" in output and "\nall " in output


def test_eval_prints_json_per_class(trained, data_yaml):
    weights, _ = trained
    result = runner.invoke(app, ["eval", str(weights), str(data_yaml), "--imgsz", "64", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["all"]["images"] == 4
    assert {"name", "map50", "map50_95", "precision", "recall"} <= set(report["classes"][0])


def test_export_writes_onnx_and_refuses_unknown_formats(trained):
    weights, _ = trained
    result = runner.invoke(app, ["export", str(weights), "--format", "onnx", "--imgsz", "64"])
    assert result.exit_code == 0, result.output
    assert weights.with_suffix(".onnx").is_file()
    assert str(weights.with_suffix(".onnx")) in result.output
    refused = runner.invoke(app, ["export", str(weights), "--format", "tflite"])
    assert refused.exit_code != 0 and "unknown format" in refused.output


def test_train_refuses_a_missing_dataset(tmp_path):
    result = runner.invoke(app, ["train", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "Invalid value for 'data'" in result.output
