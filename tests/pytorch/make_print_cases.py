#!/usr/bin/python3
"""Writes tests/data/print_cases.txt: tensors and their repr as printed by real PyTorch.

Run with the interpreter that has PyTorch 1.13 (Debian's python3-torch):
    /usr/bin/python3 tests/pytorch/make_print_cases.py

Record format (read by tests/print_test.cc):
    case <name>
    dtype float32|float64
    shape <d0> <d1> ...          (nothing after "shape" for a 0-d tensor)
    values <hex> <hex> ...       (each element widened to double, as 16 hex digits of its bits)
    options <precision> <threshold> <edgeitems> <linewidth> <sci_mode>   (optional; sci_mode -1/0/1)
    suffix <text>                (zero or more; what follows the data in the repr, minus dtype=)
    expect <number of lines>
    <repr lines>
    end
"""

import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "print_cases.txt")

nan = float("nan")
inf = float("inf")
f64 = torch.float64
DEFAULT_OPTIONS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)


def seeded(seed, fn):
    torch.manual_seed(seed)
    return fn()


def leaf(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


def grad_fn_suffixes(t):
    # Mirrors torch._tensor_str._str_intern's autograd suffix.
    if t.grad_fn is not None:
        name = type(t.grad_fn).__name__
        if name == "CppFunction":
            name = t.grad_fn.name().rsplit("::", 1)[-1]
        return ["grad_fn=<{}>".format(name)]
    if t.requires_grad:
        return ["requires_grad=True"]
    return []


def cases():
    # Lecture outputs.
    yield "lecture_sigmoid", torch.sigmoid(leaf([-5.0, 0.0, 5.0]))
    yield "lecture_tanh", torch.tanh(leaf([-2.0, 0.0, 2.0]))
    yield "lecture_relu", torch.relu(leaf([-1.0, 0.0, 2.5]))
    yield "lecture_leaf", leaf([-5.0, 0.0, 5.0])
    yield "lecture_plain", torch.tensor([-5.0, 0.0, 5.0])
    yield "lecture_sigmoid_plain", torch.sigmoid(torch.tensor([-5.0, 0.0, 5.0]))
    yield "lecture_linspace_sigmoid", torch.sigmoid(torch.linspace(-6, 6, 7))
    yield "lecture_gelu", torch.nn.functional.gelu(leaf([-3.0, -1.0, 0.0, 1.0, 3.0]))
    yield "lecture_softplus", torch.nn.functional.softplus(leaf([-2.0, 0.0, 2.0]))
    yield "lecture_mul", leaf([1.0, 2.0, 3.0]) * 2
    yield "lecture_sum", torch.sigmoid(leaf([-5.0, 0.0, 5.0])).sum()
    yield "lecture_grad", (lambda x: (torch.sigmoid(x).sum().backward(), x.grad)[1])(leaf([-5.0, 0.0, 5.0]))

    # Integer-valued (int_mode).
    yield "int_small", torch.tensor([1.0, 2.0, 3.0])
    yield "int_negative", torch.tensor([-1.0, 20.0, -300.0])
    yield "int_zeros", torch.zeros(4)
    yield "int_ones_2d", torch.ones(2, 3)
    yield "int_arange_2d", torch.arange(12.0).reshape(3, 4)
    yield "int_sci_ratio", torch.tensor([1.0, 1001.0])
    yield "int_no_sci_ratio_1000", torch.tensor([1.0, 1000.0])
    yield "int_sci_huge", torch.tensor([1.0e9, 2.0e9])
    yield "int_1e8", torch.tensor([1.0e8, 5.0e7])
    yield "int_with_nan_inf", torch.tensor([1.0, nan, inf, -inf])
    yield "int_large_width", torch.tensor([123456.0, -7.0, 99999.0])

    # Fixed-point (non-integer) values.
    yield "float_negative", torch.tensor([-1.5, 0.25, -0.125])
    yield "float_mixed_width", torch.tensor([1.5, -100.25, 10.0])
    yield "float_not_exact_f32", torch.tensor([0.1, 0.2, 0.7, 1.0 / 3.0, 2.675])
    yield "float_round_half_f32", torch.tensor([0.00015, 1.00005, 2.00025, 0.12345])
    yield "float_round_half_f64", torch.tensor([0.00015, 1.00005, 2.00025, 0.12345], dtype=f64)
    yield "float_ratio_999", torch.tensor([0.5, 499.5])
    yield "float_min_1e-4", torch.tensor([0.0001, 0.05])

    # Scientific notation.
    yield "sci_ratio", torch.tensor([0.001, 1.5, 10.0])
    yield "sci_tiny", torch.tensor([1.0e-5, 2.5e-5])
    yield "sci_huge", torch.tensor([1.5e10, -2.25e9])
    yield "sci_mixed_sign", torch.tensor([-1.0e-6, 3.0, -4.0e3, 0.0])
    yield "sci_with_nonfinite", torch.tensor([1.0e-7, nan, -inf, inf, 0.5])
    yield "sci_f32_extremes", torch.tensor([3.0e38, 1.0e-38, -1.0e-45])
    yield "sci_f64_extremes", torch.tensor([1.0e300, -1.0e-300, 5.0e-324], dtype=f64)
    yield "sci_big_exponent", torch.tensor([1.0e100, 1.0], dtype=f64)
    yield "sci_2d", seeded(1, lambda: torch.randn(3, 4) * torch.tensor([1e-3, 1.0, 1e2, 1e4]))

    # Non-finite and signed zero.
    yield "nan_only", torch.tensor([nan, nan])
    yield "inf_only", torch.tensor([inf, -inf])
    yield "nonfinite_with_zero", torch.tensor([0.0, nan, -inf])
    yield "negative_nan", torch.tensor([nan]).neg()
    yield "nonfinite_with_floats", torch.tensor([0.5, nan, -inf, 1.25])
    yield "neg_zero", torch.tensor([-0.0])
    yield "neg_zero_int", torch.tensor([-0.0, 1.0, 0.0])
    yield "neg_zero_float", torch.tensor([-0.0, 1.5])
    yield "neg_zero_sci", torch.tensor([-0.0, 1.0e-5])
    yield "neg_round_to_zero", torch.tensor([-0.00004, 0.5, 2.0]) * torch.tensor([1.0, 1.0, 1.0])

    # 0-d tensors.
    yield "scalar_half", torch.tensor(0.5)
    yield "scalar_int", torch.tensor(3.0)
    yield "scalar_zero", torch.tensor(0.0)
    yield "scalar_neg_zero", torch.tensor(-0.0)
    yield "scalar_nan", torch.tensor(nan)
    yield "scalar_neg_inf", torch.tensor(-inf)
    yield "scalar_tiny", torch.tensor(1.0e-5)
    yield "scalar_huge", torch.tensor(-3.0e12)
    yield "scalar_f64", torch.tensor(2.5, dtype=f64)
    yield "scalar_leaf", torch.tensor(1.0, requires_grad=True)
    yield "scalar_f64_grad_fn", torch.tensor(0.1, dtype=f64, requires_grad=True).exp()

    # Empty tensors.
    yield "empty_1d", torch.tensor([])
    yield "empty_2d", torch.empty(0, 3)
    yield "empty_3d", torch.empty(2, 0, 4)
    yield "empty_f64", torch.tensor([], dtype=f64)
    yield "empty_f64_2d_leaf", torch.empty(3, 0, dtype=f64, requires_grad=True)
    yield "empty_leaf", torch.empty(0, requires_grad=True)

    # 1-D rows that wrap at 80 columns.
    yield "wrap_arange", torch.arange(30.0)
    yield "wrap_randn", seeded(2, lambda: torch.randn(40))
    yield "wrap_exactly_eight", seeded(3, lambda: torch.rand(8))
    yield "wrap_nine", seeded(3, lambda: torch.rand(9))
    yield "wrap_sci", seeded(4, lambda: torch.randn(25) * 1e5)
    yield "wrap_f64", seeded(5, lambda: torch.randn(20, dtype=f64))
    yield "wrap_int_wide", torch.arange(-5000.0, 5000.0, 333.0)

    # Multi-dimensional.
    yield "rand_2d", seeded(6, lambda: torch.randn(3, 4))
    yield "rand_2d_wrap", seeded(7, lambda: torch.randn(2, 20))
    yield "rand_2d_column", seeded(8, lambda: torch.randn(5, 1))
    yield "rand_3d", seeded(9, lambda: torch.randn(2, 3, 4))
    yield "rand_4d", seeded(10, lambda: torch.randn(2, 2, 2, 3))
    yield "rand_5d", seeded(11, lambda: torch.rand(2, 1, 2, 1, 2))
    yield "rand_3d_wrap", seeded(12, lambda: torch.randn(2, 2, 12))
    yield "int_3d", torch.arange(24.0).reshape(2, 3, 4)
    yield "singleton_dims", torch.tensor([[[0.25]]])

    # Summarized (numel > 1000).
    yield "summary_1d_arange", torch.arange(2000.0)
    yield "summary_1d_1001", seeded(13, lambda: torch.randn(1001))
    yield "summary_1d_1000_not", seeded(14, lambda: torch.rand(1000))
    yield "summary_2d", seeded(15, lambda: torch.randn(40, 40))
    yield "summary_2d_wide", seeded(16, lambda: torch.randn(3, 500))
    yield "summary_2d_tall", seeded(17, lambda: torch.randn(1001, 1))
    yield "summary_3d", seeded(18, lambda: torch.randn(20, 30, 5))
    yield "summary_3d_cube", seeded(19, lambda: torch.randn(11, 11, 11))
    yield "summary_4d", seeded(20, lambda: torch.rand(7, 7, 7, 7))
    yield "summary_formatter_sees_edges_only", torch.cat(
        [torch.tensor([0.5, 1.5, 2.5]), torch.full((1000,), 1.0e6), torch.tensor([3.5, 4.5, 5.5])]
    )
    yield "summary_int_middle_fraction", torch.cat(
        [torch.arange(3.0), torch.full((1000,), 0.5), torch.arange(3.0)]
    )
    yield "summary_f64_grad", torch.sigmoid(seeded(21, lambda: torch.randn(30, 40, dtype=f64, requires_grad=True)))

    # Suffixes: dtype, requires_grad, grad_fn, and when they move to a new line.
    yield "suffix_f64", torch.tensor([0.1, 0.2], dtype=f64)
    yield "suffix_f64_leaf", leaf([0.1, 0.2], f64)
    yield "suffix_f64_grad_fn", torch.sigmoid(leaf([-1.0, 1.0], f64))
    yield "suffix_wrap_grad_fn", torch.sigmoid(seeded(22, lambda: torch.randn(8, requires_grad=True)))
    yield "suffix_wrap_grad_fn_7", torch.sigmoid(seeded(22, lambda: torch.randn(7, requires_grad=True)))
    yield "suffix_wrap_grad_fn_6", torch.sigmoid(seeded(22, lambda: torch.randn(6, requires_grad=True)))
    yield "suffix_wrap_f64_both", torch.tanh(seeded(23, lambda: torch.randn(7, dtype=f64, requires_grad=True)))
    yield "suffix_wrap_f64_second", torch.tanh(seeded(23, lambda: torch.randn(4, dtype=f64, requires_grad=True)))
    yield "suffix_wrap_leaf", seeded(24, lambda: torch.randn(8, requires_grad=True))
    yield "suffix_multiline_grad_fn", torch.relu(seeded(25, lambda: torch.randn(3, 9, requires_grad=True)))
    yield "suffix_2d_f64_leaf", seeded(26, lambda: torch.randn(2, 9, dtype=f64, requires_grad=True))
    # PyTorch counts the last line as two characters longer than it is; these sit exactly
    # where that decides whether the suffix wraps.
    yield "suffix_boundary_leaf", torch.ones(13, requires_grad=True)
    yield "suffix_boundary_f64", torch.ones(13, dtype=f64)
    yield "suffix_boundary_2d_leaf", torch.full((2, 10), 10.0, requires_grad=True)
    yield "suffix_long_name", torch.nn.functional.softplus(seeded(27, lambda: torch.randn(6, requires_grad=True)))


def option_cases():
    yield "opt_precision_2", dict(precision=2), torch.tensor([1.12345, -0.5])
    yield "opt_precision_6_sci", dict(precision=6), torch.tensor([1.0e-5, 3.0])
    yield "opt_sci_never", dict(sci_mode=False), torch.tensor([1.0e-5, 3.0])
    yield "opt_sci_always", dict(sci_mode=True), torch.tensor([0.5, 3.0])
    yield "opt_sci_always_int", dict(sci_mode=True), torch.tensor([1.0, 3.0])
    yield "opt_sci_always_no_valid", dict(sci_mode=True), torch.tensor([0.0, nan])
    yield "opt_linewidth_40", dict(linewidth=40), seeded(28, lambda: torch.randn(2, 9))
    yield "opt_threshold_10", dict(threshold=10), torch.arange(20.0).reshape(4, 5)
    yield "opt_edgeitems_1", dict(threshold=10, edgeitems=1), seeded(29, lambda: torch.randn(5, 6))
    yield "opt_linewidth_suffix", dict(linewidth=50), torch.sigmoid(seeded(30, lambda: torch.randn(5, requires_grad=True)))


def hex_double(x):
    return struct.pack(">d", x).hex()


def record(name, t, options):
    torch.set_printoptions(**{**DEFAULT_OPTIONS, **options})
    try:
        text = repr(t)
    finally:
        torch.set_printoptions(**DEFAULT_OPTIONS)
    assert t.dtype in (torch.float32, torch.float64), name
    values = t.detach().reshape(-1).to(torch.float64).tolist()
    lines = ["case " + name, "dtype " + str(t.dtype).replace("torch.", "")]
    lines.append(" ".join(["shape"] + [str(d) for d in t.shape]))
    lines.append(" ".join(["values"] + [hex_double(v) for v in values]))
    if options:
        opts = {**DEFAULT_OPTIONS, **options}
        sci = {None: -1, False: 0, True: 1}[opts["sci_mode"]]
        lines.append(
            "options {} {} {} {} {}".format(
                opts["precision"], opts["threshold"], opts["edgeitems"], opts["linewidth"], sci
            )
        )
    for suffix in grad_fn_suffixes(t):
        assert suffix in text, name
        lines.append("suffix " + suffix)
    repr_lines = text.split("\n")
    lines.append("expect {}".format(len(repr_lines)))
    lines.extend(repr_lines)
    lines.append("end")
    return lines


def main():
    assert torch.__version__.startswith("1.13"), torch.__version__
    out = [
        "# Generated by tests/pytorch/make_print_cases.py with PyTorch {}; do not edit.".format(
            torch.__version__
        )
    ]
    names = set()
    all_cases = [(name, {}, t) for name, t in cases()] + list(option_cases())
    for name, options, t in all_cases:
        assert name not in names, "duplicate case " + name
        names.add(name)
        out += record(name, t, options)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote {} cases to {}".format(len(names), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
