#!/usr/bin/python3
"""Epoch time of actlab vs PyTorch on the same model, batch and data, threads 1 and 2, in one run.

Usage: /usr/bin/python3 bench/torch_bench.py [--actlab build/actlab] [--models mlp,cnn] [--threads 1,2]
                                             [--epochs 2] [--train-limit N]
Both train with SGD (lr 0.05, momentum 0.9), batch 128, relu, on Fashion-MNIST; `seconds` is the training
wall time of an epoch (evaluation excluded); the best epoch of each run is reported, with the test
accuracy after the last epoch. PyTorch runs twice per thread count, each in its own process: with
OpenBLAS capped to the same N threads, and with torch.set_num_threads(N) alone, which leaves Debian's
OpenBLAS its own pool of one thread per core for the GEMMs (so "1 thread" PyTorch uses every core
in its GEMMs). "actlab dense" is actlab with --no-sparse: OpenBLAS's sgemm for every product, even
where ReLU made a layer's input or gradient mostly zeros. The last line per model compares the best
of each. A benchmark, never a test.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_common as tc  # noqa: E402


def torch_run(model_name, threads, epochs, limit, batch=128):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    xtr, ytr, xte, yte = tc.load_fashion(train_limit=limit)
    xtr, xte, _, _ = tc.normalise(xtr, xte)
    model = tc.preset(model_name, "relu")
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        t0 = time.perf_counter()
        for i in range(0, len(xtr), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        acc = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
                  for i in range(0, len(xte), 1000)) / len(xte)
    return min(times), acc


def actlab_run(actlab, model_name, threads, epochs, limit, sparse=True):
    with tempfile.TemporaryDirectory() as out:
        cmd = [actlab, "train", "--model", model_name, "--act", "relu", "--epochs", str(epochs), "--batch", "128",
               "--lr", "0.05", "--momentum", "0.9", "--threads", str(threads), "--quiet", "--out", out]
        if not sparse:
            cmd += ["--no-sparse"]
        if limit:
            cmd += ["--train-limit", str(limit)]
        subprocess.run(cmd, check=True)
        with open(os.path.join(out, "metrics.csv")) as f:
            rows = list(csv.DictReader(f))
    return min(float(r["seconds"]) for r in rows), float(rows[-1]["test_acc"])


def torch_child(model_name, threads, epochs, limit, cap_blas):
    """torch_run in a fresh python: OpenBLAS reads its thread count once, when torch loads it."""
    env = dict(os.environ)
    if cap_blas:
        env["OPENBLAS_NUM_THREADS"] = str(threads)
    else:  # OpenBLAS falls back on these two when OPENBLAS_NUM_THREADS is unset
        for var in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
            env.pop(var, None)
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", model_name, str(threads),
                           str(epochs), str(limit)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"PyTorch run failed ({model_name}, {threads} threads):\n{proc.stderr}")
    secs, acc = proc.stdout.split()[-2:]
    return float(secs), float(acc)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        secs, acc = torch_run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        print(secs, acc)
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--actlab", default="build/actlab")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--train-limit", type=int, default=0)
    args = ap.parse_args()
    print(f"torch {torch.__version__}; batch 128, SGD lr 0.05 momentum 0.9, relu, best of {args.epochs} epoch(s)"
          + (f", {args.train_limit} training images" if args.train_limit else ", 60000 training images"))
    print("torch N: torch.set_num_threads(N) and OPENBLAS_NUM_THREADS=N; torch N+blas: torch.set_num_threads(N) "
          "alone, as most scripts do (OpenBLAS keeps its own pool, one thread per core, for the GEMMs)")
    print(f"{'model':6} {'threads':>7} {'actlab s':>9} {'actlab dense':>12} {'torch N':>8} {'ratio':>6} "
          f"{'torch N+blas':>12} {'ratio':>6} {'actlab acc':>10} {'torch acc':>9}")
    for model_name in args.models.split(","):
        best_a, best_t = float("inf"), (float("inf"), "")
        for threads in (int(t) for t in args.threads.split(",")):
            a_s, a_acc = actlab_run(args.actlab, model_name, threads, args.epochs, args.train_limit)
            d_s, _ = actlab_run(args.actlab, model_name, threads, args.epochs, args.train_limit, sparse=False)
            t_s, t_acc = torch_child(model_name, threads, args.epochs, args.train_limit, True)
            u_s, _ = torch_child(model_name, threads, args.epochs, args.train_limit, False)
            print(f"{model_name:6} {threads:7d} {a_s:9.3f} {d_s:12.3f} {t_s:8.3f} {a_s / t_s:6.2f} {u_s:12.3f} "
                  f"{a_s / u_s:6.2f} {a_acc:10.4f} {t_acc:9.4f}", flush=True)
            best_a = min(best_a, a_s)
            best_t = min(best_t, (t_s, f"torch {threads}"), (u_s, f"torch {threads}+blas"))
        print(f"{model_name}: best actlab {best_a:.3f} s / best torch {best_t[0]:.3f} s ({best_t[1]}) = "
              f"{best_a / best_t[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
