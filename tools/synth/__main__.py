"""Command line of the scene generator: ``python -m tools.synth dataset|video ...``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and write a YOLO dataset or the demo clip."""
    parser = argparse.ArgumentParser(prog="python -m tools.synth", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dataset = commands.add_parser("dataset", help="write a YOLO dataset of random pole-camera scenes")
    dataset.add_argument("out", type=Path)
    dataset.add_argument("--train", type=int, default=2400)
    dataset.add_argument("--val", type=int, default=400)
    dataset.add_argument("--test", type=int, default=0)
    dataset.add_argument("--seed", type=int, default=0)
    dataset.add_argument("--width", type=int, default=640)
    dataset.add_argument("--height", type=int, default=360)
    video = commands.add_parser("video", help="write the demo clip and its ground truth")
    video.add_argument("out", type=Path, help="video file (.mp4)")
    video.add_argument("--truth", type=Path, required=True, help="ground-truth JSON to write")
    video.add_argument("--seed", type=int, default=7)
    video.add_argument("--seconds", type=float, default=18.0)
    video.add_argument("--fps", type=int, default=10)
    args = parser.parse_args(argv)

    if args.command == "dataset":
        from tools.synth.dataset import write_dataset

        summary = write_dataset(args.out, args.train, args.val, args.seed, args.width, args.height,
                                test=args.test)
        print(json.dumps({"data_yaml": str(summary.data_yaml), "images": summary.images,
                          "boxes": {k: dict(v) for k, v in summary.boxes.items()}}, indent=2))
    else:
        from tools.synth.video import write_demo_clip

        truth = write_demo_clip(args.out, args.truth, seed=args.seed, seconds=args.seconds, fps=args.fps)
        print(json.dumps({"video": str(args.out), "truth": str(args.truth), "frames": truth["frames"],
                          "vehicles": len(truth["vehicles"])}, indent=2))


if __name__ == "__main__":
    main()
