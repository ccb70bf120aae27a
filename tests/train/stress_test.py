#!/usr/bin/python3
"""Many processes train one sweep into one folder, some killed at random moments.

8 workers share a tiny sweep (configs/tests/tiny_circle.ini, shortened): sharded ones
(--shard i/3, --shard i/2) and unsharded ones mixed. Each worker starts `infofrag train`,
and in some attempts kills it at a random moment (SIGKILL: no cleanup; or SIGTERM: the
preemption path, checkpoint and exit 75), then starts it again until it exits 0. Meanwhile a
reader polls the folder and opens every member file, checkpoint, lock file and config.ini it
finds: each must be complete. At the end:
  - every member is there, finished, and its weights and curves equal, bit for bit, those of
    a one-process run of the same sweep;
  - every member file was written once: the file the reader first saw is the one at the end
    (same inode; a second training of the member would have renamed a new file over it);
  - nothing is left in checkpoints/ (no checkpoint, lock or temporary) or members/.
Usage: stress_test.py --infofrag PATH --source REPO [--seed S] [--work DIR]
"""
import argparse
import configparser
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import h5py
import numpy as np

SWEEP = ["--train.steps", "150", "--train.seeds", "12", "--train.pack-size", "2",
         "--train.checkpoint-every", "20", "--train.curve-window", "10",
         "--train.device", "cpu", "--train.progress", "false"]
SHARDS = ["0/3", "1/3", "2/3", None, "0/2", "1/2", None, None]
LOCK_KEYS = {"pack", "host", "pid", "pid-start", "token", "acquired", "renewed", "expires",
             "start-step", "step", "state"}


def command(args, out, shard):
    cmd = [args.infofrag, "train", "--config",
           os.path.join(args.source, "configs/tests/tiny_circle.ini"), "--out", out] + SWEEP
    return cmd + (["--shard", shard] if shard else [])


def environment():
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"  # 8 processes on a few cores; the same for the reference
    env["MKL_NUM_THREADS"] = "1"
    return env


class Reader(threading.Thread):
    """Polls the folder; every file it opens must be whole."""

    def __init__(self, folder):
        super().__init__(daemon=True)
        self.folder = folder
        self.stop = threading.Event()
        self.errors = []
        self.inodes = {}  # member file -> inode when first seen
        self.reads = {"member": 0, "checkpoint": 0, "lock": 0, "config": 0}

    def fail(self, message):
        self.errors.append(message)

    def read_member(self, path):
        inode = os.stat(path).st_ino  # member files are never removed
        first = self.inodes.setdefault(path, inode)
        if first != inode:
            self.fail(f"{path}: replaced after it appeared (written twice)")
        with h5py.File(path, "r") as f:
            if f.attrs["status"] != "finished":
                self.fail(f"{path}: status {f.attrs['status']}")
            names = list(f["weights"])
            if len(names) != 12:  # mlp 32,32: 3 encoder layers + 3 decoder, weight and bias
                self.fail(f"{path}: {len(names)} weights")
            for name in names:
                np.asarray(f["weights"][name][()])
            for name in ("step", "recon", "kl", "loss"):
                np.asarray(f["curves"][name][()])
        self.reads["member"] += 1

    def read_vanishing(self, path, kind, read):
        """Checkpoints and locks are removed when their pack ends: gone is fine, broken is not."""
        for attempt in range(2):
            try:
                read(path)
                self.reads[kind] += 1
                return
            except (OSError, KeyError, ValueError) as e:
                if not os.path.exists(path):
                    return
                if attempt == 1:
                    self.fail(f"{path}: unreadable while it exists: {e!r}")

    @staticmethod
    def read_checkpoint(path):
        with h5py.File(path, "r") as f:
            int(f.attrs["step"])
            for name in f["params"]:
                np.asarray(f["params"][name][()])
                np.asarray(f["adam_v"][name][()])

    @staticmethod
    def read_lock(path):
        with open(path) as f:
            text = f.read()
        keys = {line.split("=")[0].strip() for line in text.splitlines()
                if line.strip() and not line.startswith("#")}
        if keys != LOCK_KEYS:
            raise ValueError(f"lock file with keys {sorted(keys)}: {text!r}")

    def poll(self):
        config = os.path.join(self.folder, "config.ini")
        if os.path.exists(config):
            parser = configparser.ConfigParser()
            with open(config) as f:
                parser.read_string(f.read())
            if parser.get("train", "steps") != "150":
                self.fail(f"{config}: incomplete or wrong: {dict(parser['train'])}")
            self.reads["config"] += 1
        members = os.path.join(self.folder, "members")
        if os.path.isdir(members):
            for name in sorted(os.listdir(members)):
                if name.endswith(".h5") and ".partial-" not in name:
                    try:
                        self.read_member(os.path.join(members, name))
                    except Exception as e:  # noqa: BLE001 - any failure is a finding
                        self.fail(f"{name}: {e!r}")
        checkpoints = os.path.join(self.folder, "checkpoints")
        if os.path.isdir(checkpoints):
            for name in sorted(os.listdir(checkpoints)):
                path = os.path.join(checkpoints, name)
                if ".partial-" in name:
                    continue
                if name.endswith(".h5"):
                    self.read_vanishing(path, "checkpoint", self.read_checkpoint)
                elif ".lock." in name:
                    self.read_vanishing(path, "lock", self.read_lock)

    def run(self):
        while not self.stop.is_set():
            try:
                self.poll()
            except Exception as e:  # noqa: BLE001
                self.fail(f"reader: {e!r}")
            time.sleep(0.01)
        self.poll()


def holding(out, proc, timeout_s=30):
    """Waits until `proc` holds a pack's lock (or has exited)."""
    folder = os.path.join(out, "checkpoints")
    mark = f"pid = {proc.pid}\n"
    end = time.time() + timeout_s
    while time.time() < end and proc.poll() is None:
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if ".lock." in name and ".partial-" not in name:
                try:
                    with open(os.path.join(folder, name)) as f:
                        if mark in f.read():
                            return
                except OSError:
                    pass
        time.sleep(0.02)


def worker(args, out, shard, rng, log, lock):
    attempts = 0
    while True:
        attempts += 1
        proc = subprocess.Popen(command(args, out, shard), env=environment(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        kill = attempts <= 3 and rng.random() < 0.6
        how = signal.SIGKILL if rng.random() < 0.5 else signal.SIGTERM
        if kill:
            # Mostly while it trains (it holds a lock), sometimes at any moment (startup too).
            if rng.random() < 0.7:
                holding(out, proc)
            try:
                proc.wait(timeout=rng.uniform(0.0, 1.5))
            except subprocess.TimeoutExpired:
                proc.send_signal(how)
        _, err = proc.communicate()
        code = proc.returncode
        with lock:
            log.append((shard, attempts, code, err))
        if code == 0:
            return
        if code not in (75, -signal.SIGKILL, -signal.SIGTERM) or attempts > 8:
            with lock:
                log.append((shard, attempts, "FAIL", f"exit {code}: {err}"))
            return


def same_member(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        if sorted(fa["weights"]) != sorted(fb["weights"]):
            return "different weight names"
        for name in fa["weights"]:
            x, y = fa["weights"][name][()], fb["weights"][name][()]
            if x.dtype != y.dtype or x.shape != y.shape or x.tobytes() != y.tobytes():
                return f"weights/{name} differ"
        for name in ("step", "recon", "kl", "loss"):
            if fa["curves"][name][()].tobytes() != fb["curves"][name][()].tobytes():
                return f"curves/{name} differ"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--infofrag", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"seed {seed} (--seed {seed} repeats the kill schedule)")
    work = args.work or tempfile.mkdtemp(prefix="infofrag_stress_")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    reference, shared = os.path.join(work, "reference"), os.path.join(work, "shared")

    start = time.time()
    done = subprocess.run(command(args, reference, None), env=environment(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        print("the one-process run failed:", done.stderr)
        return 1
    one_process_s = time.time() - start

    reader = Reader(shared)
    reader.start()
    log, lock = [], threading.Lock()
    master = random.Random(seed)
    threads = [threading.Thread(target=worker,
                                args=(args, shared, shard, random.Random(master.random()), log,
                                      lock))
               for shard in SHARDS]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shared_s = time.time() - start
    reader.stop.set()
    reader.join()

    failures = [f"worker --shard {s}: {e}" for s, _, c, e in log if c == "FAIL"]
    failures += reader.errors
    killed = sum(1 for _, _, c, _ in log if c in (-signal.SIGKILL, -signal.SIGTERM))
    stopped = sum(1 for _, _, c, _ in log if c == 75)
    finished_claims = 0
    for _, _, code, err in log:
        if code in (0, 75):
            for line in err.splitlines():
                if "members finished" in line:
                    finished_claims += int(line.split(":")[1].split()[0])

    ids = sorted(os.listdir(os.path.join(reference, "members")))
    got = sorted(os.listdir(os.path.join(shared, "members")))
    if got != ids:
        failures.append(f"members/ holds {got}, expected {ids}")
    for name in ids:
        path = os.path.join(shared, "members", name)
        if not os.path.exists(path):
            continue
        why = same_member(os.path.join(reference, "members", name), path)
        if why:
            failures.append(f"{name}: {why} from the one-process run")
        if reader.inodes.get(path, os.stat(path).st_ino) != os.stat(path).st_ino:
            failures.append(f"{name}: replaced after the reader first saw it")
    left = os.listdir(os.path.join(shared, "checkpoints"))
    if left:
        failures.append(f"checkpoints/ not empty at the end: {sorted(left)}")
    if finished_claims > len(ids):
        failures.append(f"runs that exited report {finished_claims} members finished, "
                        f"more than the {len(ids)} of the sweep")

    codes = {}
    for _, _, code, _ in log:
        codes[code] = codes.get(code, 0) + 1
    print("exit statuses of the runs: " + ", ".join(f"{c}: {n}" for c, n in sorted(
        codes.items(), key=str)))
    print(f"{len(ids)} members, 8 workers: {len(log)} runs, {killed} killed by a signal, "
          f"{stopped} stopped with exit 75 (checkpointed); one process {one_process_s:.1f} s, "
          f"shared {shared_s:.1f} s")
    print("reader opened: " + ", ".join(f"{n} {k} files" for k, n in reader.reads.items()))
    print(f"members reported finished by runs that exited: {finished_claims} of {len(ids)}")
    if reader.reads["member"] == 0:
        failures.append("the reader opened no member file: it checked nothing")
    for f in failures:
        print("FAIL", f)
    if not failures and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
