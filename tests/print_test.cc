// Checks activa::format_tensor against reprs printed by real PyTorch 1.13
// (tests/data/print_cases.txt, produced by tests/pytorch/make_print_cases.py).
#include "activa/print.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace activa {
namespace {

#ifndef ACTIVA_TEST_DATA_DIR
constexpr const char* kTestDataDir = "/work/main/tests/data";
#else
constexpr const char* kTestDataDir = ACTIVA_TEST_DATA_DIR;
#endif

struct PrintCase {
  std::string name;
  DType dtype = DType::float32;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
  PrintOptions options;
  std::vector<std::string> suffixes;
  std::string expected;
};

// Splits "keyword rest" into its two parts; rest is empty when there is no space.
std::pair<std::string, std::string> split_keyword(const std::string& line) {
  const std::size_t space = line.find(' ');
  if (space == std::string::npos) return {line, ""};
  return {line.substr(0, space), line.substr(space + 1)};
}

std::vector<PrintCase> load_cases(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<PrintCase> cases;
  PrintCase current;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto [keyword, rest] = split_keyword(line);
    std::istringstream fields(rest);
    if (keyword == "case") {
      current = PrintCase{};
      current.name = rest;
    } else if (keyword == "dtype") {
      current.dtype = rest == "float64" ? DType::float64 : DType::float32;
    } else if (keyword == "shape") {
      for (std::int64_t d; fields >> d;) current.shape.push_back(d);
    } else if (keyword == "values") {
      for (std::string hex; fields >> hex;) {
        current.values.push_back(std::bit_cast<double>(std::stoull(hex, nullptr, 16)));
      }
    } else if (keyword == "options") {
      fields >> current.options.precision >> current.options.threshold >>
          current.options.edgeitems >> current.options.linewidth >> current.options.sci_mode;
    } else if (keyword == "suffix") {
      current.suffixes.push_back(rest);
    } else if (keyword == "expect") {
      const int count = std::stoi(rest);
      for (int i = 0; i < count; ++i) {
        std::string repr_line;
        if (!std::getline(in, repr_line)) throw std::runtime_error("truncated case " + current.name);
        current.expected += (i > 0 ? "\n" : "") + repr_line;
      }
    } else if (keyword == "end") {
      cases.push_back(current);
    } else {
      throw std::runtime_error("unexpected line in " + path + ": " + line);
    }
  }
  return cases;
}

TEST(PrintCasesFromPyTorch, AllMatch) {
  const std::vector<PrintCase> cases = load_cases(std::string(kTestDataDir) + "/print_cases.txt");
  ASSERT_GE(cases.size(), 60u);
  for (const PrintCase& c : cases) {
    SCOPED_TRACE("case " + c.name);
    EXPECT_EQ(format_tensor(c.values, c.shape, c.dtype, c.suffixes, c.options), c.expected)
        << "case " << c.name;
  }
}

std::string format_1d(const std::vector<double>& values, DType dtype = DType::float32,
                      const std::vector<std::string>& suffixes = {}) {
  const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(values.size())};
  return format_tensor(values, shape, dtype, suffixes);
}

std::vector<double> as_float32(const std::vector<double>& values) {
  std::vector<double> out;
  for (double v : values) out.push_back(static_cast<float>(v));
  return out;
}

TEST(FormatTensor, LectureSigmoid) {
  const std::vector<double> values =
      as_float32({1.0 / (1.0 + std::exp(5.0)), 0.5, 1.0 / (1.0 + std::exp(-5.0))});
  EXPECT_EQ(format_1d(values, DType::float32, {"grad_fn=<SigmoidBackward0>"}),
            "tensor([0.0067, 0.5000, 0.9933], grad_fn=<SigmoidBackward0>)");
}

TEST(FormatTensor, LectureLeafIsIntMode) {
  EXPECT_EQ(format_1d({-5.0, 0.0, 5.0}, DType::float32, {"requires_grad=True"}),
            "tensor([-5.,  0.,  5.], requires_grad=True)");
}

TEST(FormatTensor, Scalar) {
  EXPECT_EQ(format_tensor(std::vector<double>{0.5}, std::vector<std::int64_t>{}, DType::float32, {}),
            "tensor(0.5000)");
  EXPECT_EQ(format_tensor(std::vector<double>{2.5}, std::vector<std::int64_t>{}, DType::float64, {}),
            "tensor(2.5000, dtype=torch.float64)");
}

TEST(FormatTensor, Empty) {
  EXPECT_EQ(format_1d({}), "tensor([])");
  EXPECT_EQ(format_tensor(std::vector<double>{}, std::vector<std::int64_t>{0, 3}, DType::float32, {}),
            "tensor([], size=(0, 3))");
  EXPECT_EQ(format_1d({}, DType::float64), "tensor([], dtype=torch.float64)");
}

TEST(FormatTensor, NonFiniteAndNegativeZero) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(format_1d({0.0, nan, -inf}), "tensor([0., nan, -inf])");
  EXPECT_EQ(format_1d({-nan}), "tensor([nan])");
  EXPECT_EQ(format_1d({-0.0, 1.0}), "tensor([-0., 1.])");
}

TEST(FormatTensor, SciMode) {
  EXPECT_EQ(format_1d(as_float32({0.001, 1.5, 10.0})), "tensor([1.0000e-03, 1.5000e+00, 1.0000e+01])");
}

TEST(FormatTensor, RejectsMismatchedShape) {
  EXPECT_THROW(format_tensor(std::vector<double>{1.0, 2.0}, std::vector<std::int64_t>{3},
                             DType::float32, {}),
               std::invalid_argument);
}

}  // namespace
}  // namespace activa
