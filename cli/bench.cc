// activa bench: times activa's kernels on this machine, forward and backward,
// against the bandwidth limit measured on the spot: the fastest
// read-1-write-1 kernel (for forward: read x, write y) or read-2-write-1
// kernel (for backward: read the saved tensor and grad_output, write
// grad_input), with and without streaming stores, at the same size and
// element type on up to as many threads (bench/support/bandwidth.h). Prints
// the table of the comparison benchmark (bench/compare.cc) without its
// baselines, or with --json one object per row. Every option is checked
// before anything runs.
#include <algorithm>
#include <array>
#include <cstdio>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/error.h"
#include "activa/kernels.h"
#include "bench/support/bandwidth.h"
#include "bench/support/buffer.h"
#include "bench/support/table.h"
#include "bench/support/timing.h"
#include "bench/support/workload.h"
#include "cli/command.h"
#include "cli/op_options.h"

namespace activa::cli {
namespace {

using bench::Direction;

// The command line of one `bench`, as CLI11 fills it.
struct BenchArgs {
  std::string functions = "all";
  std::string sizes = "4Ki,256Ki,16Mi";
  std::string threads;  // default: 1 and kernels::num_threads()
  std::string cols = "10,1000,100000";
  std::string dtype = "float32";
  std::string target;  // default: the best this CPU has
  std::string parallel_threshold;  // default: kernels::parallel_threshold()
  std::string prelu_inner;  // default: bench::kPreluInner
  bool json = false;
};

// What to run, once the options are checked.
struct Plan {
  std::vector<std::string> functions;
  std::vector<std::int64_t> sizes, cols;
  std::vector<int> threads;
  DType dtype = DType::float32;
  std::string target;  // empty: the best
  std::int64_t parallel_threshold = 0;
  std::int64_t prelu_inner = bench::kPreluInner;
};

struct Row {
  bench::Case c;
  std::int64_t elements = 0;
  double gelem_per_s = 0, limit_gelem_per_s = 0;
};

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::vector<std::string> split_list(std::string_view option, std::string_view text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string item(text.substr(start, comma - start));
    if (item.empty()) throw Error("bench: " + std::string(option) + " has an empty item in " + in_quotes(text));
    items.push_back(std::move(item));
    if (comma == text.size()) return items;
    start = comma + 1;
  }
}

std::vector<std::int64_t> parse_counts(std::string_view option, std::string_view text, std::string_view examples) {
  std::vector<std::int64_t> out;
  for (const std::string& item : split_list(option, text)) {
    const auto n = bench::parse_size(item);
    if (!n) {
      throw Error("bench: " + std::string(option) + ": " + in_quotes(item) + " is not a positive count (e.g. " +
                  std::string(examples) + ")");
    }
    if (std::find(out.begin(), out.end(), *n) == out.end()) out.push_back(*n);
  }
  return out;
}

// "AVX3, AVX2, SSE4, SSSE3, SCALAR": this CPU's SIMD targets, best first.
std::string target_names() {
  std::string names;
  for (const std::string& t : kernels::targets()) names += (names.empty() ? "" : ", ") + t;
  return names;
}

Plan plan_of(const BenchArgs& args) {
  Plan plan;
  const std::vector<std::string> known = bench::function_names();
  if (args.functions == "all") {
    plan.functions = known;
  } else {
    for (const std::string& f : split_list("--functions", args.functions)) {
      if (std::find(known.begin(), known.end(), f) == known.end()) {
        throw Error("bench: unknown function " + in_quotes(f) + " (expected all or some of: " + function_names() +
                    ")");
      }
      if (std::find(plan.functions.begin(), plan.functions.end(), f) == plan.functions.end()) {
        plan.functions.push_back(f);
      }
    }
  }
  plan.sizes = parse_counts("--sizes", args.sizes, "1000, 4Ki, 16Mi");
  plan.cols = parse_counts("--cols", args.cols, "10, 1000");
  const std::string threads =
      args.threads.empty() ? "1," + std::to_string(kernels::num_threads()) : args.threads;
  for (const std::int64_t t : parse_counts("--threads", threads, "1, 2")) {
    if (t > 1024) throw Error("bench: --threads: " + std::to_string(t) + " is more than 1024");
    plan.threads.push_back(static_cast<int>(t));
  }
  std::sort(plan.threads.begin(), plan.threads.end());  // the limit of t threads builds on fewer
  if (args.dtype == "float32") {
    plan.dtype = DType::float32;
  } else if (args.dtype == "float64") {
    plan.dtype = DType::float64;
  } else {
    throw Error("bench: unknown dtype " + in_quotes(args.dtype) + " (expected float32 or float64)");
  }
  if (!args.target.empty()) {
    const std::vector<std::string> targets = kernels::targets();
    if (std::find(targets.begin(), targets.end(), args.target) == targets.end()) {
      throw Error("bench: --target: " + in_quotes(args.target) + " is not a SIMD target of this CPU (it has: " +
                  target_names() + ")");
    }
    plan.target = args.target;
  }
  plan.parallel_threshold = kernels::parallel_threshold();
  if (!args.parallel_threshold.empty()) {
    const std::string& text = args.parallel_threshold;
    const auto n = text == "0" ? std::optional<std::int64_t>(0) : bench::parse_size(text);
    if (!n) {
      throw Error("bench: --parallel-threshold: " + in_quotes(text) +
                  " is not a count of work units (0, or e.g. 1000, 32Ki)");
    }
    plan.parallel_threshold = *n;
  }
  if (!args.prelu_inner.empty()) {
    const auto inner = bench::parse_prelu_inner(args.prelu_inner);
    if (!inner) {
      throw Error("bench: --prelu-inner: " + in_quotes(args.prelu_inner) +
                  " is not an element count from 1 to 1Gi (e.g. 1, 64)");
    }
    plan.prelu_inner = *inner;
  }
  return plan;
}

constexpr bench::TimingOptions kTiming{.min_seconds = 0.1, .min_batches = 3};

template <class T>
std::vector<Row> measure(const Plan& plan) {
  const std::int64_t max_n = *std::max_element(plan.sizes.begin(), plan.sizes.end());
  const int max_threads = *std::max_element(plan.threads.begin(), plan.threads.end());
  std::vector<bench::Buffer<T>> buffers;
  try {
    for (int i = 0; i < 3; ++i) buffers.emplace_back(static_cast<std::size_t>(max_n));
  } catch (const std::bad_alloc&) {
    throw Error("bench: --sizes: cannot allocate 3 buffers of " + bench::size_text(max_n) + " elements");
  }
  bench::Buffer<T> weight(bench::kPreluChannels), grad_weight(bench::kPreluChannels);
  bench::fill_uniform(buffers[0].span(), -6, 6, 1, max_threads);  // both branches of every op
  bench::fill_uniform(buffers[1].span(), -1, 1, 2, max_threads);
  bench::fill_uniform(buffers[2].span(), 0, 0, 3, max_threads);  // touched before timing
  const bench::Operands<T> operands{buffers[0].span(), buffers[1].span(), buffers[2].span(), weight.span(),
                                    grad_weight.span()};

  std::vector<Row> rows;
  // Per size, the limit of each direction so far: the fastest bandwidth kernel
  // of its traffic on up to this many threads (what t threads can move, fewer
  // can too: a measurement disturbed by another process does not lower it).
  std::vector<std::array<double, 2>> limits(plan.sizes.size(), {0, 0});
  for (int threads : plan.threads) {
    kernels::set_num_threads(threads);
    for (std::size_t size_index = 0; size_index < plan.sizes.size(); ++size_index) {
      const std::int64_t n = plan.sizes[size_index];
      std::array<double, 2>& limit = limits[size_index];
      const auto floats = static_cast<std::size_t>(n) * sizeof(T) / sizeof(float);
      const int t = bench::effective_threads(n, threads);
      for (const bench::BandwidthKernel& k : bench::bandwidth_kernels()) {
        const auto* a = reinterpret_cast<const float*>(operands.x.data());
        const auto* b = reinterpret_cast<const float*>(operands.grad_output.data());
        auto* c = reinterpret_cast<float*>(operands.out.data());
        const double s = bench::best_seconds_per_call([&] { bench::run_bandwidth(k, a, b, c, floats, t); }, kTiming);
        double& l = limit[k.traffic == bench::Traffic::read1_write1 ? 0 : 1];
        l = std::max(l, bench::gelem_per_s(static_cast<double>(n), s));
      }
      for (const std::string& function : plan.functions) {
        for (const bench::Case& c : bench::cases_of(function, n, threads, plan.cols)) {
          const auto run = bench::activa_kernel<T>(c, operands);
          const std::int64_t elements = bench::elements(c);
          const double s = bench::best_seconds_per_call(run, kTiming);
          rows.push_back({c, elements, bench::gelem_per_s(static_cast<double>(elements), s),
                          limit[c.direction == Direction::forward ? 0 : 1]});
        }
      }
    }
  }
  return rows;
}

// "sigmoid, tanh, elu": the functions with a backward from the output.
std::string from_output_names() {
  std::string names;
  AllOps::for_each([&]<class Op>() {
    if constexpr (DerivesFromOutput<Op>) names += (names.empty() ? "" : ", ") + std::string(Op::info.name);
  });
  return names;
}

std::string to_text(const Plan& plan, const std::vector<Row>& rows) {
  std::ostringstream os;
  os << "activa bench: " << dtype_name(plan.dtype) << " on " << bench::cpu_model() << " (SIMD target "
     << kernels::current_target() << "); Gelem/s = 10^9 elements per second, best of repeated runs.\n"
     << "backward_y: backward from the saved output (" << from_output_names()
     << "), as PyTorch's autograd computes it.\n"
     << "limit: the fastest read-1-write-1 (forward) or read-2-write-1 (backward) bandwidth kernel, same size, "
        "on up to as many threads.\n";
  if (std::find(plan.functions.begin(), plan.functions.end(), "prelu") != plan.functions.end()) {
    os << "prelu: on " << bench::prelu_layout_text() << " with " << bench::kPreluChannels
       << " weights ([1, 1, n] with one where that does not divide n).\n";
  }
  if (plan.parallel_threshold != kernels::kDefaultParallelThreshold) {
    os << "threads: from " << plan.parallel_threshold << " units of work (--parallel-threshold; default "
       << kernels::kDefaultParallelThreshold << ").\n";
  }
  os << '\n';
  bench::Table table({"<function", "<direction", "size", "cols", "threads", "Gelem/s", "limit Gelem/s",
                      "% of limit"});
  for (const Row& r : rows) {
    table.add_row({r.c.function, std::string(bench::direction_name(r.c.direction)), bench::size_text(r.c.n),
                   r.c.cols > 0 ? std::to_string(r.c.cols) : "-", std::to_string(r.c.threads),
                   bench::fixed(r.gelem_per_s, 3), bench::fixed(r.limit_gelem_per_s, 3),
                   bench::fixed(100 * r.gelem_per_s / r.limit_gelem_per_s, 0) + "%"});
  }
  os << table.markdown();
  return std::move(os).str();
}

// A JSON array with one object per row, one row a line.
std::string to_json(const Plan& plan, const std::vector<Row>& rows) {
  std::string s = "[\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    nlohmann::ordered_json j;
    j["function"] = r.c.function;
    j["direction"] = bench::direction_name(r.c.direction);
    j["dtype"] = dtype_name(plan.dtype);
    j["n"] = r.elements;
    if (bench::is_row_wise(r.c.function)) j["cols"] = r.c.cols;
    if (r.c.function == "prelu") j["inner"] = bench::prelu_layout(r.c.n).inner;
    j["threads"] = r.c.threads;
    j["gelem_per_s"] = r.gelem_per_s;
    j["limit_gelem_per_s"] = r.limit_gelem_per_s;
    s += "  " + j.dump() + (i + 1 < rows.size() ? ",\n" : "\n");
  }
  return s + "]\n";
}

}  // namespace

Command add_bench(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand(
      "bench", "Time activa's kernels on this machine against its memory bandwidth, measured now.");
  auto args = std::make_shared<BenchArgs>();
  app->add_option("--functions", args->functions, "comma list of functions, or all (default all)")
      ->type_name("LIST");
  app->add_option("--sizes", args->sizes, "comma list of element counts: 1000, 4Ki, 16Mi (default 4Ki,256Ki,16Mi)")
      ->type_name("LIST");
  app->add_option("--threads", args->threads, "comma list of thread counts (default 1 and the number of cores)")
      ->type_name("LIST");
  app->add_option("--cols", args->cols,
                  "row lengths of row-wise functions (softmax), those that fit a size (default 10,1000,100000)")
      ->type_name("LIST");
  app->add_option("--dtype", args->dtype, "element type: float32 or float64 (default float32)")->type_name("TYPE");
  app->add_option("--target", args->target,
                  "SIMD target to time, one this CPU has: " + target_names() + " (default the first, the best)")
      ->type_name("NAME");
  app->add_option("--parallel-threshold", args->parallel_threshold,
                  "work (in elements of relu's forward) from which kernels use threads: 0 for any work, to "
                  "see where two threads start to pay (default " +
                      std::to_string(kernels::kDefaultParallelThreshold) + ")")
      ->type_name("WORK");
  app->add_option("--prelu-inner", args->prelu_inner,
                  "prelu's inner size I: it runs on [n/(64 I), 64, I]; 1 for a batch of 64 features, as after a "
                  "linear layer (default 64)")
      ->type_name("I");
  app->add_flag("--json", args->json,
                "print a JSON array, one object per row: function, direction, dtype, n (elements), cols "
                "(row-wise functions), inner (prelu), threads, gelem_per_s, limit_gelem_per_s");
  app->footer(
      "Each row: one function, direction, size (and row length), thread count; its rate in Gelem/s\n"
      "(10^9 elements per second) and the bandwidth limit: the fastest plain loop moving the same\n"
      "bytes (copy for forward, a + b for backward, with and without streaming stores). Directions:\n"
      "forward, backward (from what the function saves) and, where a function has it, backward_y\n"
      "(from the saved output, as PyTorch's autograd computes it). prelu runs\n"
      "on [n/4096, 64, 64] with 64 weights (--prelu-inner), softmax on rows of --cols. The default run takes about\n"
      "a minute and needs 3 buffers of the largest size.\n"
      "\n"
      "Examples:\n"
      "  activa bench\n"
      "  activa bench --functions sigmoid,relu --sizes 16Mi --threads 1,2\n"
      "  activa bench --dtype float64 --json\n"
      "  activa bench --functions sigmoid --sizes 4Ki --threads 1 --target AVX2\n"
      "  activa bench --functions sigmoid --sizes 2Ki,4Ki,8Ki,16Ki --threads 1,2 --parallel-threshold 0\n"
      "  activa bench --functions prelu --sizes 256Ki,16Mi --prelu-inner 1");
  return {app, [args](std::span<const std::string> trailing) {
            reject_trailing("bench", trailing);
            const Plan plan = plan_of(*args);
            kernels::set_target(plan.target);  // for this process, as measure() sets the threads
            kernels::set_parallel_threshold(plan.parallel_threshold);
            bench::set_prelu_inner(plan.prelu_inner);
            const std::vector<Row> rows =
                plan.dtype == DType::float32 ? measure<float>(plan) : measure<double>(plan);
            return args->json ? to_json(plan, rows) : to_text(plan, rows);
          }};
}

}  // namespace activa::cli
