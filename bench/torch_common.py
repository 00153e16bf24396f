"""Shared by bench/torch_bench.py and bench/torch_parity.py: Fashion-MNIST loading, the PyTorch
twins of actlab's presets, and reading actlab's safetensors files (no extra packages)."""
import gzip
import json
import os
import struct

import numpy as np
import torch
from torch import nn

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """An IDX file (gzip or plain) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 8:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion(directory=FASHION, train_limit=0, test_limit=0):
    """(x_train, y_train, x_test, y_test): x float32 (N,1,28,28) raw pixels, y int64."""
    def part(prefix):
        x = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32)
        y = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
        return torch.from_numpy(x[:, None, :, :].copy()), torch.from_numpy(y.copy())
    xtr, ytr = part("train")
    xte, yte = part("t10k")
    if train_limit:
        xtr, ytr = xtr[:train_limit], ytr[:train_limit]
    if test_limit:
        xte, yte = xte[:test_limit], yte[:test_limit]
    return xtr, ytr, xte, yte


def normalise(xtr, xte):
    """Standardise both sets with the training set's mean and std, as actlab does (in double)."""
    d = xtr.double()
    mean = d.mean().item()
    std = d.std(unbiased=False).item()
    return ((xtr - np.float32(mean)) / np.float32(std), (xte - np.float32(mean)) / np.float32(std), mean, std)


def act_module(spec, channels):
    """The torch.nn module for an actlab activation spec (the ones the benchmarks use)."""
    name, _, args = spec.partition(":")
    kw = dict(a.split("=") for a in args.split(",")) if args else {}
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(float(kw.get("slope", 0.01)))
    if name == "prelu":
        return nn.PReLU(num_parameters=channels, init=float(kw.get("slope", 0.25)))
    if name == "elu":
        return nn.ELU(alpha=float(kw.get("alpha", 1.0)))
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    if name == "gelu":
        return nn.GELU()
    if name == "silu":
        return nn.SiLU()
    raise ValueError(f"no torch twin for activation {spec}")


def preset(model, act, classes=10):
    """nn.Sequential equal to actlab's preset `model` with activation `act` (same module indices)."""
    if model == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), act_module(act, 256), nn.Linear(256, 256),
                             act_module(act, 256), nn.Linear(256, classes))
    if model == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), act_module(act, 32), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 5, padding=2), act_module(act, 64), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(3136, 256), act_module(act, 256), nn.Linear(256, classes))
    raise ValueError(f"no torch twin for model {model}")


def read_safetensors(path):
    """(tensors as a state_dict, metadata dict) of a safetensors file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {t['dtype']}")
        b, e = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype="<f4").copy()).reshape(t["shape"])
    return out, meta
