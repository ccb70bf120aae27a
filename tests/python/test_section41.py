"""scripts/section41.py end to end: the nine representations, every measure between every
pair, and the Spearman correlations, into an HDF5 file (and a figure).

    /usr/bin/python3 tests/python/test_section41.py --infofrag build/infofrag --script scripts/section41.py
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

ARGS = None


class Section41(unittest.TestCase):
    def test_measures_and_correlations(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, ARGS.script, "--infofrag", ARGS.infofrag,
                                "--out", tmp, "--samples", "4000"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.getsize(os.path.join(tmp, "section41.png")) > 10000)
            with h5py.File(os.path.join(tmp, "section41.h5"), "r") as f:
                measures = [m.decode() if isinstance(m, bytes) else m for m in f["measures"][()]]
                self.assertEqual(len(f["representations"]), 9)
                rho = f["spearman"][()]
                self.assertEqual(rho.shape, (8, 8))
                np.testing.assert_allclose(rho, rho.T, atol=1e-12)
                np.testing.assert_allclose(np.diag(rho), 1, atol=1e-12)
                for name in measures:
                    m = f[f"pairs/{name.replace(' ', '_')}"][()]
                    self.assertEqual(m.shape, (9, 9))
                    self.assertTrue(np.all(np.isfinite(m)))
                # The fingerprint and Monte Carlo estimates of the same NMI and VI order the
                # 36 pairs alike; similarities and distances of one family anti-correlate.
                at = {name: k for k, name in enumerate(measures)}
                self.assertGreater(rho[at["fingerprint NMI"], at["Monte Carlo NMI"]], 0.9)
                self.assertGreater(rho[at["fingerprint VI"], at["Monte Carlo VI"]], 0.9)
                self.assertLess(rho[at["linear CKA"], at["shape distance"]], -0.5)
                # Identical spaces: NMI 1, VI 0, CKA 1, shape distance 0 on the diagonals.
                np.testing.assert_allclose(np.diag(f["pairs/linear_CKA"][()]), 1, atol=1e-9)
                np.testing.assert_allclose(np.diag(f["pairs/shape_distance"][()]), 0, atol=1e-6)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", default="infofrag")
    parser.add_argument("--script", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
