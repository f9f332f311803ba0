// PyTorch 1.13's tensor repr (torch/_tensor_str.py) for dense float32/float64 CPU tensors.
#include "activa/print.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace activa {
namespace {

constexpr std::string_view kPrefix = "tensor(";
constexpr std::int64_t kEllipsis = -1;  // marks the "..." entry in a summarized dimension

// Python's "{:.Nf}".format(x): the correctly rounded decimal of the double, which glibc's
// printf produces too. Python never prints a sign on NaN, so non-finite values are spelled
// out here rather than left to printf ("-nan").
std::string fixed_str(double v, int precision) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  const int n = std::snprintf(nullptr, 0, "%.*f", precision, v);
  std::string out(static_cast<std::size_t>(n), '\0');
  std::snprintf(out.data(), out.size() + 1, "%.*f", precision, v);
  return out;
}

// Python's "{:.Ne}".format(x): mantissa with N decimals, exponent with a sign and at least
// two digits ("1.0000e+00"), exactly like C's %e.
std::string sci_str(double v, int precision) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  const int n = std::snprintf(nullptr, 0, "%.*e", precision, v);
  std::string out(static_cast<std::size_t>(n), '\0');
  std::snprintf(out.data(), out.size() + 1, "%.*e", precision, v);
  return out;
}

std::string pad_left(std::string s, int width) {
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), ' ');
  return s;
}

// torch._tensor_str._Formatter for floating dtypes. It inspects only the nonzero finite
// values: int_mode when all of them are integers (printed "3."), sci_mode when
// max/min > 1000 or max > 1e8 or (not int_mode) min < 1e-4 over their absolute values;
// max_width is the widest of their formatted strings (+1 for the "." in int_mode).
class Formatter {
 public:
  Formatter(const std::vector<double>& values, const PrintOptions& options)
      : precision_(options.precision) {
    std::vector<double> nonzero_finite;
    for (double v : values) {
      if (std::isfinite(v) && v != 0.0) nonzero_finite.push_back(v);
    }
    // PyTorch returns early here, before applying the sci_mode print option.
    if (nonzero_finite.empty()) return;

    double min_abs = std::abs(nonzero_finite.front());
    double max_abs = min_abs;
    for (double v : nonzero_finite) {
      min_abs = std::min(min_abs, std::abs(v));
      max_abs = std::max(max_abs, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    const bool wide_range = max_abs / min_abs > 1000.0 || max_abs > 1.0e8;
    sci_mode_ = int_mode_ ? wide_range : wide_range || min_abs < 1.0e-4;

    for (double v : nonzero_finite) {
      int len = 0;
      if (sci_mode_) {
        len = static_cast<int>(sci_str(v, precision_).size());
      } else if (int_mode_) {
        len = static_cast<int>(fixed_str(v, 0).size()) + 1;
      } else {
        len = static_cast<int>(fixed_str(v, precision_).size());
      }
      max_width_ = std::max(max_width_, len);
    }
    if (options.sci_mode >= 0) sci_mode_ = options.sci_mode == 1;
  }

  int width() const { return max_width_; }

  // Right-aligned to max_width; longer strings (e.g. "-inf" among short numbers) are
  // left as they are, so they break the column alignment just as in PyTorch.
  std::string format(double v) const {
    if (sci_mode_) return pad_left(sci_str(v, precision_), max_width_);
    if (int_mode_) {
      std::string s = fixed_str(v, 0);
      if (std::isfinite(v)) s += '.';
      return pad_left(std::move(s), max_width_);
    }
    return pad_left(fixed_str(v, precision_), max_width_);
  }

 private:
  int precision_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int max_width_ = 1;
};

// Indices shown along a dimension of `size`: all of them, or, when summarizing a
// dimension longer than 2 * edgeitems, the first and last edgeitems around kEllipsis.
std::vector<std::int64_t> shown_indices(std::int64_t size, bool summarize, int edgeitems) {
  std::vector<std::int64_t> indices;
  if (summarize && size > 2 * static_cast<std::int64_t>(edgeitems)) {
    for (std::int64_t i = 0; i < edgeitems; ++i) indices.push_back(i);
    indices.push_back(kEllipsis);
    for (std::int64_t i = size - edgeitems; i < size; ++i) indices.push_back(i);
  } else {
    for (std::int64_t i = 0; i < size; ++i) indices.push_back(i);
  }
  return indices;
}

class TensorPrinter {
 public:
  TensorPrinter(std::span<const double> values, std::span<const std::int64_t> shape,
                const PrintOptions& options)
      : values_(values),
        shape_(shape),
        strides_(row_major_strides(shape)),
        options_(options),
        summarize_(static_cast<std::int64_t>(values.size()) > options.threshold),
        formatter_(summarized_values(), options) {}

  // _tensor_str_with_formatter: 0-d prints the scalar; 1-d is _vector_str; higher dims
  // join their sub-tensors with "," plus (dim - 1) newlines plus indent + 1 spaces, so
  // 3-d and deeper blocks are separated by blank lines.
  std::string str(int indent) const { return tensor_str(0, 0, indent); }

 private:
  static std::vector<std::int64_t> row_major_strides(std::span<const std::int64_t> shape) {
    std::vector<std::int64_t> strides(shape.size(), 1);
    for (std::size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
    return strides;
  }

  std::vector<double> summarized_values() const {
    std::vector<double> out;
    collect(0, 0, out);
    return out;
  }

  // get_summarized_data: the formatter only sees the elements that will be printed.
  void collect(std::size_t dim, std::int64_t offset, std::vector<double>& out) const {
    if (dim == shape_.size()) {
      out.push_back(values_[static_cast<std::size_t>(offset)]);
      return;
    }
    for (std::int64_t i : shown_indices(shape_[dim], summarize_, options_.edgeitems)) {
      if (i != kEllipsis) collect(dim + 1, offset + i * strides_[dim], out);
    }
  }

  std::string tensor_str(std::size_t dim, std::int64_t offset, int indent) const {
    const std::size_t rank = shape_.size() - dim;
    if (rank == 0) return formatter_.format(values_[static_cast<std::size_t>(offset)]);
    if (rank == 1) return vector_str(dim, offset, indent);

    const std::string separator = "," + std::string(rank - 1, '\n') +
                                  std::string(static_cast<std::size_t>(indent) + 1, ' ');
    std::string out = "[";
    bool first = true;
    for (std::int64_t i : shown_indices(shape_[dim], summarize_, options_.edgeitems)) {
      if (!first) out += separator;
      first = false;
      out += i == kEllipsis ? "..." : tensor_str(dim + 1, offset + i * strides_[dim], indent + 1);
    }
    return out + "]";
  }

  // _vector_str: every element counts as width + 2 characters (", "), and a line holds
  // max(1, floor((linewidth - indent) / that)) elements, the " ..." entry included.
  // Lines are joined by ",\n" plus indent + 1 spaces.
  std::string vector_str(std::size_t dim, std::int64_t offset, int indent) const {
    const int element_length = formatter_.width() + 2;
    const double per_line_exact =
        std::floor(static_cast<double>(options_.linewidth - indent) / element_length);
    const std::size_t per_line = static_cast<std::size_t>(std::max(1.0, per_line_exact));

    std::vector<std::string> data;
    for (std::int64_t i : shown_indices(shape_[dim], summarize_, options_.edgeitems)) {
      data.push_back(i == kEllipsis
                         ? std::string(" ...")
                         : formatter_.format(values_[static_cast<std::size_t>(offset + i * strides_[dim])]));
    }

    const std::string line_break = ",\n" + std::string(static_cast<std::size_t>(indent) + 1, ' ');
    std::string out = "[";
    for (std::size_t k = 0; k < data.size(); ++k) {
      if (k > 0) out += k % per_line == 0 ? line_break : ", ";
      out += data[k];
    }
    return out + "]";
  }

  std::span<const double> values_;
  std::span<const std::int64_t> shape_;
  std::vector<std::int64_t> strides_;
  PrintOptions options_;
  bool summarize_;
  Formatter formatter_;
};

// Python's str(tuple(shape)): "(0, 3)", with a trailing comma for one element: "(0,)".
std::string shape_str(std::span<const std::int64_t> shape) {
  std::string out = "(";
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d > 0) out += ", ";
    out += std::to_string(shape[d]);
  }
  if (shape.size() == 1) out += ',';
  return out + ")";
}

// _add_suffixes: a suffix goes on a new line (indented to the prefix) when the current last
// line's length + 2 + the suffix's length exceeds linewidth. PyTorch computes the first
// last-line length as len(s) - s.rfind("\n") + 1, which is two more than the real length
// (rfind gives -1 without a newline); that quirk is kept.
std::string add_suffixes(std::string tensor_str, const std::vector<std::string>& suffixes,
                         int indent, int linewidth) {
  const std::size_t newline = tensor_str.rfind('\n');
  const std::int64_t newline_pos = newline == std::string::npos ? -1 : static_cast<std::int64_t>(newline);
  std::int64_t last_line_len = static_cast<std::int64_t>(tensor_str.size()) - newline_pos + 1;
  for (const std::string& suffix : suffixes) {
    const auto suffix_len = static_cast<std::int64_t>(suffix.size());
    if (last_line_len + suffix_len + 2 > linewidth) {
      tensor_str += ",\n" + std::string(static_cast<std::size_t>(indent), ' ') + suffix;
      last_line_len = indent + suffix_len;
    } else {
      tensor_str += ", " + suffix;
      last_line_len += suffix_len + 2;
    }
  }
  return tensor_str + ")";
}

}  // namespace

std::string format_tensor(std::span<const double> values, std::span<const std::int64_t> shape,
                          DType dtype, std::span<const std::string> suffixes,
                          const PrintOptions& options) {
  std::int64_t numel = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("format_tensor: negative dimension");
    numel *= d;
  }
  if (numel != static_cast<std::int64_t>(values.size())) {
    throw std::invalid_argument("format_tensor: values do not match shape");
  }

  const int indent = static_cast<int>(kPrefix.size());
  std::vector<std::string> all_suffixes;
  std::string body;
  if (numel == 0) {
    // Empty tensors print "[]" and show their shape unless it is (0,).
    if (shape.size() != 1) all_suffixes.push_back("size=" + shape_str(shape));
    body = "[]";
  } else {
    body = TensorPrinter(values, shape, options).str(indent);
  }
  // float32 is PyTorch's default dtype; any other dtype is named.
  if (dtype != DType::float32) all_suffixes.push_back("dtype=torch." + std::string(dtype_name(dtype)));
  all_suffixes.insert(all_suffixes.end(), suffixes.begin(), suffixes.end());
  return add_suffixes(std::string(kPrefix) + body, all_suffixes, indent, options.linewidth);
}

}  // namespace activa
