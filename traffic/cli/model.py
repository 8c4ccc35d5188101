"""`traffic model train|eval|export`: build, score and convert detection models (offline, CPU by default).

`register|list|activate` (detector versions and where they run) live in model_registry.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from detection.quantize import QuantizeError
from detection.training import EXPORT_FORMATS, TrainSettings, evaluate_model, export_model, format_report, train_model
from traffic.cli import model_registry
from traffic.cli.context import domain_errors
from traffic.cli.model_registry import register_trained, weights_of
from traffic.services.detector_versions import parse_ref
from traffic.services.detector_metrics import metrics_of, side_by_side

app = typer.Typer(help="Train, evaluate and export YOLO detection models.", no_args_is_help=True)

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
DEMO_ARCH = DEMO_DIR / "demo_arch.yaml"


@app.command()
def train(
    data: Annotated[Path | None, typer.Argument(help="YOLO dataset YAML (names, train and val folders).",
                                                exists=True)] = None,
    data_option: Annotated[Path | None, typer.Option("--data", help="The same as DATA.", exists=True)] = None,
    model: Annotated[Path, typer.Option(help="Architecture YAML (from scratch) or .pt weights (fine-tune).",
                                        exists=True)] = DEMO_ARCH,
    base: Annotated[str | None, typer.Option(help="Fine-tune from this registered NAME:VERSION (instead of --model) "
                                             "and register the result with its held-out scores.")] = None,
    register_as: Annotated[str | None, typer.Option(help="NAME:VERSION of the result with --base (default: the base's "
                                                    "name, version from the weights' SHA-256).")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes stored with the registered version (with --base).")] = None,
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
    data = _dataset(data, data_option)
    base_row = None
    if base is not None:
        model, base_row = weights_of(base)
        if register_as is not None:
            with domain_errors():  # before the training, not after it
                parse_ref(register_as)
    elif register_as is not None:
        raise typer.BadParameter("--register-as names the version trained from --base; give --base too")
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
    if base_row is not None:
        row = register_trained(out or result.best, base_row, register_as, data,
                               metrics_of(report, data, imgsz=imgsz), notes)
        typer.echo(f"registered {row.ref} sha256 {row.sha256} (held-out mAP50 {report.overall.map50:.3f}); "
                   f"activate it with `traffic model activate {row.ref}`")


@app.command("eval")
def evaluate(
    weights: Annotated[str, typer.Argument(help="Model weights (.pt, .onnx or an OpenVINO folder), or a registered "
                                                "NAME:VERSION.")],
    data: Annotated[Path | None, typer.Argument(help="YOLO dataset YAML.", exists=True)] = None,
    data_option: Annotated[Path | None, typer.Option("--data", help="The same as DATA.", exists=True)] = None,
    compare: Annotated[str | None, typer.Option(help="Another model (path or NAME:VERSION): print both side by side "
                                                     "per class.")] = None,
    imgsz: Annotated[int, typer.Option(min=32)] = 416,
    split: Annotated[str, typer.Option(help="Dataset split to score: val, test or train.")] = "val",
    device: str = "cpu",
    batch: Annotated[int, typer.Option(min=1)] = 16,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print precision, recall, mAP50 and mAP50-95 per class on a dataset split (two models side by side with
    --compare)."""
    data = _dataset(data, data_option)
    reports = []
    for ref in [weights] + ([compare] if compare else []):
        path, _ = weights_of(ref)
        one_batch = batch if path.suffix == ".pt" else 1  # exported models are built for a fixed batch of one
        reports.append(evaluate_model(path, data, imgsz=imgsz, split=split, device=device, batch=one_batch,
                                      quiet=as_json or compare is not None))
    if compare is not None:
        typer.echo(json.dumps({weights: reports[0].to_dict(), compare: reports[1].to_dict()}, indent=2) if as_json
                   else side_by_side(reports[0], reports[1], weights, compare))
        return
    typer.echo(json.dumps(reports[0].to_dict(), indent=2) if as_json else format_report(reports[0]))


def _dataset(data: Path | None, data_option: Path | None) -> Path:
    if (data is None) == (data_option is None):
        raise typer.BadParameter("give the dataset YAML once: as DATA or as --data")
    return data or data_option


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


model_registry.install(app)

if __name__ == "__main__":
    app()
