#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "activa/error.h"
#include "src/plot/scale.h"

namespace activa::plot {

namespace {

// The extent of the finite values of v (of the positive ones on a log axis);
// nullopt if there are none.
std::optional<Range> extent(const std::vector<Series>& series, bool y, bool positive_only) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : series) {
    for (double v : y ? s.y : s.x) {
      if (!std::isfinite(v) || (positive_only && v <= 0)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) return std::nullopt;
  return Range{lo, hi};
}

// A range of zero width is widened to one of unit width (or ±10% of its value).
Range widen(Range r) {
  if (r.hi > r.lo) return r;
  const double d = r.lo == 0 ? 1 : std::abs(r.lo) * 0.1;
  return {r.lo - d, r.hi + d};
}

}  // namespace

Range Figure::range_x() const {
  if (x_range) return *x_range;
  return widen(extent(series, false, false).value_or(Range{-1, 1}));
}

Range Figure::range_y() const {
  if (y_range) return *y_range;
  if (log_y) {
    const Range r = extent(series, true, true).value_or(Range{0.1, 10});
    return {std::pow(10, std::floor(std::log10(r.lo))), std::pow(10, std::ceil(std::log10(r.hi)))};
  }
  Range r = extent(series, true, false).value_or(Range{-1, 1});
  if (axes_through_origin) r = {std::min(r.lo, 0.0), std::max(r.hi, 0.0)};
  r = widen(r);
  const double span = r.hi - r.lo;
  return {r.lo - 0.05 * span, r.hi + 0.15 * span};
}

namespace detail {

Ticks linear_ticks(Range r, int target) {
  const double span = r.hi - r.lo;
  if (!(span > 0) || !std::isfinite(span)) return {{}, 1};
  const double raw = span / std::max(target, 1);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
  Ticks t{{}, step};
  for (double k = std::ceil(r.lo / step - 1e-9); k * step <= r.hi + step * 1e-9; k += 1) {
    t.at.push_back(std::abs(k) < 0.5 ? 0.0 : k * step);
  }
  return t;
}

Ticks log_ticks(Range r) {
  Ticks t{{}, 10};
  if (!(r.lo > 0) || !(r.hi > r.lo)) return t;
  const int k0 = static_cast<int>(std::ceil(std::log10(r.lo) - 1e-9));
  const int k1 = static_cast<int>(std::floor(std::log10(r.hi) + 1e-9));
  const int every = std::max(1, (k1 - k0) / 8 + 1);  // at most ~9 labels
  for (int k = k0; k <= k1; k += every) t.at.push_back(std::pow(10.0, k));
  return t;
}

std::string tick_text(double v, double step, bool unicode_minus) {
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 12);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::abs(v) < step * 1e-6 ? 0.0 : v);
  std::string s = buf;
  if (s.starts_with('-')) s = (unicode_minus ? "\u2212" : "-") + s.substr(1);
  return s;
}

std::string power_text(double v) {
  const int k = static_cast<int>(std::lround(std::log10(v)));
  if (k == 0) return "1";
  if (k == 1) return "10";
  if (k == -1) return "0.1";
  return "1e" + std::to_string(k);
}

bool clip_segment(double& x0, double& y0, double& x1, double& y1, double xmin, double ymin, double xmax,
                  double ymax) {
  double t0 = 0, t1 = 1;
  const double dx = x1 - x0, dy = y1 - y0;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {x0 - xmin, xmax - x0, y0 - ymin, ymax - y0};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0) {
      if (t > t1) return false;
      t0 = std::max(t0, t);
    } else {
      if (t < t0) return false;
      t1 = std::min(t1, t);
    }
  }
  const double ax = x0, ay = y0;
  x0 = ax + t0 * dx;
  y0 = ay + t0 * dy;
  x1 = ax + t1 * dx;
  y1 = ay + t1 * dy;
  return true;
}

double y_scaled(const Figure& f, double y) {
  if (!f.log_y) return y;
  return y > 0 ? std::log10(y) : std::numeric_limits<double>::quiet_NaN();
}

Range y_scaled_range(const Figure& f) {
  const Range r = f.range_y();
  if (!f.log_y) return r;
  if (!(r.lo > 0) || !(r.hi > r.lo)) throw Error("plot: a log y range must be positive and increasing");
  return {std::log10(r.lo), std::log10(r.hi)};
}

}  // namespace detail
}  // namespace activa::plot
