"""The procedural dSprites generator against the original generator's frames.

tests/fixtures/dsprites/dsprites.gif holds 320 binary frames of the original data set; its
README maps each frame to factor values. Every frame is exported through
`infofrag export-data --dataset dsprites` and compared pixel by pixel.

Run with an interpreter that has numpy, h5py and PIL (Debian's /usr/bin/python3):
    /usr/bin/python3 tests/python/test_dsprites_frames.py --infofrag build/infofrag \
        --gif tests/fixtures/dsprites/dsprites.gif
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
from PIL import Image

INFOFRAG = "infofrag"
GIF = "dsprites.gif"
MAX_DIFFERENT_PIXELS = 8

SQUARE, ELLIPSE, HEART = 0, 1, 2
LARGEST = 5  # scale index of scale 1.0
UP = list(range(6))
DOWN = UP[::-1]
# Scale index of each frame of a scale sweep, found by matching every frame against all six
# scales (the best match was unique and within 8 pixels); test_scale_sweeps_match_best checks it.
SWEEP_18 = UP + DOWN + UP


def frame_map():
    """(frame, shape, scale, orientation, pos_x, pos_y) for every frame, by the README."""
    frames = []

    def add(first, shape, scales=None, orientations=None, xs=None, ys=None):
        n = len(scales or orientations or xs or ys)
        for k in range(n):
            frames.append((first + k, shape,
                           scales[k] if scales else LARGEST,
                           orientations[k] if orientations else 0,
                           xs[k] if xs else 0,
                           ys[k] if ys else 0))

    add(0, HEART, scales=SWEEP_18)
    add(18, HEART, orientations=list(range(40)))
    add(58, HEART, ys=list(range(32)))
    add(90, HEART, xs=list(range(32)), ys=[31] * 32)
    add(122, HEART, xs=[31] * 32, ys=list(range(31, -1, -1)))
    add(154, HEART, xs=list(range(31, -1, -1)))
    add(186, HEART, scales=DOWN)
    add(192, ELLIPSE, scales=SWEEP_18)
    add(210, ELLIPSE, orientations=list(range(40)))
    add(250, ELLIPSE, scales=DOWN)
    add(256, SQUARE, scales=SWEEP_18)
    add(274, SQUARE, orientations=list(range(40)))
    add(314, SQUARE, scales=DOWN)
    return frames


GROUPS = {
    "scale sweeps": list(range(0, 18)) + list(range(186, 210)) + list(range(250, 274)) +
                    list(range(314, 320)),
    "orientations": list(range(18, 58)) + list(range(210, 250)) + list(range(274, 314)),
    "positions": list(range(58, 186)),
}


def flat_index(shape, scale, orientation, pos_x, pos_y):
    return shape * 245760 + scale * 40960 + orientation * 1024 + pos_x * 32 + pos_y


def read_gif(path):
    frames = []
    with Image.open(path) as gif:
        for k in range(gif.n_frames):
            gif.seek(k)
            frames.append(np.asarray(gif.convert("L")) > 127)
    return np.stack(frames)


def export(indices, folder):
    out = os.path.join(folder, "frames.h5")
    result = subprocess.run([INFOFRAG, "export-data", "--dataset", "dsprites", "--indices",
                             ",".join(str(i) for i in indices), "--out", out],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("export-data failed: " + result.stderr)
    with h5py.File(out, "r") as f:
        images = f["images"][:]
        labels = f["labels"][:]
    return images[:, 0] > 127, labels


class DspritesFrames(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gif = read_gif(GIF)
        cls.map = frame_map()
        with tempfile.TemporaryDirectory() as tmp:
            cls.rendered, cls.labels = export([flat_index(*m[1:]) for m in cls.map], tmp)
        cls.diff = {m[0]: int((cls.gif[m[0]] != cls.rendered[k]).sum())
                    for k, m in enumerate(cls.map)}

    def test_map_covers_every_frame_once(self):
        self.assertEqual(self.gif.shape, (320, 64, 64))
        self.assertEqual(sorted(m[0] for m in self.map), list(range(320)))
        self.assertEqual(sorted(sum(GROUPS.values(), [])), list(range(320)))

    def test_labels_are_the_factors_asked_for(self):
        np.testing.assert_array_equal(self.labels, np.array([m[1:] for m in self.map]))

    def check_group(self, name):
        frames = GROUPS[name]
        worst = max(frames, key=lambda f: self.diff[f])
        print(f"\n{name}: worst frame {worst} differs in {self.diff[worst]} of 4096 pixels",
              file=sys.stderr)
        for f in frames:
            self.assertLessEqual(self.diff[f], MAX_DIFFERENT_PIXELS, f"frame {f}")

    def test_orientation_frames(self):
        self.check_group("orientations")

    def test_position_frames(self):
        self.check_group("positions")

    def test_scale_frames(self):
        self.check_group("scale sweeps")

    def test_scale_sweeps_match_best(self):
        """The hard-coded scale of every sweep frame is the best of the six, by a margin."""
        sweep = [m for m in self.map if m[0] in GROUPS["scale sweeps"]]
        candidates = [(m[0], m[1], s) for m in sweep for s in range(6)]
        with tempfile.TemporaryDirectory() as tmp:
            rendered, _ = export([flat_index(shape, s, 0, 0, 0) for _, shape, s in candidates],
                                 tmp)
        diffs = (rendered != self.gif[[c[0] for c in candidates]]).sum(axis=(1, 2))
        diffs = diffs.reshape(len(sweep), 6)
        for k, m in enumerate(sweep):
            best = int(np.argmin(diffs[k]))
            self.assertEqual(best, m[2], f"frame {m[0]}: differences by scale {diffs[k]}")
            runner_up = np.sort(diffs[k])[1]
            self.assertGreater(runner_up, 2 * MAX_DIFFERENT_PIXELS, f"frame {m[0]}")

    def test_a_wrong_factor_is_caught(self):
        """The comparison can fail: the same frames one position step off differ widely."""
        shifted = [(f, shape, scale, o, min(x + 1, 31) if x < 31 else 30, y)
                   for f, shape, scale, o, x, y in self.map if f in GROUPS["positions"]]
        with tempfile.TemporaryDirectory() as tmp:
            rendered, _ = export([flat_index(*m[1:]) for m in shifted], tmp)
        diffs = (rendered != self.gif[[m[0] for m in shifted]]).sum(axis=(1, 2))
        self.assertGreater(diffs.min(), MAX_DIFFERENT_PIXELS)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", required=True, help="path to the infofrag executable")
    parser.add_argument("--gif", required=True, help="tests/fixtures/dsprites/dsprites.gif")
    args, rest = parser.parse_known_args()
    INFOFRAG = os.path.abspath(args.infofrag)
    GIF = os.path.abspath(args.gif)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
