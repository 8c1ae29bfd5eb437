#!/usr/bin/env bash
# Regenerate the README's and the documentation's pictures in samples/ from real renders with the shipped configs
# (about an hour on 2 CPU cores, most of it the gallery). Every picture is dreamzoom's own output.
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
python benchmarks/classes.py -o "$tmp/classes.png"   # twenty class pictures, judged, and the reference
python scripts/stills.py jpeg "$tmp/classes.png" samples/classes_sheet.jpg --height 602

# Animation: an installation loop (GIF), a music-timed schedule, a song-driven one (strip and its
# envelopes) and a layer crossfade (strips),
# colour drift with anchoring off and on (chart).
tiny=(--set "size=[192,192]" -q)
dreamzoom render configs/loop.yaml "${tiny[@]}" -o "$tmp/loop.mp4" --set output.frames_dir="$tmp/loop_frames"
python scripts/stills.py gif "$tmp/loop_frames" samples/loop.gif --height 160 --every 2 --fps 12
dreamzoom render configs/music.yaml "${tiny[@]}" -o "$tmp/music.mp4" --set output.frames_dir="$tmp/music_frames"
python scripts/stills.py strip "$tmp/music_frames" 0,3,6,9,12,15 samples/music_strip.jpg --height 160
python scripts/make_song.py samples/groove.mp3
dreamzoom render configs/song.yaml "${tiny[@]}" -o "$tmp/song.mp4" --set output.frames_dir="$tmp/song_frames"
python scripts/stills.py strip "$tmp/song_frames" 0,48,96,144,192,240,288,383 samples/song_strip.jpg --height 160
dreamzoom audio configs/song.yaml -o samples/song_envelopes.png
python scripts/make_clip.py samples/pan.mp4
dreamzoom render configs/video.yaml -q -o "$tmp/video.mp4" --set output.frames_dir="$tmp/video_frames"
dreamzoom render configs/video.yaml -q -o "$tmp/video_input.mp4" --set dream.steps=0 --set dream.first_frame_steps=0 \
  --set output.frames_dir="$tmp/video_input_frames"
python scripts/stills.py strip "$tmp/video_input_frames" 0,12,24,36,47 samples/video_before.jpg --height 160
python scripts/stills.py strip "$tmp/video_frames" 0,12,24,36,47 samples/video_after.jpg --height 160
dreamzoom render configs/crossfade.yaml "${tiny[@]}" -o "$tmp/crossfade.mp4" --set output.frames_dir="$tmp/crossfade_frames"
python scripts/stills.py strip "$tmp/crossfade_frames" 0,60,120,180,239 samples/crossfade_strip.jpg --height 192
python benchmarks/colour_drift.py --frames 300 --size 96 --chart samples/colour_drift.png

# The gallery: 8 stills across a minute of the default and 10 seconds of every other shipped config
# (a loop at its own length), at 256x256, with the figures benchmarks/novelty.py prints.
python benchmarks/novelty.py --configs configs/default.yaml --seconds 60 --reference-seconds 20 --gallery samples/gallery
python benchmarks/novelty.py --configs configs/noise.yaml configs/music.yaml configs/song.yaml configs/crossfade.yaml \
  configs/loop.yaml configs/banana.yaml configs/guide.yaml --seconds 10 --reference-seconds 0 --gallery samples/gallery
