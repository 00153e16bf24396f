#!/usr/bin/python3
"""Parity with PyTorch: the same initial weights (actlab's init.safetensors), the same batches (no
shuffle), the same SGD.

For each model and activation it reports
  - grad err: the largest difference between actlab's and PyTorch's first-step gradient, relative to
    the largest gradient of that tensor, over all tensors (actlab's gradient read back as
    p0 - p1 from a step with lr 1 and no momentum);
  - loss diff: the largest relative difference of the losses of the first 50 SGD steps (lr 0.01,
    momentum 0.9). With kinked activations (relu, leaky_relu, prelu) a float rounding difference
    can flip a unit across its kink or a max-pool tie after some steps, and the two runs then drift
    apart; smooth activations stay at rounding level.
It also checks that `actlab export-torch` code gives the accuracy `actlab evaluate` reports.

Usage: /usr/bin/python3 bench/torch_parity.py [--actlab build/actlab] [--models mlp,cnn]
                                              [--acts relu,leaky_relu,prelu,elu,sigmoid,tanh] [--steps 50]
Exit status 1 if first-step gradients or export-torch are off. Needs Debian's python3-torch and dataset-fashion-mnist.

PyTorch runs its convolutions without oneDNN (mkldnn) here unless --mkldnn is given: Fashion-MNIST's
uniform backgrounds make many exactly tied max-pool windows, oneDNN's convolution rounds identical
patches differently by position, so its max-pool picks other winners than the first and the weight
gradients differ by ~1e-3 from the first step on. PyTorch's own im2col convolution, like actlab's,
gives identical patches identical values and the first maximum wins in both.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_common as tc  # noqa: E402

LR, MOMENTUM, BATCH = 0.01, 0.9, 128


def parity_case(actlab, model_name, act, steps, out):
    """Max relative difference of the step losses, and the final loss."""
    limit = steps * BATCH
    subprocess.run([actlab, "train", "--model", model_name, "--act", act, "--optim", "sgd", "--lr", str(LR),
                    "--momentum", str(MOMENTUM), "--batch", str(BATCH), "--threads", "1", "--no-shuffle",
                    "--save-init", "--log-steps", str(steps), "--train-limit", str(limit), "--quiet", "--out", out],
                   check=True)
    with open(os.path.join(out, "steps.csv")) as f:
        ours = [float(r["loss"]) for r in csv.DictReader(f)]
    state, meta = tc.read_safetensors(os.path.join(out, "init.safetensors"))
    torch.set_num_threads(1)
    model = tc.preset(model_name, act)
    model.load_state_dict(state)
    xtr, ytr, _, _ = tc.load_fashion(train_limit=limit)
    mean, std = float(meta["mean"]), float(meta["std"])
    x = (xtr - torch.tensor(mean, dtype=torch.float32)) / torch.tensor(std, dtype=torch.float32)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    theirs = []
    for i in range(steps):
        xb, yb = x[i * BATCH:(i + 1) * BATCH], ytr[i * BATCH:(i + 1) * BATCH]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        theirs.append(loss.item())
    rel = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
    if os.environ.get("PARITY_VERBOSE"):
        print(" ".join(f"{abs(a - b) / abs(b):.1e}" for a, b in zip(ours, theirs)))
    return rel, ours[-1], theirs[-1]


def grad_case(actlab, model_name, act, out):
    """Largest first-step gradient difference over all tensors, relative to each tensor's largest gradient."""
    subprocess.run([actlab, "train", "--model", model_name, "--act", act, "--optim", "sgd", "--lr", "1",
                    "--momentum", "0", "--batch", str(BATCH), "--threads", "1", "--no-shuffle", "--save-init",
                    "--log-steps", "1", "--train-limit", str(BATCH), "--quiet", "--out", out], check=True)
    p0, meta = tc.read_safetensors(os.path.join(out, "init.safetensors"))
    p1, _ = tc.read_safetensors(os.path.join(out, "model.safetensors"))
    torch.set_num_threads(1)
    model = tc.preset(model_name, act)
    model.load_state_dict(p0)
    x, y, _, _ = tc.load_fashion(train_limit=BATCH)
    x = (x - torch.tensor(float(meta["mean"]), dtype=torch.float32)) / torch.tensor(float(meta["std"]),
                                                                                    dtype=torch.float32)
    nn.CrossEntropyLoss()(model(x), y).backward()
    worst = 0.0
    for name, p in model.named_parameters():
        ours = p0[name].double() - p1[name].double()
        worst = max(worst, ((ours - p.grad.double()).abs().max() / p.grad.double().abs().max()).item())
    return worst


def export_case(actlab, out):
    """Run `actlab export-torch` code on the test set: its accuracy vs `actlab evaluate`'s."""
    code = subprocess.run([actlab, "export-torch", os.path.join(out, "model.safetensors")], check=True,
                          capture_output=True, text=True).stdout
    ns = {}
    exec(compile(code, "export-torch", "exec"), ns)  # defines model, preprocess
    _, _, xte, yte = tc.load_fashion()
    with torch.no_grad():
        acc = (ns["model"](ns["preprocess"](xte)).argmax(1) == yte).float().mean().item()
    ev = subprocess.run([actlab, "evaluate", os.path.join(out, "model.safetensors"), "--threads", "1"], check=True,
                        capture_output=True, text=True).stdout
    return acc, float(ev.split()[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--actlab", default="build/actlab")
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--acts", default="relu,leaky_relu,prelu,elu,sigmoid,tanh")
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--grad-tolerance", type=float, default=1e-4)
    ap.add_argument("--mkldnn", action="store_true", help="let PyTorch use oneDNN convolutions (see above)")
    args = ap.parse_args()
    torch.backends.mkldnn.enabled = args.mkldnn
    print(f"torch {torch.__version__}; SGD lr {LR} momentum {MOMENTUM}, batch {BATCH}, {args.steps} steps, 1 thread, "
          f"oneDNN {'on' if args.mkldnn else 'off'}")
    print(f"{'model':6} {'act':11} {'grad err':>9} {'loss diff':>10} {'actlab loss':>12} {'torch loss':>11}  verdict")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for model_name in args.models.split(","):
            for act in args.acts.split(","):
                out = os.path.join(tmp, f"{model_name}-{act}")
                gerr = grad_case(args.actlab, model_name, act, out + "-grad")
                rel, a, t = parity_case(args.actlab, model_name, act, args.steps, out)
                gok, lok = gerr <= args.grad_tolerance, rel <= args.tolerance
                bad += not gok
                verdict = "ok" if gok and lok else "gradients OFF" if not gok else "gradients ok, losses drift"
                print(f"{model_name:6} {act:11} {gerr:9.2g} {rel:10.2g} {a:12.6f} {t:11.6f}  {verdict}", flush=True)
            acc_torch, acc_actlab = export_case(args.actlab, out)
            ok = abs(acc_torch - acc_actlab) <= 2e-4  # one image in 10,000 may flip on a rounding tie
            bad += not ok
            print(f"{model_name:6} export-torch accuracy {acc_torch:.4f} vs actlab evaluate {acc_actlab:.4f}  "
                  f"{'ok' if ok else 'OFF'}", flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
