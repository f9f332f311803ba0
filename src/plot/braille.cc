// The text rendering of a Figure: each character cell holds 2 x 4 dots of a
// Unicode braille pattern (U+2800 + one bit per dot), so an 80 x 24 terminal
// shows a 148 x 84 dot plot.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "activa/error.h"
#include "activa/plot.h"
#include "src/plot/scale.h"

namespace activa::plot {
namespace {

// Bit of the dot at column c (0, 1) and row r (0..3) of a cell.
constexpr std::uint8_t kDotBit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

std::string utf8_braille(std::uint8_t bits) {
  const unsigned cp = 0x2800u + bits;
  return {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
          static_cast<char>(0x80 | (cp & 0x3F))};
}

// Code points in a UTF-8 string.
std::size_t width_of(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// The first n code points of s.
std::string first_code_points(const std::string& s, std::size_t n) {
  std::size_t i = 0, seen = 0;
  for (; i < s.size(); ++i) {
    if ((s[i] & 0xC0) != 0x80 && seen++ == n) break;
  }
  return s.substr(0, i);
}

std::string ansi(Color c) {
  const auto v = [](double x) { return std::to_string(static_cast<int>(std::lround(std::clamp(x, 0.0, 1.0) * 255))); };
  return "\x1b[38;2;" + v(c.r) + ";" + v(c.g) + ";" + v(c.b) + "m";
}
constexpr const char* kReset = "\x1b[0m";

class Canvas {
 public:
  Canvas(int cols, int rows) : cols_(cols), rows_(rows), bits_(std::size_t(cols * rows)), owner_(bits_.size(), -1) {}
  int width() const { return cols_ * 2; }
  int height() const { return rows_ * 4; }

  void set(int x, int y, int owner) {
    if (x < 0 || y < 0 || x >= width() || y >= height()) return;
    const std::size_t cell = std::size_t((y / 4) * cols_ + x / 2);
    bits_[cell] |= kDotBit[y % 4][x % 2];
    if (owner >= 0) owner_[cell] = owner;
  }

  // Where a series' line is: its dash pattern counts the dots it passes.
  struct Pen {
    int phase = 0;
    int x = -1, y = -1;  // the last dot passed
  };
  // A segment in dot coordinates.
  void line(double x0, double y0, double x1, double y1, int owner, Line style, Pen& pen) {
    if (!detail::clip_segment(x0, y0, x1, y1, 0, 0, width() - 1, height() - 1)) return;
    const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))));
    for (int i = 0; i <= steps; ++i) {
      const double t = double(i) / steps;
      const int x = int(std::lround(x0 + t * (x1 - x0))), y = int(std::lround(y0 + t * (y1 - y0)));
      if (x == pen.x && y == pen.y) continue;
      pen.x = x;
      pen.y = y;
      const int k = pen.phase++;
      if (style == Line::solid || (style == Line::dashed ? k % 6 < 4 : k % 3 == 0)) set(x, y, owner);
    }
  }

  std::string row(int r, const Figure& f, bool color) const {
    std::string s;
    int current = -1;
    for (int c = 0; c < cols_; ++c) {
      const std::size_t cell = std::size_t(r * cols_ + c);
      const int o = bits_[cell] ? owner_[cell] : -1;
      if (color && o != current) {
        s += o >= 0 ? ansi(f.series[std::size_t(o)].style.color) : kReset;
        current = o;
      }
      s += bits_[cell] ? utf8_braille(bits_[cell]) : " ";
    }
    if (color && current >= 0) s += kReset;
    return s;
  }

 private:
  int cols_, rows_;
  std::vector<std::uint8_t> bits_;
  std::vector<int> owner_;  // the series that last drew in the cell, -1: axes only
};

}  // namespace

std::string Figure::to_braille(int cols, int rows, bool color) const {
  if (cols < 20 || rows < 8) throw Error("plot: a text plot needs at least 20 columns and 8 lines");
  const Range xr = range_x(), yr = detail::y_scaled_range(*this);
  if (!(xr.hi > xr.lo) || !(yr.hi > yr.lo)) throw Error("plot: a range must be finite with lo < hi");
  const int plot_rows = rows - 3;  // title above; x values and legend below

  // y tick values at the left, each on the text row of its dot row.
  const detail::Ticks yt = log_y ? detail::log_ticks(range_y()) : detail::linear_ticks(yr, std::max(2, plot_rows / 4));
  std::vector<std::string> y_text(static_cast<std::size_t>(plot_rows));
  std::size_t label_width = 1;
  const auto dot_y = [&](double v) { return (yr.hi - v) / (yr.hi - yr.lo) * (plot_rows * 4 - 1); };
  for (double v : yt.at) {
    const double scaled = detail::y_scaled(*this, v);
    const int r = int(std::lround(dot_y(scaled))) / 4;
    if (r < 0 || r >= plot_rows || !y_text[std::size_t(r)].empty()) continue;
    y_text[std::size_t(r)] = log_y ? detail::power_text(v) : detail::tick_text(v, yt.step, false);
    label_width = std::max(label_width, y_text[std::size_t(r)].size());
  }
  const int plot_cols = cols - int(label_width) - 1;
  Canvas canvas(plot_cols, plot_rows);
  const auto dot_x = [&](double v) { return (v - xr.lo) / (xr.hi - xr.lo) * (canvas.width() - 1); };

  const bool origin = axes_through_origin && !log_y && detail::contains_zero(xr) && detail::contains_zero(yr);
  const int ax = origin ? int(std::lround(dot_x(0))) : 0;
  const int ay = origin ? int(std::lround(dot_y(0))) : canvas.height() - 1;
  for (int x = 0; x < canvas.width(); ++x) canvas.set(x, ay, -1);
  for (int y = 0; y < canvas.height(); ++y) canvas.set(ax, y, -1);

  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    Canvas::Pen pen;
    for (std::size_t i = 1; i < std::min(s.x.size(), s.y.size()); ++i) {
      const double x0 = dot_x(s.x[i - 1]), y0 = dot_y(detail::y_scaled(*this, s.y[i - 1]));
      const double x1 = dot_x(s.x[i]), y1 = dot_y(detail::y_scaled(*this, s.y[i]));
      if (std::isfinite(x0) && std::isfinite(y0) && std::isfinite(x1) && std::isfinite(y1)) {
        canvas.line(x0, y0, x1, y1, int(k), s.style.line, pen);
      }
    }
  }

  std::string out;
  const std::string heading = first_code_points(title.substr(0, title.find('\n')), std::size_t(cols));
  out += std::string((std::size_t(cols) - width_of(heading)) / 2, ' ') + heading + '\n';
  for (int r = 0; r < plot_rows; ++r) {
    const std::string& t = y_text[std::size_t(r)];
    out += std::string(label_width - t.size(), ' ') + t + ' ' + canvas.row(r, *this, color) + '\n';
  }

  // x tick values, each centred under its column where it does not overlap the previous one.
  std::string x_line(std::size_t(cols), ' ');
  std::size_t free_from = 0;
  const detail::Ticks xt = detail::linear_ticks(xr, std::max(2, plot_cols / 10));
  for (double v : xt.at) {
    const std::string t = detail::tick_text(v, xt.step, false);
    const long centre = long(label_width) + 1 + std::lround(dot_x(v)) / 2;
    const long start = std::clamp(centre - long(t.size()) / 2, 0L, long(cols) - long(t.size()));
    if (start < long(free_from)) continue;
    x_line.replace(std::size_t(start), t.size(), t);
    free_from = std::size_t(start) + t.size() + 1;
  }
  out += x_line.substr(0, x_line.find_last_not_of(' ') + 1) + '\n';

  // The legend: a line sample per labelled series, in its colour.
  std::string legend;
  std::size_t used = 0;
  for (const Series& s : series) {
    if (s.label.empty()) continue;
    const std::string sample = s.style.line == Line::solid    ? "──"
                               : s.style.line == Line::dashed ? "╌╌"
                                                              : "┄┄";
    const std::size_t w = (used ? 2 : 0) + 3 + width_of(s.label);
    if (used + w > std::size_t(cols)) break;
    legend += std::string(used ? "  " : "") + (color ? ansi(s.style.color) : "") + sample + (color ? kReset : "") +
              ' ' + s.label;
    used += w;
  }
  return out + legend + '\n';
}

}  // namespace activa::plot
