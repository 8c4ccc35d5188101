"""`traffic ingest video|images|stream`: pull frames into the system (the push API is for cameras)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from models.enums import SightingSource
from traffic.cli.context import domain_errors, echo, fail, load_settings, open_engine
from traffic.logs import configure_logging

app = typer.Typer(help="Pull frames from a video file, an image folder or a stream through the pipeline.")


def _parse_start(start: str, timezone: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--start {start!r} is not an ISO 8601 time such as 2023-06-05T07:30:00+08:00")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value


def _run(camera: str, frames, *, source: str, track_prefix: str, total: int | None) -> None:
    from tqdm import tqdm

    from traffic.db import make_session_factory
    from traffic.services.recorder_factory import build_recorder
    from traffic.vision import PipelineFactory
    from traffic.workers.pull import ingest_frames

    settings = load_settings()
    configure_logging(settings)
    with domain_errors():
        pipelines = PipelineFactory.from_settings(settings, keep_images=True)
        session_factory = make_session_factory(open_engine(settings))
        recorder = build_recorder(settings, session_factory)
        with tqdm(total=total, unit="frame", desc=camera) as bar:
            report = ingest_frames(
                session_factory, pipelines, recorder, camera, frames, source=source, track_prefix=track_prefix,
                inertia=settings.zone_inertia, on_frame=lambda: bar.update(1),
            )
    echo(report.summary())


@app.command("video")
def video_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="video file"),
    camera: str = typer.Option(..., "--camera", help="camera code"),
    start: str = typer.Option(..., "--start", help="capture time of the first frame, ISO 8601 with offset"),
    stride: int = typer.Option(1, min=1, help="keep every n-th frame"),
) -> None:
    """Process a recorded video; frame times are START plus the frame's time in the file."""
    from detection.sources import SourceError, VideoFileSource
    from traffic.workers.pull import file_digest

    settings = load_settings()
    try:
        frames = VideoFileSource(path, start=_parse_start(start, settings.timezone), stride=stride)
    except SourceError as exc:
        fail(str(exc))
    _run(camera, frames, source=SightingSource.VIDEO, track_prefix=f"video:{file_digest(path)}:{stride}", total=len(frames))


@app.command("images")
def images_command(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="folder of images"),
    camera: str = typer.Option(..., "--camera", help="camera code"),
    timestamps: str = typer.Option("auto", help="auto (EXIF, then file name), exif, filename or interval"),
    start: str | None = typer.Option(None, help="first image's time for --timestamps interval"),
    interval: float = typer.Option(1.0, help="seconds between images for --timestamps interval"),
) -> None:
    """Process a folder of snapshots in time order."""
    from detection.sources import DirectorySource, SourceError
    from traffic.workers.pull import folder_digest

    settings = load_settings()
    first = _parse_start(start, settings.timezone) if start else None
    try:
        frames = DirectorySource(folder, timestamps, first, interval, ZoneInfo(settings.timezone))
    except (SourceError, ValueError) as exc:
        fail(str(exc))
    _run(camera, frames, source=SightingSource.IMAGES, track_prefix=f"images:{folder_digest(folder)}", total=len(frames))
    for name, reason in frames.skipped:  # bad files are passed over, never the end of the run (docs/ingest.md)
        echo(f"跳过 skipped {name}: {reason}")


@app.command("stream")
def stream_command(
    url: str = typer.Argument(..., help="rtsp:// or http(s):// stream"),
    camera: str = typer.Option(..., "--camera", help="camera code"),
    fps: float = typer.Option(5.0, help="frames per second to analyse"),
) -> None:
    """Process a live stream until stopped (Ctrl-C); reconnects with back-off when the stream drops."""
    from detection.sources import StreamSettings, StreamSource

    frames = StreamSource(url, StreamSettings(target_fps=fps, live=True))
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    try:
        _run(camera, frames, source=SightingSource.STREAM, track_prefix=f"stream:{camera}:{started}", total=None)
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        frames.close()
