// Every op, direction and dtype gives bitwise identical results for 1 and 2
// threads, on every SIMD target this machine has, for every buffer length
// (full vectors, tails, fewer than one vector) and in place.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>

#include "tests/test_support.h"

namespace activa::test {
namespace {

// Above the parallel threshold, so two threads really split the work; odd, so tails run.
constexpr std::size_t kLarge = 3 * (1 << 15) + 13;

template <class T>
std::vector<T> make_input(std::size_t n, std::uint64_t seed) {
  std::vector<T> pool = sample_inputs<T>(n, seed);
  std::mt19937_64 rng(seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  pool.resize(n);
  return pool;
}

// Forward and backward outputs of Op on a fixed input, concatenated.
template <class Op, class T>
std::vector<T> run(std::size_t n) {
  std::vector<T> x = make_input<T>(n, 1), dy = make_input<T>(n, 2);
  for (auto& v : dy) v = std::isfinite(v) ? std::fmod(v, T(4)) : T(0.5);
  std::vector<T> y(n), dx(n);
  if constexpr (Op::info.kind == Kind::pointwise) {
    kernels::forward<Op, T>(x, y, {});
    kernels::backward<Op, T>(Op::info.saves == Saves::input ? x : y, dy, dx, {});
    auto r = y;
    r.insert(r.end(), dx.begin(), dx.end());
    if constexpr (DerivesFromOutput<Op>) {
      kernels::backward_from_output<Op, T>(y, dy, dx, {});
      r.insert(r.end(), dx.begin(), dx.end());
    }
    return r;
  } else if constexpr (Op::info.kind == Kind::weighted) {
    // A single slope over everything, 3 and 16 channels, more units than the
    // partial sums on the stack hold at once, rows of 64 (whole vectors on
    // every target: the forward's plain loop where a row is at most
    // kShortWeightedRow vectors), and rows shorter than kColumnInner, as
    // columns (table.h): slices of 64 columns in 5 segments, of 30 and 39
    // (pieces of 9 and 7 slices), slices wider than kColumnBlock in blocks
    // (3,000 and 90,000 channels of 1, 700 and 1,500 of 5 and 9, whose
    // forward spreads its weights a block at a time).
    std::vector<T> out;
    const auto big = static_cast<std::int64_t>(n);
    const bool large = big >= 60 * 16 * 97;
    for (const kernels::ChannelLayout l : {kernels::ChannelLayout{.outer = 4, .channels = 1, .inner = std::max<std::int64_t>(big / 4, 1)},
                                           kernels::ChannelLayout{.outer = 4, .channels = 3, .inner = std::max<std::int64_t>(big / 12, 1)},
                                           kernels::ChannelLayout{.outer = large ? 60 : 1, .channels = 16, .inner = large ? 97 : 1},
                                           kernels::ChannelLayout{.outer = large ? 1200 : 1, .channels = 3, .inner = large ? 13 : 1},
                                           kernels::ChannelLayout{.outer = large ? 5 : 1, .channels = large ? 1500 : 1, .inner = large ? 9 : 1},
                                           kernels::ChannelLayout{.outer = large ? 40 : 1, .channels = 7, .inner = large ? 64 : 1},
                                           kernels::ChannelLayout{.outer = large ? 1400 : 1, .channels = 64, .inner = 1},
                                           kernels::ChannelLayout{.outer = large ? 3000 : 1, .channels = 10, .inner = large ? 3 : 1},
                                           kernels::ChannelLayout{.outer = large ? 3 : 1, .channels = large ? 3000 : 1, .inner = 1},
                                           kernels::ChannelLayout{.outer = large ? 4 : 1, .channels = large ? 700 : 1, .inner = large ? 5 : 1},
                                           kernels::ChannelLayout{.outer = 1, .channels = large ? 90000 : 1, .inner = 1}}) {
      const std::int64_t c = l.channels;
      const auto sz = static_cast<std::size_t>(l.outer * l.channels * l.inner);
      if (sz > n) continue;  // the input holds n elements
      std::vector<T> w(static_cast<std::size_t>(c), T(0.25)), dw(static_cast<std::size_t>(c));
      std::vector<T> xs(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(sz)), ys(sz), dys(dy.begin(), dy.begin() + static_cast<std::ptrdiff_t>(sz)), dxs(sz);
      kernels::forward<Op, T>(xs, w, ys, l);
      kernels::backward<Op, T>(xs, w, dys, dxs, dw, l);
      out.insert(out.end(), ys.begin(), ys.end());
      out.insert(out.end(), dxs.begin(), dxs.end());
      out.insert(out.end(), dw.begin(), dw.end());
    }
    return out;
  } else {
    // Rows of n / 7 (contiguous), rows of 10 over the whole input, 45 rows
    // of every length up to 16 (forward: quads, a vector and a tail of
    // vectors of rows, rows of 1 to 4 transposed by interleaved loads; float
    // rows of 5 to 16 on AVX-512 in transposed blocks of 16 and 8 rows, the
    // rest in vectors of their own, groups of rows and single rows), rows of
    // 17 and 32 (in vectors of their own), rows of 33 to 65 (float forward
    // on AVX-512 in vectors of their own up to 64, against the long rows'
    // path of the other targets), rows of 37 and 100 (whole accumulator
    // groups, vectors and one-lane tails), slices 7 apart (strided),
    // slices of 100, 37 apart (their numerators kept: kStridedKept), and
    // slices 2 to 7 apart, fewer than a vector's lanes (on AVX-512 and AVX2
    // in blocks of outer indices, transposed: quads, vectors and the
    // outer indices left over, against one outer index at a time elsewhere).
    std::vector<T> out;
    std::vector<kernels::RowLayout> layouts = {kernels::RowLayout{.outer = 7, .size = static_cast<std::int64_t>(n / 7), .inner = 1},
                                               kernels::RowLayout{.outer = static_cast<std::int64_t>(n / 10), .size = 10, .inner = 1},
                                               kernels::RowLayout{.outer = 23, .size = 17, .inner = 1},
                                               kernels::RowLayout{.outer = 15, .size = 32, .inner = 1},
                                               kernels::RowLayout{.outer = 3, .size = 37, .inner = 1},
                                               kernels::RowLayout{.outer = 9, .size = 33, .inner = 1},
                                               kernels::RowLayout{.outer = 6, .size = 48, .inner = 1},
                                               kernels::RowLayout{.outer = 5, .size = 63, .inner = 1},
                                               kernels::RowLayout{.outer = 4, .size = 64, .inner = 1},
                                               kernels::RowLayout{.outer = 3, .size = 65, .inner = 1},
                                               kernels::RowLayout{.outer = 5, .size = 100, .inner = 1},
                                               kernels::RowLayout{.outer = 1, .size = static_cast<std::int64_t>(n / 7), .inner = 7},
                                               kernels::RowLayout{.outer = 9, .size = 100, .inner = 37},
                                               kernels::RowLayout{.outer = 77, .size = 10, .inner = 2},
                                               kernels::RowLayout{.outer = 45, .size = 100, .inner = 3},
                                               kernels::RowLayout{.outer = 37, .size = 9, .inner = 4},
                                               kernels::RowLayout{.outer = 41, .size = 7, .inner = 5},
                                               kernels::RowLayout{.outer = 19, .size = 17, .inner = 7}};
    for (std::int64_t size = 1; size <= 16; ++size) layouts.push_back({.outer = 45, .size = size, .inner = 1});
    for (const kernels::RowLayout& l : layouts) {
      const auto sz = static_cast<std::size_t>(l.outer * l.size * l.inner);
      if (sz > n) continue;  // the input holds n elements (small n: some fixed layouts do not fit)
      std::vector<T> xs(sz), ys(sz), dys(dy.begin(), dy.begin() + static_cast<std::ptrdiff_t>(sz)), dxs(sz);
      for (std::size_t i = 0; i < sz; ++i) xs[i] = std::isfinite(x[i]) ? std::fmod(x[i], T(50)) : x[i];
      kernels::forward<Op, T>(xs, ys, l);
      kernels::backward<Op, T>(ys, dys, dxs, l);
      out.insert(out.end(), ys.begin(), ys.end());
      out.insert(out.end(), dxs.begin(), dxs.end());
    }
    return out;
  }
}

class Determinism : public ::testing::Test {
 protected:
  void TearDown() override {
    kernels::set_target("");
    kernels::set_num_threads(0);
    kernels::set_streaming_threshold(kernels::kDefaultStreamingThreshold);
    kernels::set_parallel_threshold(kernels::kDefaultParallelThreshold);
  }
};

// Calls f(target, threads) on every target with 1, 2 and 3 threads, both
// set (3: work that does not split evenly, such as PReLU's weight-gradient
// segments, dispatch.cc).
template <class F>
void for_each_target_and_threads(const F& f) {
  for (const std::string& target : kernels::targets()) {
    kernels::set_target(target);
    for (int threads : {1, 2, 3}) {
      kernels::set_num_threads(threads);
      f(target, threads);
    }
  }
}

template <class T>
void check_threads_and_targets() {
  for_each_op([]<class Op>() {
    kernels::set_target("");
    kernels::set_num_threads(1);
    const std::vector<T> reference = run<Op, T>(kLarge);
    for_each_target_and_threads([&](const std::string& target, int threads) {
      EXPECT_TRUE(same_bits(run<Op, T>(kLarge), reference))
          << Op::info.name << " " << dtype_name(dtype_of<T>()) << " differs on target " << target << " with "
          << threads << " threads";
    });
  });
}

// leaky_relu's forward is max(x, x * slope) on x86 for 0 < slope <= 1 and a
// select otherwise: on every target, for slopes on both sides of that line,
// each output has the bits of x > 0 ? x : x * slope computed one element at a
// time (NaN payloads, signaling NaNs, signed zeros, infinities, subnormals
// included).
template <class T>
void check_leaky_relu_slopes() {
  std::vector<T> x = make_input<T>(kLarge, 9);
  // Signaling NaNs too: the product quiets them, and so must the result.
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const Bits exponent = std::bit_cast<Bits>(std::numeric_limits<T>::infinity());
  for (std::size_t i = 0; i < x.size(); i += 97) x[i] = std::bit_cast<T>(static_cast<Bits>(exponent | (i + 1)));
  for (const double slope : {0.01, 1.0, 1e-30, 1.5, 0.0, -0.5}) {
    const T s = static_cast<T>(slope);
    std::vector<T> expected(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) expected[i] = x[i] > 0 ? x[i] : x[i] * s;
    for (const std::string& target : kernels::targets()) {
      kernels::set_target(target);
      std::vector<T> y(x.size());
      kernels::forward<ops::LeakyRelu, T>(x, y, {.negative_slope = slope});
      // Strictly: same_bits takes any NaN for any other.
      EXPECT_EQ(std::memcmp(y.data(), expected.data(), y.size() * sizeof(T)), 0)
          << "leaky_relu " << dtype_name(dtype_of<T>()) << " slope " << slope << " on target " << target;
    }
  }
}

TEST_F(Determinism, LeakyReluSlopesFloat32) { check_leaky_relu_slopes<float>(); }
TEST_F(Determinism, LeakyReluSlopesFloat64) { check_leaky_relu_slopes<double>(); }

TEST_F(Determinism, ThreadsAndTargetsFloat32) { check_threads_and_targets<float>(); }
TEST_F(Determinism, ThreadsAndTargetsFloat64) { check_threads_and_targets<double>(); }

// An element's result does not depend on its position: every length from 0 to
// 40 (less than, exactly and more than a vector on each target) matches the
// same elements computed inside a long buffer.
TEST_F(Determinism, TailsMatchFullVectors) {
  for_each_op([]<class Op>() {
    if constexpr (Op::info.kind == Kind::pointwise) {
      const std::vector<float> x = make_input<float>(64, 9);
      std::vector<float> full(64);
      kernels::forward<Op, float>(x, full, {});
      for (std::size_t n = 0; n <= 40; ++n) {
        for (std::size_t offset : {std::size_t{0}, std::size_t{1}, std::size_t{5}}) {
          std::vector<float> part(n);
          kernels::forward<Op, float>(std::span<const float>(x).subspan(offset, n), part, {});
          EXPECT_TRUE(same_bits(part, std::vector<float>(full.begin() + static_cast<std::ptrdiff_t>(offset),
                                                         full.begin() + static_cast<std::ptrdiff_t>(offset + n))))
              << Op::info.name << " length " << n << " offset " << offset;
        }
      }
    }
  });
}

// n elements of T that end where a page the process may neither read nor
// write begins: a kernel that touches anything past them faults.
template <class T>
class GuardedBuffer {
 public:
  explicit GuardedBuffer(std::size_t n) : n_(n) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    bytes_ = (n * sizeof(T) + page - 1) / page * page + page;
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<char*>(p);
    if (mprotect(base_ + bytes_ - page, page, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
    data_ = reinterpret_cast<T*>(base_ + bytes_ - page) - n;
  }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  ~GuardedBuffer() { munmap(base_, bytes_); }
  std::span<T> span() { return {data_, n_}; }
  GuardedBuffer& operator=(const std::vector<T>& v) {
    std::copy(v.begin(), v.end(), data_);
    return *this;
  }
  std::vector<T> values() const { return {data_, data_ + n_}; }

 private:
  std::size_t n_, bytes_;
  char* base_;
  T* data_;
};

// Tails (masked vectors on AVX2 and AVX-512, one lane at a time before) read
// and write nothing past their buffers, and give the bits of the same call on
// ordinary buffers: every buffer ends at a guarded page, for every length from
// 1 to 40 and a few longer ones, and softmax rows and slices that end in
// tails, on every target.
template <class T>
void check_guarded_tails() {
  for_each_op([]<class Op>() {
    for (const std::string& target : kernels::targets()) {
      kernels::set_target(target);
      std::vector<std::size_t> lengths = {97, 100, 1000, 1001, 4097};
      for (std::size_t n = 1; n <= 40; ++n) lengths.push_back(n);
      for (const std::size_t n : lengths) {
        const std::vector<T> x = make_input<T>(n, 11), dy = make_input<T>(n, 12);
        GuardedBuffer<T> gx(n), gdy(n), gy(n), gdx(n);
        gx = x;
        gdy = dy;
        std::vector<T> y(n), dx(n);
        const auto both = [&](const auto& call, const std::string& what) {
          call(std::span<const T>(x), std::span<const T>(dy), std::span<T>(y), std::span<T>(dx));
          call(std::span<const T>(gx.span()), std::span<const T>(gdy.span()), gy.span(), gdx.span());
          EXPECT_TRUE(same_bits(gy.values(), y) && same_bits(gdx.values(), dx))
              << Op::info.name << " " << dtype_name(dtype_of<T>()) << " " << what << ", length " << n
              << ", on target " << target;
        };
        if constexpr (Op::info.kind == Kind::pointwise) {
          both([](auto xs, auto dys, auto ys, auto dxs) {
            kernels::forward<Op, T>(xs, ys, {});
            kernels::backward<Op, T>(Op::info.saves == Saves::input ? xs : std::span<const T>(ys), dys, dxs, {});
          }, "forward and backward");
          if constexpr (DerivesFromOutput<Op>) {
            both([](auto xs, auto dys, auto ys, auto dxs) {
              kernels::forward<Op, T>(xs, ys, {});
              kernels::backward_from_output<Op, T>(ys, dys, dxs, {});
            }, "backward from the output");
          }
        } else if constexpr (Op::info.kind == Kind::along_dim) {
          // One row, rows of 7 (n a multiple of 7), and slices n / 3 apart.
          std::vector<kernels::RowLayout> layouts = {{.outer = 1, .size = static_cast<std::int64_t>(n), .inner = 1}};
          if (n % 7 == 0) layouts.push_back({.outer = static_cast<std::int64_t>(n / 7), .size = 7, .inner = 1});
          if (n % 3 == 0) layouts.push_back({.outer = 1, .size = 3, .inner = static_cast<std::int64_t>(n / 3)});
          for (const kernels::RowLayout& l : layouts) {
            both([&](auto xs, auto dys, auto ys, auto dxs) {
              kernels::forward<Op, T>(xs, ys, l);
              kernels::backward<Op, T>(std::span<const T>(ys), dys, dxs, l);
            }, "rows of " + std::to_string(l.size) + ", inner " + std::to_string(l.inner));
          }
        } else {
          // Channels of n elements (inner n), and n channels of one.
          for (const auto& [channels, inner] : {std::pair<std::int64_t, std::int64_t>{1, n}, {n, 1}}) {
            const kernels::ChannelLayout l{.outer = 1, .channels = channels, .inner = inner};
            const std::vector<T> w(static_cast<std::size_t>(channels), T(0.25));
            std::vector<T> dw(w.size());
            both([&](auto xs, auto dys, auto ys, auto dxs) {
              kernels::forward<Op, T>(xs, w, ys, l);
              kernels::backward<Op, T>(xs, w, dys, dxs, dw, l);
            }, std::to_string(channels) + " channels");
          }
        }
      }
    }
  });
}

TEST_F(Determinism, GuardedTailsFloat32) { check_guarded_tails<float>(); }
TEST_F(Determinism, GuardedTailsFloat64) { check_guarded_tails<double>(); }

// Output aliasing the input gives the out-of-place result.
template <class T>
void check_in_place() {
  for_each_op([]<class Op>() {
    const std::vector<T> x = make_input<T>(1001, 4), dy = make_input<T>(1001, 5);
    if constexpr (Op::info.kind == Kind::pointwise) {
      std::vector<T> y(x.size()), in_place = x;
      kernels::forward<Op, T>(x, y, {});
      kernels::forward<Op, T>(in_place, in_place, {});
      EXPECT_TRUE(same_bits(in_place, y)) << Op::info.name << " forward in place";
      std::vector<T> dx(x.size()), g = dy;
      const std::vector<T>& saved = Op::info.saves == Saves::input ? x : y;
      kernels::backward<Op, T>(saved, dy, dx, {});
      kernels::backward<Op, T>(saved, g, g, {});
      EXPECT_TRUE(same_bits(g, dx)) << Op::info.name << " backward in place";
      if constexpr (DerivesFromOutput<Op>) {
        std::vector<T> on_y = y, into_dy = dy;
        kernels::backward_from_output<Op, T>(y, dy, dx, {});
        kernels::backward_from_output<Op, T>(on_y, dy, on_y, {});
        kernels::backward_from_output<Op, T>(y, into_dy, into_dy, {});
        EXPECT_TRUE(same_bits(on_y, dx)) << Op::info.name << " backward from output into the output";
        EXPECT_TRUE(same_bits(into_dy, dx)) << Op::info.name << " backward from output into grad_output";
      }
    } else if constexpr (Op::info.kind == Kind::along_dim) {
      std::vector<T> xs(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) xs[i] = std::isfinite(x[i]) ? std::fmod(x[i], T(50)) : T(0);
      // Rows of 3 (forward: a vector of rows at a time), 11 (in vectors of
      // their own) and 143.
      for (const std::int64_t size : {3, 11, 143}) {
        const std::int64_t rows = static_cast<std::int64_t>(x.size()) / size;
        const auto n = static_cast<std::ptrdiff_t>(rows * size);
        const kernels::RowLayout l{.outer = rows, .size = size, .inner = 1};
        const std::vector<T> in(xs.begin(), xs.begin() + n), grad(dy.begin(), dy.begin() + n);
        std::vector<T> y(in.size()), in_place = in;
        kernels::forward<Op, T>(in, y, l);
        kernels::forward<Op, T>(in_place, in_place, l);
        EXPECT_TRUE(same_bits(in_place, y)) << Op::info.name << " forward in place, rows of " << size;
        std::vector<T> dx(in.size()), g = grad, on_y = y;
        kernels::backward<Op, T>(y, grad, dx, l);
        kernels::backward<Op, T>(y, g, g, l);
        EXPECT_TRUE(same_bits(g, dx)) << Op::info.name << " backward into grad_output, rows of " << size;
        kernels::backward<Op, T>(on_y, grad, on_y, l);
        EXPECT_TRUE(same_bits(on_y, dx)) << Op::info.name << " backward into the saved output, rows of " << size;
      }
    } else {
      // The weight gradient needs grad_output after grad_input is written over it.
      const kernels::ChannelLayout l{.outer = 7, .channels = 11, .inner = 13};
      const std::vector<T> w = make_input<T>(11, 6);
      std::vector<T> y(x.size()), in_place = x;
      kernels::forward<Op, T>(x, w, y, l);
      kernels::forward<Op, T>(in_place, w, in_place, l);
      EXPECT_TRUE(same_bits(in_place, y)) << Op::info.name << " forward in place";
      std::vector<T> dx(x.size()), dw(w.size()), g = dy, g_dw(w.size());
      kernels::backward<Op, T>(x, w, dy, dx, dw, l);
      kernels::backward<Op, T>(x, w, g, g, g_dw, l);
      EXPECT_TRUE(same_bits(g, dx)) << Op::info.name << " backward in place: grad_input";
      EXPECT_TRUE(same_bits(g_dw, dw)) << Op::info.name << " backward in place: grad_weight";
    }
  });
}

// Streaming stores (every call streams at threshold 0) give the plain
// stores' bits: outputs(offset, n) written at every offset from a vector's
// alignment (the head before the first aligned vector, then whole vectors,
// then the tail), on every target with 1 and 2 threads.
template <class Op, class T, class F>
void check_streamed_bits(std::size_t pad, const F& outputs) {
  for_each_target_and_threads([&](const std::string& target, int threads) {
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{37}, kLarge}) {
      for (std::size_t offset = 0; offset < pad; offset += n == kLarge ? 5 : 1) {
        kernels::set_streaming_threshold(std::numeric_limits<std::size_t>::max());
        const std::vector<T> plain = outputs(offset, n);
        kernels::set_streaming_threshold(0);
        EXPECT_TRUE(same_bits(outputs(offset, n), plain))
            << Op::info.name << " " << dtype_name(dtype_of<T>()) << " streamed differs on target " << target
            << " with " << threads << " threads, length " << n << " at offset " << offset;
      }
    }
  });
}

// Pointwise ops: forward, backward, backward from the output, short buffers,
// in place. PReLU's forward streams row by row (rows of 64: all of them where
// the first row is aligned), its backward the blocks whose first output is
// aligned (rows of n / 6 elements: some are, some are not);
// softmax its contiguous rows longer than 32, forward and backward.
template <class T>
void check_streaming() {
  for_each_op([]<class Op>() {
    constexpr std::size_t kPad = 16;
    const std::vector<T> x = make_input<T>(kLarge + kPad, 7), dy = make_input<T>(kLarge + kPad, 8);
    check_streamed_bits<Op, T>(kPad, [&](std::size_t offset, std::size_t n) {
      std::vector<T> all, buf(n + kPad), grad(n + kPad);
      if constexpr (Op::info.kind == Kind::pointwise) {
        const std::span<const T> xs = std::span<const T>(x).subspan(offset, n);
        const std::span<const T> dys = std::span<const T>(dy).subspan(offset, n);
        const std::span<T> out = std::span<T>(buf).subspan(offset, n);
        kernels::forward<Op, T>(xs, out, {});
        all.assign(out.begin(), out.end());
        const std::vector<T> y(out.begin(), out.end());
        kernels::backward<Op, T>(Op::info.saves == Saves::input ? xs : std::span<const T>(y), dys, out, {});
        all.insert(all.end(), out.begin(), out.end());
        if constexpr (DerivesFromOutput<Op>) {
          kernels::backward_from_output<Op, T>(y, dys, out, {});
          all.insert(all.end(), out.begin(), out.end());
        }
        std::vector<T> in_place(x.begin(), x.end());
        const std::span<T> ip = std::span<T>(in_place).subspan(offset, n);
        kernels::forward<Op, T>(ip, ip, {});
        all.insert(all.end(), ip.begin(), ip.end());
      } else if constexpr (Op::info.kind == Kind::weighted) {
        const auto inner = static_cast<std::int64_t>(n / 6);
        const auto m = static_cast<std::size_t>(6 * inner);
        const std::vector<T> w = {T(0.25), T(-1.5), T(3)};
        const kernels::ChannelLayout l{.outer = 2, .channels = 3, .inner = inner};
        const std::span<const T> xs = std::span<const T>(x).subspan(offset, m);
        const std::span<T> out = std::span<T>(buf).subspan(offset, m);
        kernels::forward<Op, T>(xs, w, out, l);
        all.assign(out.begin(), out.end());
        std::vector<T> dw(3);
        kernels::backward<Op, T>(xs, w, std::span<const T>(dy).subspan(offset, m), out, dw, l);
        all.insert(all.end(), out.begin(), out.end());
        all.insert(all.end(), dw.begin(), dw.end());
        // In place: grad_input over grad_output, streamed while it is read.
        std::vector<T> g_buf(dy.begin(), dy.end());
        const std::span<T> g = std::span<T>(g_buf).subspan(offset, m);
        kernels::backward<Op, T>(xs, w, g, g, dw, l);
        all.insert(all.end(), g.begin(), g.end());
        all.insert(all.end(), dw.begin(), dw.end());
        // As columns (table.h): slices of 64 channels of 1, and of 50 of 3
        // (pieces of two slices), forward and backward.
        for (const std::int64_t inner : {1, 3}) {
          const kernels::ChannelLayout columns{.outer = static_cast<std::int64_t>(n) / (50 * inner), .channels = 50, .inner = inner};
          const auto c = static_cast<std::size_t>(columns.outer * 50 * inner);
          const std::vector<T> cw = make_input<T>(50, 6);
          std::vector<T> cdw(50);
          const std::span<T> cout = std::span<T>(buf).subspan(offset, c);
          kernels::forward<Op, T>(std::span<const T>(x).subspan(offset, c), cw, cout, columns);
          all.insert(all.end(), cout.begin(), cout.end());
          kernels::backward<Op, T>(std::span<const T>(x).subspan(offset, c), cw, std::span<const T>(dy).subspan(offset, c), cout, cdw, columns);
          all.insert(all.end(), cout.begin(), cout.end());
          all.insert(all.end(), cdw.begin(), cdw.end());
        }
        // Rows of 64: whole vectors, streamed where the first is aligned (at
        // offset 0 from a 64-byte boundary).
        const kernels::ChannelLayout short_rows{.outer = static_cast<std::int64_t>(n / 192), .channels = 3, .inner = 64};
        const auto k = static_cast<std::size_t>(short_rows.outer * 192);
        std::vector<T> rows_buf(k + kPad + 64 / sizeof(T));
        const std::span<T> rows = std::span<T>(rows_buf).subspan(
            (64 - reinterpret_cast<std::uintptr_t>(rows_buf.data()) % 64) % 64 / sizeof(T) + offset, k);
        kernels::forward<Op, T>(std::span<const T>(x).subspan(offset, k), w, rows, short_rows);
        all.insert(all.end(), rows.begin(), rows.end());
      } else {
        for (const std::int64_t size : {33, 37, 1001}) {
          const kernels::RowLayout l{.outer = static_cast<std::int64_t>(n) / size, .size = size, .inner = 1};
          const auto m = static_cast<std::size_t>(l.outer * size);
          std::vector<T> in(m);
          for (std::size_t i = 0; i < m; ++i) in[i] = std::isfinite(x[i]) ? std::fmod(x[i], T(50)) : x[i];
          const std::span<T> out = std::span<T>(buf).subspan(offset, m), g = std::span<T>(grad).subspan(offset, m);
          kernels::forward<Op, T>(in, out, l);
          all.insert(all.end(), out.begin(), out.end());
          kernels::backward<Op, T>(out, std::span<const T>(dy).subspan(0, m), g, l);
          all.insert(all.end(), g.begin(), g.end());
        }
      }
      return all;
    });
  });
}

TEST_F(Determinism, StreamingStoresFloat32) { check_streaming<float>(); }
TEST_F(Determinism, StreamingStoresFloat64) { check_streaming<double>(); }

TEST_F(Determinism, StreamingThresholdSetting) {
  EXPECT_EQ(kernels::streaming_threshold(), kernels::kDefaultStreamingThreshold);
  kernels::set_streaming_threshold(12345);
  EXPECT_EQ(kernels::streaming_threshold(), 12345u);
}

// Threads for any work (set_parallel_threshold(0), as `activa bench
// --parallel-threshold 0` sets it): calls far below the default cut-over,
// split between two threads, give one thread's bits; and no threads at all
// (INT64_MAX) give them on calls far above it.
template <class T>
void check_parallel_threshold() {
  for_each_op([]<class Op>() {
    for (const std::size_t n : {std::size_t{70}, std::size_t{1000}, kLarge}) {
      kernels::set_num_threads(1);
      const std::vector<T> reference = run<Op, T>(n);
      kernels::set_num_threads(2);
      for (const std::int64_t threshold : {std::int64_t{0}, std::numeric_limits<std::int64_t>::max()}) {
        kernels::set_parallel_threshold(threshold);
        EXPECT_TRUE(same_bits(run<Op, T>(n), reference))
            << Op::info.name << " " << dtype_name(dtype_of<T>()) << " differs with 2 threads from " << threshold
            << " units of work, n = " << n;
      }
      kernels::set_parallel_threshold(kernels::kDefaultParallelThreshold);
    }
  });
}

TEST_F(Determinism, ParallelThresholdFloat32) { check_parallel_threshold<float>(); }
TEST_F(Determinism, ParallelThresholdFloat64) { check_parallel_threshold<double>(); }

TEST_F(Determinism, ParallelThresholdSetting) {
  EXPECT_EQ(kernels::parallel_threshold(), kernels::kDefaultParallelThreshold);
  kernels::set_parallel_threshold(0);
  EXPECT_EQ(kernels::parallel_threshold(), 0);
  try {
    kernels::set_parallel_threshold(-1);
    ADD_FAILURE() << "a negative parallel threshold was accepted";
  } catch (const activa::Error& e) {
    EXPECT_EQ(std::string(e.what()), "parallel threshold must be >= 0 (0: threads for any work), got -1");
  }
  EXPECT_EQ(kernels::parallel_threshold(), 0);  // unchanged by the refused value
}

TEST_F(Determinism, InPlaceFloat32) { check_in_place<float>(); }
TEST_F(Determinism, InPlaceFloat64) { check_in_place<double>(); }

// Float rows past kOnlineRow (2^18) find max and sum in one pass: two such
// rows on every target with 1 and 2 threads.
TEST_F(Determinism, SoftmaxOnePassRows) {
  constexpr std::int64_t kSize = (1 << 18) + 1003;
  std::vector<float> x = make_input<float>(2 * kSize, 3), dy = make_input<float>(2 * kSize, 4);
  for (auto& v : x) v = std::isfinite(v) ? std::fmod(v, 50.0f) : 0.0f;
  for (auto& v : dy) v = std::isfinite(v) ? std::fmod(v, 4.0f) : 0.5f;
  const kernels::RowLayout l{.outer = 2, .size = kSize, .inner = 1};
  const auto run_once = [&] {
    std::vector<float> y(x.size()), dx(x.size());
    kernels::forward<ops::Softmax, float>(x, y, l);
    kernels::backward<ops::Softmax, float>(y, dy, dx, l);
    y.insert(y.end(), dx.begin(), dx.end());
    return y;
  };
  kernels::set_target("");
  kernels::set_num_threads(1);
  const std::vector<float> reference = run_once();
  for_each_target_and_threads([&](const std::string& target, int threads) {
    EXPECT_TRUE(same_bits(run_once(), reference)) << "target " << target << ", " << threads << " threads";
  });
}

// Contiguous rows longer than kBufferedRow (2,048) whose output does not
// alias the input keep the numerators of their first elements in the output
// between the sum and the outputs (half the row for float, all of it for
// double); in place, or streamed, they compute them again. Both give the same
// bits: out of place (the output at a 64-byte boundary and one element past
// it, where the kept doubles are unaligned), in place and streamed, on every
// target with 1 and 2 threads.
template <class T>
void check_long_rows() {
  for (const std::int64_t size : {2049, 5003, 100000}) {
    std::vector<T> x = make_input<T>(static_cast<std::size_t>(2 * size), 11);
    for (auto& v : x) v = std::isfinite(v) ? std::fmod(v, T(50)) : T(0);
    const kernels::RowLayout l{.outer = 2, .size = size, .inner = 1};
    const auto out_of_place = [&](std::size_t offset) {
      std::vector<T> buf(x.size() + offset);
      kernels::forward<ops::Softmax, T>(x, std::span<T>(buf).subspan(offset, x.size()), l);
      return std::vector<T>(buf.begin() + static_cast<std::ptrdiff_t>(offset), buf.end());
    };
    const auto in_place = [&] {
      std::vector<T> y = x;
      kernels::forward<ops::Softmax, T>(y, y, l);
      return y;
    };
    kernels::set_target("");
    kernels::set_num_threads(1);
    const std::vector<T> reference = in_place();
    for_each_target_and_threads([&](const std::string& target, int threads) {
      std::ostringstream where_stream;
      where_stream << "rows of " << size << ", target " << target << ", " << threads << " threads";
      const std::string where = where_stream.str();
      EXPECT_TRUE(same_bits(in_place(), reference)) << "in place, " << where;
      EXPECT_TRUE(same_bits(out_of_place(0), reference)) << "out of place, " << where;
      EXPECT_TRUE(same_bits(out_of_place(1), reference)) << "out of place, one element off, " << where;
      kernels::set_streaming_threshold(0);
      EXPECT_TRUE(same_bits(out_of_place(0), reference)) << "streamed, " << where;
      kernels::set_streaming_threshold(kernels::kDefaultStreamingThreshold);
    });
  }
}

TEST_F(Determinism, SoftmaxLongRowsFloat32) { check_long_rows<float>(); }
TEST_F(Determinism, SoftmaxLongRowsFloat64) { check_long_rows<double>(); }

TEST(Kernels, SizeMismatchThrows) {
  std::vector<float> x(4), y(3), w(2), dw(2);
  EXPECT_THROW((kernels::forward<ops::Sigmoid, float>(x, y, {})), Error);
  EXPECT_THROW((kernels::forward<ops::Prelu, float>(x, w, x, {.outer = 1, .channels = 3, .inner = 1})), Error);
  EXPECT_THROW((kernels::forward<ops::Softmax, float>(x, x, {.outer = 1, .size = 5, .inner = 1})), Error);
  try {
    kernels::backward<ops::Relu, float>(x, y, x, {});
    FAIL() << "expected activa::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("grad_output has 3 elements, expected 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW((kernels::backward_from_output<ops::Sigmoid, float>(x, x, y, {})), Error);
}

// An output is an input itself (in place, above) or shares no element with
// it: one element apart, every kind of op refuses, naming the two buffers.
TEST(Kernels, PartialOverlapThrows) {
  std::vector<float> buf(10, 0.5f), w(2, 0.25f), dw(2);
  const std::span<float> a = std::span<float>(buf).subspan(0, 8), b = std::span<float>(buf).subspan(1, 8);
  const std::vector<float> other(8, 1.0f);
  const auto expect = [](const auto& call, const std::string& message) {
    try {
      call();
      ADD_FAILURE() << "expected activa::Error: " << message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  expect([&] { kernels::forward<ops::Sigmoid, float>(a, b, {}); }, "sigmoid: output partially overlaps input");
  expect([&] { kernels::backward<ops::Relu, float>(other, a, b, {}); }, "relu: grad_input partially overlaps grad_output");
  expect([&] { kernels::backward<ops::Sigmoid, float>(a, other, b, {}); }, "sigmoid: grad_input partially overlaps input");
  expect([&] { kernels::backward_from_output<ops::Tanh, float>(a, other, b, {}); },
         "tanh: grad_input partially overlaps output");
  const kernels::ChannelLayout cl{.outer = 1, .channels = 2, .inner = 4};
  expect([&] { kernels::forward<ops::Prelu, float>(a, w, b, cl); }, "prelu: output partially overlaps input");
  expect([&] { kernels::forward<ops::Prelu, float>(other, std::span<const float>(buf).subspan(4, 2), a, cl); },
         "prelu: output partially overlaps weight");
  expect([&] { kernels::backward<ops::Prelu, float>(other, w, other, a, std::span<float>(buf).subspan(7, 2), cl); },
         "prelu: grad_weight partially overlaps grad_input");
  const kernels::RowLayout rl{.outer = 2, .size = 4, .inner = 1};
  expect([&] { kernels::forward<ops::Softmax, float>(a, b, rl); }, "softmax: output partially overlaps input");
  expect([&] { kernels::backward<ops::Softmax, float>(other, a, b, rl); },
         "softmax: grad_input partially overlaps grad_output");
  // Disjoint halves of one buffer are fine.
  kernels::forward<ops::Sigmoid, float>(std::span<float>(buf).subspan(0, 5), std::span<float>(buf).subspan(5, 5), {});
  EXPECT_FLOAT_EQ(buf[5], 1.0f / (1.0f + std::exp(-0.5f)));
}

// elu's output tells x <= 0 from x > 0 only for alpha >= 0: a negative alpha
// is refused, as PyTorch's elu_backward with is_result refuses it.
TEST(Kernels, EluFromOutputNeedsNonNegativeAlpha) {
  std::vector<float> y = {-0.5f, 0.0f, 2.0f}, dy = {1, 1, 1}, dx(3);
  try {
    kernels::backward_from_output<ops::Elu, float>(y, dy, dx, {.alpha = -0.5});
    FAIL() << "expected activa::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("alpha >= 0"), std::string::npos) << e.what();
  }
  // alpha = 0: y is 0 exactly where x <= 0, and the derivative there is 0.
  y = {0.0f, 0.0f, 2.0f};
  kernels::backward_from_output<ops::Elu, float>(y, dy, dx, {.alpha = 0.0});
  EXPECT_EQ(dx, (std::vector<float>{0.0f, 0.0f, 1.0f}));
}

TEST(Kernels, TargetsListAndOverride) {
  const auto ts = kernels::targets();
  ASSERT_FALSE(ts.empty());
  EXPECT_EQ(ts.back(), "SCALAR");
  // current_target() names the table the kernels dispatch to (remembered after
  // the first call): it must follow every override.
  for (const std::string& t : ts) {
    kernels::set_target(t);
    EXPECT_EQ(kernels::current_target(), t);
  }
  kernels::set_target("");
  EXPECT_EQ(kernels::current_target(), ts.front());
  EXPECT_THROW(kernels::set_target("NEON"), Error);
}

}  // namespace
}  // namespace activa::test
