"""infofrag analyze against independent answers: a NumPy reference on a file written by h5py,
and scikit-learn's classic NMI for hard clusterings.

Run with an interpreter that has numpy and h5py (Debian's /usr/bin/python3):
    /usr/bin/python3 tests/python/test_independent_answers.py --infofrag build/infofrag
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

INFOFRAG = "infofrag"


def run(*args):
    return subprocess.run([INFOFRAG, *args], capture_output=True, text=True)


def write_embeddings(path, n=60, seed=0):
    """Members of different widths and dtypes, in an order that needs natural sorting,
    with labels and factor names as any h5py user would write them."""
    rng = np.random.default_rng(seed)
    factors = np.stack([rng.integers(0, 3, n), rng.integers(0, 5, n)], axis=1)
    members = {}
    with h5py.File(path, "w") as f:
        for name, d, dtype in [("seed_10", 3, np.float32), ("seed_9", 2, np.float64),
                               ("seed_100", 4, np.float32)]:
            mu = rng.normal(size=(n, d)) * rng.uniform(0.2, 3.0, size=d)
            mu[:, 0] = 3.0 * factors[:, 0] + 0.3 * rng.normal(size=n)  # encodes factor 0
            logvar = rng.normal(size=(n, d)) * 0.3 - 1.0
            f[f"members/{name}/mu"] = mu.astype(dtype)
            f[f"members/{name}/logvar"] = logvar.astype(dtype)
            f[f"members/{name}"].attrs["beta"] = 4.0
            members[name] = (mu.astype(dtype).astype(np.float64),
                             logvar.astype(dtype).astype(np.float64))
        f["fingerprint/index"] = np.arange(n, dtype=np.int64) * 3
        f["fingerprint/labels"] = factors.astype(np.int32)
        f["fingerprint/labels"].attrs["factor_names"] = ["shape", "size"]
    order = ["seed_9", "seed_10", "seed_100"]
    return [members[k] for k in order], factors, order


def entropy_bits(labels):
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return -(p * np.log2(p)).sum()


class AgainstScikitLearn(unittest.TestCase):
    """The hard-clustering limit through the real command: narrow posteriors at cluster
    centres must give scikit-learn's NMI (geometric normalization), the classic VI and the
    partition entropies."""

    def test_hard_clusterings_match_sklearn(self):
        from sklearn.metrics import mutual_info_score, normalized_mutual_info_score

        rng = np.random.default_rng(4)
        n = 300
        a = rng.integers(0, 4, n)
        b = (a + 2 * rng.integers(0, 2, n)) % 5
        c = rng.integers(0, 6, n)
        partitions = [a, b, c]
        with tempfile.TemporaryDirectory() as tmp:
            path, out = os.path.join(tmp, "e.h5"), os.path.join(tmp, "a.h5")
            with h5py.File(path, "w") as f:
                for k, p in enumerate(partitions):
                    f[f"members/m{k}/mu"] = 10.0 * p[:, None]
                    f[f"members/m{k}/logvar"] = np.full((n, 1), np.log(1e-6))
                f["fingerprint/labels"] = np.stack(partitions, axis=1)
            for dtype in ["float32", "float64"]:
                result = run("analyze", "--embeddings", path, "--out", out, "--dtype", dtype)
                self.assertEqual(result.returncode, 0, result.stderr)
                with h5py.File(out, "r") as f:
                    nmi, vi = f["similarity/nmi"][()], f["similarity/vi_bits"][()]
                    label_nmi = f["labels/nmi"][()]
                    info = f["channels/info_bits"][()]
                for u, pu in enumerate(partitions):
                    self.assertAlmostEqual(info[u], entropy_bits(pu), delta=1e-6)
                    for v, pv in enumerate(partitions):
                        expected = normalized_mutual_info_score(pu, pv, average_method="geometric")
                        self.assertAlmostEqual(nmi[u, v], expected, delta=1e-6, msg=dtype)
                        self.assertAlmostEqual(label_nmi[u, v], expected, delta=1e-6, msg=dtype)
                        mi_bits = mutual_info_score(pu, pv) / np.log(2)
                        expected_vi = entropy_bits(pu) + entropy_bits(pv) - 2 * mi_bits
                        self.assertAlmostEqual(vi[u, v], expected_vi, delta=1e-6)


class AgainstNumpy(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.embeddings = os.path.join(self.dir.name, "e.h5")
        self.members, self.labels, self.order = write_embeddings(self.embeddings)

    def tearDown(self):
        self.dir.cleanup()

    def analyze(self, *extra):
        out = os.path.join(self.dir.name, "a.h5")
        result = run("analyze", "--embeddings", self.embeddings, "--out", out, *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        return h5py.File(out, "r")

    def check_against_reference(self, dtype, tolerance, points=None):
        with self.analyze("--dtype", dtype,
                          *(["--fingerprint-size", str(points)] if points else [])) as f:
            members = self.members if points is None else [
                (mu[:points], lv[:points]) for mu, lv in self.members]
            labels = self.labels if points is None else self.labels[:points]
            expected = reference.analyze(members, labels)
            for name, values in expected.items():
                np.testing.assert_allclose(f[name][()], values, rtol=0, atol=tolerance,
                                           err_msg=f"{name} ({dtype})")
            names = [m.decode() for m in f["channels/member"][()]]
            self.assertEqual(names, ["seed_9"] * 2 + ["seed_10"] * 3 + ["seed_100"] * 4)
            self.assertEqual(list(f["channels/dim"][()]), [0, 1, 0, 1, 2, 0, 1, 2, 3])
            self.assertEqual(f.attrs["fingerprint_size"], points or 60)
            self.assertEqual(f.attrs["units"], "bits")
            self.assertEqual([s.decode() for s in f["labels/factor_names"][()]], ["shape", "size"])
            # The planted channel is found: first channel of each member vs factor 0.
            self.assertGreater(f["labels/nmi"][2, 0], 0.5)

    def test_float64_matches_reference(self):
        self.check_against_reference("float64", 1e-9)

    def test_float32_matches_reference(self):
        self.check_against_reference("float32", 2e-4)

    def test_fingerprint_size_uses_first_points(self):
        self.check_against_reference("float64", 1e-9, points=25)

    def test_bad_values_fail_cleanly(self):
        with h5py.File(self.embeddings, "a") as f:
            f["members/seed_9/logvar"][3, 1] = np.nan
        out = os.path.join(self.dir.name, "a.h5")
        result = run("analyze", "--embeddings", self.embeddings, "--out", out)
        self.assertEqual(result.returncode, 1)
        self.assertIn("/members/seed_9/logvar holds nan at [3, 1]", result.stderr)
        self.assertFalse(os.path.exists(out))

    def test_synth_output_reads_with_h5py(self):
        path = os.path.join(self.dir.name, "synth.h5")
        result = run("synth", "--out", path, "--points", "50", "--members", "2", "--dims", "5")
        self.assertEqual(result.returncode, 0, result.stderr)
        with h5py.File(path, "r") as f:
            self.assertEqual(sorted(f["members"]), ["member_00", "member_01"])
            self.assertEqual(f["members/member_01/mu"].shape, (50, 5))
            self.assertEqual(f["fingerprint/labels"].shape, (50, 4))
            self.assertEqual(len(f["members/member_00"].attrs["channel_factors"]), 5)
            self.assertEqual(list(f["fingerprint/labels"].attrs["factor_names"]),
                             ["discrete_0", "discrete_1", "continuous_0", "continuous_1"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", required=True, help="path to the infofrag executable")
    args, rest = parser.parse_known_args()
    INFOFRAG = os.path.abspath(args.infofrag)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
