"""PyTorch eager baseline for scripts/bench_train.sh: one conv64 member (the
disentanglement_lib architecture, as infofrag builds it) of one of the study's families
(`--objective`, at the value bench_train uses) trained with Adam on dSprites images exported
by `infofrag export-data`, batch 64. Prints member_steps_per_s. FactorVAE also trains its
discriminator (6 x 1000, leaky ReLU 0.2, Adam lr 1e-4, betas 0.5, 0.9) every step.

Needs only torch (h5py just to read IMAGES). Run with Debian's interpreter, which has
python3-torch (/usr/bin/python3), or any PyTorch. `--synthetic N` trains on N random binary
64x64 images instead of a file: a dense model's step costs the same whatever the pixels.
"""
import argparse
import math
import time

import torch
from torch import nn


def conv64(channels, latents):
    encoder = nn.Sequential(
        nn.Conv2d(channels, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 32, 4, 2, 1), nn.ReLU(),
        nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Conv2d(64, 64, 4, 2, 1), nn.ReLU(),
        nn.Flatten(), nn.Linear(1024, 256), nn.ReLU(), nn.Linear(256, 2 * latents))
    decoder = nn.Sequential(
        nn.Linear(latents, 256), nn.ReLU(), nn.Linear(256, 1024), nn.ReLU(),
        nn.Unflatten(1, (64, 4, 4)), nn.ConvTranspose2d(64, 64, 4, 2, 1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 32, 4, 2, 1),
        nn.ReLU(), nn.ConvTranspose2d(32, channels, 4, 2, 1))
    return encoder, decoder


def discriminator(latents):
    layers, width = [], latents
    for _ in range(6):
        layers += [nn.Linear(width, 1000), nn.LeakyReLU(0.2)]
        width = 1000
    return nn.Sequential(*layers, nn.Linear(width, 2))


def total_correlation(z, mu, logvar):
    """The minibatch estimate of TC (Chen et al. 2018), as infofrag's beta-tcvae."""
    log_q = -0.5 * ((z.unsqueeze(1) - mu.unsqueeze(0)) ** 2 * torch.exp(-logvar.unsqueeze(0))
                    + logvar.unsqueeze(0) + math.log(2 * math.pi))
    b = z.shape[0]
    log_qz = torch.logsumexp(log_q.sum(2), 1) - math.log(b)
    log_prod = (torch.logsumexp(log_q, 1) - math.log(b)).sum(1)
    return (log_qz - log_prod).mean()


def dip(mu, logvar, lambda_od, factor, two):
    cov = torch.cov(mu.T, correction=0)
    if two:
        cov = cov + torch.diag(torch.exp(logvar).mean(0))
    diag = torch.diagonal(cov)
    return lambda_od * ((cov ** 2).sum() - (diag ** 2).sum()) + factor * lambda_od * (
        (diag - 1) ** 2).sum()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images", nargs="?",
                        help="HDF5 file from infofrag export-data (/images uint8)")
    parser.add_argument("--synthetic", type=int, default=0,
                        help="train on this many random binary images instead of IMAGES")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed block")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed blocks; the fastest counts (after 3 untimed steps)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--objective", default="beta-vae",
                        choices=["beta-vae", "annealed-vae", "factor-vae", "beta-tcvae",
                                 "dip-vae-i", "dip-vae-ii"])
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.synthetic > 0:
        data = "synthetic"
        pool = (torch.rand(args.synthetic, 1, 64, 64,
                           generator=torch.Generator().manual_seed(0)) < 0.1).float()
    elif args.images:
        import h5py  # only for the file
        data = "dsprites"
        with h5py.File(args.images, "r") as f:
            pool = torch.from_numpy(f["images"][...]).float() / 255.0
    else:
        parser.error("give IMAGES or --synthetic N")
    latents = 10
    torch.manual_seed(0)
    encoder, decoder = conv64(pool.shape[1], latents)
    encoder.to(device)
    decoder.to(device)
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()),
                                 lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    generator = torch.Generator().manual_seed(0)
    if args.objective == "factor-vae":
        disc = discriminator(latents).to(device)
        disc_optimizer = torch.optim.Adam(disc.parameters(), lr=1e-4, betas=(0.5, 0.9), eps=1e-8)
    step_count = [0]

    def step():
        rows = torch.randint(0, pool.shape[0], (args.batch,), generator=generator)
        x = pool[rows].to(device)
        h = encoder(x)
        mu, logvar = h[:, :latents], h[:, latents:]
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = decoder(z)
        recon = nn.functional.binary_cross_entropy_with_logits(
            logits, x, reduction="none").flatten(1).sum(1).mean()
        kl = (0.5 * (mu.square() + logvar.exp() - 1 - logvar)).sum(1).mean()
        # The values bench_train.cpp uses.
        if args.objective == "beta-vae":
            loss = recon + 6.0 * kl
        elif args.objective == "annealed-vae":
            c = 25.0 * min(1.0, step_count[0] / 100000)
            loss = recon + 1000.0 * torch.abs(kl - c)
        elif args.objective == "beta-tcvae":
            loss = recon + kl + 5.0 * total_correlation(z, mu, logvar)
        elif args.objective in ("dip-vae-i", "dip-vae-ii"):
            two = args.objective == "dip-vae-ii"
            loss = recon + kl + dip(mu, logvar, 10.0, 1.0 if two else 10.0, two)
        else:
            for p in disc.parameters():
                p.requires_grad_(False)
            logits = disc(z)
            for p in disc.parameters():
                p.requires_grad_(True)
            loss = recon + kl + 30.0 * (logits[:, 0] - logits[:, 1]).mean()
            zd = z.detach()
            perm = torch.stack([zd[torch.randperm(zd.shape[0], device=device), j]
                                for j in range(latents)], 1)
            p = torch.softmax(disc(torch.cat([zd, perm])), 1).clamp(1e-6, 1 - 1e-6)
            n = zd.shape[0]
            disc_loss = -(0.5 * torch.log(p[:n, 0]).mean() + 0.5 * torch.log(p[n:, 1]).mean())
        optimizer.zero_grad()
        loss.backward()
        if args.objective == "factor-vae":  # after the VAE's backward, which reads its weights
            disc_optimizer.zero_grad()
            disc_loss.backward()
            disc_optimizer.step()
        optimizer.step()
        step_count[0] += 1

    for _ in range(3):
        step()
    seconds = float("inf")
    for _ in range(args.repeat):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = min(seconds, (time.perf_counter() - start) / args.steps)
    print(f"objective={args.objective} torch={torch.__version__} device={args.device} data={data} "
          f"threads={torch.get_num_threads()} step_s={seconds:.4f} "
          f"member_steps_per_s={1.0 / seconds:.2f}")


if __name__ == "__main__":
    main()
