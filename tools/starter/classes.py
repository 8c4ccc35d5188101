"""The starter model's classes, where its training material lives, and how COCO classes map onto ours."""

from __future__ import annotations

from pathlib import Path

# Ids 0-5 are the demo model's classes in the demo model's order, so a label file written for either model means the
# same thing; bus, truck and person are distractors the COCO model already knows and the starter keeps apart.
STARTER_CLASSES = ("e_tricycle", "fuel_tricycle", "e_four_wheeler", "car", "two_wheeler", "plate",
                   "bus", "truck", "person")
CLASS_ID = {name: index for index, name in enumerate(STARTER_CLASSES)}
TRICYCLE_CLASSES = ("e_tricycle", "fuel_tricycle")

# An Indian auto-rickshaw is a motor tricycle with a closed cab, an engine under the seat and an exhaust pipe (petrol,
# CNG or LPG): the features that make a Chinese 燃油三轮车 a fuel tricycle, so the real photos teach `fuel_tricycle`.
AUTO_RICKSHAW_CLASS = "fuel_tricycle"

# COCO class id -> starter class, for pseudo-labels and for starting the classification rows from COCO's.
COCO_TO_STARTER = {0: "person", 1: "two_wheeler", 2: "car", 3: "two_wheeler", 5: "bus", 7: "truck"}
# The row each starter class starts from (plates have no COCO counterpart and start from scratch).
COCO_ROW_FOR = {"person": 0, "car": 2, "two_wheeler": 3, "bus": 5, "truck": 7,
                "e_tricycle": 2, "fuel_tricycle": 2, "e_four_wheeler": 2}

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared" / "data"
COCO_PT = SHARED / "yolov8n_coco_pretrained_pt" / "yolov8n_coco.pt"
PLATE_PT = SHARED / "yolov8n_license_plate_pt" / "yolov8n_license_plate.pt"
AUTORICKSHAW = SHARED / "dataset_autorickshaw_iiith"
CCPD_BASE = SHARED / "dataset_ccpd_chinese_plates_base"
ROBOFLOW_PLATES = SHARED / "dataset_license_plates_roboflow"
CCPD_SAMPLES = SHARED / "images_ccpd_official_samples"
OVERPASS_VIDEO = SHARED / "video_highway_overpass" / "highway_overpass_11s.mp4"
JAKARTA_VIDEO = SHARED / "video_jakarta_street_traffic" / "jakarta_street_traffic_20s.mp4"
DEMO_DIR = REPO / "traffic" / "demo"

