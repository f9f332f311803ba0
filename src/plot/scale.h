// What the cairo drawing and the braille text share: ranges, ticks, tick text,
// and the clipping of segments to a rectangle.
#pragma once

#include <string>
#include <vector>

#include "activa/plot.h"

namespace activa::plot::detail {

// Ticks at multiples of a step of 1, 2 or 5 times a power of ten, about
// `target` of them across r; the step is returned too.
struct Ticks {
  std::vector<double> at;
  double step = 1;
};
Ticks linear_ticks(Range r, int target);
// Powers of ten within [lo, hi] (both positive), as exponents' values 10^k.
Ticks log_ticks(Range r);

// A tick value with as many decimals as the step needs; "-" is ASCII, or the
// typographic minus (U+2212) when `unicode_minus`.
std::string tick_text(double v, double step, bool unicode_minus);
// 10^k as "10^k" text ("1", "10", "0.1" for |k| <= 1).
std::string power_text(double v);

// Whether 0 lies within [r.lo, r.hi].
inline bool contains_zero(Range r) { return r.lo <= 0 && 0 <= r.hi; }

// Clips the segment (x0, y0)-(x1, y1) to [xmin, xmax] x [ymin, ymax]
// (Liang-Barsky); false if nothing of it is inside.
bool clip_segment(double& x0, double& y0, double& x1, double& y1, double xmin, double ymin, double xmax,
                  double ymax);

// The y value as drawn: log10(y) on a log axis (NaN for y <= 0), else y.
double y_scaled(const Figure& f, double y);
// The drawn range of y: log10 of both ends on a log axis.
Range y_scaled_range(const Figure& f);

}  // namespace activa::plot::detail
