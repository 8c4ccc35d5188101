"""`traffic plate ...`: read a Chinese licence plate from an image file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import cv2
import typer

from detection.plate import PlateReader, PlateReading

app = typer.Typer(help="Licence-plate reading.", no_args_is_help=True)


@app.callback()
def plate() -> None:
    """Licence-plate reading (Chinese civil plates, rapidocr's bundled models, offline)."""


def _parse_box(text: str) -> tuple[float, float, float, float]:
    try:
        x1, y1, x2, y2 = (float(part) for part in text.split(","))
    except ValueError:
        raise typer.BadParameter("expected four numbers x1,y1,x2,y2", param_hint="--box") from None
    if x2 <= x1 or y2 <= y1:
        raise typer.BadParameter("x2 must exceed x1 and y2 must exceed y1", param_hint="--box")
    return x1, y1, x2, y2


@app.command("read")
def read(
    image: Path = typer.Argument(
        ..., metavar="IMAGE", exists=True, dir_okay=False, readable=True, help="Image file (JPEG, PNG, ...)."
    ),
    box: Optional[str] = typer.Option(
        None, "--box", help="Plate box x1,y1,x2,y2 in pixels; without it the plate is searched for."
    ),
) -> None:
    """Print the plate as JSON: {"plate": "皖AYL375", "confidence": 0.97}, or "plate": null."""
    frame = cv2.imread(str(image), cv2.IMREAD_COLOR)
    if frame is None:
        raise typer.BadParameter(f"cannot decode {image} as an image", param_hint="IMAGE")
    reader = PlateReader()
    reading: PlateReading | None
    if box is not None:
        reading = reader.read_in(frame, _parse_box(box))
    else:
        found = reader.find_and_read(frame)
        # An image that is itself a tight plate crop may give the text detector nothing to find.
        reading = found[1] if found is not None else reader.read(frame)
    payload = {
        "plate": reading.text if reading else None,
        "confidence": reading.confidence if reading else None,
    }
    typer.echo(json.dumps(payload, ensure_ascii=False))
