"""What the dataset converters (convert_smallnorb.py, convert_cars3d.py) share: their error,
the atomic writer of infofrag's `hdf5` dataset layout (/images uint8 [n, C, 64, 64],
/labels int64 [n, F] with attribute factor_names; the README's "Datasets"), and the
command-line wrapper that turns a bad input into a one-line error and exit 1.
"""
import argparse
import os
import sys


class FormatError(Exception):
    pass


def write(out, images, labels, factor_names):
    """Writes the layout to `out` through `out`.tmp, renamed only once complete: a failed
    write leaves no file that looks finished."""
    import h5py
    tmp = out + ".tmp"
    try:
        with h5py.File(tmp, "w") as f:
            f["images"] = images
            f["labels"] = labels
            f["labels"].attrs["factor_names"] = factor_names
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def main(name, description, dir_help, convert):
    """`name --dir DIR --out FILE`: `convert(dir, out)` returns the line to print."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dir", required=True, help=dir_help)
    parser.add_argument("--out", required=True, help="output HDF5 file")
    args = parser.parse_args()
    try:
        done = convert(args.dir, args.out)
    except FormatError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return 1
    print(f"{name}: {done} -> {args.out}")
    return 0
