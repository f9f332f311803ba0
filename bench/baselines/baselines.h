// Baselines for the comparison benchmark: other libraries' float32 kernels for
// the functions in activa's list, matched by the op's name. Each library is a
// separate static library built only when it is installed (ACTIVA_BENCH_TORCH,
// ACTIVA_BENCH_DNNL, ACTIVA_BENCH_EIGEN, ACTIVA_BENCH_XNNPACK).
//
// The interface holds no std::string, so a baseline may be compiled with
// -D_GLIBCXX_USE_CXX11_ABI=0, as PyPI's libtorch requires.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "bench/support/workload.h"

namespace activa::bench {

struct Baseline {
  std::string_view name;      // "torch1.13", "onednn", "onednn_dst", "eigen", "xnnpack"
  std::string_view function;  // the op in activa's list it computes, by info.name
  Direction direction;
  bool single_threaded;       // timed at one thread only (Eigen's array code is serial)
  // Run before the timed loop: sets the library's thread count, wraps the
  // buffers (prelu_layout / softmax_layout shapes, as activa gets them),
  // creates primitives. Returns the call the loop times. n is the nominal
  // size; cols is 0 unless the function is row-wise.
  std::function<void()> (*make)(const Operands<float>& operands, std::int64_t n, std::int64_t cols, int threads);
};

// Each returns the baselines of its library and a version string for the
// benchmark's context; declared for all, defined only for those built.
std::vector<Baseline> torch_baselines();
std::string_view torch_description();
std::vector<Baseline> dnnl_baselines();
std::string_view dnnl_description();
std::vector<Baseline> eigen_baselines();
std::string_view eigen_description();
std::vector<Baseline> xnnpack_baselines();
std::string_view xnnpack_description();

}  // namespace activa::bench
