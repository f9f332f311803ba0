// XNNPACK's float32 operators (Debian's libxnnpack-dev): sigmoid, relu (a
// clamp to [0, +inf)), leaky_relu, elu, prelu and softmax, forward only
// (XNNPACK is an inference library: it has no backward, and this version has
// no float32 tanh). Operators are created and set up on the buffers before
// the timed loop; the loop runs one. Threads come from a pthreadpool of the
// case's thread count (none for one thread: XNNPACK then runs on the caller).
//
// Layouts: pointwise ops see a flat array of n. XNNPACK's prelu is NC only
// (channels innermost), so it runs on n / 64 rows of 64 channels with one
// weight per channel: the same elements and weights as activa's
// [n / 4096, 64, 64] (prelu_layout), in channels-last order, and the very
// layout of --prelu-inner=1 ([n / 64, 64]). softmax runs on rows of cols.
#include <xnnpack.h>

#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench/baselines/baselines.h"

namespace activa::bench {
namespace {

void check(xnn_status s, const char* what) {
  if (s != xnn_status_success) throw std::runtime_error(std::string("XNNPACK: ") + what + " failed");
}

void initialize() {
  static const bool done = [] {
    check(xnn_initialize(nullptr), "xnn_initialize");
    return true;
  }();
  (void)done;
}

struct Pool {
  void operator()(pthreadpool_t p) const { pthreadpool_destroy(p); }
};
struct Operator {
  void operator()(xnn_operator_t op) const { xnn_delete_operator(op); }
};

// The operator and its thread pool, owned by the timed call.
struct Prepared {
  std::unique_ptr<pthreadpool, Pool> pool;
  std::unique_ptr<xnn_operator, Operator> op;
};

std::function<void()> running(std::shared_ptr<Prepared> p) {
  return [p] { check(xnn_run_operator(p->op.get(), p->pool.get()), "xnn_run_operator"); };
}

// create(channels, &op) makes the operator for rows of `channels`; setup binds
// `batch` such rows of x to out.
template <class Create, class Setup>
std::function<void()> prepared(const Operands<float>& o, std::size_t batch, std::size_t channels, int threads,
                               Create create, Setup setup) {
  initialize();
  auto p = std::make_shared<Prepared>();
  if (threads > 1) p->pool.reset(pthreadpool_create(static_cast<std::size_t>(threads)));
  xnn_operator_t op = nullptr;
  check(create(channels, &op), "create");
  p->op.reset(op);
  check(setup(op, batch, o.x.data(), o.out.data(), p->pool.get()), "setup");
  return running(std::move(p));
}

// Pointwise: one row of n (XNNPACK runs contiguous rows as one flat range).
template <class Create, class Setup>
std::function<void()> flat(const Operands<float>& o, std::int64_t n, int threads, Create create, Setup setup) {
  return prepared(o, 1, static_cast<std::size_t>(n), threads, create, setup);
}

std::function<void()> sigmoid(const Operands<float>& o, std::int64_t n, std::int64_t, int threads) {
  return flat(
      o, n, threads, [](std::size_t c, xnn_operator_t* op) { return xnn_create_sigmoid_nc_f32(c, c, c, 0, op); },
      xnn_setup_sigmoid_nc_f32);
}

std::function<void()> relu(const Operands<float>& o, std::int64_t n, std::int64_t, int threads) {
  return flat(
      o, n, threads,
      [](std::size_t c, xnn_operator_t* op) {
        return xnn_create_clamp_nc_f32(c, c, c, 0.f, std::numeric_limits<float>::infinity(), 0, op);
      },
      xnn_setup_clamp_nc_f32);
}

std::function<void()> leaky_relu(const Operands<float>& o, std::int64_t n, std::int64_t, int threads) {
  return flat(
      o, n, threads,
      [](std::size_t c, xnn_operator_t* op) { return xnn_create_leaky_relu_nc_f32(c, c, c, 0.01f, 0, op); },
      xnn_setup_leaky_relu_nc_f32);
}

std::function<void()> elu(const Operands<float>& o, std::int64_t n, std::int64_t, int threads) {
  return flat(
      o, n, threads, [](std::size_t c, xnn_operator_t* op) { return xnn_create_elu_nc_f32(c, c, c, 1.f, 0, op); },
      xnn_setup_elu_nc_f32);
}

std::function<void()> prelu(const Operands<float>& o, std::int64_t n, std::int64_t, int threads) {
  const auto channels = static_cast<std::size_t>(prelu_layout(n).channels);
  return prepared(
      o, static_cast<std::size_t>(n) / channels, channels, threads,
      [&o](std::size_t c, xnn_operator_t* op) {
        return xnn_create_prelu_nc_f32(c, c, c, o.weight.data(), 0, op);  // the weights are packed here
      },
      xnn_setup_prelu_nc_f32);
}

std::function<void()> softmax(const Operands<float>& o, std::int64_t n, std::int64_t cols, int threads) {
  return prepared(
      o, static_cast<std::size_t>(n / cols), static_cast<std::size_t>(cols), threads,
      [](std::size_t c, xnn_operator_t* op) { return xnn_create_softmax_nc_f32(c, c, c, 0, op); },
      xnn_setup_softmax_nc_f32);
}

}  // namespace

std::vector<Baseline> xnnpack_baselines() {
  const auto forward = [](std::string_view function, auto make) {
    return Baseline{"xnnpack", function, Direction::forward, false, make};
  };
  return {forward("sigmoid", sigmoid), forward("relu", relu),   forward("leaky_relu", leaky_relu),
          forward("elu", elu),         forward("prelu", prelu), forward("softmax", softmax)};
}

std::string_view xnnpack_description() {
  return "XNNPACK (Debian's libxnnpack-dev 0.0~git20220216), forward only, pthreadpool threads";
}

}  // namespace activa::bench
