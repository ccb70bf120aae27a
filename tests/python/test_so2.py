"""scripts/so2_analysis.py, the SO(2) experiment's measures, against answers known without it:
the Bhattacharyya distance by quadrature, a circle drawn in order, the same points shuffled,
a staircase (steps evenly spaced, order lost within a step) that fools the continuity ratio
but not the neighbour measure, a learner that cuts the circle, and the disjoint blocks. With
--infofrag, also scripts/so2_fusion.sh end to end at a tiny size, training its learners and
again reusing them (--ensemble).

    /usr/bin/python3 tests/python/test_so2.py [--infofrag build/infofrag]
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

INFOFRAG = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("so2_analysis",
                                              os.path.join(ROOT, "scripts", "so2_analysis.py"))
so2 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(so2)


def circle(n, radius=1.0, logvar=-6.0):
    t = 2 * np.pi * np.arange(n) / n
    mu = radius * np.stack([np.cos(t), np.sin(t)], 1)
    return mu, np.full_like(mu, logvar)


class Measures(unittest.TestCase):
    def test_distance_against_quadrature(self):
        # D = −ln ∫ sqrt(p(x) q(x)) dx, per dimension, summed over two dimensions.
        mu = np.array([[0.3, -1.0], [1.1, 0.5]])
        logvar = np.array([[-1.0, 0.4], [0.7, -2.0]])
        x = np.linspace(-30, 30, 600001)
        expected = 0.0
        for k in range(2):
            p, q = (np.exp(-(x - mu[i, k]) ** 2 / (2 * np.exp(logvar[i, k])))
                    / np.sqrt(2 * np.pi * np.exp(logvar[i, k])) for i in range(2))
            expected += -np.log(np.trapz(np.sqrt(p * q), x))
        d = so2.bhattacharyya_distances(mu, logvar)
        self.assertAlmostEqual(d[0, 1], expected, places=8)
        self.assertAlmostEqual(d[1, 0], expected, places=12)
        self.assertAlmostEqual(d[0, 0], 0.0, places=12)

    def test_circle_in_order(self):
        mu, lv = circle(200)
        d = so2.bhattacharyya_distances(mu, lv)
        self.assertAlmostEqual(so2.continuity(d, wrap=False), 1.0, places=9)
        self.assertAlmostEqual(so2.continuity(d, wrap=True), 1.0, places=9)
        self.assertEqual(so2.neighbour_fraction(d), 1.0)

    def test_shuffled_circle(self):
        # Every step a long jump: the ratio to the 90th percentile cannot tell this from a
        # circle in order (it is ~1), the neighbour measure can.
        mu, lv = circle(200)
        order = np.random.default_rng(0).permutation(200)
        d = so2.bhattacharyya_distances(mu[order], lv[order])
        self.assertLess(so2.continuity(d, wrap=False), 1.5)
        self.assertLess(so2.neighbour_fraction(d), 0.05)

    def test_staircase_fools_the_ratio_not_the_neighbours(self):
        # 25 steps of 8 points, steps evenly around a circle, the points of a step piled up in
        # random order: 24 of the 199 neighbour distances (12%) are the long jumps between
        # steps, so the 90th percentile is one and the ratio is ~1 ("continuous"). Within a
        # step the two nearest points are angular neighbours by chance only (1 in 21).
        rng = np.random.default_rng(1)
        centres, _ = circle(25)
        mu = np.repeat(centres, 8, axis=0) + 1e-3 * rng.standard_normal((200, 2))
        lv = np.full_like(mu, -12.0)
        d = so2.bhattacharyya_distances(mu, lv)
        self.assertLess(so2.continuity(d, wrap=False), 1.5)
        self.assertLess(so2.neighbour_fraction(d), 0.15)

    def test_a_learner_that_cuts_the_circle(self):
        # A 1-D learner mapping the angle to a line: continuous but for one cut; the paper's
        # ratio without the wrap-around pair misses a cut that lies there, with it finds it.
        # The neighbour measure misses only the two points beside the cut.
        mu = np.linspace(-2, 2, 200)[:, None]
        lv = np.full_like(mu, -8.0)
        d = so2.bhattacharyya_distances(mu, lv)
        self.assertAlmostEqual(so2.continuity(d, wrap=False), 1.0, places=6)
        self.assertGreater(so2.continuity(d, wrap=True), 100)
        self.assertAlmostEqual(so2.neighbour_fraction(d), 198 / 200)

    def test_disjoint_blocks(self):
        ids = [f"beta0.03_seed{s}" for s in range(20)]
        chosen = so2.subsets(ids[::-1], [2, 3, 5, 8, 21], repeats=4)  # blocks of 5
        self.assertEqual(sorted({s for s, _, _ in chosen}), [2, 3, 5, 8])  # 21 > 20: left out
        for size, r, members in chosen:
            if size <= 5:
                self.assertEqual(members, ids[5 * r:5 * r + size])  # seed order, not text order
        for size in (2, 3, 5):
            used = [m for s, _, ms in chosen if s == size for m in ms]
            self.assertEqual(len(used), len(set(used)))  # repeats share no learner
        # Larger than a block: around the pool, so repeat 3 of size 8 is learners 15..19, 0..2.
        last = [ms for s, r, ms in chosen if s == 8 and r == 3][0]
        self.assertEqual(last, ids[15:] + ids[:3])

    def test_spread(self):
        m, lo, hi = so2.spread([1, 2, 3, 4, np.nan])
        self.assertEqual((m, lo, hi), (2.5, 1.75, 3.25))


class Script(unittest.TestCase):
    """scripts/so2_fusion.sh: 4 learners of 30 steps, 2 blocks, size 2, 30 fusion steps."""

    def run_script(self, out, *extra):
        env = dict(os.environ, INFOFRAG_SKIP_SETUP="1", INFOFRAG_PYTHON=sys.executable,
                   INFOFRAG_BUILD_DIR=os.path.dirname(os.path.abspath(INFOFRAG)))
        run = subprocess.run(["bash", os.path.join(ROOT, "scripts", "so2_fusion.sh"), out,
                              "--steps", "30", "--members", "4", "--pack-size", "4",
                              "--repeats", "2", "--sizes", "2,3", "--fuse-steps", "30",
                              "--jobs", "2", *extra], env=env, capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
        return run.stdout

    def test_end_to_end_and_reusing_learners(self):
        if INFOFRAG is None:
            self.skipTest("needs --infofrag")
        import h5py
        with tempfile.TemporaryDirectory() as tmp:
            first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            table = self.run_script(first)
            self.assertIn("4 learners x 30 steps", table)
            for name in ("so2.h5", "so2_continuity.png", "so2_fused.png", "so2_learners.png"):
                self.assertTrue(os.path.getsize(os.path.join(first, name)) > 0, name)
            with h5py.File(os.path.join(first, "so2.h5"), "r") as f:
                self.assertEqual(f["continuity"].shape, (3, 2, 2))  # similarity, size, repeat
                self.assertEqual(list(f["sizes"][()]), [2, 3])
                subsets = [s.decode() if isinstance(s, bytes) else s for s in f["subsets"][()]]
                blocks = [set(r.split()[2].split(",")) for r in subsets if r.split()[0] == "2"]
                self.assertEqual([len(b) for b in blocks], [2, 2])
                self.assertFalse(blocks[0] & blocks[1])  # size 2: each repeat its own block
                first_numbers = {k: f[k][()] for k in ("continuity", "neighbours",
                                                       "learners/largest_logvar")}
            # The same learners, reused: nothing trained, the same numbers.
            self.run_script(second, "--ensemble", os.path.join(first, "ensemble"))
            self.assertFalse(os.path.exists(os.path.join(second, "ensemble")))
            with h5py.File(os.path.join(second, "so2.h5"), "r") as f:
                for key, value in first_numbers.items():
                    np.testing.assert_array_equal(f[key][()], value, err_msg=key)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag")
    args, rest = parser.parse_known_args()
    INFOFRAG = args.infofrag
    unittest.main(argv=[sys.argv[0]] + rest)
