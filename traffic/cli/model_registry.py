"""`traffic model register|list|activate`: detector versions with their provenance, and where each one runs.

Workers notice an activation at their next frame boundary (docs/vision.md); nothing has to restart.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from models import DetectorVersion
from traffic.cli.context import cli_actor, domain_errors, echo, fail, load_settings, open_engine
from traffic.db import make_session_factory, transaction
from traffic.services import detector_versions as versions
from traffic.services.detector_metrics import dataset_digest, metrics_of

REFUSED_EXIT = 3  # activation refused because the model is worse: distinct from a usage or lookup error (2)


def evaluate_metrics(weights: Path, data: Path, *, imgsz: int, split: str = "val", batch: int = 16) -> dict[str, Any]:
    """Score ``weights`` on a dataset split and return what a version stores as its metrics."""
    from detection.training import evaluate_model

    batch = batch if weights.suffix == ".pt" else 1  # exported models are built for a fixed batch of one
    report = evaluate_model(weights, data, imgsz=imgsz, split=split, batch=batch, quiet=True)
    return metrics_of(report, data, split=split, imgsz=imgsz)


def default_version(session: Session) -> DetectorVersion:
    """The settings' model as a version row (registered on first use): what runs where nothing is activated."""
    settings = load_settings()
    return versions.ensure_default(session, Path(settings.model_path), settings.class_map_path)


def register_weights(session: Session, weights: Path, name: str, version: str, *, notes: str | None,
                     class_map: Path | None, metrics: dict[str, Any] | None) -> DetectorVersion:
    candidate = versions.inspect_weights(weights, class_map)
    return versions.register(session, candidate, name, version, actor=cli_actor(), notes=notes, metrics=metrics)


def rescore(current: DetectorVersion, metrics: dict[str, Any]) -> float | None:
    """The active version's mAP50 on the candidate's held-out split, measured now (when both are at hand)."""
    dataset = Path(metrics.get("dataset", ""))
    if current.weights_path is None or not Path(current.weights_path).exists() or not dataset.is_file():
        return None
    if metrics.get("dataset_sha256") != dataset_digest(dataset, metrics.get("split", "val")):
        return None  # the dataset changed since the candidate was scored: not the same held-out split
    scored = evaluate_metrics(Path(current.weights_path), dataset, imgsz=int(metrics.get("imgsz", 416)),
                              split=metrics.get("split", "val"))
    return float(scored["all"]["map50"])


def weights_of(ref_or_path: str) -> tuple[Path, DetectorVersion | None]:
    """A weights path as given, or a registered NAME:VERSION's weights (and its row)."""
    if Path(ref_or_path).exists():
        return Path(ref_or_path), None
    engine = open_engine(load_settings())
    with domain_errors(), make_session_factory(engine)() as session:
        row = versions.find_version(session, ref_or_path)
        session.expunge(row)
    if row.weights_path is None or not Path(row.weights_path).exists():
        fail(f"the weights of {row.ref} are not at hand ({row.weights_path})")
    return Path(row.weights_path), row


def register_trained(weights: Path, base: DetectorVersion, register_as: str | None, data: Path,
                     metrics: dict[str, Any], notes: str | None) -> DetectorVersion:
    """Register weights fine-tuned from ``base`` with their held-out scores; NAME:VERSION defaults to the base's name
    and the first 12 hex digits of the new weights' SHA-256."""
    beside = data.resolve().parent / "class_map.yaml"  # the exported dataset's classes are categories (data.yaml)
    candidate = versions.inspect_weights(weights, beside if beside.is_file() else None)
    name, version = versions.parse_ref(register_as) if register_as else (base.name, candidate.sha256[:12])
    note = notes or f"fine-tuned from {base.ref} on {data.resolve()}"
    engine = open_engine(load_settings())
    with domain_errors(), transaction(make_session_factory(engine)) as session:
        row = versions.register(session, candidate, name, version, actor=cli_actor(), notes=note, metrics=metrics)
        session.flush()
        session.expunge(row)
    return row


def install(app: typer.Typer) -> None:
    """Add register, list and activate to the `traffic model` app."""
    app.command("register")(register_command)
    app.command("list")(list_command)
    app.command("activate")(activate_command)


def register_command(
    weights: Annotated[Path, typer.Argument(help="Weights (.pt, .onnx or an OpenVINO folder).", exists=True)],
    name: Annotated[str, typer.Option(help="Model name, e.g. starter.")],
    version: Annotated[str, typer.Option(help="Version, e.g. 2026-12-02 or 3.")],
    notes: Annotated[str | None, typer.Option(help="Free text: where it came from, what changed.")] = None,
    class_map: Annotated[Path | None, typer.Option(help="Class map YAML; default: class_map.yaml beside it.")] = None,
    metrics_from_eval: Annotated[Path | None, typer.Option(
        "--metrics-from-eval", help="Score it on this YOLO dataset's held-out split and store the scores.",
        exists=True)] = None,
    imgsz: Annotated[int, typer.Option(help="Image size for --metrics-from-eval.", min=32)] = 416,
) -> None:
    """Register weights as NAME:VERSION with their SHA-256, class names, class map and (optionally) held-out scores."""
    metrics = evaluate_metrics(weights, metrics_from_eval, imgsz=imgsz) if metrics_from_eval else None
    engine = open_engine(load_settings())
    with domain_errors(), transaction(make_session_factory(engine)) as session:
        row = register_weights(session, weights, name, version, notes=notes, class_map=class_map, metrics=metrics)
        echo(f"registered {row.ref} sha256 {row.sha256}" + (f" mAP50 {metrics['all']['map50']:.3f}" if metrics else ""))


def list_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every registered version: path, SHA-256, classes, and where it is active (city-wide, cameras)."""
    engine = open_engine(load_settings())
    with domain_errors(), transaction(make_session_factory(engine)) as session:
        default = default_version(session)
        rows = versions.version_listing(session)
    for row in rows:  # where nothing is activated, the settings' model runs
        row["default"] = row["name"] == default.name and row["version"] == default.version
    if as_json:
        echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        where = ["全市 city"] if row["active"]["city"] else []
        where += row["active"]["cameras"]
        if row["default"]:
            where.append("默认 default")
        score = row["metrics"].get("all", {}).get("map50")
        echo("\t".join([f"{row['name']}:{row['version']}", (row["sha256"] or "-")[:12],
                        f"mAP50 {score:.3f}" if score is not None else "mAP50 -",
                        ",".join(where) or "-", row["path"] or "-"]))


def activate_command(
    ref: Annotated[str, typer.Argument(help="NAME:VERSION (see `traffic model list`).")],
    camera: Annotated[str | None, typer.Option(help="Only this camera (its own activation wins over the city's).")]
    = None,
    force: Annotated[bool, typer.Option(help="Activate even if it scores worse than the active version.")] = False,
) -> None:
    """Run NAME:VERSION city-wide or on one camera; refuses a version worse on the held-out split unless --force."""
    engine = open_engine(load_settings())
    with domain_errors():
        try:
            with transaction(make_session_factory(engine)) as session:
                version = versions.find_version(session, ref)
                verdict = versions.activate(session, version, camera_code=camera, actor=cli_actor(), force=force,
                                            rescore=rescore, default=default_version(session))
        except versions.WorseModel as exc:
            fail(exc.detail, REFUSED_EXIT)
    echo(f"activated {ref} {'on camera ' + camera if camera else 'city-wide'} ({verdict}); "
         "workers switch at their next frame")
