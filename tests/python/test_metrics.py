"""infofrag metrics against independent answers: NumPy, SciPy and scikit-learn written from the
papers' definitions (Kornblith et al. 2019 for CKA, Duong et al. 2023 for the stochastic shape
metric, Chen et al. 2018 / Kumar et al. 2018 / Ridgeway & Mozer 2018 for MIG, SAP and
modularity as disentanglement_lib computes them, Duan et al. 2020 for UDR), on an embeddings
file written by h5py with structured and random codes.

Run with Debian's /usr/bin/python3 (numpy, scipy, h5py, scikit-learn):
    /usr/bin/python3 tests/python/test_metrics.py --infofrag build/infofrag
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
import scipy.linalg
import scipy.optimize
import scipy.spatial.transform
import scipy.stats
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.metrics import mutual_info_score, roc_auc_score

INFOFRAG = "infofrag"
N = 160


# ---- CKA (Kornblith et al. 2019, and their reference notebook's gram_linear / gram_rbf) ----

def gram_linear(x):
    return x @ x.T


def gram_rbf(x, threshold=1.0):
    dot = x @ x.T
    sq = np.diag(dot)
    d2 = -2 * dot + sq[:, None] + sq[None, :]
    return np.exp(-d2 / (2 * threshold ** 2 * np.median(d2)))


def center_gram(g):
    n = g.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    return h @ g @ h


def cka(gx, gy):
    gx, gy = center_gram(gx), center_gram(gy)
    return np.sum(gx * gy) / (np.linalg.norm(gx) * np.linalg.norm(gy))


def bhattacharyya_coefficients(mu, logvar):
    """exp(-D) of a diagonal Gaussian space [N, d] (a channel when d = 1)."""
    var = np.exp(logvar)
    s = var[:, None, :] + var[None, :, :]
    d = ((mu[:, None, :] - mu[None, :, :]) ** 2 / (4 * s)
         + 0.5 * np.log(s / (2 * np.sqrt(var[:, None, :] * var[None, :, :])))).sum(-1)
    return np.exp(-d)


# ---- Gaussian stochastic shape metric (Duong et al. 2023), minimized by brute force ----

def shape_objective(q, mx, sx, my, sy):
    """(1/N) sum_i ||mx_i - q my_i||^2 + B^2(Sx_i, q Sy_i q^T), with the Bures metric from
    its definition, B^2(A, C) = tr A + tr C - 2 tr (A^1/2 C A^1/2)^1/2 (eigenvalues of the
    symmetric PSD product, batched over the points). sx, sy: [N, d] posterior sds."""
    c = np.einsum("ij,njk,lk->nil", q, np.stack([np.diag(v ** 2) for v in sy]), q)
    inner = sx[:, :, None] * c * sx[:, None, :]  # A^1/2 C A^1/2 with A^1/2 = diag(sx)
    roots = np.sqrt(np.clip(np.linalg.eigvalsh(inner), 0, None)).sum(1)
    bures = (sx ** 2).sum(1) + (sy ** 2).sum(1) - 2 * roots
    means = ((mx - my @ q.T) ** 2).sum(1)
    return np.mean(means + bures)


def rotation(params, reflect):
    d = {1: 2, 3: 3}[len(params)]
    if d == 2:
        c, s = np.cos(params[0]), np.sin(params[0])
        q = np.array([[c, -s], [s, c]])
    else:
        q = scipy.spatial.transform.Rotation.from_rotvec(params).as_matrix()
    return q @ np.diag([-1.0] + [1.0] * (d - 1)) if reflect else q


def shape_distance_brute(mu_a, lv_a, mu_b, lv_b):
    """Global minimum over O(2) or O(3): a grid / random starts, each refined by BFGS."""
    d = mu_a.shape[1]
    assert mu_b.shape[1] == d and d in (2, 3)
    mx, my = mu_a - mu_a.mean(0), mu_b - mu_b.mean(0)
    sx, sy = np.exp(0.5 * lv_a), np.exp(0.5 * lv_b)
    rng = np.random.default_rng(0)
    best = np.inf
    starts = ([np.array([t]) for t in np.linspace(0, 2 * np.pi, 12, endpoint=False)] if d == 2
              else [rng.normal(size=3) for _ in range(8)])
    for reflect in (False, True):
        for x0 in starts:
            f = lambda p: shape_objective(rotation(p, reflect), mx, sx, my, sy)  # noqa: E731
            r = scipy.optimize.minimize(f, x0, method="BFGS", options={"gtol": 1e-10})
            best = min(best, r.fun)
    return np.sqrt(max(best, 0.0))


# ---- disentanglement_lib's metrics, from the papers with its conventions ----

def histogram_discretize(x, bins=20):
    return np.stack([np.digitize(c, np.histogram(c, bins)[1][:-1]) for c in x.T], axis=1)


def mi_matrix(codes, ys):
    return np.array([[mutual_info_score(ys[:, f], codes[:, m]) for f in range(ys.shape[1])]
                     for m in range(codes.shape[1])])


def mig(mu, ys, bins=20):
    m = mi_matrix(histogram_discretize(mu, bins), ys)
    h = np.array([mutual_info_score(y, y) for y in ys.T])
    s = np.sort(m, axis=0)[::-1]
    return np.mean((s[0] - s[1]) / h), (s[0] - s[1]) / h


def sap_continuous(mu, ys):
    score = np.zeros((mu.shape[1], ys.shape[1]))
    for i in range(mu.shape[1]):
        for j in range(ys.shape[1]):
            c = np.cov(mu[:, i], ys[:, j], ddof=1)
            score[i, j] = c[0, 1] ** 2 / (c[0, 0] * c[1, 1]) if c[0, 0] > 1e-12 else 0.0
    s = np.sort(score, axis=0)
    return np.mean(s[-1] - s[-2])


def modularity(mu, ys, bins=20):
    sq = mi_matrix(histogram_discretize(mu, bins), ys) ** 2
    top = sq.max(1)
    score = 1 - (sq.sum(1) - top) / (top * (sq.shape[1] - 1))
    score[top == 0] = 0
    return np.mean(score)


def sap_discrete(mu_train, y_train, mu_test, y_test):
    """disentanglement_lib's SAP score matrix for discrete factors (its default)."""
    score = np.zeros((mu_train.shape[1], y_train.shape[1]))
    for i in range(mu_train.shape[1]):
        for j in range(y_train.shape[1]):
            clf = LinearSVC(C=0.01, class_weight="balanced")
            clf.fit(mu_train[:, i:i + 1], y_train[:, j])
            score[i, j] = np.mean(clf.predict(mu_test[:, i:i + 1]) == y_test[:, j])
    s = np.sort(score, axis=0)
    return np.mean(s[-1] - s[-2])


def explicitness(mu_train, y_train, mu_test, y_test):
    """disentanglement_lib's explicitness with the study-era LogisticRegression default:
    liblinear, one-vs-rest, C = 1."""
    mean, sd = mu_train.mean(0), mu_train.std(0)
    sd[sd == 0] = 1
    x_train, x_test = (mu_train - mean) / sd, (mu_test - mean) / sd
    train, test = [], []
    for f in range(y_train.shape[1]):
        clf = LogisticRegression(solver="liblinear", multi_class="ovr", C=1.0, tol=1e-4)
        clf.fit(x_train, y_train[:, f])
        for x, y, out in ((x_train, y_train[:, f], train), (x_test, y_test[:, f], test)):
            p = clf.predict_proba(x)
            out.append(np.mean([roc_auc_score(y == c, p[:, k]) for k, c in enumerate(clf.classes_)
                                if 0 < np.sum(y == c) < len(y)]))
    return np.mean(train), np.mean(test)


def dci(mu_train, y_train, mu_test, y_test):
    """disentanglement_lib's _compute_dci with the study's GradientBoostingClassifier()."""
    m, f = mu_train.shape[1], y_train.shape[1]
    r = np.zeros((m, f))
    acc_train, acc_test = [], []
    for j in range(f):
        model = GradientBoostingClassifier(random_state=0).fit(mu_train, y_train[:, j])
        r[:, j] = np.abs(model.feature_importances_)
        acc_train.append(np.mean(model.predict(mu_train) == y_train[:, j]))
        acc_test.append(np.mean(model.predict(mu_test) == y_test[:, j]))
    per_code = 1 - scipy.stats.entropy(r.T + 1e-11, base=f)
    per_factor = 1 - scipy.stats.entropy(r + 1e-11, base=m)
    w = r if r.sum() else np.ones_like(r)
    d = np.sum(per_code * w.sum(1) / w.sum())
    c = np.sum(per_factor * w.sum(0) / w.sum())
    return d, c, np.mean(acc_train), np.mean(acc_test)


def relative_strength(r):
    x = np.nanmean(np.nan_to_num(np.max(r, axis=0) ** 2 / np.sum(r, axis=0), 0))
    y = np.nanmean(np.nan_to_num(np.max(r, axis=1) ** 2 / np.sum(r, axis=1), 0))
    return (x + y) / 2


def udr(members, threshold=0.01):
    active = []
    for mu, lv in members:
        kl = np.mean(0.5 * (mu ** 2 + np.exp(lv) - lv - 1), axis=0)
        active.append(mu[:, kl > threshold])
    k = len(members)
    pairwise = np.zeros((k, k))
    for i, j in itertools.permutations(range(k), 2):
        r = np.array([[abs(scipy.stats.spearmanr(a, b)[0]) for b in active[j].T]
                      for a in active[i].T])
        pairwise[i, j] = relative_strength(r)
    scores = [np.median(np.delete(pairwise[:, i], i)) for i in range(k)]
    return pairwise, np.array(scores)


def udr_lasso(members, threshold=0.01, alpha=0.1):
    """disentanglement_lib's compute_udr_sklearn with correlation_matrix="lasso", line by line:
    StandardScaler, inactive latents multiplied by 0, Lasso(alpha=0.1) from member i's latents to
    member j's, |coef_| transposed, rows and columns of inactive latents filtered. The solver's
    tolerance is tightened (tol 1e-4 by default) so that both minimizers are exact to 1e-6."""
    reps, masks = [], []
    for mu, lv in members:
        kl = np.mean(0.5 * (mu ** 2 + np.exp(lv) - lv - 1), axis=0)
        sd = mu.std(0)
        reps.append((mu - mu.mean(0)) / np.where(sd > 0, sd, 1) * (kl > threshold))
        masks.append(kl > threshold)
    k = len(members)
    pairwise = np.zeros((k, k))
    for i, j in itertools.permutations(range(k), 2):
        model = Lasso(alpha=alpha, tol=1e-12, max_iter=1000000).fit(reps[i], reps[j])
        r = np.abs(np.atleast_2d(model.coef_)).T[masks[i]][:, masks[j]]
        pairwise[i, j] = relative_strength(r)
    scores = [np.median(np.delete(pairwise[:, i], i)) for i in range(k)]
    return pairwise, np.array(scores)


# ---- the file ----

def write_embeddings(path, seed=0):
    """Five members of 2 or 3 channels: some channels encode a factor (monotonically, with
    noise), others are random; a constant factor that metrics must leave out."""
    rng = np.random.default_rng(seed)
    ys = np.stack([rng.integers(0, 3, N), rng.integers(0, 4, N), rng.integers(0, 6, N),
                   np.full(N, 2)], axis=1)
    members = []
    with h5py.File(path, "w") as f:
        for k, d in enumerate([2, 3, 2, 3, 3]):
            mu = rng.normal(size=(N, d)) * rng.uniform(0.3, 2.0, size=d)
            for c in range(d):
                if rng.uniform() < 0.7:
                    mu[:, c] += rng.choice([-1.5, 1.0, 2.0]) * ys[:, rng.integers(0, 3)]
            logvar = rng.normal(size=(N, d)) * 0.5 - 1.0 - k * 0.3
            f[f"members/m{k}/mu"] = mu
            f[f"members/m{k}/logvar"] = logvar
            members.append((mu, logvar))
        f["fingerprint/labels"] = ys
        f["fingerprint/labels"].attrs["factor_names"] = ["a", "b", "c", "colour"]
    return members, ys


class AgainstIndependent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        path, out = os.path.join(cls.tmp.name, "e.h5"), os.path.join(cls.tmp.name, "m.h5")
        cls.members, cls.ys = write_embeddings(path)
        r = subprocess.run([INFOFRAG, "metrics", "--embeddings", path, "--out", out],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        cls.f = h5py.File(out, "r")

    @classmethod
    def tearDownClass(cls):
        cls.f.close()
        cls.tmp.cleanup()

    def pairs(self):
        return itertools.combinations(range(len(self.members)), 2)

    def test_cka_between_spaces(self):
        lin = self.f["spaces/cka_linear_similarity"][()]
        rbf = self.f["spaces/cka_rbf_similarity"][()]
        bc = self.f["spaces/cka_coefficient_similarity"][()]
        for (i, (ma, la)), (j, (mb, lb)) in itertools.product(enumerate(self.members), repeat=2):
            self.assertAlmostEqual(lin[i, j], cka(gram_linear(ma), gram_linear(mb)), delta=1e-9)
            self.assertAlmostEqual(rbf[i, j], cka(gram_rbf(ma), gram_rbf(mb)), delta=1e-8)
            self.assertAlmostEqual(bc[i, j], cka(bhattacharyya_coefficients(ma, la),
                                                 bhattacharyya_coefficients(mb, lb)), delta=1e-9)

    def test_cka_between_channels(self):
        mu = np.concatenate([m for m, _ in self.members], axis=1)
        lv = np.concatenate([v for _, v in self.members], axis=1)
        lin = self.f["channels/cka_linear_similarity"][()]
        rbf = self.f["channels/cka_rbf_similarity"][()]
        bc = self.f["channels/cka_coefficient_similarity"][()]
        self.assertEqual(lin.shape, (mu.shape[1],) * 2)
        for a, b in itertools.product(range(mu.shape[1]), repeat=2):
            x, y = mu[:, a:a + 1], mu[:, b:b + 1]
            self.assertAlmostEqual(lin[a, b], cka(gram_linear(x), gram_linear(y)), delta=1e-9)
            self.assertAlmostEqual(rbf[a, b], cka(gram_rbf(x), gram_rbf(y)), delta=1e-8)
            self.assertAlmostEqual(
                bc[a, b], cka(bhattacharyya_coefficients(x, lv[:, a:a + 1]),
                              bhattacharyya_coefficients(y, lv[:, b:b + 1])), delta=1e-9)

    def test_shape_distance_between_spaces(self):
        d = self.f["spaces/shape_distance"][()]
        self.assertTrue(np.allclose(d, d.T))
        self.assertTrue(np.all(np.diag(d) == 0))
        for i, j in self.pairs():
            (ma, la), (mb, lb) = self.members[i], self.members[j]
            if ma.shape[1] != mb.shape[1]:
                continue  # padding: covered by the C++ tests
            with self.subTest(pair=(i, j)):
                self.assertAlmostEqual(d[i, j], shape_distance_brute(ma, la, mb, lb), delta=1e-6)

    def test_shape_distance_between_channels(self):
        mu = np.concatenate([m for m, _ in self.members], axis=1)
        sd = np.exp(0.5 * np.concatenate([v for _, v in self.members], axis=1))
        mu = mu - mu.mean(0)
        d = self.f["channels/shape_distance"][()]
        for a, b in itertools.product(range(mu.shape[1]), repeat=2):
            best = min(np.mean((mu[:, a] - s * mu[:, b]) ** 2 + (sd[:, a] - sd[:, b]) ** 2)
                       for s in (1, -1))
            self.assertAlmostEqual(d[a, b], np.sqrt(best), delta=1e-9)

    def test_mig_sap_modularity(self):
        ys = self.ys[:, :3]  # the constant factor is left out
        self.assertEqual([s.decode() if isinstance(s, bytes) else s
                          for s in self.f["disentanglement/factor_names"][()]], ["a", "b", "c"])
        for k, (mu, _) in enumerate(self.members):
            score, per_factor = mig(mu, ys)
            self.assertAlmostEqual(self.f["disentanglement/mig"][k], score, delta=1e-6)
            np.testing.assert_allclose(self.f["disentanglement/mig_per_factor"][k], per_factor,
                                       atol=1e-6)
            self.assertAlmostEqual(self.f["disentanglement/sap"][k], sap_continuous(mu, ys),
                                   delta=1e-6)
            self.assertAlmostEqual(self.f["disentanglement/modularity"][k], modularity(mu, ys),
                                   delta=1e-6)
        # Not all equal: the comparison is not of constants.
        self.assertGreater(np.ptp(self.f["disentanglement/mig"][()]), 0.01)

    def test_explicitness_and_dci(self):
        """Trained classifiers: explicitness through the same liblinear model as scikit-learn's
        (Debian's liblinear 2.3 against scikit-learn's bundled copy: equal to 1e-16 here, tested
        to 1e-6); DCI from
        XGBoost against scikit-learn's gradient boosting (different trees and importances:
        tolerance 0.15 on D and C, 0.1 on informativeness)."""
        ys = self.ys[:, :3]
        n_train = N - int(round(N * (1 / 3)))
        for k, (mu, _) in enumerate(self.members):
            args = (mu[:n_train], ys[:n_train], mu[n_train:], ys[n_train:])
            with self.subTest(member=k):
                train, test = explicitness(*args)
                self.assertAlmostEqual(self.f["disentanglement/explicitness_train"][k], train,
                                       delta=1e-6)
                self.assertAlmostEqual(self.f["disentanglement/explicitness_test"][k], test,
                                       delta=1e-6)
                # liblinear's dual solver visits points in a random order (scikit-learn seeds
                # it, Debian's library does not): a test point or two may flip.
                self.assertAlmostEqual(self.f["disentanglement/sap_discrete"][k],
                                       sap_discrete(*args), delta=0.03)
                d, c, i_train, i_test = dci(*args)
                print(f"member {k}: DCI here D {self.f['disentanglement/dci_disentanglement'][k]:.3f} "
                      f"C {self.f['disentanglement/dci_completeness'][k]:.3f} "
                      f"I {self.f['disentanglement/dci_informativeness_test'][k]:.3f}; "
                      f"scikit-learn D {d:.3f} C {c:.3f} I {i_test:.3f}", file=sys.stderr)
                self.assertAlmostEqual(self.f["disentanglement/dci_disentanglement"][k], d,
                                       delta=0.15)
                self.assertAlmostEqual(self.f["disentanglement/dci_completeness"][k], c,
                                       delta=0.15)
                self.assertAlmostEqual(self.f["disentanglement/dci_informativeness_train"][k],
                                       i_train, delta=0.1)
                self.assertAlmostEqual(self.f["disentanglement/dci_informativeness_test"][k],
                                       i_test, delta=0.1)

    def test_udr(self):
        pairwise, scores = udr(self.members)
        np.testing.assert_allclose(self.f["udr/pairwise"][()], pairwise, atol=1e-6)
        np.testing.assert_allclose(self.f["udr/score"][()], scores, atol=1e-6)
        self.assertGreater(np.ptp(scores), 0.01)

    def test_udr_lasso(self):
        out = os.path.join(self.tmp.name, "lasso.h5")
        r = subprocess.run([INFOFRAG, "metrics", "--embeddings", os.path.join(self.tmp.name, "e.h5"),
                            "--out", out, "--udr-correlation", "lasso", "--disentanglement",
                            "false", "--channels", "false"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        pairwise, scores = udr_lasso(self.members)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["udr"].attrs["correlation"], "lasso")
            print(f"UDR lasso: largest difference from scikit-learn "
                  f"{np.abs(f['udr/pairwise'][()] - pairwise).max():.2e}", file=sys.stderr)
            np.testing.assert_allclose(f["udr/pairwise"][()], pairwise, atol=1e-6)
            np.testing.assert_allclose(f["udr/score"][()], scores, atol=1e-6)
        self.assertGreater(np.ptp(pairwise), 0.1)
        self.assertFalse(np.allclose(pairwise, pairwise.T))  # ordered pairs: not symmetric


class MemberMetricsFigure(unittest.TestCase):
    """scripts/plot_member_metrics.py on synth -> analyze -> hotspots -> metrics."""

    def test_figure_and_table(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                              "plot_member_metrics.py")
        with tempfile.TemporaryDirectory() as tmp:
            p = lambda name: os.path.join(tmp, name)  # noqa: E731
            for args in (["synth", "--out", p("e.h5"), "--points", "300", "--members", "6",
                          "--dims", "4"],
                         ["analyze", "--embeddings", p("e.h5"), "--out", p("a.h5"),
                          "--progress", "false"],
                         ["hotspots", "--analysis", p("a.h5"), "--min-samples", "3"],
                         ["metrics", "--embeddings", p("e.h5"), "--out", p("m.h5")]):
                r = subprocess.run([INFOFRAG, *args], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([sys.executable, script, "--analysis", p("a.h5"), "--metrics",
                                p("m.h5"), "--out", p("f.png")], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertGreater(os.path.getsize(p("f.png")), 5000)
            with h5py.File(p("a.h5"), "r") as a:
                hotspots = a["hotspots/member_counts"].shape[1]
            rows = [line for line in r.stdout.splitlines() if line[:7].strip().isdigit()]
            self.assertEqual(len(rows), hotspots)
            # Without /hotspots: a message naming the file, no figure.
            r = subprocess.run([sys.executable, script, "--analysis", p("m.h5"), "--metrics",
                                p("m.h5"), "--out", p("g.png")], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("m.h5", r.stderr)
            self.assertFalse(os.path.exists(p("g.png")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", default=INFOFRAG)
    args, rest = parser.parse_known_args()
    INFOFRAG = args.infofrag
    unittest.main(argv=[sys.argv[0]] + rest)
