"""scripts/convert_smallnorb.py and scripts/convert_cars3d.py on small files written here in
the original formats (SmallNORB's binary matrices, gzipped or not; Cars3D's MATLAB files):
the images and factors they write, that infofrag reads the result as an hdf5 dataset, and
a one-line error for a file of another format.

    /usr/bin/python3 tests/python/test_converters.py --infofrag build/infofrag
"""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

try:
    import scipy.io
    from PIL import Image
except ImportError:  # reported as skipped, never passed
    print("scipy or PIL is not installed for this interpreter: skipped")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INFOFRAG = "infofrag"
CHUNKS = ["5x46789x9x18x6x2x96x96-training", "5x01235x9x18x6x2x96x96-testing"]


def convert(script, directory, out):
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", script), "--dir",
                           directory, "--out", out], capture_output=True, text=True)


def norb_matrix(array, magic):
    """The SmallNORB binary matrix format: magic, ndim, max(3, ndim) dims, little-endian data."""
    dims = list(array.shape) + [1] * max(0, 3 - array.ndim)
    head = np.array([magic, array.ndim] + dims, "<i4").tobytes()
    return head + np.ascontiguousarray(array).tobytes()


def write_norb(directory, n=6, seed=0):
    rng = np.random.default_rng(seed)
    chunks = []
    for c, chunk in enumerate(CHUNKS):
        dat = rng.integers(0, 256, (n, 2, 96, 96), dtype=np.uint8)
        cat = rng.integers(0, 5, n).astype("<i4")
        info = np.column_stack([rng.integers(0, 10, n), rng.integers(0, 9, n),
                                2 * rng.integers(0, 18, n), rng.integers(0, 6, n)]).astype("<i4")
        for kind, data, magic in [("dat", dat, 0x1E3D4C55), ("cat", cat, 0x1E3D4C54),
                                  ("info", info, 0x1E3D4C54)]:
            name = os.path.join(directory, f"smallnorb-{chunk}-{kind}.mat")
            raw = norb_matrix(data, magic)
            if c == 0:  # the first chunk gzipped, as downloaded
                with gzip.open(name + ".gz", "wb") as f:
                    f.write(raw)
            else:
                with open(name, "wb") as f:
                    f.write(raw)
        chunks.append((dat, cat, info))
    return chunks


class SmallNorb(unittest.TestCase):
    def test_converts_as_the_study(self):
        with tempfile.TemporaryDirectory() as tmp:
            chunks = write_norb(tmp)
            out = os.path.join(tmp, "norb.h5")
            run = convert("convert_smallnorb.py", tmp, out)
            self.assertEqual(run.returncode, 0, run.stderr)
            with h5py.File(out, "r") as f:
                images, labels = f["images"][()], f["labels"][()]
                names = [n.decode() if isinstance(n, bytes) else n
                         for n in f["labels"].attrs["factor_names"]]
            self.assertEqual(images.shape, (12, 1, 64, 64))
            self.assertEqual(images.dtype, np.uint8)
            self.assertEqual(names, ["category", "instance", "elevation", "azimuth", "lighting"])
            row = 0
            for dat, cat, info in chunks:
                for i in range(len(dat)):
                    left = np.asarray(Image.fromarray(dat[i, 0]).resize((64, 64), Image.LANCZOS))
                    np.testing.assert_array_equal(images[row, 0], left)
                    self.assertEqual(list(labels[row]), [cat[i], info[i, 0], info[i, 1],
                                                         info[i, 2] // 2, info[i, 3]])
                    row += 1
            # The result is a dataset infofrag trains on with the study's conv64.
            dry = subprocess.run([INFOFRAG, "train", "--data.dataset", "hdf5", "--data.path", out,
                                  "--model.kind", "conv64", "--out", os.path.join(tmp, "e"),
                                  "--dry-run"], capture_output=True, text=True)
            self.assertEqual(dry.returncode, 0, dry.stderr)

    def test_wrong_format_is_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_norb(tmp)
            dat = os.path.join(tmp, f"smallnorb-{CHUNKS[1]}-dat.mat")
            with open(dat, "wb") as f:  # a PNG's first bytes where the matrix should be
                f.write(b"\x89PNG\r\n\x1a\n" + bytes(40))
            run = convert("convert_smallnorb.py", tmp, os.path.join(tmp, "norb.h5"))
            self.assertEqual(run.returncode, 1)
            self.assertIn("is not a SmallNORB binary matrix", run.stderr)
            self.assertIn(dat, run.stderr)
            self.assertEqual(len(run.stderr.strip().splitlines()), 1)
            with open(dat, "wb") as f:  # right magic, truncated data
                f.write(norb_matrix(np.zeros((6, 2, 96, 96), np.uint8), 0x1E3D4C55)[:5000])
            run = convert("convert_smallnorb.py", tmp, os.path.join(tmp, "norb.h5"))
            self.assertEqual(run.returncode, 1)
            self.assertIn("the file holds", run.stderr)
            os.remove(dat)
            run = convert("convert_smallnorb.py", tmp, os.path.join(tmp, "norb.h5"))
            self.assertEqual(run.returncode, 1)
            self.assertIn("-testing-dat.mat (or .gz)", run.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "norb.h5")))


def write_cars(directory, cars=2, side=128, seed=1):
    rng = np.random.default_rng(seed)
    ims = []
    for c in range(cars):
        im = rng.integers(0, 256, (side, side, 3, 24, 4), dtype=np.uint8)
        scipy.io.savemat(os.path.join(directory, f"car_{c:03d}_mesh.mat"), {"im": im})
        ims.append(im)
    return ims


class Cars3d(unittest.TestCase):
    def test_converts_as_the_study(self):
        with tempfile.TemporaryDirectory() as tmp:
            ims = write_cars(tmp)
            out = os.path.join(tmp, "cars.h5")
            run = convert("convert_cars3d.py", tmp, out)
            self.assertEqual(run.returncode, 0, run.stderr)
            with h5py.File(out, "r") as f:
                images, labels = f["images"][()], f["labels"][()]
            self.assertEqual(images.shape, (4 * 24 * 2, 3, 64, 64))
            # Rows in the study's order: elevation slowest, then azimuth, object fastest.
            for row in [0, 1, 2, 57, 191]:
                el, az, obj = labels[row]
                self.assertEqual(row, (el * 24 + az) * 2 + obj)
                pic = Image.fromarray(ims[obj][:, :, :, az, el])
                pic.thumbnail((64, 64), Image.LANCZOS)
                np.testing.assert_array_equal(images[row], np.asarray(pic).transpose(2, 0, 1))
            dry = subprocess.run([INFOFRAG, "train", "--data.dataset", "hdf5", "--data.path", out,
                                  "--model.kind", "conv64", "--out", os.path.join(tmp, "e"),
                                  "--dry-run"], capture_output=True, text=True)
            self.assertEqual(dry.returncode, 0, dry.stderr)

    def test_wrong_format_is_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_cars(tmp, cars=1, side=64)
            bad = os.path.join(tmp, "car_999_mesh.mat")
            with open(bad, "w") as f:
                f.write("not a MATLAB file\n")
            run = convert("convert_cars3d.py", tmp, os.path.join(tmp, "cars.h5"))
            self.assertEqual(run.returncode, 1)
            self.assertIn(bad + ": not a MATLAB .mat file", run.stderr)
            scipy.io.savemat(bad, {"images": np.zeros((2, 2), np.uint8)})
            run = convert("convert_cars3d.py", tmp, os.path.join(tmp, "cars.h5"))
            self.assertIn("has no variable 'im'", run.stderr)
            scipy.io.savemat(bad, {"im": np.zeros((64, 64, 3, 24), np.uint8)})
            run = convert("convert_cars3d.py", tmp, os.path.join(tmp, "cars.h5"))
            self.assertIn("'im' has shape [64, 64, 3, 24]", run.stderr)
            self.assertEqual(len(run.stderr.strip().splitlines()), 1)
            self.assertFalse(os.path.exists(os.path.join(tmp, "cars.h5")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", required=True)
    args, rest = parser.parse_known_args()
    INFOFRAG = args.infofrag
    unittest.main(argv=[sys.argv[0]] + rest)
