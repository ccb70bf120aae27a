"""infofrag's BetaVAE and FactorVAE scores against an independent implementation: NumPy and
scikit-learn written from disentanglement_lib's `beta_vae.py` and `factor_vae.py`, on the same
draws.

The scores draw factor combinations from a seeded torch generator. This test re-draws them in
the same order with Debian's python3-torch (the same torch 1.13 as the LibTorch infofrag links,
so the same Mersenne Twister stream), looks each combination's row up in the dataset's grid,
takes that row's posterior means from `infofrag embed` over every row, and computes the
scores itself: BetaVAE with scikit-learn's LogisticRegression(solver="liblinear",
multi_class="ovr", C=1) (the study-era default that infofrag's liblinear model follows),
FactorVAE's majority vote in NumPy, votes counted at the argmin's position in the active list
as disentanglement_lib counts them.

The members: an mlp trained on a 3 x 4 x 5 x 2 grid of vectors that encode the factors: a
structured code at beta = 0.5; at beta = 4 a code whose FactorVAE score is high but whose
BetaVAE features (mean |z1 - z2|, unscaled as in the study) are so small that the C = 1
regression predicts one class, chance; at beta = 64 a collapsed code (no code active,
FactorVAE 0). Both implementations agree exactly on all three (checked to 1e-9).

    /usr/bin/python3 tests/python/test_intervention.py --infofrag build/infofrag
"""
import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

try:
    import torch
    from sklearn.linear_model import LogisticRegression
except ImportError as e:  # reported as skipped by CTest
    print(f"skipped: {e}", file=sys.stderr)
    sys.exit(77)

INFOFRAG = "infofrag"
SIZES = [3, 4, 5, 2]
PROTOCOL = dict(batch_size=16, train=200, eval=120, variance=500, prune=0.05, seed=7)


def write_grid(path):
    """One vector per combination (rows in a scrambled order): the factors scaled to [0, 1]
    in four coordinates, mixed pairwise in two more, plus a little noise."""
    rng = np.random.default_rng(0)
    combos = np.array(list(itertools.product(*[range(s) for s in SIZES])))
    combos = combos[rng.permutation(len(combos))]
    unit = combos / (np.array(SIZES) - 1)
    x = np.concatenate([unit, unit[:, :2] + unit[:, 2:]], axis=1) * 3
    x += 0.05 * rng.normal(size=x.shape)
    with h5py.File(path, "w") as f:
        f["vectors"] = x.astype(np.float32)
        f["labels"] = combos * 10 + 1  # values, not classes: the grid takes their order
        f["labels"].attrs["factor_names"] = ["a", "b", "c", "d"]
    return len(combos)


class Draws:
    """The generator infofrag's scores draw from, re-created: torch's CPU generator."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def factor(self):
        return int(torch.randint(len(SIZES), (1,), generator=self.g, dtype=torch.int64)[0])

    def combos(self, count):
        return torch.stack([torch.randint(c, (count,), generator=self.g, dtype=torch.int64)
                            for c in SIZES], 1).numpy()


def beta_vae(rep, p):
    draws = Draws(p["seed"])

    def points(count):
        x, y = [], []
        for _ in range(count):
            k = draws.factor()
            a, b = draws.combos(p["batch_size"]), draws.combos(p["batch_size"])
            b[:, k] = a[:, k]
            x.append(np.mean(np.abs(rep(a) - rep(b)), axis=0))
            y.append(k)
        return np.array(x), np.array(y)

    x_train, y_train = points(p["train"])
    x_eval, y_eval = points(p["eval"])
    model = LogisticRegression(solver="liblinear", multi_class="ovr", C=1.0)
    model.fit(x_train, y_train)
    return model.score(x_train, y_train), model.score(x_eval, y_eval)


def factor_vae(rep, p):
    draws = Draws(p["seed"])
    global_var = np.var(rep(draws.combos(p["variance"])), axis=0, ddof=1)
    active = np.sqrt(global_var) >= p["prune"]
    if not active.any():
        return 0.0, 0.0, 0

    def votes(count):
        v = np.zeros((len(SIZES), len(global_var)), dtype=np.int64)
        for _ in range(count):
            k = draws.factor()
            combos = draws.combos(p["batch_size"])
            combos[:, k] = combos[0, k]
            local = np.var(rep(combos), axis=0, ddof=1)
            v[k, np.argmin(local[active] / global_var[active])] += 1
        return v

    train, evaluation = votes(p["train"]), votes(p["eval"])
    classifier = np.argmax(train, axis=0)
    columns = np.arange(train.shape[1])
    return (train[classifier, columns].sum() / train.sum(),
            evaluation[classifier, columns].sum() / evaluation.sum(), int(active.sum()))


class AgainstIndependent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        p = lambda name: os.path.join(cls.tmp.name, name)  # noqa: E731
        rows = write_grid(p("grid.h5"))
        for args in (["train", "--data.dataset", "hdf5", "--data.path", p("grid.h5"),
                      "--model.kind", "mlp", "--model.latents", "4", "--model.widths", "32,32",
                      "--objective.beta", "0.5,4,64", "--train.steps", "600",
                      "--train.batch-size", "32", "--train.lr", "3e-3", "--train.pack-size", "3",
                      "--train.progress", "false", "--out", p("ens")],
                     ["embed", "--ensemble", p("ens"), "--out", p("e.h5"), "--fingerprint-size",
                      str(rows), "--progress", "false"],
                     ["metrics", "--embeddings", p("e.h5"), "--out", p("m.h5"), "--ensemble",
                      p("ens"), "--channels", "false", "--trained", "false",
                      "--intervention-batch-size", str(PROTOCOL["batch_size"]),
                      "--intervention-train", str(PROTOCOL["train"]),
                      "--intervention-eval", str(PROTOCOL["eval"]),
                      "--intervention-variance-points", str(PROTOCOL["variance"]),
                      "--intervention-prune", str(PROTOCOL["prune"]),
                      "--seed", str(PROTOCOL["seed"])]):
            r = subprocess.run([INFOFRAG, *args], capture_output=True, text=True)
            assert r.returncode == 0, (args[0], r.stderr)
        with h5py.File(p("e.h5"), "r") as e, h5py.File(p("grid.h5"), "r") as g:
            labels = g["labels"][()]
            index = e["fingerprint/index"][()]
            cls.members = [s.decode() if isinstance(s, bytes) else s
                           for s in h5py.File(p("m.h5"), "r")["members"][()]]
            mus = {m: np.empty((rows, 4)) for m in cls.members}
            for m in cls.members:
                mus[m][index] = e[f"members/{m}/mu"][()]
        # The grid: each factor's values in increasing order are its classes.
        classes = np.stack([np.unique(c, return_inverse=True)[1] for c in labels.T], 1)
        flat = np.ravel_multi_index(classes.T, SIZES)
        row_of = np.empty(rows, dtype=np.int64)
        row_of[flat] = np.arange(rows)
        cls.rep = {m: (lambda c, mu=mus[m]: mu[row_of[np.ravel_multi_index(c.T, SIZES)]])
                   for m in cls.members}
        with h5py.File(p("m.h5"), "r") as f:
            d = f["disentanglement"]
            cls.infofrag = {name: d[name][()] for name in
                            ["beta_vae_train", "beta_vae_eval", "factor_vae_train",
                             "factor_vae_eval", "factor_vae_active"]}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_beta_vae(self):
        for k, m in enumerate(self.members):
            train, evaluation = beta_vae(self.rep[m], PROTOCOL)
            print(f"{m}: BetaVAE infofrag {self.infofrag['beta_vae_train'][k]:.4f} / "
                  f"{self.infofrag['beta_vae_eval'][k]:.4f}, scikit-learn {train:.4f} / "
                  f"{evaluation:.4f}", file=sys.stderr)
            with self.subTest(member=m):
                self.assertAlmostEqual(self.infofrag["beta_vae_train"][k], train, delta=1e-9)
                self.assertAlmostEqual(self.infofrag["beta_vae_eval"][k], evaluation, delta=1e-9)

    def test_factor_vae(self):
        for k, m in enumerate(self.members):
            train, evaluation, active = factor_vae(self.rep[m], PROTOCOL)
            print(f"{m}: FactorVAE infofrag {self.infofrag['factor_vae_train'][k]:.4f} / "
                  f"{self.infofrag['factor_vae_eval'][k]:.4f} ({self.infofrag['factor_vae_active'][k]}"
                  f" active), NumPy {train:.4f} / {evaluation:.4f} ({active} active)",
                  file=sys.stderr)
            with self.subTest(member=m):
                self.assertEqual(self.infofrag["factor_vae_active"][k], active)
                self.assertAlmostEqual(self.infofrag["factor_vae_train"][k], train, delta=1e-9)
                self.assertAlmostEqual(self.infofrag["factor_vae_eval"][k], evaluation, delta=1e-9)

    def test_members_differ(self):
        """Not a comparison of constants: a structured, a partial and a collapsed code."""
        self.assertGreater(np.ptp(self.infofrag["beta_vae_eval"]), 0.2)
        self.assertGreater(np.ptp(self.infofrag["factor_vae_eval"]), 0.2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", default=INFOFRAG)
    args, rest = parser.parse_known_args()
    INFOFRAG = args.infofrag
    unittest.main(argv=[sys.argv[0]] + rest)
