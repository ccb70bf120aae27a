"""infofrag's training objectives against PyTorch eager code written here from the papers
(and disentanglement_lib's definitions), on the same batch and weights: β-VAE, AnnealedVAE,
β-TCVAE, DIP-VAE-I and -II, FactorVAE with one step of its discriminator's Adam.

Run with Debian's /usr/bin/python3 (torch, numpy, h5py):
    /usr/bin/python3 tests/python/test_objectives.py --tool build/tests/infofrag_objective_tool
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

try:
    import torch
except ImportError:  # reported as skipped, never passed
    print("torch is not installed for this interpreter: skipped")
    sys.exit(77)

TOOL = "infofrag_objective_tool"
RTOL = 1e-5
ATOL = 1e-5


def batch(k=3, b=16, d=4, image=True, seed=0, correlated=True):
    """A batch as the trainer hands it to an objective: x in [0, 1], decoder logits or means,
    posteriors with correlated means (so TC and covariances are far from 0), and z."""
    rng = np.random.default_rng(seed)
    item = (1, 4, 4) if image else (5,)
    x = rng.uniform(size=(k, b) + item)
    if image:
        x = (x > 0.5).astype(np.float64) * 0.9 + 0.05 * rng.uniform(size=x.shape)
    decoded = rng.normal(size=(k, b) + item) * 2
    mix = np.eye(d) + (0.8 * rng.normal(size=(d, d)) if correlated else 0)
    mu = rng.normal(size=(k, b, d)) @ mix
    logvar = rng.normal(size=(k, b, d)) * 0.5 - 1.0
    z = mu + np.exp(0.5 * logvar) * rng.normal(size=(k, b, d))
    f32 = lambda a: a.astype(np.float32)  # noqa: E731
    return {"x": f32(x), "decoded": f32(decoded), "mu": f32(mu), "logvar": f32(logvar),
            "z": f32(z)}


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def reference(kind, data, hyper, step=0, capacity_steps=1, bernoulli=True, disc=None,
              shuffle=None):
    """The same objective, written from the papers in eager PyTorch (float64), one member
    at a time: returns ({term: [K]}, {grad name: array}, discriminator after one step)."""
    k = data["z"].shape[0]
    terms = {}
    grads = {n: [] for n in ("mu", "logvar", "z", "decoded")}
    stepped = []
    for m in range(k):
        x = t64(data["x"][m])
        dec = t64(data["decoded"][m]).requires_grad_()
        mu = t64(data["mu"][m]).requires_grad_()
        lv = t64(data["logvar"][m]).requires_grad_()
        z = t64(data["z"][m]).requires_grad_()
        bsz, d = z.shape
        if bernoulli:
            p = torch.sigmoid(dec)
            recon_items = -(x * torch.log(p) + (1 - x) * torch.log(1 - p))
        else:
            recon_items = 0.5 * (dec - x) ** 2
        recon = recon_items.reshape(bsz, -1).sum(1).mean()
        q = torch.distributions.Normal(mu, torch.exp(0.5 * lv))
        prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        kl = torch.distributions.kl_divergence(q, prior).sum(1).mean()
        out = {"recon": recon, "kl": kl}
        if kind == "beta-vae":
            loss = recon + hyper["beta"][m] * kl
        elif kind == "annealed-vae":
            c = hyper["capacity"][m] * min(1.0, step / capacity_steps)
            loss = recon + hyper["gamma"][m] * torch.abs(kl - c)
        elif kind == "beta-tcvae":
            # log q(z_j | x_i) per channel, by torch.distributions: [j, i, l].
            dens = torch.distributions.Normal(mu.unsqueeze(0), torch.exp(0.5 * lv).unsqueeze(0))
            log_q = dens.log_prob(z.unsqueeze(1))
            log_qz = torch.logsumexp(log_q.sum(2), 1) - math.log(bsz)
            log_marginals = (torch.logsumexp(log_q, 1) - math.log(bsz)).sum(1)
            tc = (log_qz - log_marginals).mean()
            out["tc"] = tc
            loss = recon + kl + (hyper["beta"][m] - 1) * tc
        elif kind in ("dip-vae-i", "dip-vae-ii"):
            cov = torch.cov(mu.T, correction=0)
            if kind == "dip-vae-ii":
                cov = cov + torch.diag(torch.exp(lv).mean(0))
            off = cov - torch.diag(torch.diag(cov))
            offdiag = (off ** 2).sum()
            diag = ((torch.diag(cov) - 1) ** 2).sum()
            lam = hyper["lambda_od"][m]
            lam_d = 10 * lam if kind == "dip-vae-i" else lam
            out["offdiag"], out["diag"] = offdiag, diag
            loss = recon + kl + lam * offdiag + lam_d * diag
        elif kind == "factor-vae":
            layers = []
            n_layers = len(disc) // 2
            for i in range(n_layers):
                lin = torch.nn.Linear(disc[f"dense_{i}_weight"].shape[1],
                                      disc[f"dense_{i}_weight"].shape[2]).double()
                with torch.no_grad():
                    lin.weight.copy_(t64(disc[f"dense_{i}_weight"][m]).T)
                    lin.bias.copy_(t64(disc[f"dense_{i}_bias"][m]))
                layers.append(lin)
                if i + 1 < n_layers:
                    layers.append(torch.nn.LeakyReLU(0.2))
            net = torch.nn.Sequential(*layers)
            logits = net(z)
            tc = (logits[:, 0] - logits[:, 1]).mean()
            loss = recon + kl + hyper["gamma"][m] * tc
            zd = z.detach()
            perm = torch.stack([zd[torch.as_tensor(shuffle[m][:, l]), l] for l in range(d)], 1)
            p_real = torch.softmax(net(zd), 1).clamp(1e-6, 1 - 1e-6)
            p_perm = torch.softmax(net(perm), 1).clamp(1e-6, 1 - 1e-6)
            disc_loss = -(0.5 * torch.log(p_real[:, 0]).mean() +
                          0.5 * torch.log(p_perm[:, 1]).mean())
            out["tc"], out["discriminator"] = tc, disc_loss
        else:
            raise ValueError(kind)
        out["loss"] = loss
        g = torch.autograd.grad(loss, [mu, lv, z, dec], allow_unused=True)
        for name, value in zip(("mu", "logvar", "z", "decoded"), g):
            grads[name].append(np.zeros(tuple(mu.shape if name != "decoded" else dec.shape))
                               if value is None else value.numpy())
        if kind == "factor-vae":
            opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.5, 0.9), eps=1e-8)
            opt.zero_grad()
            disc_loss.backward()
            # Adam's step counter at `step`: torch counts from 1 at the first step.
            for group in opt.param_groups:
                for p in group["params"]:
                    opt.state[p]["step"] = torch.tensor(float(step))
                    opt.state[p]["exp_avg"] = torch.zeros_like(p)
                    opt.state[p]["exp_avg_sq"] = torch.zeros_like(p)
            opt.step()
            stepped.append({f"dense_{i}_weight": layers[2 * i].weight.detach().numpy().T
                            for i in range(n_layers)} |
                           {f"dense_{i}_bias": layers[2 * i].bias.detach().numpy()
                            for i in range(n_layers)})
        for name, value in out.items():
            terms.setdefault(name, []).append(float(value))
    return ({n: np.array(v) for n, v in terms.items()},
            {n: np.stack(v) for n, v in grads.items()}, stepped)


def run_tool(tmp, kind, data, hyper, step=0, capacity_steps=1, bernoulli=True, disc=None,
             shuffle=None, width=0, depth=0):
    path_in, path_out = os.path.join(tmp, "in.h5"), os.path.join(tmp, "out.h5")
    with h5py.File(path_in, "w") as f:
        f.attrs["kind"] = kind
        f.attrs["step"] = step
        f.attrs["capacity_steps"] = capacity_steps
        f.attrs["bernoulli"] = int(bernoulli)
        for name, value in data.items():
            f[name] = value
        for name, value in hyper.items():
            f[name] = np.asarray(value, dtype=np.float32)
        if disc is not None:
            f.attrs["width"], f.attrs["depth"] = width, depth
            f["shuffle"] = shuffle.astype(np.int64)
            for name, value in disc.items():
                f[f"discriminator/params/{name}"] = value
                f[f"discriminator/adam_m/{name}"] = np.zeros_like(value)
                f[f"discriminator/adam_v/{name}"] = np.zeros_like(value)
    result = subprocess.run([TOOL, path_in, path_out], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    with h5py.File(path_out, "r") as f:
        losses = {n: f["losses"][n][()] for n in f["losses"]}
        grads = {n: f["grad"][n][()] for n in f["grad"]}
        stepped = {n: f["discriminator"][n][()] for n in f["discriminator"]} \
            if "discriminator" in f else None
    return losses, grads, stepped


def hyperparameters(k, seed=1):
    rng = np.random.default_rng(seed)
    return {"beta": rng.choice([1, 2, 4, 6, 8, 10], k).astype(np.float64),
            "gamma": rng.choice([10, 20, 50, 100], k).astype(np.float64),
            "capacity": rng.choice([5, 10, 25], k).astype(np.float64),
            "lambda_od": rng.choice([1, 2, 5, 10, 20, 50], k).astype(np.float64)}


def discriminator(k, d, width, depth, seed=2):
    rng = np.random.default_rng(seed)
    out, fan_in = {}, d
    for i in range(depth + 1):
        fan_out = 2 if i == depth else width
        bound = 1 / math.sqrt(fan_in)
        out[f"dense_{i}_weight"] = rng.uniform(-bound, bound, (k, fan_in, fan_out)).astype(
            np.float32)
        out[f"dense_{i}_bias"] = rng.uniform(-bound, bound, (k, fan_out)).astype(np.float32)
        fan_in = fan_out
    return out


class Objectives(unittest.TestCase):
    def compare(self, kind, image=True, step=0, capacity_steps=1, width=32, depth=3):
        with tempfile.TemporaryDirectory() as tmp:
            data = batch(image=image)
            k, b, d = data["z"].shape
            hyper = hyperparameters(k)
            disc = shuffle = None
            if kind == "factor-vae":
                disc = discriminator(k, d, width, depth)
                rng = np.random.default_rng(3)
                shuffle = np.stack([np.stack([rng.permutation(b) for _ in range(d)], 1)
                                    for _ in range(k)])
            got, got_grads, got_disc = run_tool(tmp, kind, data, hyper, step, capacity_steps,
                                                image, disc, shuffle, width, depth)
            want, want_grads, want_disc = reference(kind, data, hyper, step, capacity_steps,
                                                    image, disc, shuffle)
            self.assertEqual(sorted(got), sorted(want))
            for name in want:
                with self.subTest(kind=kind, term=name):
                    np.testing.assert_allclose(got[name], want[name], rtol=RTOL, atol=ATOL)
            for name in want_grads:
                with self.subTest(kind=kind, grad=name):
                    scale = max(1.0, np.abs(want_grads[name]).max())
                    np.testing.assert_allclose(got_grads[name], want_grads[name], rtol=RTOL,
                                               atol=ATOL * scale)
            if kind == "factor-vae":
                for name in want_disc[0]:
                    w = np.stack([s[name] for s in want_disc])
                    before = disc[name]
                    with self.subTest(kind=kind, discriminator=name):
                        # Adam moves every weight by about lr: compare the moves.
                        np.testing.assert_allclose(got_disc[name] - before, w - before,
                                                   rtol=1e-3, atol=2e-7)
                        self.assertGreater(np.abs(w - before).max(), 5e-5)
            return got

    def test_beta_vae(self):
        self.compare("beta-vae")
        self.compare("beta-vae", image=False)

    def test_annealed_vae(self):
        for step in (0, 7, 50):
            self.compare("annealed-vae", step=step, capacity_steps=20)

    def test_beta_tcvae(self):
        got = self.compare("beta-tcvae")
        self.assertGreater(got["tc"].min(), 0.1)  # correlated means: far from 0
        self.compare("beta-tcvae", image=False)

    def test_dip_vae(self):
        for kind in ("dip-vae-i", "dip-vae-ii"):
            got = self.compare(kind)
            self.assertGreater(got["offdiag"].min(), 0.1)

    def test_factor_vae(self):
        self.compare("factor-vae")
        self.compare("factor-vae", step=9)

    def test_members_are_independent(self):
        """Member k's losses with K = 3 equal those of member k alone (K = 1)."""
        with tempfile.TemporaryDirectory() as tmp:
            data = batch()
            k, b, d = data["z"].shape
            hyper = hyperparameters(k)
            for kind in ("beta-tcvae", "dip-vae-i", "dip-vae-ii", "factor-vae"):
                disc = discriminator(k, d, 16, 2) if kind == "factor-vae" else None
                shuffle = np.stack([np.stack([np.random.default_rng(m * 10 + l).permutation(b)
                                              for l in range(d)], 1) for m in range(k)])
                together, _, _ = run_tool(tmp, kind, data, hyper, disc=disc, shuffle=shuffle,
                                          width=16, depth=2)
                for m in range(k):
                    one = {n: v[m:m + 1] for n, v in data.items()}
                    h = {n: v[m:m + 1] for n, v in hyper.items()}
                    dm = {n: v[m:m + 1] for n, v in disc.items()} if disc else None
                    alone, _, _ = run_tool(tmp, kind, one, h, disc=dm, shuffle=shuffle[m:m + 1],
                                           width=16, depth=2)
                    for name in alone:
                        with self.subTest(kind=kind, member=m, term=name):
                            np.testing.assert_allclose(together[name][m], alone[name][0],
                                                       rtol=1e-6, atol=1e-6)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True, help="path to infofrag_objective_tool")
    args, rest = parser.parse_known_args()
    TOOL = args.tool
    unittest.main(argv=[sys.argv[0]] + rest)
