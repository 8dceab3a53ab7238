#!/usr/bin/env bash
# The training issue's overfit acceptance run, as the series does it:
# yolov3-tiny from scratch on the first 16 COCO128 images at 416, no
# augmentation, 1-IoU box loss, IoU objectness target, once per anchor
# assignment rule; mAP on those same images. Then `yolov3 val` on the
# exported darknet .weights, as a second, independent read of the result.
# Usage: scripts/overfit-coco128.sh [OUT_DIR] [EPOCHS]   (about 20 min per
# rule on 2 idle cores; results in docs/overfit-coco128.md)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-runs/overfit}"
epochs="${2:-200}"
shared="${SHARED:-$root/../shared}"
cfg="$shared/data/darknet/cfg/yolov3-tiny.cfg"
data="$shared/data/coco128/coco128.yaml"
node "$root/scripts/setup.mjs" main
for assign in ratio best-iou; do
  if [ -e "$out/$assign" ]; then echo "$out/$assign exists: pass a new OUT_DIR" >&2; exit 1; fi
  node "$root/dist/src/cli/main.js" train --cfg "$cfg" --data "$data" \
    --epochs "$epochs" --batch-size 2 --img-size 416 --multi-scale off --no-augment --max-samples 16 \
    --eval-on-train --eval-interval 5 --bbox-loss iou --obj-target iou --assign "$assign" \
    --peak-lr 1e-3 --warmup-iters 100 --weight-decay 0 --save-images 4 \
    --project "$out" --name "$assign"
  node "$root/dist/src/cli/main.js" val --cfg "$cfg" --weights "$out/$assign/weights/last.weights" \
    --data "$data" --split train --img-size 416 --max-samples 16 --metrics-json "$out/$assign/val.json"
done
