#!/usr/bin/python3
"""Writes tests/data/pytorch_values.txt: forward outputs and gradients printed by real PyTorch.

Regenerate with the interpreter that has PyTorch 1.13 (Debian's python3-torch; the `python3`
on PATH may be another one):
    /usr/bin/python3 tests/pytorch/make_reference_values.py

Deterministic: fixed inputs, seeded generators, CPU only, one thread. Every activation of
activa's list (include/activa/ops/all.h) in float32 and float64, on special inputs (NaN, +-inf,
+-0, huge magnitudes, the smallest normal and subnormals, values around the kinks, ordinary
values, values where sigmoid and tanh saturate), with the input gradient from
y.backward(g) for a given upstream gradient g (and the weight gradient for prelu).

Record format (read by tests/pytorch_values_test.cc):
    case <op> <dtype> <name>
    params <key>=<value> ...     (PyTorch's argument names; may be empty)
    shape <d0> <d1> ...
    x <hex> ...                  (input, row-major)
    g <hex> ...                  (upstream gradient, same shape)
    w <hex> ...                  (prelu only: the weight)
    y <hex> ...                  (forward output)
    dx <hex> ...                 (x.grad)
    dw <hex> ...                 (prelu only: w.grad)
    end
Each value is the 16 hex digits of the bits of the double it widens to (float32 values widen
exactly, so nothing is lost); a parameter value is Python's repr of a float or an int.
"""

import math
import os
import struct
import warnings

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "pytorch_values.txt")

nan = float("nan")
inf = float("inf")
DTYPES = (torch.float32, torch.float64)

# Upstream gradients cycle through these: both signs, so the sign of zero gradients shows.
GRAD_CYCLE = (1.0, -0.75, 2.5, -3.0, 0.5, -1.25)


def hex_double(v):
    return struct.pack(">d", v).hex()


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def cycled(n, offset=0):
    return [GRAD_CYCLE[(i + offset) % len(GRAD_CYCLE)] for i in range(n)]


def with_negatives(values):
    out = []
    for v in values:
        out += [v, -v]
    return out


def special_inputs(dtype):
    """Named groups of special inputs for pointwise ops; values are Python floats."""
    f32 = dtype == torch.float32
    finfo = torch.finfo(dtype)
    largest = 3e38 if f32 else 1e300
    subnormal = 1e-40 if f32 else 1e-310
    min_subnormal = 2.0**-149 if f32 else 2.0**-1074
    return [
        ("nonfinite", [nan, -nan, inf, -inf, 0.0, -0.0]),
        ("huge", with_negatives([1e4, 88.7, 89.0, 100.0, 710.0, 1e30, largest])),
        ("tiny", with_negatives([finfo.tiny, subnormal, min_subnormal])),
        ("kinks", [0.0, -0.0] + with_negatives([1e-30, 1e-20, 1e-7, 2.0**-24, 2.0**-53, 1e-3])),
        ("ordinary", [-5.0, -1.0, -0.5, 0.5, 1.0, 5.0, -2.25, 0.1, 3.7, -0.3]),
        ("saturate", with_negatives([8.5, 9.0, 9.1, 16.0, 17.5, 19.5, 20.0, 36.0, 37.0, 40.0])),
    ]


def grad_special_inputs():
    """x and g crossed: non-finite and zero upstream gradients at ordinary, zero and infinite x."""
    xs = [-1.5, -0.0, 0.0, 2.0, inf, -inf, nan]
    gs = [nan, inf, -inf, -0.0, 0.0]
    x = [a for a in xs for _ in gs]
    g = [b for _ in xs for b in gs]
    return x, g


def leaf(values, dtype, shape=None):
    t = torch.tensor(values, dtype=dtype)
    if shape is not None:
        t = t.reshape(shape)
    return t.requires_grad_(True)


def values_of(t):
    return t.detach().reshape(-1).to(torch.float64).tolist()


def record(op, dtype, name, params, x, g, y, w=None):
    assert x.grad is not None and x.grad.shape == x.shape, (op, name)
    lines = ["case {} {} {}".format(op, dtype_name(dtype), name)]
    lines.append(" ".join(["params"] + ["{}={!r}".format(k, v) for k, v in params]))
    lines.append(" ".join(["shape"] + [str(d) for d in x.shape]))
    lines.append(" ".join(["x"] + [hex_double(v) for v in values_of(x)]))
    lines.append(" ".join(["g"] + [hex_double(v) for v in values_of(g)]))
    if w is not None:
        lines.append(" ".join(["w"] + [hex_double(v) for v in values_of(w)]))
    lines.append(" ".join(["y"] + [hex_double(v) for v in values_of(y)]))
    lines.append(" ".join(["dx"] + [hex_double(v) for v in values_of(x.grad)]))
    if w is not None:
        assert w.grad is not None and w.grad.shape == w.shape, (op, name)
        lines.append(" ".join(["dw"] + [hex_double(v) for v in values_of(w.grad)]))
    lines.append("end")
    return lines


def sigmoid(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "nn.functional.sigmoid is deprecated": same kernel
        return F.sigmoid(x)


# Pointwise ops: (op name, label, params, torch function of x).
POINTWISE = [
    ("sigmoid", "", [], sigmoid),
    ("tanh", "", [], torch.tanh),
    ("relu", "", [], F.relu),
    ("leaky_relu", "", [("negative_slope", 0.01)], lambda x: F.leaky_relu(x)),
    ("leaky_relu", "slope0_3_", [("negative_slope", 0.3)], lambda x: F.leaky_relu(x, 0.3)),
    ("elu", "", [("alpha", 1.0)], lambda x: F.elu(x)),
    ("elu", "alpha0_5_", [("alpha", 0.5)], lambda x: F.elu(x, alpha=0.5)),
]


def pointwise_cases(dtype):
    for op, label, params, fn in POINTWISE:
        groups = special_inputs(dtype)
        for k, (group, values) in enumerate(groups):
            x = leaf(values, dtype)
            g = torch.tensor(cycled(len(values), k), dtype=dtype)
            y = fn(x)
            y.backward(g)
            yield record(op, dtype, label + group, params, x, g, y)
        xv, gv = grad_special_inputs()
        x = leaf(xv, dtype)
        g = torch.tensor(gv, dtype=dtype)
        y = fn(x)
        y.backward(g)
        yield record(op, dtype, label + "grad_special", params, x, g, y)
        # NaN at positions PyTorch computes in its vectorized loop (0..31: two vectors per step)
        # and in its scalar tail (32..36), for float32 (AVX2: 8 lanes) and float64 (4 lanes).
        xv = [0.25 * (i % 9) - 1.0 for i in range(37)]
        for i in (0, 7, 15, 16, 31, 32, 36):
            xv[i] = nan
        x = leaf(xv, dtype)
        g = torch.tensor(cycled(37), dtype=dtype)
        y = fn(x)
        y.backward(g)
        yield record(op, dtype, label + "nan_positions", params, x, g, y)
        # A 2-D tensor of ordinary values: the same op on a different shape.
        gen = torch.Generator().manual_seed(7)
        x = (torch.randn(5, 9, generator=gen, dtype=dtype) * 4).requires_grad_(True)
        g = torch.randn(5, 9, generator=gen, dtype=dtype)
        y = fn(x)
        y.backward(g)
        yield record(op, dtype, label + "random_2d", params, x, g, y)


def dyadic(gen, shape, dtype, scale):
    """Integers over `scale` in [-4, 4): products and sums of these are exact in float32."""
    return (torch.randint(-4 * scale, 4 * scale, shape, generator=gen) / scale).to(dtype)


def prelu_cases(dtype):
    params = []

    def run(name, x, w, g):
        x = x.clone().requires_grad_(True)
        w = w.clone().requires_grad_(True)
        y = F.prelu(x, w)
        y.backward(g)
        return record("prelu", dtype, name, params, x, g, y, w)

    one = torch.tensor([0.25], dtype=dtype)
    for k, (group, values) in enumerate(special_inputs(dtype)):
        x = torch.tensor(values, dtype=dtype)
        yield run("single_" + group, x, one, torch.tensor(cycled(len(values), k), dtype=dtype))
    xv, gv = grad_special_inputs()
    yield run("single_grad_special", torch.tensor(xv, dtype=dtype), one, torch.tensor(gv, dtype=dtype))

    gen = torch.Generator().manual_seed(11)
    x = dyadic(gen, (3, 4), dtype, 8)
    yield run("single_2d", x, one, dyadic(gen, (3, 4), dtype, 4))
    # Per-channel weights (channel = dim 1), including a zero and negative slopes.
    x = dyadic(gen, (4, 3), dtype, 8)
    x[0, 0], x[1, 1], x[2, 2] = 0.0, -0.0, 0.0
    w = torch.tensor([0.25, -0.5, 1.5], dtype=dtype)
    yield run("channels_nc", x, w, dyadic(gen, (4, 3), dtype, 4))
    x = dyadic(gen, (2, 3, 5), dtype, 8)
    w = torch.tensor([0.25, 2.0, -0.125], dtype=dtype)
    yield run("channels_ncl", x, w, dyadic(gen, (2, 3, 5), dtype, 4))
    x = dyadic(gen, (2, 4, 3, 3), dtype, 8)
    w = torch.tensor([0.1, 0.25, -2.0, 0.0], dtype=dtype)
    yield run("channels_nchw", x, w, dyadic(gen, (2, 4, 3, 3), dtype, 4))
    # Rounded (not dyadic) values: the weight gradient is a sum with rounding.
    x = torch.randn(3, 5, 7, generator=gen, dtype=dtype)
    w = torch.tensor([0.25, 0.1, -0.3, 1.7, 0.01], dtype=dtype)
    yield run("channels_random", x, w, torch.rand(3, 5, 7, generator=gen, dtype=dtype) + 0.5)
    # Special values per channel: c0 holds NaN, c1 -inf, c2 only +inf and positives,
    # c3 only zeros of both signs, c4 subnormals and huge magnitudes.
    f32 = dtype == torch.float32
    big = 3e38 if f32 else 1e300
    sub = 1e-40 if f32 else 1e-310
    x = torch.tensor(
        [
            [[nan, -1.0, 2.0], [-inf, -1.0, 0.5], [inf, 1.0, 3.0], [0.0, -0.0, -0.0], [sub, -sub, -big]],
            [[-2.0, 0.0, 1.0], [-3.0, inf, -0.0], [2.0, inf, 0.25], [-0.0, -0.0, 0.0], [big, -1e30, -sub]],
        ],
        dtype=dtype,
    )
    w = torch.tensor([0.25, -0.5, 2.0, 0.75, 0.01], dtype=dtype)
    g = torch.tensor(cycled(30), dtype=dtype).reshape(2, 5, 3).abs()
    yield run("channels_special", x, w, g)


def softmax_cases(dtype):
    f32 = dtype == torch.float32
    big = 3e38 if f32 else 1e300
    sub = 1e-40 if f32 else 1e-310

    def run(name, rows, dim, g=None, shape=None):
        x = leaf(rows, dtype, shape)
        if g is None:
            g = torch.tensor(cycled(x.numel()), dtype=dtype).reshape(x.shape)
        else:
            g = torch.tensor(g, dtype=dtype).reshape(x.shape)
        y = F.softmax(x, dim=dim)
        y.backward(g)
        return record("softmax", dtype, name, [("dim", dim)], x, g, y)

    yield run("neg_inf_entries", [[-inf, 1.0, 2.0, -inf, 0.5], [0.0, -inf, -inf, -inf, 3.0],
                                  [-inf, -inf, -inf, -inf, -20.0]], 1)
    yield run("all_neg_inf", [[-inf, -inf, -inf, -inf], [1.0, 2.0, 3.0, 4.0]], 1)
    yield run("pos_inf", [[inf, 1.0, 2.0, 3.0], [inf, inf, 0.0, 0.0], [inf, -inf, 0.0, 1.0],
                          [-1.0, 0.0, 1.0, 2.0]], 1)
    yield run("nan", [[nan, 1.0, 2.0, 3.0], [0.0, 0.0, nan, 0.0], [nan, -inf, inf, 0.0],
                      [-1.0, 0.0, 1.0, 2.0]], -1)
    yield run("huge", [[1e4, -1e4, 0.0, 1e4], [-1e4, -1e4 + 1, -1e4 + 2, -1e4 + 3],
                       [big, -big, 0.0, 1.0], [1e30, 1e30, -1e30, 0.0]], 1)
    yield run("tiny", [[sub, -sub, 0.0, -0.0], [torch.finfo(dtype).tiny, 0.0, 1e-30, -1e-30]], 1)
    yield run("subnormal_outputs", [[100.0, 0.0, -100.0, 50.0], [0.0, -95.0, -103.0, -110.0],
                                    [700.0, 0.0, -30.0, -40.0]], 1)
    yield run("single", [[3.0], [-inf], [nan]], 1)
    yield run("one_d", [0.5, -1.0, 2.0, 0.0, -0.0, 4.0], 0)

    gen = torch.Generator().manual_seed(5)
    x = (torch.randn(4, 6, generator=gen, dtype=dtype) * 3).tolist()
    g = torch.randn(4, 6, generator=gen, dtype=dtype).tolist()
    yield run("ordinary", x, 1, g)
    x = (torch.randn(3, 37, generator=gen, dtype=dtype) * 5).tolist()
    g = torch.randn(3, 37, generator=gen, dtype=dtype).tolist()
    yield run("long_rows", x, -1, g)
    # A 3-D tensor with varied values, softmax along each dim.
    x3 = (torch.randn(2, 3, 4, generator=gen, dtype=dtype) * 2).tolist()
    g3 = torch.randn(2, 3, 4, generator=gen, dtype=dtype).tolist()
    for dim in (0, 1, 2, -1, -2, -3):
        yield run("3d_dim{}".format(dim).replace("-", "m"), x3, dim, g3)
    # Special upstream gradients: NaN or inf anywhere in a slice reaches the whole slice.
    yield run("grad_special", [[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0], [0.0, -inf, 1.0, 2.0],
                               [0.0, 1.0, 2.0, 3.0], [-1.0, 0.0, 1.0, 2.0]], 1,
              [[nan, 0.0, 0.0, 0.0], [inf, 0.0, 0.0, 0.0], [1.0, inf, 0.0, 0.0],
               [-0.0, -0.0, -0.0, -0.0], [inf, -inf, 0.0, 0.0]])
    # An upstream gradient of -0 everywhere: PyTorch's last-dim loop gives +0, its loop for
    # other dims -0.
    yield run("grad_negative_zero_dim0", [[0.0, 1.0, 2.0, 3.0], [1.0, -1.0, 0.5, 2.0], [3.0, 0.0, -2.0, 1.0]],
              0, [[-0.0] * 4] * 3)


def cpu_capability():
    # Vectorized kernels (and so the last bits of transcendental results) depend on it.
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    assert torch.__version__.startswith("1.13"), torch.__version__
    torch.set_num_threads(1)
    torch.set_flush_denormal(False)
    out = [
        "# Generated by tests/pytorch/make_reference_values.py with PyTorch {} "
        "(CPU capability {}); do not edit.".format(
            torch.__version__, cpu_capability()
        )
    ]
    seen = set()
    count = 0
    for dtype in DTYPES:
        for gen in (pointwise_cases(dtype), prelu_cases(dtype), softmax_cases(dtype)):
            for lines in gen:
                key = lines[0]
                assert key not in seen, "duplicate " + key
                seen.add(key)
                out += lines
                count += 1
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote {} cases to {}".format(count, os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
