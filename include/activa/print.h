// Printing tensors exactly as PyTorch's `print(tensor)` / `repr(tensor)` does
// (torch/_tensor_str.py, default print options).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "activa/dtype.h"

namespace activa {

// torch.set_printoptions equivalents; defaults are PyTorch's "default" profile.
struct PrintOptions {
  int precision = 4;
  std::int64_t threshold = 1000;  // summarize when numel > threshold
  int edgeitems = 3;
  int linewidth = 80;
  int sci_mode = -1;  // -1: automatic (PyTorch's sci_mode=None), 0: never, 1: always
};

// Formats a dense row-major tensor holding `values` (numel = product of `shape`,
// converted to double from `dtype`) as PyTorch's repr: "tensor(...)" with the
// given suffixes (e.g. "grad_fn=<SigmoidBackward0>", "requires_grad=True") after
// the data; for float64, "dtype=torch.float64" comes first among the suffixes, as in
// PyTorch. Suffixes wrap onto a new line where PyTorch wraps them.
std::string format_tensor(std::span<const double> values, std::span<const std::int64_t> shape,
                          DType dtype, std::span<const std::string> suffixes,
                          const PrintOptions& options = {});

}  // namespace activa
