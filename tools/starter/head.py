"""Starts the starter model from the COCO yolov8n with its classification rows carried over, not re-learnt.

Ultralytics' own fine-tuning rebuilds the detection head for the new class count; for yolov8n with 9 classes that
also narrows the classification branch from 80 to 64 channels, so none of it is transferred and cars, buses, trucks,
people and motorcycles must be learnt again from a few hundred photos. Here the branch keeps its 80 channels and only
its last 1x1 convolution is cut down to our classes, each row copied from the COCO class it descends from
(``COCO_ROW_FOR``). A trainer that trains that model as it is, instead of rebuilding it from the YAML, does the rest.
"""

from __future__ import annotations

import copy
import math
import os

import torch
from torch import nn

from tools.starter.classes import COCO_ROW_FOR, STARTER_CLASSES

# New tricycle rows start as copies of the car row, less confident, so that at the first step cars are not also
# tricycles with the same score.
TRICYCLE_BIAS_OFFSET = -2.0


def starter_from_coco(coco_pt: str) -> object:
    """A YOLO model with the COCO backbone, box branch and classification branch, and our nine classes."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO

    yolo = YOLO(str(coco_pt), task="detect")
    detect = yolo.model.model[-1]
    nc = len(STARTER_CLASSES)
    for stride, branch in zip(detect.stride.tolist(), detect.cv3):
        old: nn.Conv2d = branch[-1]
        new = nn.Conv2d(old.in_channels, nc, 1)
        with torch.no_grad():
            # A fresh row (the plate's) starts silent: zero weights and ultralytics' own prior (Detect.bias_init);
            # random weights would call half the picture a plate at the first step.
            new.weight.zero_()
            new.bias.fill_(math.log(5 / nc / (640 / stride) ** 2))
            for index, name in enumerate(STARTER_CLASSES):
                row = COCO_ROW_FOR.get(name)
                if row is None:
                    continue
                new.weight[index] = old.weight[row]
                new.bias[index] = old.bias[row] + (TRICYCLE_BIAS_OFFSET if name in (
                    "e_tricycle", "fuel_tricycle", "e_four_wheeler") else 0.0)
        branch[-1] = new
    detect.nc = nc
    detect.no = nc + detect.reg_max * 4
    names = dict(enumerate(STARTER_CLASSES))
    yolo.model.nc = nc
    yolo.model.names = names
    yolo.model.yaml = {**yolo.model.yaml, "nc": nc}
    return yolo


def trainer_class():
    """A detection trainer that trains the model it is handed instead of rebuilding it from the YAML."""
    from ultralytics.models.yolo.detect import DetectionTrainer

    class StarterTrainer(DetectionTrainer):
        def get_model(self, cfg=None, weights=None, verbose=True):
            if weights is None or getattr(weights, "nc", None) != self.data["nc"]:
                return super().get_model(cfg=cfg, weights=weights, verbose=verbose)
            model = copy.deepcopy(weights).float()
            for parameter in model.parameters():
                parameter.requires_grad_(True)
            return model

    return StarterTrainer
