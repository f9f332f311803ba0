// activa_compare: activa's kernels against other libraries and against the
// memory-bandwidth limit, timed in one process by Google Benchmark.
//
//   activa_compare [--sizes=4Ki,256Ki,16Mi,128Mi] [--threads=1,2] [--functions=NAME,...]
//                  [--cols=10,1000,100000] [--range=-6:6] [--target=NAME] [--prelu-inner=64]
//                  [--summary=FILE]
//                  [--merge=FILE.json ...] [--benchmark_...]
//   activa_compare --accuracy[=STRIDE] [--functions=NAME,...] [--threads=N] [--summary=FILE]
//
// --accuracy times nothing: it runs activa and the baselines on every
// STRIDE-th float32 bit pattern (default 61; 1 for all of them) and prints
// their errors in ULPs (bench/accuracy.h).
//
// Registered, for every size and thread count:
//   - every function of activa's list (activa/ops/all.h), forward and
//     backward, float32 and float64 (row-wise functions once per row length
//     in --cols that fits the size);
//   - each installed baseline (bench/baselines/) for the functions it has, float32;
//   - the bandwidth kernels (bench/support/bandwidth.h) for 4- and 8-byte elements.
// All share one set of buffers per element type, allocated and filled once.
// Each benchmark is repeated and the fastest repetition kept (the least
// disturbed on a shared machine); big sizes run fixed iterations to bound the
// total time. After the run, one table: function x direction x size (x cols)
// x threads with activa's rate, the best baseline, their ratio, and activa's
// share of the bandwidth limit (forward against the best read-1-write-1
// kernel, backward against the best read-2-write-1 kernel, same size and
// element size, on up to as many threads). --summary also writes it to FILE.
//
// --range=LO:HI draws the inputs x uniformly from [LO, HI] (default -6:6, the
// plot range of every op, where both branches are taken): kernels whose cost
// depends on the input (float32 sigmoid past |x| = 7.875) can be timed on
// wider data too. Its context ("input_range") is in the JSON output.
//
// --target=NAME runs activa's kernels on another SIMD target of this CPU
// (kernels::targets(): AVX2 on an AVX-512 machine, say); the baselines
// choose their own (oneDNN's can be capped with ONEDNN_MAX_CPU_ISA=AVX2).
// The summary's header and the JSON context ("activa_target") name it.
//
// --prelu-inner=I runs prelu on [n / (64 I), 64, I] (default 64: [n/4096,
// 64, 64]); with 1, [n/64, 64], a batch of 64 features as after a linear
// layer, the layout XNNPACK's NC operator always runs on. The summary's header
// and the JSON context ("prelu_layout") name it.
//
// --merge=FILE.json reads the measurements of an earlier run (its
// --benchmark_out=FILE.json) and keeps, per benchmark, the fastest of both:
// rows that were noisy can be re-run alone (--benchmark_filter=...) and the
// summary still covers the whole earlier run.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "activa/dtype.h"
#include "activa/kernels.h"
#include "activa/version.h"
#include "bench/accuracy.h"
#include "bench/baselines/baselines.h"
#include "bench/support/bandwidth.h"
#include "bench/support/buffer.h"
#include "bench/support/table.h"
#include "bench/support/workload.h"

namespace activa::bench {
namespace {

struct Config {
  std::vector<std::int64_t> sizes = {std::int64_t{4} << 10, std::int64_t{256} << 10, std::int64_t{16} << 20,
                                     std::int64_t{128} << 20};
  std::vector<int> threads = {1, 2};
  std::vector<std::string> functions = function_names();
  std::vector<std::int64_t> cols = {10, 1000, 100000};
  std::string summary;
  std::vector<std::string> merge;
  std::uint64_t accuracy_stride = 0;  // --accuracy: 0 times, otherwise measures errors
  double range_lo = -6, range_hi = 6;  // --range
  std::string target;  // --target: empty for the best this CPU has
};

// "LO:HI" with LO < HI, both finite.
std::pair<double, double> parse_range(std::string_view text) {
  const std::size_t colon = text.find(':');
  const auto number = [&](std::string_view part) {
    double v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || end != part.data() + part.size() || !std::isfinite(v)) {
      throw std::invalid_argument("--range: not a finite number: '" + std::string(part) + "'");
    }
    return v;
  };
  if (colon == std::string_view::npos) throw std::invalid_argument("--range: not LO:HI: '" + std::string(text) + "'");
  const double lo = number(text.substr(0, colon)), hi = number(text.substr(colon + 1));
  if (!(lo < hi)) throw std::invalid_argument("--range: LO must be below HI: '" + std::string(text) + "'");
  return {lo, hi};
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    parts.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

std::vector<std::int64_t> parse_sizes(std::string_view flag, std::string_view text) {
  std::vector<std::int64_t> out;
  for (const std::string& p : split(text)) {
    const auto n = parse_size(p);
    if (!n) throw std::invalid_argument(std::string(flag) + ": not a size: '" + p + "'");
    out.push_back(*n);
  }
  return out;
}

Config parse_flags(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string_view flag) -> std::optional<std::string_view> {
      if (!arg.starts_with(flag) || arg.size() <= flag.size() || arg[flag.size()] != '=') return std::nullopt;
      return arg.substr(flag.size() + 1);
    };
    if (auto v = value("--sizes")) {
      c.sizes = parse_sizes("--sizes", *v);
    } else if (auto v = value("--cols")) {
      c.cols = parse_sizes("--cols", *v);
    } else if (auto v = value("--threads")) {
      c.threads.clear();
      for (const std::string& p : split(*v)) {
        const auto t = parse_size(p);
        if (!t || *t > 1024) throw std::invalid_argument("--threads: not a thread count: '" + p + "'");
        c.threads.push_back(static_cast<int>(*t));
      }
    } else if (auto v = value("--functions")) {
      c.functions = split(*v);
      const std::vector<std::string> known = function_names();
      for (const std::string& f : c.functions) {
        if (std::find(known.begin(), known.end(), f) == known.end()) {
          throw std::invalid_argument("--functions: unknown function '" + f + "'");
        }
      }
    } else if (auto v = value("--range")) {
      std::tie(c.range_lo, c.range_hi) = parse_range(*v);
    } else if (auto v = value("--target")) {
      c.target = *v;  // checked by kernels::set_target, in main
    } else if (auto v = value("--prelu-inner")) {
      const auto inner = parse_prelu_inner(*v);
      if (!inner) {
        throw std::invalid_argument("--prelu-inner: not an element count from 1 to 1Gi: '" + std::string(*v) + "'");
      }
      set_prelu_inner(*inner);
    } else if (auto v = value("--summary")) {
      c.summary = *v;
    } else if (arg == "--accuracy") {
      c.accuracy_stride = 61;
    } else if (auto v = value("--accuracy")) {
      const auto stride = parse_size(*v);
      if (!stride || *stride >= (std::int64_t{1} << 32)) {
        throw std::invalid_argument("--accuracy: not a stride between 1 and 2^32 - 1: '" + std::string(*v) + "'");
      }
      c.accuracy_stride = static_cast<std::uint64_t>(*stride);
    } else if (auto v = value("--merge")) {
      c.merge.emplace_back(*v);
      if (!std::ifstream(c.merge.back())) throw std::invalid_argument("--merge: cannot read " + c.merge.back());
    } else {
      throw std::invalid_argument("unknown argument '" + std::string(arg) + "'");
    }
  }
  return c;
}

std::vector<Baseline> all_baselines() {
  std::vector<Baseline> all;
  const auto append = [&](std::vector<Baseline> b) { all.insert(all.end(), b.begin(), b.end()); };
#ifdef ACTIVA_BENCH_TORCH
  append(torch_baselines());
#endif
#ifdef ACTIVA_BENCH_DNNL
  append(dnnl_baselines());
#endif
#ifdef ACTIVA_BENCH_EIGEN
  append(eigen_baselines());
#endif
#ifdef ACTIVA_BENCH_XNNPACK
  append(xnnpack_baselines());
#endif
  (void)append;
  const std::vector<std::string> known = function_names();
  for (const Baseline& b : all) {
    if (std::find(known.begin(), known.end(), b.function) == known.end()) {
      throw std::logic_error("baseline " + std::string(b.name) + " names no function of the list: " +
                             std::string(b.function));
    }
  }
  return all;
}

// ---- buffers: one set per element type, as large as the largest case ----

std::int64_t g_max_elements = 0;
int g_fill_threads = 1;
double g_range_lo = -6, g_range_hi = 6;

template <class T>
const Operands<T>& operands() {
  static Buffer<T> x, dy, out, w, dw;
  static const Operands<T> o = [] {
    const auto n = static_cast<std::size_t>(g_max_elements);
    x = Buffer<T>(n), dy = Buffer<T>(n), out = Buffer<T>(n);
    w = Buffer<T>(kPreluChannels), dw = Buffer<T>(kPreluChannels);
    fill_uniform(x.span(), g_range_lo, g_range_hi, 1, g_fill_threads);  // --range
    fill_uniform(dy.span(), -1, 1, 2, g_fill_threads);
    fill_uniform(out.span(), 0, 0, 3, g_fill_threads);  // touched, so no page faults in the timed loop
    fill_uniform(w.span(), 0.25, 0.25, 4, 1);
    fill_uniform(dw.span(), 0, 0, 5, 1);
    return Operands<T>{x.span(), dy.span(), out.span(), w.span(), dw.span()};
  }();
  return o;
}

// ---- what was registered, and what it measured ----

enum class Role : unsigned char { activa, baseline, bandwidth };

struct Entry {
  Role role;
  Case c;                 // bandwidth: function empty, direction by traffic
  std::string impl;       // "activa", the baseline's name, or the bandwidth kernel's
  DType dtype;
  std::int64_t elements;  // per call
  double seconds = std::numeric_limits<double>::quiet_NaN();  // best per call
  std::string error = {};
  double gelem_per_s() const { return bench::gelem_per_s(static_cast<double>(elements), seconds); }
};

std::vector<Entry> g_entries;
std::map<std::string, std::size_t> g_by_name;

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

// Small sizes: repeated for a minimum time, more repetitions (cheap, and the
// most exposed to other processes); big ones: fixed iterations, so the 128 Mi
// cases (0.1-2 s a call) stay within the time budget on 2 cores.
void configure(benchmark::internal::Benchmark* b, std::int64_t bytes) {
  b->UseRealTime()->Unit(benchmark::kMicrosecond)->ComputeStatistics("min", min_of);
  if (bytes <= (std::int64_t{2} << 20)) {
    b->MinTime(0.02)->Repetitions(5);
  } else if (bytes <= (std::int64_t{128} << 20)) {
    b->MinTime(0.05)->Repetitions(3);
  } else {
    b->Iterations(1)->Repetitions(3);
  }
}

std::string entry_name(const Entry& e) {
  std::string name = e.role == Role::bandwidth
                         ? "bandwidth/" + e.impl
                         : e.c.function + "/" + std::string(direction_name(e.c.direction)) + "/" + e.impl;
  name += "/" + std::string(dtype_name(e.dtype)) + "/n:" + size_text(e.c.n);
  if (e.c.cols > 0) name += "/cols:" + std::to_string(e.c.cols);
  return name + "/threads:" + std::to_string(e.c.threads);
}

// The function the benchmark now running times. Google Benchmark calls a
// benchmark's function anew for each repetition (and each trial iteration
// count): what make() built is kept for the next call of the same benchmark.
std::string g_made_for;
std::function<void()> g_made;

// Registers one benchmark: on its first call make() runs untimed (threads,
// wrapping, primitives; with one warm-up call unless make() ran the kernel
// already), then the loop times what it returned.
template <class Make>
void add(const Entry& e, std::int64_t element_bytes, bool warm_up, Make make) {
  const std::string name = entry_name(e);
  g_by_name[name] = g_entries.size();
  g_entries.push_back(e);
  g_max_elements = std::max(g_max_elements, e.c.n);
  configure(benchmark::RegisterBenchmark(name.c_str(),
                                         [make, name, warm_up](benchmark::State& state) {
                                           if (g_made_for != name) {
                                             g_made = nullptr;  // frees the previous benchmark's primitives
                                             g_made_for.clear();
                                             try {
                                               g_made = make();
                                               if (warm_up) g_made();
                                             } catch (const std::exception& ex) {
                                               g_made = nullptr;
                                               state.SkipWithError(ex.what());
                                               return;
                                             }
                                             g_made_for = name;
                                           }
                                           for (auto _ : state) g_made();
                                         }),
            e.elements * element_bytes);
}

template <class T>
void add_activa(const Case& c) {
  const Entry e{Role::activa, c, "activa", dtype_of<T>(), elements(c)};
  add(e, sizeof(T), /*warm_up=*/false, [c] {  // activa_kernel() runs the kernel once
    kernels::set_num_threads(c.threads);
    return activa_kernel<T>(c, operands<T>());
  });
}

template <class T>
void add_bandwidth(const BandwidthKernel& k, std::int64_t n, int threads) {
  const Direction d = k.traffic == Traffic::read1_write1 ? Direction::forward : Direction::backward;
  Case c;  // no function: the traffic is the direction
  c.direction = d;
  c.n = n;
  c.threads = threads;
  const Entry e{Role::bandwidth, c, std::string(k.name), dtype_of<T>(), n};
  add(e, sizeof(T), /*warm_up=*/true, [&k, n, threads] {
    const Operands<T>& o = operands<T>();
    const auto floats = static_cast<std::size_t>(n) * sizeof(T) / sizeof(float);
    const int t = effective_threads(n, threads);
    const auto* a = reinterpret_cast<const float*>(o.x.data());
    const auto* b = reinterpret_cast<const float*>(o.grad_output.data());
    auto* c = reinterpret_cast<float*>(o.out.data());
    return std::function<void()>([&k, a, b, c, floats, t] { run_bandwidth(k, a, b, c, floats, t); });
  });
}

void register_all(const Config& config, const std::vector<Baseline>& baselines) {
  for (int threads : config.threads) {
    for (std::int64_t n : config.sizes) {
      for (const BandwidthKernel& k : bandwidth_kernels()) add_bandwidth<float>(k, n, threads);
      for (const BandwidthKernel& k : bandwidth_kernels()) add_bandwidth<double>(k, n, threads);
      for (const std::string& function : config.functions) {
        for (const Case& c : cases_of(function, n, threads, config.cols)) {
          add_activa<float>(c);
          add_activa<double>(c);
          for (const Baseline& b : baselines) {
            if (b.function != c.function || b.direction != c.direction || (b.single_threaded && threads > 1)) {
              continue;
            }
            const Entry e{Role::baseline, c, std::string(b.name), DType::float32, elements(c)};
            add(e, sizeof(float), /*warm_up=*/true, [&b, c] { return b.make(operands<float>(), c.n, c.cols, c.threads); });
          }
        }
      }
    }
  }
}

// ---- reporting ----

// The console shows each benchmark's fastest repetition (the "min" statistic);
// every repetition is recorded and the fastest kept for the summary.
class Collector : public benchmark::ConsoleReporter {
 public:
  // Colors only on a terminal (a custom reporter does not get --benchmark_color).
  Collector() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> shown;
    for (const Run& r : runs) {
      const auto it = g_by_name.find(r.run_name.function_name);
      if (it == g_by_name.end()) continue;
      Entry& e = g_entries[it->second];
      if (r.error_occurred) {
        e.error = r.error_message;
        if (r.repetition_index <= 0) shown.push_back(r);
        continue;
      }
      if (r.run_type == Run::RT_Iteration && r.iterations > 0) {
        const double s = r.real_accumulated_time / static_cast<double>(r.iterations);
        if (!(s >= e.seconds)) e.seconds = s;  // NaN-aware min
        if (r.repetitions <= 1) shown.push_back(r);
      } else if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "min") {
        shown.push_back(r);
      }
    }
    if (!shown.empty()) ConsoleReporter::ReportRuns(shown);
  }
};

double rate(const std::string& name) {
  const auto it = g_by_name.find(name);
  return it == g_by_name.end() ? std::numeric_limits<double>::quiet_NaN() : g_entries[it->second].gelem_per_s();
}

// The fastest bandwidth kernel of the traffic `d` implies (forward:
// read-1-write-1) run on up to `threads` threads: what t threads can move is
// at least what fewer can, so a 2-thread measurement hit by another process
// on a 2-core machine does not lower the limit below the 1-thread one. The
// name says which kernel and, when fewer, how many threads.
std::pair<double, std::string> limit(Direction d, std::int64_t n, int threads, DType dtype) {
  if (d == Direction::backward_y) d = Direction::backward;  // the same traffic
  double best = std::numeric_limits<double>::quiet_NaN();
  std::string name;
  for (const Entry& e : g_entries) {
    const double r = e.gelem_per_s();
    if (e.role == Role::bandwidth && e.c.direction == d && e.c.n == n && e.c.threads <= threads &&
        e.dtype == dtype && !std::isnan(r) && (std::isnan(best) || r > best)) {
      best = r;
      name = e.impl + (e.c.threads < threads ? ", " + std::to_string(e.c.threads) + "t" : "");
    }
  }
  return {best, name};
}

// Folds the iteration runs of an earlier run's JSON output into the entries
// registered now (by name: what precedes Google Benchmark's "/min_time:",
// "/iterations:", "/repeats:" or "/real_time" suffixes). Returns how many.
std::size_t merge_earlier(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--merge: cannot read " + path);
  const nlohmann::json j = nlohmann::json::parse(in);
  std::size_t merged = 0;
  for (const nlohmann::json& b : j.at("benchmarks")) {
    if (b.value("run_type", "") != "iteration" || b.value("error_occurred", false)) continue;
    std::string name = b.at("run_name");
    for (const char* suffix : {"/min_time:", "/iterations:", "/repeats:", "/real_time"}) {
      name = name.substr(0, name.find(suffix));
    }
    const auto it = g_by_name.find(name);
    if (it == g_by_name.end()) continue;
    const std::string unit = b.at("time_unit");
    const double scale = unit == "ns" ? 1e-9 : unit == "us" ? 1e-6 : unit == "ms" ? 1e-3 : 1;
    const double s = b.at("real_time").get<double>() * scale;
    Entry& e = g_entries[it->second];
    if (!(s >= e.seconds)) e.seconds = s;
    ++merged;
  }
  return merged;
}

std::string percent(double part, double whole) { return fixed(100.0 * part / whole, 0) + "%"; }

std::string summary(const Config& config, const std::vector<Baseline>& baselines) {
  std::ostringstream os;
  os << "activa " << kVersion << " (SIMD target " << kernels::current_target() << ") on " << cpu_model()
     << "; sizes in elements; rates in Gelem/s (10^9 elements per second), each the fastest of its repetitions.\n";
#ifdef ACTIVA_BENCH_TORCH
  os << "Baseline: " << torch_description() << ".\n";
#endif
#ifdef ACTIVA_BENCH_DNNL
  os << "Baseline: " << dnnl_description() << ".\n";
#endif
#ifdef ACTIVA_BENCH_EIGEN
  os << "Baseline: " << eigen_description() << " (1 thread only).\n";
#endif
#ifdef ACTIVA_BENCH_XNNPACK
  os << "Baseline: " << xnnpack_description() << ".\n";
#endif
  (void)baselines;
  if (std::find(config.functions.begin(), config.functions.end(), "prelu") != config.functions.end()) {
    os << "prelu on " << prelu_layout_text() << " with " << kPreluChannels << " weights (XNNPACK: [n/"
       << kPreluChannels << ", " << kPreluChannels << "], channels last).\n";
  }
  os << "activa/baseline > 1: activa is faster. % of limit: activa float32 (float64) against the fastest "
        "read-1-write-1 (forward) or read-2-write-1 (backward) bandwidth kernel of the same size and element "
        "size on up to as many threads.\n\n";

  Table table({"<function", "<direction", "size", "cols", "threads", "activa", "<best baseline", "baseline",
               "activa/baseline", "% of limit", "activa f64", "f64 % of limit"});
  // Every implementation's rate, for the detail table.
  std::vector<std::string> impls = {"activa"};
  for (const Entry& e : g_entries) {
    if (e.role == Role::baseline && std::find(impls.begin(), impls.end(), e.impl) == impls.end()) {
      impls.push_back(e.impl);
    }
  }
  std::vector<std::string> detail_header = {"<function", "<direction", "size", "cols", "threads"};
  for (const std::string& i : impls) detail_header.push_back(i);
  detail_header.push_back("activa f64");
  Table detail(detail_header);

  double log_ratio_sum = 0;  // over the float32 rows with a baseline, for the geometric mean
  int ratio_rows = 0;
  for (const Entry& row : g_entries) {
    if (row.role != Role::activa || row.dtype != DType::float32) continue;
    const Case& c = row.c;
    Entry f64 = row;
    f64.dtype = DType::float64;
    const double a32 = rate(entry_name(row)), a64 = rate(entry_name(f64));
    if (std::isnan(a32) && std::isnan(a64)) continue;  // filtered out (--benchmark_filter) or failed
    double best = std::numeric_limits<double>::quiet_NaN();
    std::string best_name = "-";
    std::vector<std::string> cells = {c.function, std::string(direction_name(c.direction)), size_text(c.n),
                                      c.cols > 0 ? std::to_string(c.cols) : "-", std::to_string(c.threads)};
    std::vector<std::string> detail_cells = cells;
    for (const std::string& impl : impls) {
      Entry b = row;
      b.impl = impl;
      const double r = rate(entry_name(b));
      detail_cells.push_back(fixed(r, 3));
      if (impl != "activa" && !std::isnan(r) && !(r <= best)) {
        best = r;
        best_name = impl;
      }
    }
    detail_cells.push_back(fixed(a64, 3));
    detail.add_row(detail_cells);
    const double l32 = limit(c.direction, c.n, c.threads, DType::float32).first;
    const double l64 = limit(c.direction, c.n, c.threads, DType::float64).first;
    if (!std::isnan(best) && !std::isnan(a32) && best > 0 && a32 > 0) {
      log_ratio_sum += std::log(a32 / best);
      ++ratio_rows;
    }
    cells.insert(cells.end(), {fixed(a32, 3), best_name, fixed(best, 3),
                               std::isnan(best) ? "-" : fixed(a32 / best, 2) + "x", percent(a32, l32),
                               fixed(a64, 3), percent(a64, l64)});
    table.add_row(cells);
  }
  os << table.markdown();
  if (ratio_rows > 0) {
    os << "\nGeometric mean of activa/baseline over the " << ratio_rows
       << " float32 rows with a baseline: " << fixed(std::exp(log_ratio_sum / ratio_rows), 2) << "x\n";
  }

  os << "\nBandwidth limit (float32 elements; GB/s counts bytes read + written):\n\n";
  Table bw({"size", "threads", "copy GB/s", "copy_nt GB/s", "add GB/s", "add_nt GB/s", "r1w1 limit",
            "r2w1 limit"});
  for (int threads : config.threads) {
    for (std::int64_t n : config.sizes) {
      std::vector<std::string> cells = {size_text(n), std::to_string(threads)};
      for (const BandwidthKernel& k : bandwidth_kernels()) {
        const Entry* e = nullptr;
        for (const Entry& x : g_entries) {
          if (x.role == Role::bandwidth && x.impl == k.name && x.c.n == n && x.c.threads == threads &&
              x.dtype == DType::float32) {
            e = &x;
          }
        }
        const double bytes_per_elem = k.traffic == Traffic::read1_write1 ? 8 : 12;
        cells.push_back(e ? fixed(e->gelem_per_s() * bytes_per_elem, 1) : "-");
      }
      for (Direction d : {Direction::forward, Direction::backward}) {
        const auto [l, name] = limit(d, n, threads, DType::float32);
        cells.push_back(fixed(l, 3) + (name.empty() ? "" : " (" + name + ")"));
      }
      bw.add_row(cells);
    }
  }
  os << bw.markdown();
  os << "\nEvery implementation (Gelem/s, float32 unless marked):\n\n" << detail.markdown();

  std::string errors;
  for (const Entry& e : g_entries) {
    if (!e.error.empty()) errors += "  " + entry_name(e) + ": " + e.error + "\n";
  }
  if (!errors.empty()) os << "\nFailed:\n" << errors;
  return std::move(os).str();
}

}  // namespace
}  // namespace activa::bench

namespace {
// Prints text, and writes it to `path` too unless that is empty; the exit status.
int write_output(const std::string& text, const std::string& path) {
  std::cout << text << std::flush;
  if (path.empty()) return 0;
  std::ofstream out(path);
  out << text;
  if (out) return 0;
  std::fprintf(stderr, "activa_compare: cannot write %s\n", path.c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace activa::bench;
  benchmark::Initialize(&argc, argv);  // takes its --benchmark_* flags out of argv
  Config config;
  std::vector<Baseline> baselines;
  try {
    config = parse_flags(argc, argv);
    if (!config.target.empty()) activa::kernels::set_target(config.target);
    baselines = all_baselines();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "activa_compare: %s\n", e.what());
    return 2;
  }
  g_fill_threads = *std::max_element(config.threads.begin(), config.threads.end());
  g_range_lo = config.range_lo;
  g_range_hi = config.range_hi;
  if (config.accuracy_stride > 0) {
    return write_output(accuracy_table(baselines, config.functions, config.accuracy_stride, g_fill_threads),
                        config.summary);
  }
  register_all(config, baselines);
#ifdef ACTIVA_BENCH_TORCH
  benchmark::AddCustomContext("torch", std::string(torch_description()));
#endif
#ifdef ACTIVA_BENCH_DNNL
  benchmark::AddCustomContext("onednn", std::string(dnnl_description()));
#endif
#ifdef ACTIVA_BENCH_EIGEN
  benchmark::AddCustomContext("eigen", std::string(eigen_description()));
#endif
#ifdef ACTIVA_BENCH_XNNPACK
  benchmark::AddCustomContext("xnnpack", std::string(xnnpack_description()));
#endif
  benchmark::AddCustomContext("activa_target", activa::kernels::current_target());
  benchmark::AddCustomContext("prelu_layout", prelu_layout_text());
  benchmark::AddCustomContext("input_range", std::to_string(config.range_lo) + ":" + std::to_string(config.range_hi));
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();
  try {
    for (const std::string& path : config.merge) {
      std::fprintf(stderr, "activa_compare: merged %zu runs from %s\n", merge_earlier(path), path.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "activa_compare: --merge: %s\n", e.what());
    return 2;
  }

  std::cout << '\n';
  return write_output(summary(config, baselines), config.summary);
}
