"""Pipeline overhead and export speed, measured side by side in one process.

1. A bare ultralytics predict loop and the full camera pipeline (detector, class map, tracker, zone, plate check,
   sightings) over the same decoded frames with the same weights, in alternating rounds so background load hits
   both alike. Prints both frame rates and their ratio (target: the pipeline keeps >= 0.9 of the bare rate).
2. The same weights as PyTorch FP32, ONNX, OpenVINO FP32 and OpenVINO INT8 (calibrated on the real auto-rickshaw
   TRAIN photos) on this CPU, rates side by side relative to PyTorch and INT8 relative to OpenVINO FP32; then the
   tricycle AP50 of each on the real auto-rickshaw VAL photos (tools/starter/tricycle_ap.py; a COCO model's car,
   truck and bus count as tricycles there). --pt defaults to traffic/demo/starter.pt, else the COCO yolov8n in
   ../shared/data, else a random-init yolov8n built from ultralytics' bundled yaml (speed only, nothing downloaded).

    python bench/pipeline.py [--frames 120] [--rounds 3] [--pt traffic/demo/starter.pt] [--no-exports]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / ".." / "shared" / "data"

from detection.class_map import ClassMap  # noqa: E402
from detection.detector import Detector, DetectorSettings  # noqa: E402
from detection.pipeline import CameraPipeline, PipelineSettings  # noqa: E402
from detection.sources import VideoFileSource  # noqa: E402
from detection.zone import Zone  # noqa: E402

COCO_PT = DATA / "yolov8n_coco_pretrained_pt" / "yolov8n_coco.pt"
CALIBRATION = DATA / "dataset_autorickshaw_iiith" / "images" / "train"
AUTORICKSHAW_VAL = DATA / "dataset_autorickshaw_iiith" / "images" / "val"
ROAD = Zone((((0.34, 0.62), (0.68, 0.62), (0.80, 1.0), (0.27, 1.0)),), inertia=3)


def load_frames(video: Path, count: int, stride: int):
    start = datetime(2023, 6, 1, 8, 0, tzinfo=timezone.utc)
    return list(VideoFileSource(video, start=start, stride=stride, max_frames=count))


def plate_reader(enabled: bool):
    if not enabled:
        return None, "off"
    try:
        from detection.plate import PlateReader
    except ImportError:
        return None, "not installed (detection.plate missing)"
    return PlateReader(), "on"


def interleaved_rates(bare, args, pipeline: CameraPipeline, frames) -> tuple[float, float, int]:
    """Bare predict and pipeline on the same frames, chunk by chunk, alternating which goes first.

    Interleaving at this grain makes both see the same background load (other jobs share this CPU).
    """
    size = pipeline.detector.settings.batch
    bare_s = pipe_s = 0.0
    sightings = 0
    for n, start in enumerate(range(0, len(frames), size)):
        chunk = frames[start : start + size]
        for first in ((0, 1) if n % 2 == 0 else (1, 0)):
            t = time.perf_counter()
            if first == 0:
                for frame in chunk:
                    bare.predict(frame.image, **args)
                bare_s += time.perf_counter() - t
            else:
                results = pipeline.step_batch(chunk)
                pipe_s += time.perf_counter() - t
                sightings += sum(1 for r in results for e in r.events if e.kind == "started")
    return len(frames) / bare_s, len(frames) / pipe_s, sightings


def tracking_cost_ms(detector, class_map, frames, reader) -> float:
    """Per-frame time of everything after the model (tracker, zone, plates, sightings), on cached detections."""
    detections = detector.detect([f.image for f in frames])
    pipeline = CameraPipeline(detector, class_map, PipelineSettings(camera="bench", zone=ROAD), plate_reader=reader)
    t = time.perf_counter()
    for frame, dets in zip(frames, detections):
        pipeline.track(frame, dets)
    pipeline.finish()
    return (time.perf_counter() - t) * 1000 / len(frames)


def compare_pipeline(weights: Path, frames, rounds: int, reader, reader_note: str, class_map_spec: dict,
                     batch: int) -> None:
    detector = Detector(weights, DetectorSettings(batch=batch))
    class_map = ClassMap(class_map_spec, detector.names)
    # The bare loop drives the very YOLO object the pipeline wraps: one onnxruntime/torch session, so the two sides
    # do not fight over threads, and "the same weights" holds trivially.
    bare = detector.model
    args = detector.predict_args()
    bare.predict(frames[0].image, **args)  # warm-up: predictor setup and first-call allocations
    detector.detect([frames[0].image])
    bare_rates, pipe_rates = [], []
    for _ in range(rounds):
        pipeline = CameraPipeline(detector, class_map, PipelineSettings(camera="bench", zone=ROAD), reader)
        b, p, sightings = interleaved_rates(bare, args, pipeline, frames)
        bare_rates.append(b)
        pipe_rates.append(p)
    b, p = statistics.median(bare_rates), statistics.median(pipe_rates)
    print(f"weights: {weights.name}  frames: {len(frames)}  rounds: {rounds}  batch: {batch}  "
          f"plate reader: {reader_note}")
    print(f"  bare ultralytics predict : {b:6.2f} frames/s  (rounds: {', '.join(f'{r:.2f}' for r in bare_rates)})")
    print(f"  full pipeline            : {p:6.2f} frames/s  (rounds: {', '.join(f'{r:.2f}' for r in pipe_rates)})")
    print(f"  ratio pipeline / bare    : {p / b:6.3f}  (target >= 0.9); sightings started per round: {sightings}")
    print(f"  after-model cost         : {tracking_cost_ms(detector, class_map, frames, reader):6.2f} ms/frame")


def rect_size(frame_size: tuple[int, int], imgsz: int = 640, stride: int = 32) -> tuple[int, int]:
    """The (height, width) a PyTorch model letterboxes these frames to (ultralytics' rect padding), so the
    fixed-size exports get the same number of pixels and the comparison is about the runtime, not the input."""
    width, height = frame_size
    scale = imgsz / max(width, height)
    return (math.ceil(height * scale / stride) * stride, math.ceil(width * scale / stride) * stride)


def export_models(pt: Path | None, workdir: Path, imgsz: tuple[int, int]) -> tuple[dict[str, Path], str]:
    from ultralytics import YOLO

    if pt is None:
        model = YOLO("yolov8n.yaml", task="detect")  # bundled architecture, random weights: no download
        pt = workdir / "random_yolov8n.pt"
        model.save(pt)
        note = "random-init yolov8n (speed only)"
    else:
        note = pt.name
        pt_copy = workdir / pt.name
        pt_copy.write_bytes(pt.read_bytes())
        pt = pt_copy
    onnx = Path(YOLO(str(pt)).export(format="onnx", imgsz=imgsz, simplify=False, dynamic=False, verbose=False))
    openvino = Path(YOLO(str(pt)).export(format="openvino", imgsz=imgsz, dynamic=False, verbose=False))
    formats = {"PyTorch FP32": pt, "ONNX FP32": onnx, "OpenVINO FP32": openvino}
    if CALIBRATION.is_dir():
        from detection.quantize import export_openvino_int8

        formats["OpenVINO INT8"] = export_openvino_int8(pt, CALIBRATION, imgsz=imgsz)
    return formats, note


def interleaved_detect_rates(detectors: dict[str, Detector], frames, rounds: int) -> dict[str, list[float]]:
    """Frames per second of each detector, frame by frame in turn, in rotating order."""
    rates: dict[str, list[float]] = {name: [] for name in detectors}
    names = list(detectors)
    for _ in range(rounds):
        spent = dict.fromkeys(names, 0.0)
        for n, frame in enumerate(frames):
            for name in names[n % len(names) :] + names[: n % len(names)]:
                t = time.perf_counter()
                detectors[name].detect([frame.image])
                spent[name] += time.perf_counter() - t
        for name in names:
            rates[name].append(len(frames) / spent[name])
    return rates


def compare_exports(pt: Path | None, frames, rounds: int, accuracy: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        imgsz = rect_size(frames[0].size)
        formats, note = export_models(pt, Path(tmp), imgsz)
        # use_exports=False: the PyTorch row must run the .pt itself, not the stamped exports written beside it.
        detectors = {name: Detector(path, DetectorSettings(use_exports=False)) for name, path in formats.items()}
        for d in detectors.values():
            d.detect([frames[0].image])
        rates = {name: statistics.median(values)
                 for name, values in interleaved_detect_rates(detectors, frames, rounds).items()}
        scores = export_accuracy(formats, imgsz, pt is not None and accuracy)
    base, fp32 = rates["PyTorch FP32"], rates["OpenVINO FP32"]
    print(f"exports of {note}, input {imgsz[1]}x{imgsz[0]} for all, {len(frames)} frames, {rounds} rounds "
          f"(interleaved); tricycle AP50 on the real auto-rickshaw VAL photos:")
    for name, rate in rates.items():
        vs_fp32 = f"  x{rate / fp32:5.2f} vs OpenVINO FP32" if name == "OpenVINO INT8" else ""
        score = f"  AP50 {scores[name]:.3f}" if name in scores else ""
        print(f"  {name:14}: {rate:6.2f} frames/s  x{rate / base:5.2f} vs PyTorch{vs_fp32}{score}")
    if "OpenVINO INT8" in scores:
        print(f"  AP50 INT8 - OpenVINO FP32: {scores['OpenVINO INT8'] - scores['OpenVINO FP32']:+.4f} (target within 0.01)")


def export_accuracy(formats: dict[str, Path], imgsz: tuple[int, int], wanted: bool) -> dict[str, float]:
    """Tricycle AP50 of each export on the real auto-rickshaw VAL photos (any tricycle class counts as a hit)."""
    if not wanted or not AUTORICKSHAW_VAL.is_dir():
        return {}
    from tools.starter.classes import TRICYCLE_CLASSES
    from tools.starter.tricycle_ap import tricycle_ap50

    names = set(Detector(formats["PyTorch FP32"]).names.values())
    # A COCO model has no tricycle class; it calls an auto-rickshaw a car, truck or bus.
    classes = TRICYCLE_CLASSES if names & set(TRICYCLE_CLASSES) else ("car", "truck", "bus")
    return {name: tricycle_ap50(path, imgsz=imgsz, tricycle_classes=classes)["ap50"]
            for name, path in formats.items() if name != "ONNX FP32"}


def compare_shipped_int8(frames, rounds: int) -> None:
    shipped = {
        "yolov8n INT8 ONNX": DATA / "yolov8n_coco_int8_onnx" / "yolov8n_int8.onnx",
        "yolo11n INT8 OpenVINO": DATA / "yolo11n_coco_int8_openvino" / "yolo11n_int8_openvino_model",
    }
    present = {k: Detector(v) for k, v in shipped.items() if v.exists()}
    for d in present.values():
        d.detect([frames[0].image])
    rates = interleaved_detect_rates(present, frames, rounds)
    print("shipped COCO INT8 models (different architectures; for reference):")
    for name, values in rates.items():
        print(f"  {name:22}: {statistics.median(values):6.2f} frames/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--video", type=Path,
                        default=DATA / "video_jakarta_street_traffic" / "jakarta_street_traffic_20s.mp4")
    parser.add_argument("--model", type=Path, default=DATA / "yolov8n_coco_int8_onnx" / "yolov8n_int8.onnx")
    parser.add_argument("--class-map", default="car=e_four_wheeler", help="name=category[,name=category...]")
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1, help="pipeline frames per model call")
    parser.add_argument("--no-plates", action="store_true", help="leave the plate reader out of the pipeline")
    parser.add_argument("--pt", type=Path, default=None, help=".pt weights for the export comparison")
    parser.add_argument("--no-exports", action="store_true")
    parser.add_argument("--exports-only", action="store_true", help="leave out the pipeline-overhead comparison")
    parser.add_argument("--no-accuracy", action="store_true", help="leave out the AP50 of each export")
    args = parser.parse_args()

    frames = load_frames(args.video, args.frames, args.stride)
    spec = dict(pair.split("=", 1) for pair in args.class_map.split(","))
    reader, note = plate_reader(not args.no_plates)
    if not args.exports_only:
        compare_pipeline(args.model, frames, args.rounds, reader, note, spec, args.batch)
    if not args.no_exports:
        pt = args.pt
        if pt is None:
            pt = next((p for p in (ROOT / "traffic" / "demo" / "starter.pt", COCO_PT) if p.exists()), None)
        compare_exports(pt, frames[: max(len(frames) // 2, 10)], args.rounds, not args.no_accuracy)
        compare_shipped_int8(frames[: max(len(frames) // 2, 10)], args.rounds)


if __name__ == "__main__":
    main()
