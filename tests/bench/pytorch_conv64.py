"""PyTorch eager baseline for scripts/bench_train.sh: one conv64 beta-VAE member (the
disentanglement_lib architecture, as infofrag builds it) trained with Adam on dSprites
images exported by `infofrag export-data`, batch 64. Prints member_steps_per_s.

Run with Debian's interpreter, which has python3-torch: /usr/bin/python3.
"""
import argparse
import time

import h5py
import numpy as np
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images", help="HDF5 file from infofrag export-data (/images uint8)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    with h5py.File(args.images, "r") as f:
        pool = torch.from_numpy(f["images"][...].astype(np.float32) / 255.0)
    latents, beta = 10, 4.0
    torch.manual_seed(0)
    encoder, decoder = conv64(pool.shape[1], latents)
    encoder.to(device)
    decoder.to(device)
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()),
                                 lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    generator = np.random.default_rng(0)

    def step():
        rows = generator.integers(0, pool.shape[0], args.batch)
        x = pool[rows].to(device)
        h = encoder(x)
        mu, logvar = h[:, :latents], h[:, latents:]
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = decoder(z)
        recon = nn.functional.binary_cross_entropy_with_logits(
            logits, x, reduction="none").flatten(1).sum(1).mean()
        kl = (0.5 * (mu.square() + logvar.exp() - 1 - logvar)).sum(1).mean()
        loss = recon + beta * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = (time.perf_counter() - start) / args.steps
    print(f"torch={torch.__version__} threads={torch.get_num_threads()} step_s={seconds:.4f} "
          f"member_steps_per_s={1.0 / seconds:.2f}")


if __name__ == "__main__":
    main()
