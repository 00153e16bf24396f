#!/usr/bin/python3
"""
Fit the root-factored polynomials the AVX2 backward kernels use near a root of f'
(src/act/simd/fast-impl.h). A numerator B(x) of f' that crosses zero at X0 is written
B(x) = (x - X0) K(x), K a polynomial in d = x - center on [lo, hi]; the kernel then gets B
to K's relative accuracy even where B itself is cancelled.

Method: weighted least squares on Chebyshev nodes, Lawson reweighting towards minimax
relative error, then the coefficients rounded to float one at a time from c1 up (the
higher ones refitted after each); c0 split into two floats (hi + lo). The reported error
is that of the float evaluation the kernel does (fma emulated: products of floats are
exact in double), measured on 200,000 points.

Usage: /usr/bin/python3 scripts/fit_root_poly.py mish     (needs python3-numpy)
"""
import sys

import numpy as np


def mish_b(x):
    # x < 0: mish'(x) = q B / D^2, q = e^x, D = q^2 + 2q + 2, B = (q + 2) D + 4 x (1 + q)
    q = np.exp(x)
    return (q + 2) * (q * q + 2 * q + 2) + 4 * x * (1 + q)


def mish_db(x):
    q = np.exp(x)
    d = q * q + 2 * q + 2
    return q * d + (q + 2) * (2 * q * q + 2 * q) + 4 * (1 + q) + 4 * x * q


S2PI = 0.79788456080286535587989211986876  # sqrt(2/pi)


def gelu_tanh_b(x):
    # x < 0: gelu_tanh'(x) = e B / (1 + e)^2, e = exp(2u), u = sqrt(2/pi) (x + 0.044715 x^3),
    # B = 1 + e + 2 x u', u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2)
    u = S2PI * (x + 0.044715 * x * x * x)
    return 1 + np.exp(2 * u) + 2 * x * S2PI * (1 + 3 * 0.044715 * x * x)


def gelu_tanh_db(x):
    u = S2PI * (x + 0.044715 * x * x * x)
    du = S2PI * (1 + 3 * 0.044715 * x * x)
    return 2 * du * np.exp(2 * u) + 2 * du + 2 * x * S2PI * 6 * 0.044715 * x


CASES = {
    # name: (B, B', root guess, lo, hi, center, degree)
    "mish": (mish_b, mish_db, -1.19, -1.75, -0.75, -1.25, 7),
    "gelu_tanh": (gelu_tanh_b, gelu_tanh_db, -0.75, -1.5, -0.5, -1.0, 7),
}


def root(b, db, x):
    for _ in range(60):
        x = x - b(x) / db(x)
    return x


def f32(v):
    return np.float32(v).astype(np.float64)


def eval_float(c0h, c0l, cs, d):
    """The kernel's evaluation: d, the powers and the fmas in float, c0h added in double."""
    d = f32(d)
    d2 = f32(d * d)
    n = len(cs)  # c1..cn
    # Estrin pairs as the kernel: p_{2i-1,2i} = c_{2i} d + c_{2i-1}
    pairs = []
    for i in range(0, n, 2):
        lo = cs[i]
        hi = cs[i + 1] if i + 1 < n else 0.0
        pairs.append(f32(hi * d + lo))
    q = pairs[-1]
    for p in reversed(pairs[:-1]):
        q = f32(q * d2 + p)
    t = f32(q * d + c0l)
    return c0h + t


def fit(name):
    b, db, guess, lo, hi, center, deg = CASES[name]
    x0 = root(b, db, guess)
    nodes = 4000
    k = np.arange(nodes)
    x = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / nodes)
    x = x[np.abs(x - x0) > 1e-9]
    kx = b(x) / (x - x0)
    d = x - center
    V = np.vander(d, deg + 1, increasing=True)
    w = 1 / np.abs(kx)
    fixed = {}

    def solve(w):
        free = [j for j in range(deg + 1) if j not in fixed]
        rhs = kx - sum(fixed[j] * d**j for j in fixed)
        sol, *_ = np.linalg.lstsq(V[:, free] * w[:, None], rhs * w, rcond=None)
        c = np.zeros(deg + 1)
        for j, v in zip(free, sol):
            c[j] = v
        for j in fixed:
            c[j] = fixed[j]
        return c

    def lawson(w0):
        u = np.ones_like(w0)
        c = solve(w0)
        for _ in range(30):
            e = np.abs((V @ c - kx) / kx)
            u = u * (e + 1e-30)
            u /= u.sum()
            c = solve(w0 * np.sqrt(u))
        return c

    c = lawson(w)
    e_exact = np.max(np.abs((V @ c - kx) / kx))
    for j in range(1, deg + 1):
        fixed[j] = float(np.float32(c[j]))
        c = lawson(w)
    c0h = float(np.float32(c[0]))
    c0l = float(np.float32(c[0] - c0h))
    cs = [fixed[j] for j in range(1, deg + 1)]
    xt = np.linspace(lo, hi, 200001)
    xt = f32(xt)
    xt = xt[np.abs(xt - x0) > 1e-12]
    kt = b(xt) / (xt - x0)
    err = np.max(np.abs(eval_float(c0h, c0l, cs, xt - center) - kt) / np.abs(kt))
    print(f"{name}: X0 = {x0.hex()} ({x0:.17g}), K on [{lo}, {hi}] about {center}, degree {deg}")
    print(f"  max relative error: fit {e_exact:.2e}, float evaluation {err:.2e}")
    fl = [c0h, c0l] + cs
    print("  {" + ", ".join(chex(v) for v in fl) + "}")


def chex(v):
    """A float as a C hex literal, e.g. 0x1.43f444p+0f."""
    h = float(np.float32(v)).hex()  # like 0x1.43f4440000000p+0
    sign = "-" if h.startswith("-") else ""
    mant, exp = h.lstrip("-")[2:].split("p")
    mant = mant.rstrip("0").rstrip(".")
    return f"{sign}0x{mant}p{exp}f"


if __name__ == "__main__":
    for name in sys.argv[1:] or CASES:
        if ":" in name:  # name:degree to try another degree
            name, deg = name.split(":")
            CASES[name] = CASES[name][:6] + (int(deg),)
        fit(name)
