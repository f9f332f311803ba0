// Numbers as the activa command reads them: VALUES, --grad-output, --weight
// and the scalar options. Every failure throws activa::Error naming the
// argument ("VALUES", "--alpha", ...) and the offending text.
#pragma once

#include <cstdint>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "activa/tensor.h"

namespace activa::cli {

// Row-major numbers and the shape their nesting gives: a flat list is 1-D (a
// single number too: one element), a JSON array nested k deep is k-D.
struct Values {
  std::vector<double> data;
  Shape shape;
};

// One number: decimal or exponent notation with an optional sign, or nan, inf,
// -inf (any case, "infinity" too). The whole text must be the number; a value
// beyond double's range is an error, not inf.
double parse_number(std::string_view text, std::string_view what);

// One integer in int64's range, with an optional sign.
std::int64_t parse_integer(std::string_view text, std::string_view what);

// Whether `arg` reads as one number (so that "-5" or "-inf" among the
// arguments is a value, not an unknown option).
bool is_number(std::string_view arg);

// Where input comes from besides the arguments themselves. Standard input can
// be read once per run; a second "-" is an error.
class Sources {
 public:
  explicit Sources(std::istream& stdin_stream) : stdin_(stdin_stream) {}
  std::string read_stdin(std::string_view what);

 private:
  std::istream& stdin_;
  bool stdin_used_ = false;
};

// Reads a tensor's values from `args`, in one of these forms:
//   - several arguments, each a number (or numbers separated by commas): 1-D;
//   - one argument that is a JSON array, nested as the tensor (numbers, or the
//     strings "nan", "inf", "-inf"); ragged or unterminated arrays are errors;
//   - one argument "@FILE": the file holds such a JSON array or numbers
//     separated by whitespace or commas;
//   - one argument "-": standard input, holding the same as a file;
//   - one argument with numbers separated by commas or whitespace: 1-D.
// Arguments or text holding no number are an error; an empty JSON array is a
// tensor without elements (shape [0], or [2, 0] for [[], []]).
Values read_values(std::span<const std::string> args, std::string_view what, Sources& sources);

}  // namespace activa::cli
