#!/usr/bin/python3
"""PyTorch's activations timed like `actlab bench`: the same ops, directions, sizes and columns.

Usage: /usr/bin/python3 bench/torch_act_bench.py [--ops LIST] [--dirs LIST] [--sizes LIST]
           [--threads N] [--runs N] [--clock mono|cpu] [--csv] [--quick] [--actlab PATH]

Runs with Debian's python3-torch (PyTorch 1.13) under the system /usr/bin/python3. Each op uses the
ATen kernel PyTorch's own forward and backward call, with an out= buffer where ATen has one, so no
allocation is timed (softsign and mish's backward have none; in 1.13 the out= overloads of relu,
prelu and hardswish_backward still allocate their result and copy it, as their default calls do,
which costs page faults at DRAM sizes: that is PyTorch's own cost). PyTorch computes the backward of
sigmoid and tanh from the output y; their bwd rows time that. Baselines: PyTorch's copy_ (fwd) and
add (bwd), moving the same bytes. Warm-up, then the median of --runs runs of >= 2 ms each, the op
and its baseline interleaved run by run.

With --actlab PATH (an actlab binary), it first runs `PATH bench --csv --peers none` with the same
options and adds a column: how many times faster actlab is than PyTorch (PyTorch time / actlab
time). A benchmark, never a test.
"""
import argparse
import csv
import io
import math
import os
import subprocess
import sys
import time

import torch

SIZES = {"L1": 4096, "L2": 65536, "DRAM": 16 << 20}
MAX_N = 1 << 28
DIRS = ("fwd", "bwd", "bwdy")
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
MIN_RUN_NS = 2e6
CSV_HEAD = ("impl,op,dir,size,n,threads,ns_per_call,el_per_ns,gb_per_s,pct_loop,pct_memcpy,pct_nt,"
            "actlab_over_impl")

# Every op with its parameters and their defaults (actlab's act_desc_init: PyTorch's defaults; the
# bench's threshold default, which PyTorch lacks, as in actlab bench).
OPS = {
    "identity": {}, "relu": {}, "leaky_relu": {"slope": 0.01}, "prelu": {"slope": 0.25},
    "elu": {"alpha": 1.0}, "sigmoid": {}, "tanh": {}, "relu6": {},
    "rrelu": {"lower": 1 / 8, "upper": 1 / 3}, "selu": {}, "celu": {"alpha": 1.0}, "gelu": {},
    "gelu_tanh": {}, "silu": {}, "mish": {}, "softplus": {"beta": 1.0, "threshold": 20.0},
    "hardswish": {}, "hardsigmoid": {}, "hardtanh": {"min": -1.0, "max": 1.0}, "softsign": {},
    "threshold": {"threshold": 0.1, "value": 20.0},
}


def from_y(name, p):
    """Is the gradient a function of the output? As act_supports_backward_from_output decides."""
    if name in ("leaky_relu", "prelu"):
        return p["slope"] >= 0
    if name == "rrelu":
        return p["lower"] + p["upper"] >= 0
    if name == "elu":
        return p["alpha"] >= 0
    if name == "celu":
        return p["alpha"] > 0
    return name in ("identity", "relu", "selu", "sigmoid", "tanh", "relu6", "hardtanh")

aten = torch.ops.aten


def parse_ops(text):
    """'relu,softplus:beta=2,threshold=10,elu' -> [(label, name, params)]; a piece with '=' and no
    ':' continues the previous spec's parameters, as in actlab bench."""
    specs = []
    for piece in text.split(","):
        if specs and "=" in piece and ":" not in piece:
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    out = []
    for spec in specs:
        name, _, rest = spec.partition(":")
        if name not in OPS:
            raise ValueError(f"unknown activation '{name}' in --ops (see actlab list)")
        params = dict(OPS[name])
        for kv in filter(None, rest.split(",")):
            key, eq, value = kv.partition("=")
            if not eq or key not in params:
                raise ValueError(f"bad parameter '{kv}' for {name} in --ops")
            params[key] = float(value)
        if not all(math.isfinite(v) for v in params.values()):
            raise ValueError(f"non-finite parameter in '{spec}'")
        out.append((spec, name, params))
    return out


def parse_sizes(text):
    out = []
    for tok in text.split(","):
        named = {k.lower(): (k, v) for k, v in SIZES.items()}.get(tok.lower())
        if named:
            out.append(named)
            continue
        mult = {"k": 1 << 10, "m": 1 << 20}.get(tok[-1:].lower(), 1)
        digits = tok[:-1] if mult > 1 else tok
        if not digits.isdigit() or not 1 <= int(digits) * mult <= MAX_N:
            raise ValueError(f"bad size '{tok}': use L1, L2, DRAM or an element count from 1 to {MAX_N}")
        out.append((str(int(digits) * mult), int(digits) * mult))
    return out


def kernels(name, p):
    """(fwd, bwd, bwdy) for an op: fwd(x, y), bwd(x, y, dy, dx), bwdy(y, dy, dx); y holds f(x).
    None where PyTorch has no such computation."""
    slope = {"leaky_relu": p.get("slope"), "prelu": p.get("slope"),
             "rrelu": (p["lower"] + p["upper"]) / 2 if name == "rrelu" else None}.get(name)
    if name == "identity":
        return (lambda x, y: y.copy_(x), lambda x, y, dy, dx: dx.copy_(dy), lambda y, dy, dx: dx.copy_(dy))
    if name == "relu":  # relu's backward is threshold_backward, from x or from y alike
        return (lambda x, y: aten.relu.out(x, out=y),
                lambda x, y, dy, dx: aten.threshold_backward.grad_input(dy, x, 0, grad_input=dx),
                lambda y, dy, dx: aten.threshold_backward.grad_input(dy, y, 0, grad_input=dx))
    if name in ("leaky_relu", "rrelu"):  # rrelu in evaluation is leaky_relu with the mean slope
        return (lambda x, y: aten.leaky_relu.out(x, slope, out=y),
                lambda x, y, dy, dx: aten.leaky_relu_backward.grad_input(dy, x, slope, False, grad_input=dx),
                lambda y, dy, dx: aten.leaky_relu_backward.grad_input(dy, y, slope, True, grad_input=dx))
    if name == "prelu":  # one shared weight; its dx is leaky_relu's (prelu_backward also sums dslope)
        w = torch.tensor([slope])
        return (lambda x, y: aten.prelu.out(x, w, out=y),
                lambda x, y, dy, dx: aten.leaky_relu_backward.grad_input(dy, x, slope, False, grad_input=dx),
                lambda y, dy, dx: aten.leaky_relu_backward.grad_input(dy, y, slope, True, grad_input=dx))
    if name in ("elu", "celu", "selu"):  # one kernel: scale * elu(input_scale * x, alpha)
        alpha, scale, in_scale = {"elu": (p.get("alpha"), 1.0, 1.0), "celu": (p.get("alpha"), 1.0, 1 / p.get("alpha", 1)),
                                  "selu": (SELU_ALPHA, SELU_SCALE, 1.0)}[name]
        return (lambda x, y: aten.elu.out(x, alpha, scale, in_scale, out=y),
                lambda x, y, dy, dx: aten.elu_backward.grad_input(dy, alpha, scale, in_scale, False, x, grad_input=dx),
                lambda y, dy, dx: aten.elu_backward.grad_input(dy, alpha, scale, in_scale, True, y, grad_input=dx))
    if name in ("sigmoid", "tanh"):  # PyTorch's backward uses y, from x or not
        f, g = (aten.sigmoid, aten.sigmoid_backward) if name == "sigmoid" else (aten.tanh, aten.tanh_backward)
        return (lambda x, y: f.out(x, out=y), lambda x, y, dy, dx: g.grad_input(dy, y, grad_input=dx),
                lambda y, dy, dx: g.grad_input(dy, y, grad_input=dx))
    if name in ("relu6", "hardtanh"):
        lo, hi = (0.0, 6.0) if name == "relu6" else (p["min"], p["max"])
        return (lambda x, y: aten.hardtanh.out(x, lo, hi, out=y),
                lambda x, y, dy, dx: aten.hardtanh_backward.grad_input(dy, x, lo, hi, grad_input=dx),
                lambda y, dy, dx: aten.hardtanh_backward.grad_input(dy, y, lo, hi, grad_input=dx))
    if name in ("gelu", "gelu_tanh"):
        approx = "tanh" if name == "gelu_tanh" else "none"
        return (lambda x, y: aten.gelu.out(x, approximate=approx, out=y),
                lambda x, y, dy, dx: aten.gelu_backward.grad_input(dy, x, approximate=approx, grad_input=dx), None)
    if name == "silu":
        return (lambda x, y: aten.silu.out(x, out=y),
                lambda x, y, dy, dx: aten.silu_backward.grad_input(dy, x, grad_input=dx), None)
    if name == "mish":  # mish_backward has no out= overload in 1.13
        return (lambda x, y: aten.mish.out(x, out=y), lambda x, y, dy, dx: aten.mish_backward(dy, x), None)
    if name == "softplus":
        beta, th = p["beta"], p["threshold"]
        return (lambda x, y: aten.softplus.out(x, beta, th, out=y),
                lambda x, y, dy, dx: aten.softplus_backward.grad_input(dy, x, beta, th, grad_input=dx), None)
    if name == "hardswish":
        return (lambda x, y: aten.hardswish.out(x, out=y),
                lambda x, y, dy, dx: aten.hardswish_backward.out(dy, x, out=dx), None)
    if name == "hardsigmoid":
        return (lambda x, y: aten.hardsigmoid.out(x, out=y),
                lambda x, y, dy, dx: aten.hardsigmoid_backward.grad_input(dy, x, grad_input=dx), None)
    if name == "softsign":  # F.softsign is x / (1 + |x|) in three kernels; its gradient as autograd forms it
        return (lambda x, y: torch.div(x, x.abs().add_(1), out=y),
                lambda x, y, dy, dx: torch.div(dy, x.abs().add_(1).square_(), out=dx), None)
    if name == "threshold":
        th, value = p["threshold"], p["value"]
        return (lambda x, y: aten.threshold.out(x, th, value, out=y),
                lambda x, y, dy, dx: aten.threshold_backward.grad_input(dy, x, th, grad_input=dx), None)
    raise AssertionError(name)


def now_fn(clock):
    if clock == "cpu":
        return lambda: time.clock_gettime_ns(time.CLOCK_THREAD_CPUTIME_ID)
    return time.monotonic_ns  # CLOCK_MONOTONIC on Linux


def time_group(fns, runs, min_run_ns, clock):
    """Median ns per call of each fn: calibrate (the warm-up), then runs rounds over all fns."""
    now = now_fn(clock)

    def once(fn, reps):
        t0 = now()
        for _ in range(reps):
            fn()
        return now() - t0

    reps = []
    for fn in fns:
        r, ns = 1, once(fn, 1)
        while ns < min_run_ns:
            r = int(r * min(100, max(2, 1.2 * min_run_ns / ns if ns > 0 else 100)))
            ns = once(fn, r)
        reps.append(r)
    samples = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            samples[i].append(once(fn, reps[i]) / reps[i])
    out = []
    for s in samples:
        s.sort()
        m = len(s)
        out.append(s[m // 2] if m % 2 else 0.5 * (s[m // 2 - 1] + s[m // 2]))
    return out


def actlab_times(args):
    """{(op label, dir, size label): ns} from `actlab bench --csv` with the same options."""
    cmd = [args.actlab, "bench", "--csv", "--peers", "none", "--ops", args.ops, "--dirs", args.dirs,
           "--sizes", args.sizes, "--threads", str(args.threads), "--runs", str(args.runs), "--clock", args.clock]
    if args.quick:
        cmd.append("--quick")
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"torch_act_bench: {' '.join(cmd)} failed:\n{res.stderr}")
    return {(r["op"], r["dir"], r["size"]): float(r["ns_per_call"])
            for r in csv.DictReader(io.StringIO(res.stdout)) if r["impl"] == "actlab"}


PRELU_SHAPES = ((64, 16, 784), (256, 512, 1))  # rows x channels x inner, as actlab bench


def prelu_channels(args, ops, dirs, theirs, min_run):
    """Per-channel PReLU (weight (channels,), x (rows, channels, inner)): aten.prelu forward and
    aten.prelu_backward (dx and dslope), against actlab bench's prelu_channels rows."""
    dirs = [d for d in dirs if d in ("fwd", "bwd")]
    if not dirs or not any(name == "prelu" for _, name, _ in ops):
        return
    gen = torch.Generator().manual_seed(2)
    if not args.csv:
        print("\n== per-channel PReLU: aten.prelu, aten.prelu_backward (dx and dslope) ==")
        print(f"{'shape':<12} {'dir':<5} {'el/ns':>9} {'GB/s':>8} |" + (f" {'actlab':>8}" if args.actlab else ""))
    for rows, ch, inner in ((2, 3, 5),) if args.quick else PRELU_SHAPES:
        label, n = f"{rows}x{ch}x{inner}", rows * ch * inner
        x = torch.rand(rows, ch, inner, generator=gen) * 12 - 6
        dy = torch.rand(rows, ch, inner, generator=gen) * 2 - 1
        w = torch.rand(ch, generator=gen) * 0.5
        for d in dirs:
            fn = (lambda: aten.prelu(x, w)) if d == "fwd" else (lambda: aten.prelu_backward(dy, x, w))
            (ns,) = time_group([fn], args.runs, min_run, args.clock)
            bpe = 8 if d == "fwd" else 12
            ours = theirs.get(("prelu_channels", d, label))
            ratio = ns / ours if ours else None
            if args.csv:
                print(f"pytorch,prelu_channels,{d},{label},{n},{args.threads},{ns:.1f},{n / ns:.4f},{bpe * n / ns:.3f},,,,"
                      + (f"{ratio:.3f}" if ratio else ""))
            else:
                print(f"{label:<12} {d:<5} {n / ns:9.3f} {bpe * n / ns:8.2f} |"
                      + ((f" {ratio:7.2f}x" if ratio else f" {'-':>8}") if args.actlab else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--dirs", default="fwd,bwd,bwdy")
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--clock", choices=("mono", "cpu"), default="mono")
    ap.add_argument("--csv", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--actlab", metavar="PATH", help="an actlab binary, for the actlab/pytorch column")
    args = ap.parse_args()
    args.sizes = args.sizes or ("1000,4099" if args.quick else "L1,L2,DRAM")
    args.runs = args.runs or (1 if args.quick else 7)
    try:
        ops = parse_ops(args.ops)
        sizes = parse_sizes(args.sizes)
        dirs = args.dirs.split(",")
        if any(d not in DIRS for d in dirs):
            raise ValueError(f"bad --dirs '{args.dirs}': use fwd, bwd, bwdy")
        if not 1 <= args.threads <= 64 or not 1 <= args.runs <= 99:
            raise ValueError("--threads must be 1..64 and --runs 1..99")
        if args.clock == "cpu" and args.threads > 1:
            raise ValueError("--clock cpu measures one thread: it cannot time --threads > 1")
    except ValueError as e:
        print(f"torch_act_bench: {e}", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    min_run = 0 if args.quick else MIN_RUN_NS
    theirs = actlab_times(args) if args.actlab else {}

    note = sys.stderr if args.csv else sys.stdout
    pre = "# " if args.csv else ""
    print(f"{pre}torch_act_bench: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, PyTorch {torch.__version__},"
          f" {torch.get_num_threads()} thread(s), median of {args.runs} run(s) of >= {min_run / 1e6:g} ms on "
          f"{'the thread CPU clock' if args.clock == 'cpu' else 'CLOCK_MONOTONIC'}; load average at start: "
          f"{os.getloadavg()[0]:.2f}", file=note)
    if args.csv:
        print(CSV_HEAD)
    width = max([12] + [len(label) for label, _, _ in ops])
    gen = torch.Generator().manual_seed(1)
    for size_label, n in sizes:
        x = torch.rand(n, generator=gen) * 12 - 6    # as actlab bench: x in [-6, 6), dy in [-1, 1)
        dy = torch.rand(n, generator=gen) * 2 - 1
        out = torch.empty(n)
        copy_ns, add_ns = time_group([lambda: out.copy_(x), lambda: torch.add(x, dy, out=out)],
                                     args.runs, min_run, args.clock)
        base = {"fwd": copy_ns, "bwd": add_ns, "bwdy": add_ns}
        if args.csv:
            for impl, d, ns, b in (("torch_copy", "fwd", copy_ns, 8), ("torch_add", "bwd", add_ns, 12)):
                print(f"{impl},,{d},{size_label},{n},{args.threads},{ns:.1f},{n / ns:.4f},{b * n / ns:.3f},,,,")
        else:
            print(f"\n== {size_label}: n = {n} ({n * 4 / 1024:g} KiB per array) ==\nbaselines: torch copy_ "
                  f"{n / copy_ns:.2f} el/ns {8 * n / copy_ns:.1f} GB/s | torch add {n / add_ns:.2f} el/ns "
                  f"{12 * n / add_ns:.1f} GB/s")
            print(f"{'op':<{width}} {'dir':<4} {'el/ns':>8} {'GB/s':>8} {'%loop':>6} {'%mcpy':>6} {'%nt':>6} |"
                  + (f" {'actlab':>8}" if args.actlab else ""))
        for label, name, params in ops:
            fwd, bwd, bwdy = kernels(name, params)
            y = torch.empty(n)
            fwd(x, y)
            for d in dirs:
                if d == "bwdy" and (bwdy is None or not from_y(name, params)):
                    continue
                dx = torch.empty(n)
                fn = {"fwd": lambda: fwd(x, out), "bwd": lambda: bwd(x, y, dy, dx), "bwdy": lambda: bwdy(y, dy, dx)}[d]
                base_fn = (lambda: out.copy_(x)) if d == "fwd" else (lambda: torch.add(x, dy, out=out))
                ns, base_ns = time_group([fn, base_fn], args.runs, min_run, args.clock)
                bpe = 8 if d == "fwd" else 12
                pct = 100 * base_ns / ns
                ours = theirs.get((label, d, size_label))
                ratio = ns / ours if ours else None
                if args.csv:
                    print(f"pytorch,{chr(34) + label + chr(34) if ',' in label else label},{d},{size_label},{n},"
                          f"{args.threads},{ns:.1f},{n / ns:.4f},{bpe * n / ns:.3f},{pct:.1f},,,"
                          + (f"{ratio:.3f}" if ratio else ""))
                else:
                    print(f"{label:<{width}} {d:<4} {n / ns:8.3f} {bpe * n / ns:8.2f} {pct:5.0f}% {'-':>6} {'-':>6} |"
                          + ((f" {ratio:7.2f}x" if ratio else f" {'-':>8}") if args.actlab else ""))
        sys.stdout.flush()
    prelu_channels(args, ops, dirs, theirs, min_run)
    if not args.csv:
        print("\n%loop: PyTorch's speed as a % of its own copy_ (fwd) or add (bwd, bwdy) on the same bytes;"
              + (" actlab: how many times faster actlab is (PyTorch time / actlab time, actlab run just before)"
                 if args.actlab else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
