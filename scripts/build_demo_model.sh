#!/usr/bin/env bash
# Rebuild the DEMO model and the demo footage from nothing: synthetic dataset, training from scratch,
# evaluation on a held-out synthetic test split, ONNX export, demo clip with ground truth.
# Seeded and offline. About 40-50 minutes on a 2-core CPU (the training dominates).
# The plates' CJK font arrives with the Python install (manimgx-fonts-cjk).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python}
WORK=${WORK:-var/demo_build}
TRAFFIC_MODEL=${TRAFFIC_MODEL:-"$PYTHON -m traffic.cli.model"}
export YOLO_OFFLINE=1
export PYTHONHASHSEED=0

$PYTHON -m tools.synth dataset "$WORK/dataset" --train 2400 --val 400 --test 400 --seed 2024

$TRAFFIC_MODEL train "$WORK/dataset/data.yaml" \
    --model traffic/demo/demo_arch.yaml --epochs 18 --imgsz 416 --batch 16 --seed 0 --workers 0 \
    --close-mosaic 3 --project "$WORK/runs" --name demo --out traffic/demo/demo_model.pt

$TRAFFIC_MODEL eval traffic/demo/demo_model.pt "$WORK/dataset/data.yaml" --split test --imgsz 416 \
    | tee "$WORK/test_scores.txt"

$TRAFFIC_MODEL export traffic/demo/demo_model.pt --format onnx --imgsz 416

$PYTHON -m tools.synth video traffic/demo/demo.mp4 --truth traffic/demo/demo_truth.json --seed 7
