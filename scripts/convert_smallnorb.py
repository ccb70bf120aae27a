#!/usr/bin/env python3
"""SmallNORB (LeCun et al. 2004) into infofrag's `hdf5` dataset layout, as the
disentanglement_lib study uses it (its norb.py): the training and test halves together
(48,600 images), the left image of each stereo pair, resized from 96x96 to 64x64 with
PIL's antialiasing filter, and five factors: category (5), instance (10), elevation (9),
azimuth (18; the files' 0, 2, ..., 34 halved) and lighting (6).

Get the six files (gzipped or not) from https://cs.nyu.edu/~ylclab/data/norb-v1.0-small/:
  smallnorb-5x46789x9x18x6x2x96x96-training-{dat,cat,info}.mat
  smallnorb-5x01235x9x18x6x2x96x96-testing-{dat,cat,info}.mat
then
    /usr/bin/python3 scripts/convert_smallnorb.py --dir NORB_DIR --out smallnorb.h5
    infofrag train --data.dataset hdf5 --data.path smallnorb.h5 --model.kind conv64 ...

Writes /images uint8 [n, 1, 64, 64], /labels int64 [n, 5] with attribute factor_names.
A file that is not a SmallNORB binary matrix, or of other sizes, is a one-line error.
"""
import gzip
import os
import sys

import numpy as np

import hdf5_dataset
from hdf5_dataset import FormatError

FACTORS = ["category", "instance", "elevation", "azimuth", "lighting"]
TEMPLATE = "smallnorb-{}-{}.mat"
CHUNKS = ["5x46789x9x18x6x2x96x96-training", "5x01235x9x18x6x2x96x96-testing"]
# The binary matrix format's magic numbers (cs.nyu.edu/~ylclab/data/norb-v1.0-small/).
MAGIC = {0x1E3D4C55: np.uint8, 0x1E3D4C54: np.int32, 0x1E3D4C51: np.float32,
         0x1E3D4C53: np.float64}


def find(directory, chunk, kind):
    for name in (TEMPLATE.format(chunk, kind), TEMPLATE.format(chunk, kind) + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FormatError(f"{directory}: no {TEMPLATE.format(chunk, kind)} (or .gz) here")


def read_matrix(path):
    """A SmallNORB binary matrix: int32 magic, int32 ndim, max(3, ndim) int32 dims, data."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise FormatError(f"{path}: cannot be read ({e})")
    if len(raw) < 20:
        raise FormatError(f"{path}: {len(raw)} bytes, too short for a SmallNORB binary matrix")
    magic, ndim = np.frombuffer(raw, "<i4", 2)
    if int(magic) & 0xFFFFFFFF not in MAGIC:
        raise FormatError(f"{path}: magic number 0x{int(magic) & 0xFFFFFFFF:08X} is not a "
                          "SmallNORB binary matrix's")
    if not 1 <= ndim <= 8:
        raise FormatError(f"{path}: {ndim} dimensions")
    eff = max(3, int(ndim))
    dims = [int(d) for d in np.frombuffer(raw, "<i4", eff, 8)[:ndim]]
    dtype = np.dtype(MAGIC[int(magic) & 0xFFFFFFFF]).newbyteorder("<")
    offset = 8 + 4 * eff
    count = int(np.prod(dims))
    if len(raw) - offset != count * dtype.itemsize:
        raise FormatError(f"{path}: dimensions {dims} need {count * dtype.itemsize} bytes of "
                          f"data, the file holds {len(raw) - offset}")
    return np.frombuffer(raw, dtype, count, offset).reshape(dims)


def resize(images):
    from PIL import Image
    out = np.empty((len(images), 64, 64), np.uint8)
    for i, image in enumerate(images):
        out[i] = np.asarray(Image.fromarray(image).resize((64, 64), Image.LANCZOS))
    return out


def convert(directory, out):
    images, labels = [], []
    for chunk in CHUNKS:
        dat = read_matrix(find(directory, chunk, "dat"))
        cat = read_matrix(find(directory, chunk, "cat"))
        info = read_matrix(find(directory, chunk, "info"))
        n = dat.shape[0]
        if dat.ndim != 4 or dat.shape[1] != 2 or dat.dtype != np.uint8:
            raise FormatError(f"{chunk}-dat: shape {list(dat.shape)} of {dat.dtype}; expected "
                              "uint8 [n, 2, H, W] (stereo pairs)")
        if cat.shape != (n,) or info.shape != (n, 4):
            raise FormatError(f"{chunk}: cat has shape {list(cat.shape)} and info "
                              f"{list(info.shape)}; expected [{n}] and [{n}, 4]")
        images.append(resize(dat[:, 0]))
        features = np.column_stack([cat, info]).astype(np.int64)
        features[:, 3] //= 2  # azimuth 0, 2, ..., 34 -> 0..17
        labels.append(features)
    hdf5_dataset.write(out, np.concatenate(images)[:, None], np.concatenate(labels), FACTORS)
    return f"{sum(len(i) for i in images)} images"


if __name__ == "__main__":
    sys.exit(hdf5_dataset.main("convert_smallnorb", __doc__.split("\n\n")[0],
                               "folder with the six SmallNORB files", convert))
