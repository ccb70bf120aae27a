#!/usr/bin/env python3
"""Cars3D (Reed et al. 2015) into infofrag's `hdf5` dataset layout, as the
disentanglement_lib study uses it (its cars3d.py): each car_*_mesh.mat holds `im`
[128, 128, 3, 24, 4] (height, width, RGB, 24 azimuths, 4 elevations); each image is
shrunk to 64x64 with PIL's thumbnail (antialiasing filter), and the three factors are
elevation (4), azimuth (24) and object (183 cars: the .mat files in name order).

Get the data from http://www.scottreed.info/files/nips2015-analogy-data.tar.gz (its
data/cars/ folder), then
    /usr/bin/python3 scripts/convert_cars3d.py --dir data/cars --out cars3d.h5
    infofrag train --data.dataset hdf5 --data.path cars3d.h5 --model.kind conv64 ...

Writes /images uint8 [n, 3, 64, 64] in the study's row order (elevation slowest, object
fastest) and /labels int64 [n, 3] with attribute factor_names. A file that is not such a
MATLAB file is a one-line error.
"""
import os
import sys

import numpy as np

import hdf5_dataset
from hdf5_dataset import FormatError

FACTORS = ["elevation", "azimuth", "object"]


def load_mesh(path):
    """[24 azimuths, 4 elevations, 64, 64, 3] uint8 of one car."""
    import scipy.io
    from PIL import Image
    try:
        mat = scipy.io.loadmat(path)
    except Exception as e:  # scipy raises several types for a file that is not MATLAB's
        raise FormatError(f"{path}: not a MATLAB .mat file ({e})")
    if "im" not in mat:
        raise FormatError(f"{path}: has no variable 'im' (has {sorted(k for k in mat if not k.startswith('__'))})")
    im = mat["im"]
    if im.ndim != 5 or im.shape[2] != 3 or im.shape[3:] != (24, 4) or im.dtype != np.uint8:
        raise FormatError(f"{path}: 'im' has shape {list(im.shape)} of {im.dtype}; expected "
                          "uint8 [H, W, 3, 24, 4]")
    mesh = np.einsum("abcde->deabc", im)  # [24, 4, H, W, 3], as the study's cars3d.py
    out = np.empty((24, 4, 64, 64, 3), np.uint8)
    for a in range(24):
        for e in range(4):
            pic = Image.fromarray(mesh[a, e])
            pic.thumbnail((64, 64), Image.LANCZOS)
            if pic.size != (64, 64):
                raise FormatError(f"{path}: images of {im.shape[1]}x{im.shape[0]} do not "
                                  "shrink to 64x64 (they must be square)")
            out[a, e] = np.asarray(pic)
    return out


def convert(directory, out):
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".mat"))
    except OSError as e:
        raise FormatError(f"{directory}: cannot be listed ({e})")
    if not names:
        raise FormatError(f"{directory}: holds no .mat files (expected car_*_mesh.mat)")
    meshes = [load_mesh(os.path.join(directory, n)) for n in names]
    objects = len(meshes)
    images = np.empty((4, 24, objects, 3, 64, 64), np.uint8)
    for o, mesh in enumerate(meshes):
        images[:, :, o] = mesh.transpose(1, 0, 4, 2, 3)  # [4, 24, 3, 64, 64]
    grid = np.stack(np.meshgrid(np.arange(4), np.arange(24), np.arange(objects), indexing="ij"),
                    -1).reshape(-1, 3)
    hdf5_dataset.write(out, images.reshape(-1, 3, 64, 64), grid.astype(np.int64), FACTORS)
    return f"{len(grid)} images of {objects} cars"


if __name__ == "__main__":
    sys.exit(hdf5_dataset.main("convert_cars3d", __doc__.split("\n\n")[0],
                               "folder of car_*_mesh.mat files", convert))
