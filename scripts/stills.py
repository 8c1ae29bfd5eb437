"""Small picture chores for samples/: a strip of video frames, a PNG as a compact JPEG.

python scripts/stills.py strip FRAMES_DIR 0,32,64,95 OUT.jpg [--height 256]
python scripts/stills.py jpeg IN.png OUT.jpg [--height 256]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np


def _scaled(path: Path, height: int) -> np.ndarray:
    image = cv2.imread(str(path))
    if image is None:
        raise SystemExit(f"cannot read {path}")
    width = round(image.shape[1] * height / image.shape[0])
    interpolation = cv2.INTER_AREA if height < image.shape[0] else cv2.INTER_LANCZOS4
    return cv2.resize(image, (width, height), interpolation=interpolation)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["strip", "jpeg", "gif"])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--every", type=int, default=2)
    parser.add_argument("--fps", type=float, default=12.0)
    args = parser.parse_args()
    *sources, out = args.inputs
    if args.kind == "gif":
        import imageio.v3 as iio

        paths = sorted(Path(sources[0]).glob("frame_*.png"))[:: args.every]
        frames = [cv2.cvtColor(_scaled(path, args.height), cv2.COLOR_BGR2RGB) for path in paths]
        iio.imwrite(out, np.stack(frames), duration=1000 / args.fps, loop=0)
        print(f"wrote {out} ({len(frames)} frames)")
        return
    if args.kind == "strip":
        folder, indices = Path(sources[0]), [int(i) for i in sources[1].split(",")]
        picture = np.hstack([_scaled(folder / f"frame_{i:05d}.png", args.height) for i in indices])
    else:
        picture = _scaled(Path(sources[0]), args.height)
    cv2.imwrite(out, picture, [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
