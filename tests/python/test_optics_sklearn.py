"""infofrag::optics against scikit-learn's OPTICS(metric='precomputed', cluster_method='xi'),
through the test-only tool infofrag_optics_tool: the same ordering, predecessors, clusters and
labels, and reachability and core distances equal to 1e-9.

--compat current compares with scikit-learn >= 1.3 (run it with the venv of
tests/python/with_current_sklearn.sh); --compat sklearn-1.2 with scikit-learn 1.2 (Debian's
/usr/bin/python3). Needs numpy, h5py and scikit-learn. With another scikit-learn version it
exits 77 (skipped): there is nothing to compare with.
    /usr/bin/python3 tests/python/test_optics_sklearn.py --tool build/tests/infofrag_optics_tool \
        --compat sklearn-1.2
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import unittest
import warnings

import h5py
import numpy as np

TOOL = "infofrag_optics_tool"
COMPAT = "current"
SKIPPED = 77  # tests/CMakeLists.txt: SKIP_RETURN_CODE
TOLERANCE = 1e-9
# Points on a line where scikit-learn 1.2's predecessor correction gives other clusters than
# 1.3 and later (min_samples = 2, xi = 0.1); found by running 1.2.1 and 1.9.1 on random lines,
# where about 1 in 10 of 6 to 10 points differed.
LINE_1_2_DIFFERS = [8.0, 26.0, 17.0, 7.0, 16.0, 0.0]
LINE_CLUSTERS = {"current": [[0, 2], [3, 5], [0, 5]], "sklearn-1.2": [[0, 2], [3, 4], [0, 5]]}
# The largest |difference| of finite reachabilities and core distances seen, reported at the end.
MAX_DIFFERENCE = {"value": 0.0, "largest_n": 0}


def sklearn_matches(compat):
    """Whether this scikit-learn is the one `compat` reproduces: 1.3 (PR #26459) changed
    _correct_predecessor, and nothing of OPTICS since (to 1.9)."""
    import sklearn

    version = tuple(int(x) for x in sklearn.__version__.split(".")[:2])
    return version >= (1, 3) if compat == "current" else version == (1, 2)


def euclidean(points):
    diff = points[:, None, :] - points[None, :, :]
    return np.sqrt((diff ** 2).sum(axis=-1))


def blobs(rng, sizes, dim, spread, scales):
    """Gaussian blobs of the given sizes, centres spread apart, each with its own scale, in
    shuffled order."""
    points = [rng.normal(scale=spread, size=dim) + rng.normal(scale=s, size=(k, dim))
              for k, s in zip(sizes, scales)]
    points = np.concatenate(points)
    return points[rng.permutation(len(points))]


def sklearn_optics(distances, min_samples, min_cluster_size=None, **kwargs):
    from sklearn.cluster import OPTICS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "All reachability values are inf" and the like
        model = OPTICS(metric="precomputed", cluster_method="xi", min_samples=min_samples,
                       min_cluster_size=min_cluster_size, **kwargs).fit(distances)
    return {
        "ordering": model.ordering_,
        "reachability": model.reachability_,
        "core_distances": model.core_distances_,
        "predecessor": model.predecessor_,
        "labels": model.labels_,
        "clusters": np.asarray(model.cluster_hierarchy_).reshape(-1, 2),
    }


def run_tool(folder, distances, **attrs):
    """Runs the tool; returns (CompletedProcess, outputs or None)."""
    path, out = os.path.join(folder, "d.h5"), os.path.join(folder, "o.h5")
    if os.path.exists(out):
        os.remove(out)
    with h5py.File(path, "w") as f:
        f["distances"] = np.asarray(distances, dtype=np.float64)
        for key, value in attrs.items():
            if value is not None:
                f["distances"].attrs[key] = int(value) if isinstance(value, bool) else value
        f["distances"].attrs["compat"] = COMPAT
    result = subprocess.run([TOOL, path, out], capture_output=True, text=True)
    if result.returncode != 0:
        return result, None
    with h5py.File(out, "r") as f:
        return result, {key: f[key][()] for key in f}


def compare(test, ours, theirs, what):
    """Asserts that the tool's outputs are sklearn's."""
    for key in ["ordering", "predecessor", "labels"]:
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=f"{what}: {key}")
    np.testing.assert_array_equal(ours["clusters"].reshape(-1, 2), theirs["clusters"],
                                  err_msg=f"{what}: clusters")
    for key in ["reachability", "core_distances"]:
        a, b = ours[key], theirs[key]
        test.assertEqual(a.shape, b.shape, f"{what}: {key}")
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b), err_msg=f"{what}: {key} inf")
        finite = np.isfinite(b)
        difference = np.max(np.abs(a[finite] - b[finite]), initial=0.0)
        test.assertLessEqual(difference, TOLERANCE, f"{what}: {key}")
        MAX_DIFFERENCE["value"] = max(MAX_DIFFERENCE["value"], difference)
    MAX_DIFFERENCE["largest_n"] = max(MAX_DIFFERENCE["largest_n"], len(theirs["ordering"]))


class AgainstScikitLearn(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def check(self, distances, what, min_samples=5, min_cluster_size=None, max_eps=np.inf,
              xi=0.05, predecessor_correction=True, sklearn_distances=None):
        """Runs both on `distances` (sklearn on `sklearn_distances` where given) and compares;
        returns the tool's outputs."""
        theirs = sklearn_optics(distances if sklearn_distances is None else sklearn_distances,
                                min_samples, min_cluster_size, max_eps=max_eps, xi=xi,
                                predecessor_correction=predecessor_correction)
        result, ours = run_tool(self.dir.name, distances, min_samples=min_samples,
                                min_cluster_size=min_cluster_size, max_eps=max_eps, xi=xi,
                                predecessor_correction=predecessor_correction)
        self.assertEqual(result.returncode, 0, f"{what}: {result.stderr}")
        compare(self, ours, theirs, what)
        return ours, theirs

    def test_planted_blocks(self):
        rng = np.random.default_rng(1)
        points = blobs(rng, [60, 40, 25, 15], dim=5, spread=8.0, scales=[1.0, 0.5, 2.0, 0.3])
        d = euclidean(points)
        for min_samples in [3, 5, 10]:
            for xi in [0.0, 0.05, 0.2]:
                ours, _ = self.check(d, f"blocks ms={min_samples} xi={xi}", min_samples, xi=xi)
        self.assertGreaterEqual(len(set(ours["labels"]) - {-1}), 2)  # a non-trivial answer

    def test_noise_and_asymmetric_matrices(self):
        rng = np.random.default_rng(2)
        points = np.concatenate([blobs(rng, [50, 50], 3, 6.0, [0.7, 1.2]),
                                 rng.uniform(-15, 15, size=(80, 3))])
        d = euclidean(points)
        self.check(d, "blocks in uniform noise", min_samples=4)
        self.check(d, "no predecessor correction", min_samples=4, predecessor_correction=False)
        # sklearn reads row i as the distances from point i: no symmetry, no zero diagonal.
        skew = d * rng.uniform(0.8, 1.25, size=d.shape) + np.diag(rng.uniform(0, 0.5, len(d)))
        self.check(skew, "asymmetric, nonzero diagonal", min_samples=6)
        self.check(rng.uniform(0, 1, size=(120, 120)), "iid uniform entries", min_samples=3,
                   xi=0.01)

    def test_exact_ties(self):
        rng = np.random.default_rng(3)
        for trial in range(4):
            grid = rng.integers(0, 6, size=(150, 2))
            d = np.abs(grid[:, None, :] - grid[None, :, :]).sum(axis=-1).astype(float)
            for min_samples in [2, 4, 9]:
                self.check(d, f"manhattan grid {trial} ms={min_samples}", min_samples,
                           xi=[0.05, 0.3][trial % 2])
            self.check(d, f"manhattan grid {trial}, max_eps = 1", 4, max_eps=1.0)
            m = rng.integers(1, 4, size=(80, 80)).astype(float)
            m = np.minimum(m, m.T)
            np.fill_diagonal(m, 0)
            self.check(m, f"integer matrix {trial}", min_samples=3, xi=0.1)
        # Duplicated points: zero reachabilities, so 0/0 ratios in the xi plot.
        points = np.repeat(rng.normal(size=(30, 2)), rng.integers(1, 5, size=30), axis=0)
        self.check(euclidean(points), "duplicated points", min_samples=3)

    def test_tiny(self):
        rng = np.random.default_rng(4)
        count = 0
        for n in range(2, 7):
            for min_samples in range(2, n + 1):
                for kind in ["uniform", "integer"]:
                    if kind == "uniform":
                        d = euclidean(rng.normal(size=(n, 2)))
                    else:
                        d = np.abs(rng.integers(0, 3, size=(n, 1)) -
                                   rng.integers(0, 3, size=(1, n)).T).astype(float)
                        d = np.maximum(d, d.T)
                        np.fill_diagonal(d, 0)
                    self.check(d, f"n={n} ms={min_samples} {kind}", min_samples,
                               min_cluster_size=int(rng.integers(2, n + 1)), xi=0.1)
                    count += 1
        self.assertEqual(count, 2 * (1 + 2 + 3 + 4 + 5))

    def test_fractions(self):
        rng = np.random.default_rng(5)
        d = euclidean(blobs(rng, [70, 50, 33], 4, 7.0, [1.0, 1.5, 0.6]))
        for min_samples, min_cluster_size in [(0.05, None), (0.1, 0.2), (0.033, 0.5),
                                              (1.0, None), (0.02, 3), (6, 0.1)]:
            self.check(d, f"fractions ms={min_samples} mcs={min_cluster_size}", min_samples,
                       min_cluster_size)

    def test_finite_max_eps(self):
        rng = np.random.default_rng(6)
        d = euclidean(blobs(rng, [60, 60, 30], 3, 5.0, [1.0, 0.5, 1.5]))
        for q in [0.02, 0.1, 0.5]:
            self.check(d, f"max_eps at quantile {q}", 5, max_eps=float(np.quantile(d, q)))
        self.check(d, "max_eps = 0", 5, max_eps=0.0)
        # A neighbour at exactly max_eps counts (radius_neighbors keeps d <= radius).
        for k in [3, 10]:
            eps = float(np.sort(d, axis=None)[len(d) * k])
            self.check(d, f"max_eps = an entry ({eps})", 5, max_eps=eps)

    def test_infinite_and_huge_distances(self):
        """sklearn rejects inf; it gives the same answer with inf replaced by any value above
        max_eps. Distances above ~1.8e293 overflow sklearn's 15-decimal rounding to inf."""
        rng = np.random.default_rng(7)
        d = euclidean(blobs(rng, [40, 30], 3, 5.0, [1.0, 0.5]))
        far = d > np.quantile(d, 0.3)
        with_inf, big = np.where(far, np.inf, d), np.where(far, 1e6, d)
        eps = float(np.quantile(d, 0.2))  # below every replaced entry
        self.check(with_inf, "inf entries, finite max_eps", 4, max_eps=eps,
                   sklearn_distances=big)
        # The tool with max_eps = inf; sklearn with max_eps = the largest finite entry, which
        # keeps the same neighbours.
        theirs = sklearn_optics(big, 4, max_eps=float(d[~far].max()))
        result, ours = run_tool(self.dir.name, with_inf, min_samples=4)
        self.assertEqual(result.returncode, 0, result.stderr)
        compare(self, ours, theirs, "inf entries, max_eps = inf")
        self.check(np.where(far, 1e300, d), "huge entries", 4)

    def test_rounding_to_15_decimals(self):
        """Distances that differ below 1e-15 tie after sklearn's np.around."""
        rng = np.random.default_rng(8)
        base = rng.integers(1, 5, size=(60, 60)) * 0.1
        d = base + rng.integers(0, 3, size=base.shape) * 3e-16
        d = np.minimum(d, d.T)
        np.fill_diagonal(d, 0)
        self.check(d, "sub-1e-15 differences", 3)

    def test_two_thousand_points(self):
        rng = np.random.default_rng(9)
        points = np.concatenate([blobs(rng, [700, 500, 300, 200], 8, 6.0, [1.0, 0.6, 1.5, 0.4]),
                                 rng.uniform(-12, 12, size=(300, 8))])
        d = euclidean(points)
        start = time.perf_counter()
        ours, _ = self.check(d, "n=2000", 10)
        print(f"\nn = {len(d)}: tool run (with process start and HDF5) and sklearn took "
              f"{time.perf_counter() - start:.2f} s; "
              f"{len(set(ours['labels']) - {-1})} clusters", file=sys.stderr)


    def test_point_numbering(self):
        """Schubert & Gertz's predecessor correction: scikit-learn 1.2 read a point number as a
        position in the ordering. A case where that changes the clusters (found by comparing
        1.2.1 with 1.9.1 on random points on a line); the line above compares both here."""
        x = np.array(LINE_1_2_DIFFERS)
        ours, _ = self.check(np.abs(x[:, None] - x[None, :]), "numbering", min_samples=2, xi=0.1)
        expected = LINE_CLUSTERS[COMPAT]
        np.testing.assert_array_equal(ours["clusters"].reshape(-1, 2), expected)


class TheComparisonCanFail(unittest.TestCase):
    """compare() must reject results that are almost right."""

    def test_tampered_results_are_rejected(self):
        rng = np.random.default_rng(10)
        d = euclidean(blobs(rng, [30, 30], 2, 6.0, [1.0, 1.0]))
        theirs = sklearn_optics(d, 5)
        with tempfile.TemporaryDirectory() as folder:
            _, ours = run_tool(folder, d, min_samples=5)
        compare(self, ours, theirs, "untampered")

        def tampered(key, change):
            copy = {k: np.array(v, copy=True) for k, v in ours.items()}
            copy[key] = change(copy[key])
            return copy

        swap = lambda a: a[np.r_[1, 0, 2:len(a)]]  # noqa: E731
        relabel = lambda a: np.where(a >= 0, a.max() - a, a)  # noqa: E731
        for key, change in [("ordering", swap), ("predecessor", swap), ("labels", relabel),
                            ("reachability", lambda a: a + np.where(np.isinf(a), 0, 1e-8)),
                            ("core_distances", lambda a: np.where(a == a.min(), np.inf, a)),
                            ("clusters", lambda a: a[::-1])]:
            with self.subTest(key=key), self.assertRaises(AssertionError):
                compare(self, tampered(key, change), theirs, f"tampered {key}")


class ToolErrors(unittest.TestCase):
    def test_bad_input_is_an_error_naming_it(self):
        with tempfile.TemporaryDirectory() as folder:
            d = euclidean(np.arange(8.0)[:, None])
            result, _ = run_tool(folder, d, min_samples=9)
            self.assertEqual(result.returncode, 1)
            self.assertIn("min_samples = 9", result.stderr)
            d[2, 5] = -1
            result, _ = run_tool(folder, d, min_samples=3)
            self.assertEqual(result.returncode, 1)
            self.assertIn("-1 at [2, 5]", result.stderr)
            self.assertFalse(os.path.exists(os.path.join(folder, "o.h5")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True, help="path to infofrag_optics_tool")
    parser.add_argument("--compat", choices=["current", "sklearn-1.2"], default="current",
                        help="the OPTICS to reproduce, and the scikit-learn it needs")
    args, rest = parser.parse_known_args()
    TOOL = os.path.abspath(args.tool)
    COMPAT = args.compat
    import sklearn

    print(f"{sys.executable}: scikit-learn {sklearn.__version__}, --compat {COMPAT}",
          file=sys.stderr)
    if not sklearn_matches(COMPAT):
        print(f"skipped: --compat {COMPAT} needs "
              f"{'scikit-learn >= 1.3' if COMPAT == 'current' else 'scikit-learn 1.2'}",
              file=sys.stderr)
        sys.exit(SKIPPED)
    program = unittest.main(argv=[sys.argv[0], *rest], verbosity=2, exit=False)
    print(f"largest n compared: {MAX_DIFFERENCE['largest_n']}; max |difference| of "
          f"reachability and core distances: {MAX_DIFFERENCE['value']:.3g}", file=sys.stderr)
    sys.exit(0 if program.result.wasSuccessful() else 1)
