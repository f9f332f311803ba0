// Forward and backward kernels allocate nothing beyond the outputs the caller
// passes: every operator new in this binary is counted, and each call (after a
// warm-up that lets OpenMP start its threads) must leave the count unchanged,
// on one thread and on two, every op and dtype, sizes below and above the
// parallel threshold. The in-place tensor forms write into their argument.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/test_support.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace activa::test {
namespace {

// Runs f twice (the first call warms up thread pools and dispatch) and
// returns the allocations of the second.
template <class F>
long allocations_of(const F& f) {
  f();
  const long before = g_allocations.load();
  f();
  return g_allocations.load() - before;
}

template <class T>
void check_no_allocations(std::size_t n) {
  for_each_op([n]<class Op>() {
    std::vector<T> x = sample_inputs<T>(n, 7), dy(x.size(), T(0.5)), y(x.size()), dx(x.size());
    x.resize(n), dy.resize(n), y.resize(n), dx.resize(n);
    long count = 0;
    if constexpr (Op::info.kind == Kind::pointwise) {
      count = allocations_of([&] {
        kernels::forward<Op, T>(x, y, {});
        kernels::backward<Op, T>(x, dy, dx, {});
        if constexpr (DerivesFromOutput<Op>) kernels::backward_from_output<Op, T>(y, dy, dx, {});
      });
    } else if constexpr (Op::info.kind == Kind::weighted) {
      const auto inner = static_cast<std::int64_t>(n / 64);
      const std::size_t m = static_cast<std::size_t>(64 * inner);
      std::vector<T> w(16, T(0.25)), dw(16), w1(1, T(0.25)), dw1(1);
      count = allocations_of([&] {
        const std::span<const T> xs(x.data(), m), dys(dy.data(), m);
        kernels::forward<Op, T>(xs, w, std::span<T>(y.data(), m), {.outer = 4, .channels = 16, .inner = inner});
        kernels::backward<Op, T>(xs, w, dys, std::span<T>(dx.data(), m), dw, {.outer = 4, .channels = 16, .inner = inner});
        kernels::backward<Op, T>(xs, w1, dys, std::span<T>(dx.data(), m), dw1, {.outer = 1, .channels = 1, .inner = static_cast<std::int64_t>(m)});
      });
    } else {
      const kernels::RowLayout l{.outer = static_cast<std::int64_t>(n / 10), .size = 10, .inner = 1};
      const std::size_t m = n / 10 * 10;
      count = allocations_of([&] {
        kernels::forward<Op, T>(std::span<const T>(x.data(), m), std::span<T>(y.data(), m), l);
        kernels::backward<Op, T>(std::span<const T>(y.data(), m), std::span<const T>(dy.data(), m), std::span<T>(dx.data(), m), l);
      });
    }
    EXPECT_EQ(count, 0) << Op::info.name << " " << dtype_name(dtype_of<T>()) << " n = " << n << ", "
                        << kernels::num_threads() << " threads";
  });
}

class Allocations : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { kernels::set_num_threads(GetParam()); }
  void TearDown() override { kernels::set_num_threads(0); }
};

TEST_P(Allocations, KernelsAllocateNothing) {
  for (std::size_t n : {std::size_t{4096}, std::size_t{1} << 18}) {
    check_no_allocations<float>(n);
    check_no_allocations<double>(n);
  }
}

INSTANTIATE_TEST_SUITE_P(Threads, Allocations, ::testing::Values(1, 2));

// relu_(t) and friends return their argument and write its storage.
TEST(InPlace, WritesTheArgumentsStorage) {
  Tensor t = tensor({-1.0, 0.5, 2.0});
  const void* storage = t.data<float>().data();
  Tensor& r = relu_(t);
  EXPECT_EQ(&r, &t);
  EXPECT_EQ(t.data<float>().data(), storage);
  EXPECT_EQ(t.data<float>()[0], 0.0f);
  sigmoid_(t);
  EXPECT_EQ(t.data<float>().data(), storage);
  EXPECT_FLOAT_EQ(t.data<float>()[0], 0.5f);
}

}  // namespace
}  // namespace activa::test
