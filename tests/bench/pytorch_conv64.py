"""PyTorch eager baseline for scripts/bench_train.sh: one conv64 beta-VAE member (the
disentanglement_lib architecture, as infofrag builds it) trained with Adam on dSprites
images exported by `infofrag export-data`, batch 64. Prints member_steps_per_s.

Needs only torch (h5py just to read IMAGES). Run with Debian's interpreter, which has
python3-torch (/usr/bin/python3), or any PyTorch. `--synthetic N` trains on N random binary
64x64 images instead of a file: a dense model's step costs the same whatever the pixels.
"""
import argparse
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images", nargs="?",
                        help="HDF5 file from infofrag export-data (/images uint8)")
    parser.add_argument("--synthetic", type=int, default=0,
                        help="train on this many random binary images instead of IMAGES")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--device", default="cpu")
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
    latents, beta = 10, 4.0
    torch.manual_seed(0)
    encoder, decoder = conv64(pool.shape[1], latents)
    encoder.to(device)
    decoder.to(device)
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()),
                                 lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    generator = torch.Generator().manual_seed(0)

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
    print(f"torch={torch.__version__} device={args.device} data={data} "
          f"threads={torch.get_num_threads()} step_s={seconds:.4f} "
          f"member_steps_per_s={1.0 / seconds:.2f}")


if __name__ == "__main__":
    main()
