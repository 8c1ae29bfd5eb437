#!/usr/bin/env bash
# Regenerate the README's pictures in samples/ from real renders with the shipped configs
# (about 25 minutes on 2 CPU cores). Every picture is dreamzoom's own output.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=renders/samples
mkdir -p "$tmp"

dreamzoom render configs/default.yaml -q --set output.frames_dir="$tmp/default_frames"
python scripts/stills.py strip "$tmp/default_frames" 0,32,64,95 samples/default_strip.jpg

small=(--set "size=[256,256]")
dreamzoom preview configs/default.yaml "${small[@]}" --set "dream.layers={mixed3: 1.0}" -o "$tmp/layer.png"
dreamzoom preview configs/default.yaml "${small[@]}" --set "dream.objectives=[{layer: mixed4, channels: [97]}]" \
  --set dream.first_frame_steps=30 -o "$tmp/channel.png"
dreamzoom preview configs/banana.yaml "${small[@]}" -o "$tmp/class.png"
dreamzoom preview configs/guide.yaml "${small[@]}" -o "$tmp/guide.png"
for name in layer channel class guide; do
  python scripts/stills.py jpeg "$tmp/$name.png" "samples/objective_$name.jpg"
done

dreamzoom sweep configs/default.yaml "${small[@]}" --columns 6 \
  --layers mixed0,mixed1,mixed2,mixed3,mixed4,mixed5 -o "$tmp/sweep.png"
python scripts/stills.py jpeg "$tmp/sweep.png" samples/sweep_layers.jpg --height 290
