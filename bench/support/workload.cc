#include "bench/support/workload.h"

#include <charconv>
#include <limits>

#include "activa/ops/all.h"

namespace activa::bench {

std::string_view direction_name(Direction d) {
  return d == Direction::forward ? "forward" : d == Direction::backward ? "backward" : "backward_y";
}

namespace {
std::int64_t g_prelu_inner = kPreluInner;
}  // namespace

void set_prelu_inner(std::int64_t inner) { g_prelu_inner = inner; }

std::optional<std::int64_t> parse_prelu_inner(std::string_view text) {
  const auto inner = parse_size(text);
  if (!inner || *inner > (std::int64_t{1} << 30)) return std::nullopt;
  return inner;
}

kernels::ChannelLayout prelu_layout(std::int64_t n) {
  const std::int64_t map = kPreluChannels * g_prelu_inner;
  if (n % map != 0) return {.outer = 1, .channels = 1, .inner = n};
  return {.outer = n / map, .channels = kPreluChannels, .inner = g_prelu_inner};
}

std::string prelu_layout_text() {
  const std::string channels = std::to_string(kPreluChannels);
  if (g_prelu_inner == 1) return "[n/" + channels + ", " + channels + "]";
  return "[n/" + std::to_string(kPreluChannels * g_prelu_inner) + ", " + channels + ", " + std::to_string(g_prelu_inner) + "]";
}

kernels::RowLayout softmax_layout(std::int64_t n, std::int64_t cols) {
  return {.outer = cols > 0 ? n / cols : 0, .size = cols, .inner = 1};
}

bool is_row_wise(std::string_view function) {
  bool row_wise = false;
  AllOps::visit(function, [&]<class Op>() { row_wise = Op::info.kind == Kind::along_dim; });
  return row_wise;
}

bool has_backward_from_output(std::string_view function) {
  bool has = false;
  AllOps::visit(function, [&]<class Op>() { has = DerivesFromOutput<Op>; });
  return has;
}

std::vector<std::string> function_names() {
  std::vector<std::string> names;
  AllOps::for_each([&]<class Op>() { names.emplace_back(Op::info.name); });
  return names;
}

std::vector<Case> cases_of(const std::string& function, std::int64_t n, int threads,
                           std::span<const std::int64_t> cols) {
  std::vector<Case> out;
  for (Direction d : {Direction::forward, Direction::backward, Direction::backward_y}) {
    if (d == Direction::backward_y && !has_backward_from_output(function)) continue;
    if (!is_row_wise(function)) {
      out.push_back({function, d, n, 0, threads});
      continue;
    }
    for (std::int64_t c : cols) {
      if (c <= n) out.push_back({function, d, n, c, threads});
    }
  }
  return out;
}

std::int64_t elements(const Case& c) {
  if (!is_row_wise(c.function)) return c.n;
  const kernels::RowLayout r = softmax_layout(c.n, c.cols);
  return r.outer * r.size;
}

int effective_threads(std::int64_t n, int threads) {
  return n < kernels::parallel_threshold() ? 1 : threads;
}

template <class T>
std::function<void()> activa_kernel(const Case& c, const Operands<T>& o) {
  const auto n = static_cast<std::size_t>(elements(c));
  const std::span<const T> x = o.x.first(n), dy = o.grad_output.first(n);
  const std::span<T> out = o.out.first(n);
  const bool fwd = c.direction == Direction::forward;
  std::function<void()> run;
  AllOps::visit(c.function, [&]<class Op>() {
    if constexpr (Op::info.kind == Kind::pointwise) {
      if (fwd) {
        run = [=] { kernels::forward<Op, T>(x, out); };
      } else if (c.direction == Direction::backward) {
        run = [=] { kernels::backward<Op, T>(x, dy, out); };
      } else if constexpr (DerivesFromOutput<Op>) {
        run = [=] { kernels::backward_from_output<Op, T>(x, dy, out); };
      }
    } else if constexpr (Op::info.kind == Kind::weighted) {
      const kernels::ChannelLayout layout = prelu_layout(c.n);
      const auto channels = static_cast<std::size_t>(layout.channels);
      const std::span<const T> w = o.weight.first(channels);
      const std::span<T> dw = o.grad_weight.first(channels);
      for (T& v : o.weight.first(channels)) v = T(typename Op::Options{}.init);
      if (fwd) {
        run = [=] { kernels::forward<Op, T>(x, w, out, layout); };
      } else {
        run = [=] { kernels::backward<Op, T>(x, w, dy, out, dw, layout); };
      }
    } else {
      const kernels::RowLayout layout = softmax_layout(c.n, c.cols);
      if (fwd) {
        run = [=] { kernels::forward<Op, T>(x, out, layout); };
      } else {
        run = [=] { kernels::backward<Op, T>(x, dy, out, layout); };
      }
    }
  });
  if (run) run();  // throws activa::Error here, not in the timed loop, if the case is malformed
  return run;
}

template std::function<void()> activa_kernel<float>(const Case&, const Operands<float>&);
template std::function<void()> activa_kernel<double>(const Case&, const Operands<double>&);

std::string size_text(std::int64_t n) {
  constexpr const char* kUnits[] = {"", "Ki", "Mi", "Gi", "Ti"};
  int unit = 0;
  while (unit < 4 && n != 0 && n % 1024 == 0) {
    n /= 1024;
    ++unit;
  }
  return std::to_string(n) + kUnits[unit];
}

std::optional<std::int64_t> parse_size(std::string_view text) {
  std::int64_t scale = 1;
  for (const auto& [suffix, s] : {std::pair<std::string_view, std::int64_t>{"Ki", 1 << 10},
                                  {"Mi", 1 << 20},
                                  {"Gi", std::int64_t{1} << 30}}) {
    if (text.ends_with(suffix)) {
      text.remove_suffix(2);
      scale = s;
      break;
    }
  }
  std::int64_t count = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, count);
  if (text.empty() || ec != std::errc() || p != end || count <= 0 ||
      count > std::numeric_limits<std::int64_t>::max() / scale) {
    return std::nullopt;
  }
  return count * scale;
}

}  // namespace activa::bench
