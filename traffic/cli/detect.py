"""`traffic detect`: run the vision pipeline on an image, a folder, a video or a stream.

Mount it in the main CLI with `app.add_typer(detect.app)` (no name: the `detect` command joins the main app).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import typer

app = typer.Typer(add_completion=False, help="Detect, track and report vehicle sightings.")


def _load_plate_reader(enabled: bool):
    if not enabled:
        return None
    try:
        from detection.plate import PlateReader
    except ImportError:
        typer.echo("plate reader not available (detection.plate); plate states stay unknown", err=True)
        return None
    return PlateReader()


def _class_map_path(model: Path, class_map: Optional[Path]) -> Path:
    if class_map is not None:
        return class_map
    beside = (model if model.is_dir() else model.parent) / "class_map.yaml"
    if beside.is_file():
        return beside
    raise typer.BadParameter(f"no --class-map given and no class_map.yaml beside {model}", param_hint="--class-map")


@app.command("detect")
def detect(
    source: str = typer.Argument(..., help="Image, folder of images, video file, or rtsp:// / http:// stream URL."),
    model: Path = typer.Option(..., "--model", help="Weights: .pt, .onnx or an OpenVINO *_openvino_model folder."),
    class_map: Optional[Path] = typer.Option(
        None, "--class-map", help="YAML 'model class: category' (default: class_map.yaml beside the model)."
    ),
    camera_zone: list[str] = typer.Option(
        [], "--camera-zone", help="Road area 'x,y;x,y;x,y' normalised to 0..1; repeat for more polygons."
    ),
    zone_inertia: int = typer.Option(3, help="Consecutive in-zone frames before a vehicle counts."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write an annotated video here (.mp4)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write sighting events here as JSON Lines."),
    camera: str = typer.Option("camera", help="Camera name written on every sighting."),
    conf: float = typer.Option(0.25, help="Detector confidence threshold."),
    imgsz: Optional[int] = typer.Option(None, help="Inference size (default: a .pt model's training size, else 640)."),
    batch: int = typer.Option(1, help="Frames per model call."),
    device: str = typer.Option("cpu", help="cpu, cuda or cuda:N."),
    tracker: str = typer.Option("bytetrack", help="bytetrack or botsort."),
    min_frames: int = typer.Option(5, help="Frames a track needs before it is a sighting."),
    min_score: float = typer.Option(0.4, help="Median detection score a track needs."),
    plates: bool = typer.Option(True, "--plates/--no-plates", help="Read plates (needs the plate reader)."),
    start: Optional[datetime] = typer.Option(
        None, help="Capture time of the first frame (videos, --timestamps interval)."
    ),
    interval: float = typer.Option(1.0, help="Seconds between images for --timestamps interval."),
    timestamps: str = typer.Option("auto", help="Image times: auto, exif, filename or interval."),
    tz: str = typer.Option("Asia/Shanghai", help="Time zone of times written without an offset."),
    stride: int = typer.Option(1, help="Video files: keep every n-th frame."),
    fps: float = typer.Option(5.0, help="Streams: frames per second to analyse."),
) -> None:
    """Detect vehicles, track them and write one JSON object per sighting event."""
    from tqdm import tqdm

    from detection.annotate import AnnotatedVideoWriter
    from detection.class_map import ClassMap, ClassMapError
    from detection.detector import Detector, DetectorError, DetectorSettings
    from detection.pipeline import CameraPipeline, PipelineSettings
    from detection.serialize import to_json
    from detection.sightings import SightingSettings
    from detection.sources import SourceError, open_source
    from detection.tracking import TrackerError, TrackerSettings
    from detection.zone import Zone, ZoneError

    try:
        zone_tz = ZoneInfo(tz)
        zone = Zone.parse(camera_zone, zone_inertia) if camera_zone else Zone.whole_frame(zone_inertia)
        detector = Detector(model, DetectorSettings(conf=conf, imgsz=imgsz, batch=batch, device=device))
        classes = ClassMap.load(_class_map_path(model, class_map), detector.names)
        frames = open_source(
            source, start=start, interval_s=interval, timestamps=timestamps, stride=stride, target_fps=fps,
            assume_tz=zone_tz,
        )
        settings = PipelineSettings(
            camera=camera,
            zone=zone,
            tracker=TrackerSettings(kind=tracker),
            sightings=SightingSettings(min_frames=min_frames, min_score=min_score, keep_images=out is not None),
        )
        pipeline = CameraPipeline(detector, classes, settings, _load_plate_reader(plates))
    except (ClassMapError, DetectorError, SourceError, TrackerError, ZoneError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None

    total = len(frames) if hasattr(frames, "__len__") else None
    video_fps = getattr(frames, "fps", fps * stride) / stride if hasattr(frames, "fps") else fps
    writer = AnnotatedVideoWriter(out, fps=video_fps, zone=zone) if out else None
    sink = json_out.open("w", encoding="utf-8") if json_out else None
    counts = {"started": 0, "updated": 0, "ended": 0}

    def emit(events) -> None:
        for event in events:
            counts[event.kind] += 1
            if sink:
                sink.write(json.dumps(to_json(event), ensure_ascii=False) + "\n")

    try:
        for result in tqdm(pipeline.run(frames), total=total, unit="frame", desc=camera):
            if writer:
                writer.write(result)
            emit(result.events)
    except KeyboardInterrupt:  # a live stream is stopped by hand: close the open sightings properly
        emit(pipeline.finish())
    except SourceError as exc:
        emit(pipeline.finish())
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        if writer:
            writer.close()
        if sink:
            sink.close()
    typer.echo(f"sightings: {counts['ended']} ended, {counts['started']} started, {counts['updated']} updates")
