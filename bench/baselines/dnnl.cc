// oneDNN's primitives: eltwise (logistic, tanh, relu with alpha as the
// negative slope, elu) forward and backward, backward also in the
// *_use_dst_for_bwd form that reads the output (reported as "onednn_dst");
// prelu and softmax. Primitives are created before the timed loop; the loop
// executes one and waits on the stream. oneDNN runs on OpenMP here (Debian's
// libdnnl), so omp_set_num_threads sets its threads.
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <oneapi/dnnl/dnnl_version.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "bench/baselines/baselines.h"

namespace activa::bench {
namespace {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using Tag = memory::format_tag;

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};
Context& context() {
  static Context c;
  return c;
}

memory wrap(const memory::desc& md, std::span<float> s) { return memory(md, context().engine, s.data()); }

// The timed call: execute, then wait (a no-op for CPU streams with OpenMP, kept for form).
std::function<void()> executing(dnnl::primitive p, std::unordered_map<int, memory> args) {
  auto shared = std::make_shared<std::pair<dnnl::primitive, std::unordered_map<int, memory>>>(std::move(p),
                                                                                               std::move(args));
  return [shared] {
    shared->first.execute(context().stream, shared->second);
    context().stream.wait();
  };
}

struct EltwiseAlg {
  algorithm plain, use_dst;
  float alpha;
};

// Forward with the plain algorithm; backward with the plain one (reads the
// input x) or the use_dst one (reads the output, here the same buffer x).
std::function<void()> eltwise(EltwiseAlg alg, bool backward, bool use_dst, const Operands<float>& o,
                              std::int64_t n, int threads) {
  omp_set_num_threads(threads);
  const auto size = static_cast<std::size_t>(n);
  const memory::desc md({n}, memory::data_type::f32, Tag::a);
  const algorithm a = use_dst ? alg.use_dst : alg.plain;
  const dnnl::eltwise_forward::primitive_desc fwd(
      dnnl::eltwise_forward::desc(prop_kind::forward_training, a, md, alg.alpha, 0.f), context().engine);
  if (!backward) {
    return executing(dnnl::eltwise_forward(fwd),
                     {{DNNL_ARG_SRC, wrap(md, o.x.first(size))}, {DNNL_ARG_DST, wrap(md, o.out.first(size))}});
  }
  const dnnl::eltwise_backward::primitive_desc bwd(dnnl::eltwise_backward::desc(a, md, md, alg.alpha, 0.f),
                                                   context().engine, fwd);
  return executing(dnnl::eltwise_backward(bwd), {{use_dst ? DNNL_ARG_DST : DNNL_ARG_SRC, wrap(md, o.x.first(size))},
                                                 {DNNL_ARG_DIFF_DST, wrap(md, o.grad_output.first(size))},
                                                 {DNNL_ARG_DIFF_SRC, wrap(md, o.out.first(size))}});
}

// prelu on [outer, channels, inner], weights broadcast as [1, channels, 1].
std::function<void()> prelu(bool backward, const Operands<float>& o, std::int64_t n, int threads) {
  omp_set_num_threads(threads);
  const kernels::ChannelLayout l = prelu_layout(n);
  const auto size = static_cast<std::size_t>(n), channels = static_cast<std::size_t>(l.channels);
  const memory::desc md({l.outer, l.channels, l.inner}, memory::data_type::f32, Tag::abc);
  const memory::desc wmd({1, l.channels, 1}, memory::data_type::f32, Tag::abc);
  for (float& w : o.weight.first(channels)) w = 0.25f;
  const dnnl::prelu_forward::primitive_desc fwd(dnnl::prelu_forward::desc(prop_kind::forward_training, md, wmd),
                                                context().engine);
  if (!backward) {
    return executing(dnnl::prelu_forward(fwd), {{DNNL_ARG_SRC, wrap(md, o.x.first(size))},
                                                {DNNL_ARG_WEIGHTS, wrap(wmd, o.weight.first(channels))},
                                                {DNNL_ARG_DST, wrap(md, o.out.first(size))}});
  }
  const dnnl::prelu_backward::primitive_desc bwd(dnnl::prelu_backward::desc(md, wmd, md, wmd), context().engine,
                                                 fwd);
  return executing(dnnl::prelu_backward(bwd), {{DNNL_ARG_SRC, wrap(md, o.x.first(size))},
                                               {DNNL_ARG_WEIGHTS, wrap(wmd, o.weight.first(channels))},
                                               {DNNL_ARG_DIFF_DST, wrap(md, o.grad_output.first(size))},
                                               {DNNL_ARG_DIFF_SRC, wrap(md, o.out.first(size))},
                                               {DNNL_ARG_DIFF_WEIGHTS, wrap(wmd, o.grad_weight.first(channels))}});
}

// softmax over rows of `cols` (axis 1); backward from the output (x).
std::function<void()> softmax(bool backward, const Operands<float>& o, std::int64_t n, std::int64_t cols,
                              int threads) {
  omp_set_num_threads(threads);
  const kernels::RowLayout l = softmax_layout(n, cols);
  const auto size = static_cast<std::size_t>(l.outer * l.size);
  const memory::desc md({l.outer, l.size}, memory::data_type::f32, Tag::ab);
  const dnnl::softmax_forward::primitive_desc fwd(
      dnnl::softmax_forward::desc(prop_kind::forward_training, md, 1), context().engine);
  if (!backward) {
    return executing(dnnl::softmax_forward(fwd),
                     {{DNNL_ARG_SRC, wrap(md, o.x.first(size))}, {DNNL_ARG_DST, wrap(md, o.out.first(size))}});
  }
  const dnnl::softmax_backward::primitive_desc bwd(dnnl::softmax_backward::desc(md, md, 1), context().engine, fwd);
  return executing(dnnl::softmax_backward(bwd), {{DNNL_ARG_DST, wrap(md, o.x.first(size))},
                                                 {DNNL_ARG_DIFF_DST, wrap(md, o.grad_output.first(size))},
                                                 {DNNL_ARG_DIFF_SRC, wrap(md, o.out.first(size))}});
}

// One entry per (function, algorithm) so that the plain functions below stay capture-less.
template <int kFunction>
constexpr EltwiseAlg kEltwise = kFunction == 0   ? EltwiseAlg{algorithm::eltwise_logistic,
                                                                algorithm::eltwise_logistic_use_dst_for_bwd, 0.f}
                                : kFunction == 1 ? EltwiseAlg{algorithm::eltwise_tanh,
                                                                algorithm::eltwise_tanh_use_dst_for_bwd, 0.f}
                                : kFunction == 2 ? EltwiseAlg{algorithm::eltwise_relu,
                                                                algorithm::eltwise_relu_use_dst_for_bwd, 0.f}
                                : kFunction == 3 ? EltwiseAlg{algorithm::eltwise_relu,
                                                                algorithm::eltwise_relu_use_dst_for_bwd, 0.01f}
                                                 : EltwiseAlg{algorithm::eltwise_elu,
                                                              algorithm::eltwise_elu_use_dst_for_bwd, 1.f};
constexpr std::string_view kEltwiseNames[] = {"sigmoid", "tanh", "relu", "leaky_relu", "elu"};

template <int kFunction>
void add_eltwise(std::vector<Baseline>& out) {
  const std::string_view f = kEltwiseNames[kFunction];
  out.push_back({"onednn", f, Direction::forward, false,
                 [](const Operands<float>& o, std::int64_t n, std::int64_t, int t) {
                   return eltwise(kEltwise<kFunction>, false, false, o, n, t);
                 }});
  out.push_back({"onednn", f, Direction::backward, false,
                 [](const Operands<float>& o, std::int64_t n, std::int64_t, int t) {
                   return eltwise(kEltwise<kFunction>, true, false, o, n, t);
                 }});
  // From the output: a backward_y row where activa has one too.
  out.push_back({"onednn_dst", f, has_backward_from_output(f) ? Direction::backward_y : Direction::backward, false,
                 [](const Operands<float>& o, std::int64_t n, std::int64_t, int t) {
                   return eltwise(kEltwise<kFunction>, true, true, o, n, t);
                 }});
}

}  // namespace

std::vector<Baseline> dnnl_baselines() {
  std::vector<Baseline> out;
  add_eltwise<0>(out);
  add_eltwise<1>(out);
  add_eltwise<2>(out);
  add_eltwise<3>(out);
  add_eltwise<4>(out);
  out.push_back({"onednn", "prelu", Direction::forward, false,
                 [](const Operands<float>& o, std::int64_t n, std::int64_t, int t) { return prelu(false, o, n, t); }});
  out.push_back({"onednn", "prelu", Direction::backward, false,
                 [](const Operands<float>& o, std::int64_t n, std::int64_t, int t) { return prelu(true, o, n, t); }});
  out.push_back({"onednn", "softmax", Direction::forward, false,
                 [](const Operands<float>& o, std::int64_t n, std::int64_t c, int t) {
                   return softmax(false, o, n, c, t);
                 }});
  out.push_back({"onednn", "softmax", Direction::backward, false,
                 [](const Operands<float>& o, std::int64_t n, std::int64_t c, int t) {
                   return softmax(true, o, n, c, t);
                 }});
  return out;
}

std::string_view dnnl_description() {
  static const std::string kText = [] {
    const dnnl_version_t* v = dnnl_version();
    // The instruction set its kernels use (capped by ONEDNN_MAX_CPU_ISA).
    std::string isa;
    switch (dnnl_get_effective_cpu_isa()) {
      case dnnl_cpu_isa_sse41: isa = "SSE4.1"; break;
      case dnnl_cpu_isa_avx: isa = "AVX"; break;
      case dnnl_cpu_isa_avx2: isa = "AVX2"; break;
      case dnnl_cpu_isa_avx2_vnni: isa = "AVX2 VNNI"; break;
      case dnnl_cpu_isa_avx512_core: isa = "AVX-512"; break;
      case dnnl_cpu_isa_avx512_core_vnni: isa = "AVX-512 VNNI"; break;
      case dnnl_cpu_isa_avx512_core_bf16: isa = "AVX-512 BF16"; break;
      case dnnl_cpu_isa_avx512_core_amx: isa = "AVX-512 AMX"; break;
      default: isa = "other"; break;
    }
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->patch) + " (" + (v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other") +
           " runtime, ISA " + isa + ")";
  }();
  return kText;
}

}  // namespace activa::bench
