// Runs the activa command (ACTIVA_CLI) as a user does and checks its contract:
// the lecture's examples through `eval` and `tour`, JSON output, the input
// forms, and every class of bad input (exit 2, one line on stderr, nothing on
// stdout). Expected values come from the lecture's PyTorch output or are
// derived by hand from each formula, never from the command's own output.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/ops/all.h"
#include "activa/version.h"
#include "process.h"

namespace {

#ifdef ACTIVA_CLI
constexpr const char* kCli = ACTIVA_CLI;
#else
constexpr const char* kCli = "";
#endif

using activa::test::Result;
using nlohmann::json;

// A file under the test's temp dir, removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& content = "") {
    std::string name = testing::TempDir() + "activa_cli_XXXXXX";
    const int fd = mkstemp(name.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
};

// Runs the command with `args`, standard input from `input`.
Result run(std::vector<std::string> args, const std::string& input = "") {
  return activa::test::run_program(kCli, std::move(args), input);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

class Cli : public testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kCli).empty()) GTEST_SKIP() << "the activa command is not built (ACTIVA_BUILD_CLI=OFF)";
  }
  // Runs a command that must succeed silently on stderr.
  static std::string ok(std::vector<std::string> args, const std::string& input = "") {
    const Result r = run(std::move(args), input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }
  static json ok_json(std::vector<std::string> args, const std::string& input = "") {
    return json::parse(ok(std::move(args), input));
  }
};

// ---- eval: the lecture's examples ----

TEST_F(Cli, EvalSigmoidPrintsOutputAndGradient) {
  EXPECT_EQ(ok({"eval", "sigmoid", "-5", "0", "5"}),
            "tensor([0.0067, 0.5000, 0.9933])\n"
            "tensor([0.0066, 0.2500, 0.0066])\n");
}

struct LectureCase {
  std::string name;
  std::vector<std::string> args;
  std::vector<std::string> expected;  // output, grad_input[, grad_weight] as printed
};

void PrintTo(const LectureCase& c, std::ostream* os) { *os << c.name; }

class CliLecture : public Cli, public testing::WithParamInterface<LectureCase> {};

TEST_P(CliLecture, EvalPrintsTheLectureOutputAndTheGradient) {
  EXPECT_EQ(ok(GetParam().args), joined(GetParam().expected));
}

// Outputs: the lecture's PyTorch prints without grad_fn. Gradients (upstream
// ones): tanh' = sech^2, sech^2(5) = 1.8158e-04 (the 1e4 spread puts PyTorch
// in scientific notation); relu'(0) = 0; leaky'(x <= 0) = 0.3; elu'(x <= 0) =
// alpha e^x, e^-5 = 0.0067; prelu dx(x <= 0) = w = 0.25, dw = -5 + 0.
INSTANTIATE_TEST_SUITE_P(
    Lecture, CliLecture,
    testing::Values(
        LectureCase{"tanh",
                    {"eval", "tanh", "-5", "0", "5"},
                    {"tensor([-0.9999,  0.0000,  0.9999])", "tensor([1.8158e-04, 1.0000e+00, 1.8158e-04])"}},
        LectureCase{"relu", {"eval", "relu", "-5", "0", "5"}, {"tensor([0., 0., 5.])", "tensor([0., 0., 1.])"}},
        LectureCase{"leaky_relu",
                    {"eval", "leaky_relu", "--negative-slope", "0.3", "-5", "0", "5"},
                    {"tensor([-1.5000,  0.0000,  5.0000])", "tensor([0.3000, 0.3000, 1.0000])"}},
        LectureCase{"elu",
                    {"eval", "elu", "--alpha", "1", "-5", "0", "5"},
                    {"tensor([-0.9933,  0.0000,  5.0000])", "tensor([0.0067, 1.0000, 1.0000])"}},
        LectureCase{"prelu",
                    {"eval", "prelu", "-5", "0", "5"},
                    {"tensor([-1.2500,  0.0000,  5.0000])", "tensor([0.2500, 0.2500, 1.0000])", "tensor([-5.])"}},
        // One-hot upstream at column 0: dx_j = y_0 (delta_0j - y_j), from the
        // lecture's y: row 0 [0.1012, -0.0048, -0.0964], row 1 [0.2490, -0.0297, -0.2193].
        LectureCase{"softmax",
                    {"eval", "softmax", "--dim", "1", "--grad-output", "[[1,0,0],[1,0,0]]",
                     "[[2.0,1.0,4],[5.0,3.0,5.0]]"},
                    {"tensor([[0.1142, 0.0420, 0.8438],", "        [0.4683, 0.0634, 0.4683]])",
                     "tensor([[ 0.1012, -0.0048, -0.0964],", "        [ 0.2490, -0.0297, -0.2193]])"}}),
    [](const testing::TestParamInfo<LectureCase>& info) { return info.param.name; });

TEST_F(Cli, EvalSoftmaxDefaultsToPyTorchsImplicitDim) {
  // 2-D: dim 1, as in the lecture; 1-D: dim 0, softmax(0, 0) = (1/2, 1/2).
  EXPECT_EQ(lines_of(ok({"eval", "softmax", "[[2.0,1.0,4],[5.0,3.0,5.0]]"}))[0],
            "tensor([[0.1142, 0.0420, 0.8438],");
  EXPECT_EQ(lines_of(ok({"eval", "softmax", "0", "0"}))[0], "tensor([0.5000, 0.5000])");
}

// ---- eval --json ----

TEST_F(Cli, JsonHoldsNestedOutputAndGradient) {
  const json j = ok_json({"eval", "softmax", "--dim", "1", "--json", "--grad-output", "[[1,0,0],[1,0,0]]",
                          "[[2.0,1.0,4],[5.0,3.0,5.0]]"});
  EXPECT_EQ(j["function"], "softmax");
  EXPECT_EQ(j["dtype"], "float32");
  EXPECT_EQ(j["shape"], json::parse("[2, 3]"));
  EXPECT_EQ(j["params"]["dim"], 1);
  const double x[2][3] = {{2, 1, 4}, {5, 3, 5}};
  ASSERT_EQ(j["output"].size(), 2u);
  for (int r = 0; r < 2; ++r) {
    ASSERT_EQ(j["output"][r].size(), 3u);
    const double sum = std::exp(x[r][0]) + std::exp(x[r][1]) + std::exp(x[r][2]);
    const double y0 = std::exp(x[r][0]) / sum;
    for (int c = 0; c < 3; ++c) {
      const double y = std::exp(x[r][c]) / sum;
      EXPECT_NEAR(j["output"][r][c].get<double>(), y, 1e-6);
      EXPECT_NEAR(j["grad_input"][r][c].get<double>(), y0 * ((c == 0) - y), 1e-6);
    }
  }
  EXPECT_FALSE(j.contains("grad_weight"));
}

TEST_F(Cli, JsonNumbersRoundTripFloat32) {
  const std::string out = ok({"eval", "relu", "--json", "0.1", "0.3333333333", "-2.5"});
  EXPECT_NE(out.find("0.100000001"), std::string::npos) << out;  // %.9g of float(0.1)
  const json j = json::parse(out);
  EXPECT_EQ(j["shape"], json::parse("[3]"));
  EXPECT_EQ(static_cast<float>(j["output"][0].get<double>()), 0.1f);
  EXPECT_EQ(static_cast<float>(j["output"][1].get<double>()), static_cast<float>(0.3333333333));
  EXPECT_EQ(j["output"][2].get<double>(), 0.0);
  EXPECT_EQ(j["grad_input"], json::parse("[1, 1, 0]"));
}

TEST_F(Cli, JsonNumbersRoundTripFloat64) {
  const std::string out = ok({"eval", "relu", "--dtype", "float64", "--json", "0.1", "0.3333333333"});
  EXPECT_NE(out.find("0.10000000000000001"), std::string::npos) << out;  // %.17g of 0.1
  const json j = json::parse(out);
  EXPECT_EQ(j["dtype"], "float64");
  EXPECT_EQ(j["output"][0].get<double>(), 0.1);
  EXPECT_EQ(j["output"][1].get<double>(), 0.3333333333);
}

TEST_F(Cli, JsonLeakyReluRoundsTheSlopeToFloat32) {
  // The slope is rounded to float first, then one float product, as in PyTorch.
  const json j = ok_json({"eval", "leaky_relu", "--negative-slope", "0.3", "--json", "-5"});
  const float slope = 0.3f;
  EXPECT_EQ(static_cast<float>(j["output"][0].get<double>()), -5.0f * slope);
  EXPECT_EQ(static_cast<float>(j["grad_input"][0].get<double>()), slope);
  EXPECT_EQ(j["params"]["negative_slope"].get<double>(), 0.3);
}

TEST_F(Cli, JsonWritesNonFiniteValuesAsStrings) {
  // relu(nan) = nan, relu(inf) = inf, relu(-inf) = 0; the gradient passes the
  // upstream 1 where not x <= 0 (nan included, as PyTorch's threshold_backward).
  const json expected_output = json::parse(R"(["nan", "inf", 0])");
  const json expected_grad = json::parse("[1, 1, 0]");
  const json plain = ok_json({"eval", "relu", "--json", "nan", "inf", "-inf"});
  EXPECT_EQ(plain["output"], expected_output);
  EXPECT_EQ(plain["grad_input"], expected_grad);
  const json quoted = ok_json({"eval", "relu", "--json", R"(["nan", "inf", "-inf"])"});
  EXPECT_EQ(quoted["output"], expected_output);
}

TEST_F(Cli, JsonPreluHasWeightGradientAndParams) {
  // Channels along dim 1: y = x or w_c x; dx = 1 or w_c; dw_c = sum of x <= 0 in channel c.
  const json j = ok_json({"eval", "prelu", "--weight", "0.1,0.2", "--json", "[[-1,2],[3,-4]]"});
  EXPECT_EQ(j["shape"], json::parse("[2, 2]"));
  EXPECT_EQ(j["params"]["weight"], json::parse("[0.1, 0.2]"));
  const auto f = [&](const char* key, int r, int c) { return static_cast<float>(j[key][r][c].get<double>()); };
  EXPECT_EQ(f("output", 0, 0), -0.1f);
  EXPECT_EQ(f("output", 0, 1), 2.0f);
  EXPECT_EQ(f("output", 1, 0), 3.0f);
  EXPECT_EQ(f("output", 1, 1), -4.0f * 0.2f);
  EXPECT_EQ(f("grad_input", 0, 0), 0.1f);
  EXPECT_EQ(f("grad_input", 1, 1), 0.2f);
  EXPECT_EQ(j["grad_input"][0][1], 1);
  EXPECT_EQ(j["grad_weight"], json::parse("[-1, -4]"));
}

TEST_F(Cli, JsonParamsShowTheValuesUsed) {
  EXPECT_EQ(ok_json({"eval", "leaky_relu", "--json", "1"})["params"]["negative_slope"].get<double>(), 0.01);
  EXPECT_EQ(ok_json({"eval", "elu", "--json", "1"})["params"]["alpha"].get<double>(), 1.0);
  EXPECT_EQ(ok_json({"eval", "softmax", "--json", "[[1,2]]"})["params"]["dim"], 1);  // implicit, 2-D
  EXPECT_EQ(ok_json({"eval", "softmax", "--json", "1", "2"})["params"]["dim"], 0);   // implicit, 1-D
  EXPECT_EQ(ok_json({"eval", "prelu", "--json", "1"})["params"]["weight"], json::parse("[0.25]"));
  EXPECT_EQ(ok_json({"eval", "sigmoid", "--json", "1"})["params"], json::object());
}

// ---- eval: input forms ----

TEST_F(Cli, NegativeAndNonFiniteNumbersAreValuesNotOptions) {
  // leaky_relu with slope 0.5: -inf -> -inf, -.5 -> -0.25, -2 -> -1, -1e-3 -> -5e-4.
  const json j = ok_json({"eval", "leaky_relu", "--negative-slope", "0.5", "--json", "-inf", "-.5", "-2", "-1e-3"});
  EXPECT_EQ(j["output"][0], "-inf");
  EXPECT_EQ(j["output"][1].get<double>(), -0.25);
  EXPECT_EQ(j["output"][2].get<double>(), -1.0);
  EXPECT_EQ(static_cast<float>(j["output"][3].get<double>()), -0.001f * 0.5f);
  EXPECT_EQ(j["params"]["negative_slope"].get<double>(), 0.5);
}

TEST_F(Cli, SeparatorAndOptionsAfterValuesAreAccepted) {
  const std::string sigmoid = "tensor([0.0067, 0.5000, 0.9933])\ntensor([0.0066, 0.2500, 0.0066])\n";
  EXPECT_EQ(ok({"eval", "sigmoid", "--", "-5", "0", "5"}), sigmoid);
  EXPECT_EQ(json::parse(ok({"eval", "sigmoid", "-5", "0", "5", "--json"}))["shape"], json::parse("[3]"));
}

TEST_F(Cli, ASingleNumberIsOneDimensional) {
  EXPECT_EQ(ok_json({"eval", "relu", "--json", "3"})["shape"], json::parse("[1]"));
  EXPECT_EQ(ok({"eval", "relu", "3"}), "tensor([3.])\ntensor([1.])\n");
}

TEST_F(Cli, ReadsValuesFromFiles) {
  const TempFile nested("[[2.0, 1.0, 4],\n [5.0, 3.0, 5.0]]\n");
  EXPECT_EQ(lines_of(ok({"eval", "softmax", "--dim", "1", "@" + nested.path()}))[1],
            "        [0.4683, 0.0634, 0.4683]])");
  const TempFile numbers("-5\n0\t5\n");
  EXPECT_EQ(lines_of(ok({"eval", "sigmoid", "@" + numbers.path()}))[0], "tensor([0.0067, 0.5000, 0.9933])");
}

TEST_F(Cli, ReadsValuesFromStandardInput) {
  EXPECT_EQ(lines_of(ok({"eval", "sigmoid", "-"}, "-5 0 5\n"))[0], "tensor([0.0067, 0.5000, 0.9933])");
  EXPECT_EQ(ok_json({"eval", "relu", "--json", "-"}, "[[1, -2], [3, 4]]")["shape"], json::parse("[2, 2]"));
}

TEST_F(Cli, GradOutputScalesTheGradient) {
  // relu' = 1 at x > 0, so the gradient is G itself.
  const std::string expected_grad = "tensor([1.0000, 0.5000, 2.0000])";
  EXPECT_EQ(lines_of(ok({"eval", "relu", "--grad-output", "1,0.5,2", "1", "2", "3"}))[1], expected_grad);
  EXPECT_EQ(lines_of(ok({"eval", "relu", "--grad-output", "[1,0.5,2]", "1", "2", "3"}))[1], expected_grad);
  EXPECT_EQ(lines_of(ok({"eval", "relu", "--grad-output", "-", "1", "2", "3"}, "1 0.5 2"))[1], expected_grad);
  const TempFile g("[1, 0.5, 2]");
  EXPECT_EQ(lines_of(ok({"eval", "relu", "--grad-output", "@" + g.path(), "1", "2", "3"}))[1], expected_grad);
}

TEST_F(Cli, Float64PrintsItsDtype) {
  EXPECT_EQ(ok({"eval", "relu", "--dtype", "float64", "-1", "2"}),
            "tensor([0., 2.], dtype=torch.float64)\ntensor([0., 1.], dtype=torch.float64)\n");
}

// ---- bad input: exit 2, nothing on stdout, one line on stderr naming the problem ----

struct BadCase {
  std::string name;
  std::vector<std::string> args;
  std::string mentions;
  std::string input = "";
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class CliBadInput : public Cli, public testing::WithParamInterface<BadCase> {};

TEST_P(CliBadInput, FailsWithExitTwoAndOneLine) {
  const Result r = run(GetParam().args, GetParam().input);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with("activa: error: ")) << r.err;
  EXPECT_NE(r.err.find(GetParam().mentions), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, CliBadInput,
    testing::Values(
        BadCase{"UnknownFunction", {"eval", "swish", "1"}, "swish"},
        BadCase{"UnknownCommand", {"frobnicate"}, "frobnicate"},
        BadCase{"MissingCommand", {}, "command"},
        BadCase{"UnknownTopLevelOption", {"--frob"}, "--frob"},
        BadCase{"UnparsableNumber", {"eval", "sigmoid", "1", "1.2.3"}, "1.2.3"},
        BadCase{"UnparsableNumberInList", {"eval", "sigmoid", "1,x,3"}, "'x'"},
        BadCase{"RaggedArray", {"eval", "sigmoid", "[[1,2],[3]]"}, "ragged"},
        BadCase{"MixedDepthArray", {"eval", "sigmoid", "[1,[2]]"}, "ragged"},
        BadCase{"UnterminatedArray", {"eval", "sigmoid", "[[1,2],[3,4]"}, "JSON"},
        BadCase{"NonNumberInArray", {"eval", "sigmoid", "[1,true]"}, "true"},
        BadCase{"MissingFile", {"eval", "sigmoid", "@/nonexistent/values.json"}, "/nonexistent/values.json"},
        BadCase{"NoValues", {"eval", "sigmoid"}, "VALUES"},
        BadCase{"EmptyStandardInput", {"eval", "sigmoid", "-"}, "no numbers"},
        BadCase{"DimOutOfRange", {"eval", "softmax", "--dim", "2", "[[1,2],[3,4]]"}, "out of range"},
        BadCase{"DimNotAnInteger", {"eval", "softmax", "--dim", "one", "[[1,2]]"}, "--dim"},
        BadCase{"PreluWeightCountOtherThanChannels",
                {"eval", "prelu", "--weight", "1,2,3", "[[1,2],[3,4]]"}, "channel size = 2"},
        BadCase{"PreluWeightsWithoutChannelDim", {"eval", "prelu", "--weight", "1,2", "1", "2"}, "weight"},
        BadCase{"ParameterNotTaken", {"eval", "relu", "--alpha", "1", "1"}, "relu takes no parameter --alpha"},
        BadCase{"OtherOpsParameter", {"eval", "leaky_relu", "--dim", "0", "1"}, "--dim"},
        BadCase{"WeightForPointwise", {"eval", "sigmoid", "--weight", "1", "1"}, "--weight"},
        BadCase{"UnknownOption", {"eval", "sigmoid", "--frob", "1"}, "--frob"},
        BadCase{"OptionMissingItsValue", {"eval", "sigmoid", "1", "--dtype"}, "--dtype"},
        BadCase{"UnknownDtype", {"eval", "sigmoid", "--dtype", "float16", "1"}, "float16"},
        BadCase{"GradOutputOfOtherLength", {"eval", "sigmoid", "--grad-output", "1,2", "1", "2", "3"},
                "--grad-output"},
        BadCase{"GradOutputOfOtherShape", {"eval", "relu", "--grad-output", "1,1", "[[1,2]]"}, "--grad-output"},
        BadCase{"StandardInputTwice", {"eval", "relu", "--grad-output", "-", "-"}, "standard input", "1"},
        BadCase{"NumberBeyondDouble", {"eval", "relu", "1e400"}, "1e400"},
        BadCase{"ExtraArgumentToList", {"list", "everything"}, "everything"}),
    [](const testing::TestParamInfo<BadCase>& info) { return info.param.name; });

// ---- list, tour, --help, --version ----

TEST_F(Cli, ListShowsEveryFunctionWithItsParametersAndFormulas) {
  const std::string out = ok({"list"});
  for (const char* name : {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu", "softmax"}) {
    EXPECT_NE(out.find(std::string(name) + " ("), std::string::npos) << name;
  }
  for (const char* text : {"--negative-slope", "0.01", "--alpha", "--weight", "0.25", "--dim"}) {
    EXPECT_NE(out.find(text), std::string::npos) << text;
  }
  activa::AllOps::for_each([&]<class Op>() {
    EXPECT_NE(out.find(Op::info.formula), std::string::npos) << Op::info.name;
    EXPECT_NE(out.find(Op::info.derivative), std::string::npos) << Op::info.name;
  });
}

TEST_F(Cli, TourPrintsTheLectureOutputsInOrder) {
  // The lecture's PyTorch output, line by line, in the lecture's order.
  const std::vector<std::string> expected = {
      "tensor([0.0067, 0.5000, 0.9933], grad_fn=<SigmoidBackward0>)",
      "tensor([-0.9999,  0.0000,  0.9999], grad_fn=<TanhBackward0>)",
      "tensor([0., 0., 5.], grad_fn=<ReluBackward0>)",
      "tensor([-1.5000,  0.0000,  5.0000], grad_fn=<LeakyReluBackward0>)",
      "tensor([-0.9933,  0.0000,  5.0000], grad_fn=<EluBackward0>)",
      "tensor([-1.2500,  0.0000,  5.0000], grad_fn=<PreluKernelBackward0>)",
      "tensor([[0.1142, 0.0420, 0.8438],",
      "        [0.4683, 0.0634, 0.4683]], grad_fn=<SoftmaxBackward0>)",
  };
  const std::vector<std::string> lines = lines_of(ok({"tour"}));
  auto at = lines.begin();
  for (const std::string& line : expected) {
    at = std::find(at, lines.end(), line);
    EXPECT_NE(at, lines.end()) << "missing or out of order: " << line;
    if (at == lines.end()) return;
  }
  // The prelu weight's gradient: the sum of x over x <= 0, -5 + 0.
  EXPECT_NE(std::find(lines.begin(), lines.end(), "tensor([-5.])"), lines.end());
}

TEST_F(Cli, VersionPrintsTheLibraryVersion) {
  EXPECT_EQ(ok({"--version"}), std::string("activa ") + activa::kVersion + "\n");
}

TEST_F(Cli, HelpOnEveryCommandHasAnExample) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--help"}, {"list", "--help"}, {"eval", "--help"}, {"tour", "--help"}}) {
    const std::string out = ok(args);
    EXPECT_NE(out.find("Usage:"), std::string::npos) << args[0];
    EXPECT_NE(out.find("Example"), std::string::npos) << args[0];
  }
}

}  // namespace
