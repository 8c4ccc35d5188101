"""Synthetic pole-camera scenes for the DEMO detector: a YOLO dataset writer and a demo clip with truth.

No public model knows e-tricycles or Chinese low-speed four-wheelers, and nothing may be downloaded, so the
project draws its own: perspective streets, procedurally drawn vehicles (e-tricycles, fuel tricycles,
low-speed four-wheelers, cars and two-wheelers as distractors), rendered Chinese plates on some of them,
varied light, scale, blur and occlusion. Everything is deterministic for a seed.

    python -m tools.synth dataset OUT --train 2400 --val 400 --test 400 --seed 2024
    python -m tools.synth video demo.mp4 --truth demo_truth.json --seed 7
"""

from tools.synth.dataset import DatasetSummary, write_dataset, yolo_labels
from tools.synth.plates import FontNotFoundError, PlateSpec, find_cjk_font, random_plate, render_plate
from tools.synth.scene import DEMO_CLASSES, ObjectTruth, SceneRenderer, random_scene
from tools.synth.video import DEMO_CAST, Actor, DemoClip, write_demo_clip

__all__ = [
    "DEMO_CAST",
    "DEMO_CLASSES",
    "Actor",
    "DatasetSummary",
    "DemoClip",
    "FontNotFoundError",
    "ObjectTruth",
    "PlateSpec",
    "SceneRenderer",
    "find_cjk_font",
    "random_plate",
    "random_scene",
    "render_plate",
    "write_dataset",
    "write_demo_clip",
    "yolo_labels",
]
