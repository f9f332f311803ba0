// `activa bench` (ACTIVA_CLI) on tiny configurations: the table's and the
// JSON's shape, a row per function of the list (activa/ops/all.h) and
// direction, positive rates; bad options exit 2 with one line on stderr and
// nothing on stdout. Rates are timings, so only their sign is checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/kernels.h"
#include "activa/ops/all.h"
#include "process.h"

namespace {

#ifdef ACTIVA_CLI
constexpr const char* kCli = ACTIVA_CLI;
#else
constexpr const char* kCli = "";
#endif

using activa::test::Result;
using nlohmann::json;

// Runs the command with `args`.
Result run(std::vector<std::string> args) { return activa::test::run_program(kCli, std::move(args)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The cells of a Markdown table row "| a | b |", trimmed.
std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream in(line);
  std::string cell;
  std::getline(in, cell, '|');  // before the first '|'
  while (std::getline(in, cell, '|')) {
    const std::size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  return cells;
}

class BenchCli : public testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kCli).empty()) GTEST_SKIP() << "the activa command is not built (ACTIVA_BUILD_CLI=OFF)";
  }
  static std::string ok(std::vector<std::string> args) {
    const Result r = run(std::move(args));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }
};

TEST_F(BenchCli, TablePrintsOneRowPerDirectionWithPositiveRates) {
  const std::vector<std::string> lines =
      lines_of(ok({"bench", "--sizes", "4Ki", "--threads", "1", "--functions", "relu"}));
  std::vector<std::vector<std::string>> table;
  for (const std::string& l : lines) {
    if (l.starts_with('|')) table.push_back(cells_of(l));
  }
  ASSERT_EQ(table.size(), 4u) << "header, separator, forward, backward";
  EXPECT_EQ(table[0], (std::vector<std::string>{"function", "direction", "size", "cols", "threads", "Gelem/s",
                                                "limit Gelem/s", "% of limit"}));
  const char* directions[] = {"forward", "backward"};
  for (int i = 0; i < 2; ++i) {
    const std::vector<std::string>& row = table[2 + i];
    ASSERT_EQ(row.size(), 8u);
    EXPECT_EQ(row[0], "relu");
    EXPECT_EQ(row[1], directions[i]);
    EXPECT_EQ(row[2], "4Ki");
    EXPECT_EQ(row[3], "-");
    EXPECT_EQ(row[4], "1");
    EXPECT_GT(std::stod(row[5]), 0) << row[5];
    EXPECT_GT(std::stod(row[6]), 0) << row[6];
    EXPECT_TRUE(row[7].ends_with('%')) << row[7];
  }
}

TEST_F(BenchCli, JsonHasARowPerFunctionOfTheListAndDirection) {
  const json j = json::parse(
      ok({"bench", "--sizes", "4Ki", "--threads", "1", "--cols", "10", "--json"}));
  ASSERT_TRUE(j.is_array());
  std::set<std::string> seen;
  for (const json& row : j) {
    const std::string function = row.at("function");
    seen.insert(function + "/" + row.at("direction").get<std::string>());
    EXPECT_EQ(row.at("dtype"), "float32");
    EXPECT_EQ(row.at("threads"), 1);
    EXPECT_GT(row.at("gelem_per_s").get<double>(), 0) << function;
    EXPECT_GT(row.at("limit_gelem_per_s").get<double>(), 0) << function;
    bool row_wise = false;
    activa::AllOps::visit(function, [&]<class Op>() { row_wise = Op::info.kind == activa::Kind::along_dim; });
    if (row_wise) {
      EXPECT_EQ(row.at("cols"), 10);
      EXPECT_EQ(row.at("n"), 4090) << "whole rows of 10 in 4Ki";
    } else {
      EXPECT_FALSE(row.contains("cols")) << function;
      EXPECT_EQ(row.at("n"), 4096);
    }
  }
  std::set<std::string> expected;
  activa::AllOps::for_each([&]<class Op>() {
    expected.insert(std::string(Op::info.name) + "/forward");
    expected.insert(std::string(Op::info.name) + "/backward");
    if constexpr (activa::DerivesFromOutput<Op>) expected.insert(std::string(Op::info.name) + "/backward_y");
  });
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(j.size(), expected.size());
}

TEST_F(BenchCli, Float64AndSeveralThreads) {
  const json j = json::parse(ok({"bench", "--sizes", "1000", "--threads", "1,2", "--functions", "sigmoid",
                                 "--dtype", "float64", "--json"}));
  ASSERT_EQ(j.size(), 6u) << "forward, backward, backward_y on 1 and 2 threads";
  for (const json& row : j) {
    EXPECT_EQ(row.at("dtype"), "float64");
    EXPECT_EQ(row.at("n"), 1000);
    EXPECT_GT(row.at("gelem_per_s").get<double>(), 0);
  }
  EXPECT_EQ(j[2].at("direction"), "backward_y");
  EXPECT_EQ(j[0].at("threads"), 1);
  EXPECT_EQ(j[5].at("threads"), 2);
}

// --parallel-threshold moves the threads' cut-over for the run, and the header
// says so; without it, no such line.
TEST_F(BenchCli, ParallelThresholdOptionIsStatedInTheHeader) {
  const std::string forced = ok({"bench", "--sizes", "1000", "--threads", "1,2", "--functions", "relu",
                                 "--parallel-threshold", "0"});
  EXPECT_NE(forced.find("threads: from 0 units of work (--parallel-threshold; default " +
                        std::to_string(activa::kernels::kDefaultParallelThreshold) + ")."),
            std::string::npos)
      << forced;
  const std::string plain = ok({"bench", "--sizes", "1000", "--threads", "1", "--functions", "relu"});
  EXPECT_EQ(plain.find("threads: from"), std::string::npos) << plain;
  const json j = json::parse(ok({"bench", "--sizes", "1000", "--threads", "2", "--functions", "relu",
                                 "--parallel-threshold", "32Ki", "--json"}));
  EXPECT_EQ(j.size(), 2u);
}

// --prelu-inner I runs prelu on [n/(64 I), 64, I]: the header names the
// layout, the JSON rows carry its inner size ([1, 1, n] where 64 I does not
// divide n, as the header says).
TEST_F(BenchCli, PreluInnerOptionSetsTheLayout) {
  const std::string plain = ok({"bench", "--sizes", "4Ki", "--threads", "1", "--functions", "prelu"});
  EXPECT_NE(plain.find("prelu: on [n/4096, 64, 64] with 64 weights"), std::string::npos) << plain;
  const std::string rows = ok({"bench", "--sizes", "4Ki", "--threads", "1", "--functions", "prelu", "--prelu-inner", "1"});
  EXPECT_NE(rows.find("prelu: on [n/64, 64] with 64 weights"), std::string::npos) << rows;
  for (const auto& [inner, expected] : {std::pair{"1", 1}, {"4", 4}, {"3", 4096}}) {
    const json j = json::parse(ok({"bench", "--sizes", "4Ki", "--threads", "1", "--functions", "prelu",
                                   "--prelu-inner", inner, "--json"}));
    ASSERT_EQ(j.size(), 2u) << "forward, backward";
    for (const json& row : j) {
      EXPECT_EQ(row.at("inner"), expected) << "--prelu-inner " << inner;
      EXPECT_EQ(row.at("n"), 4096);
      EXPECT_GT(row.at("gelem_per_s").get<double>(), 0);
    }
  }
  const std::string other = ok({"bench", "--sizes", "4Ki", "--threads", "1", "--functions", "relu"});
  EXPECT_EQ(other.find("prelu: on"), std::string::npos) << other;
}

// --target times the kernels of that target: the header names it, for every
// target this CPU has.
TEST_F(BenchCli, TargetOptionTimesThatTarget) {
  for (const std::string& target : activa::kernels::targets()) {
    const std::string out =
        ok({"bench", "--sizes", "1000", "--threads", "1", "--functions", "sigmoid", "--target", target});
    EXPECT_NE(out.find("(SIMD target " + target + ")"), std::string::npos) << out;
  }
}

class BenchCliBadInput : public BenchCli, public testing::WithParamInterface<std::vector<std::string>> {};

TEST_P(BenchCliBadInput, ExitsTwoWithOneLineOnStderrAndNothingOnStdout) {
  // A tiny valid command line with the parameter's option in place of its own.
  std::vector<std::string> args = {"bench"};
  const std::vector<std::string>& bad = GetParam();
  for (const std::string& option : {"--sizes", "--threads", "--functions"}) {
    if (std::find(bad.begin(), bad.end(), option) == bad.end()) {
      args.push_back(option);
      args.push_back(std::string(option) == "--functions" ? "relu" : "1");
    }
  }
  args.insert(args.end(), bad.begin(), bad.end());
  const Result r = run(args);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with("activa: error: ")) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Options, BenchCliBadInput,
    testing::Values(std::vector<std::string>{"--functions", "swish"},
                    std::vector<std::string>{"--functions", "relu,"},
                    std::vector<std::string>{"--sizes", "0"},
                    std::vector<std::string>{"--sizes", "4KB"},
                    std::vector<std::string>{"--sizes", "-4Ki"},
                    std::vector<std::string>{"--sizes", "4Ki", "--sizes", "16Mi"},
                    std::vector<std::string>{"--sizes", "4Ki,,16Mi"},
                    std::vector<std::string>{"--threads", "0"},
                    std::vector<std::string>{"--threads", "two"},
                    std::vector<std::string>{"--cols", "0"},
                    std::vector<std::string>{"--dtype", "float16"},
                    std::vector<std::string>{"--target", "AVX1024"},
                    std::vector<std::string>{"--target", "avx2"},
                    std::vector<std::string>{"--parallel-threshold", "-1"},
                    std::vector<std::string>{"--parallel-threshold", "many"},
                    std::vector<std::string>{"--prelu-inner", "0"},
                    std::vector<std::string>{"--prelu-inner", "wide"},
                    std::vector<std::string>{"--bogus"},
                    std::vector<std::string>{"extra"}));

}  // namespace
