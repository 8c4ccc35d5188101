"""`traffic model train|eval|export`: build, score and convert detection models (offline, CPU by default)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from detection.quantize import QuantizeError
from detection.training import EXPORT_FORMATS, TrainSettings, evaluate_model, export_model, format_report, train_model

app = typer.Typer(help="Train, evaluate and export YOLO detection models.", no_args_is_help=True)

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
DEMO_ARCH = DEMO_DIR / "demo_arch.yaml"


@app.command()
def train(
    data: Annotated[Path, typer.Argument(help="YOLO dataset YAML (names, train and val folders).", exists=True)],
    model: Annotated[Path, typer.Option(help="Architecture YAML (from scratch) or .pt weights (fine-tune).",
                                        exists=True)] = DEMO_ARCH,
    epochs: Annotated[int, typer.Option(min=1)] = 30,
    imgsz: Annotated[int, typer.Option(help="Training image size in pixels (multiple of 32).", min=32)] = 416,
    batch: Annotated[int, typer.Option(min=1)] = 16,
    device: Annotated[str, typer.Option(help="cpu, or a CUDA index such as 0.")] = "cpu",
    workers: Annotated[int, typer.Option(help="Data-loading worker processes.", min=0)] = 0,
    seed: int = 0,
    patience: Annotated[int, typer.Option(help="Stop after this many epochs without improvement.")] = 100,
    close_mosaic: Annotated[int, typer.Option(help="Turn mosaic augmentation off for the last N epochs.")] = 3,
    cache: Annotated[bool, typer.Option(help="Keep decoded images in memory.")] = True,
    project: Annotated[Path, typer.Option(help="Folder for training runs.")] = Path("runs/train"),
    name: Annotated[str, typer.Option(help="Run name (a subfolder of --project).")] = "model",
    out: Annotated[Path | None, typer.Option(help="Copy the best weights here when done.")] = None,
) -> None:
    """Train a detector on a YOLO dataset, then print its validation scores per class."""
    settings = TrainSettings(
        data=data, model=model, epochs=epochs, imgsz=imgsz, batch=batch, device=device, workers=workers,
        seed=seed, patience=patience, project=project, name=name,
        options={"close_mosaic": close_mosaic, "cache": cache},
    )
    result = train_model(settings)
    typer.echo(f"trained {result.epochs} epochs in {result.seconds / 60:.1f} min; best weights: {result.best}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.best, out)
        typer.echo(f"copied to {out}")
    report = evaluate_model(result.best, data, imgsz=imgsz, device=device, batch=batch)
    typer.echo(format_report(report))


@app.command("eval")
def evaluate(
    weights: Annotated[Path, typer.Argument(help="Model weights (.pt, .onnx or an OpenVINO folder).",
                                            exists=True)],
    data: Annotated[Path, typer.Argument(help="YOLO dataset YAML.", exists=True)],
    imgsz: Annotated[int, typer.Option(min=32)] = 416,
    split: Annotated[str, typer.Option(help="Dataset split to score: val, test or train.")] = "val",
    device: str = "cpu",
    batch: Annotated[int, typer.Option(min=1)] = 16,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print precision, recall, mAP50 and mAP50-95 per class on a dataset split."""
    if weights.suffix != ".pt":
        batch = 1  # exported models are built for a fixed batch of one
    report = evaluate_model(weights, data, imgsz=imgsz, split=split, device=device, batch=batch, quiet=as_json)
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else format_report(report))


@app.command()
def export(
    weights: Annotated[Path, typer.Argument(help="PyTorch weights (.pt) to convert.", exists=True)],
    fmt: Annotated[list[str] | None, typer.Option(
        "--format", help="onnx, openvino and/or openvino-int8 (repeat the option); onnx and openvino when not "
                         "given.")] = None,
    imgsz: Annotated[int, typer.Option(min=32)] = 416,
    half: Annotated[bool, typer.Option(help="FP16 weights (smaller; CPU runtimes may upcast).")] = False,
    dynamic: Annotated[bool, typer.Option(help="Dynamic input size and batch.")] = False,
    calibration: Annotated[Path | None, typer.Option(
        help="Folder of real frames to calibrate openvino-int8 on (a few hundred, like the cameras').",
        exists=True, file_okay=False)] = None,
) -> None:
    """Export weights to ONNX, OpenVINO and/or OpenVINO INT8; prints the path of each export."""
    fmt = fmt or ["onnx", "openvino"]
    unknown = [f for f in fmt if f not in EXPORT_FORMATS]
    if unknown:
        raise typer.BadParameter(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(EXPORT_FORMATS)}")
    if "openvino-int8" in fmt and calibration is None:
        raise typer.BadParameter("openvino-int8 needs --calibration DIR, a folder of real frames",
                                 param_hint="--calibration")
    for one in fmt:
        try:
            typer.echo(str(export_model(weights, one, imgsz=imgsz, half=half, dynamic=dynamic,
                                        calibration=calibration)))
        except QuantizeError as exc:
            raise typer.BadParameter(str(exc)) from None


if __name__ == "__main__":
    app()
