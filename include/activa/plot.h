// Figures of curves, in the lecture's style: axes through the origin, ticks,
// grid, legend, a title (a formula), markers at kinks. One drawing code renders
// PNG, SVG and PDF (cairo), and a text rendering in Unicode braille serves
// terminals. Used by `activa plot`, `activa tour --plots` and `activa study`.
//
//   activa::plot::Figure fig{.title = "relu(x) = max(x, 0)"};
//   fig.series.push_back({.x = xs, .y = ys, .label = "relu(x)"});
//   fig.series.push_back({.x = xs, .y = dys, .label = "relu'(x)",
//                         .style = {.color = activa::plot::kPalette[1], .line = activa::plot::Line::dashed}});
//   fig.save("relu.png");                      // or .svg, .pdf
//   std::cout << fig.to_braille(80, 24);
//
// Library: activa_plot (static; links cairo). The activa library itself does
// not need cairo; this header does not include it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace activa::plot {

struct Color {
  double r = 0, g = 0, b = 0;  // in [0, 1]
};
// matplotlib's "tab10" colours, in its order: blue, orange, green, red, purple,
// brown, pink, grey.
inline constexpr std::array<Color, 8> kPalette = {{
    {0x1f / 255.0, 0x77 / 255.0, 0xb4 / 255.0},
    {0xff / 255.0, 0x7f / 255.0, 0x0e / 255.0},
    {0x2c / 255.0, 0xa0 / 255.0, 0x2c / 255.0},
    {0xd6 / 255.0, 0x27 / 255.0, 0x28 / 255.0},
    {0x94 / 255.0, 0x67 / 255.0, 0xbd / 255.0},
    {0x8c / 255.0, 0x56 / 255.0, 0x4b / 255.0},
    {0xe3 / 255.0, 0x77 / 255.0, 0xc2 / 255.0},
    {0x7f / 255.0, 0x7f / 255.0, 0x7f / 255.0},
}};
inline constexpr Color kAxisColor{0, 0, 0};
inline constexpr Color kGridColor{0.88, 0.88, 0.88};

enum class Line : std::uint8_t { solid, dashed, dotted };

struct Style {
  Color color = kPalette[0];
  Line line = Line::solid;
  double width = 2.5;  // pixels (points in SVG and PDF)
};

// One curve: points joined in order. A non-finite y (NaN) breaks the line, so
// a jump is drawn as two pieces.
struct Series {
  std::vector<double> x, y;
  std::string label;  // legend text; empty: not in the legend
  Style style;
};

// A dot on a curve: filled where the function takes the value, hollow at a
// one-sided limit it does not take (a jump of the derivative at a kink).
struct Marker {
  double x = 0, y = 0;
  Color color = kPalette[0];
  bool filled = true;
};

struct Range {
  double lo = 0, hi = 1;
};

// Space around the plotting area, in pixels: titles, tick labels and captions
// live there. The plotting area is the rest of the figure.
struct Margins {
  int left = 56, right = 24, top = 48, bottom = 40;
};

// The mapping from data to pixels is the contract tests rely on: with
// x_range {x0, x1}, y_range {y0, y1} (those given, else range_x()/range_y()),
// the plotting area [left, width - right] x [top, height - bottom] and pixel
// centres at integer + 0.5,
//   px(x) = left + (x - x0) / (x1 - x0) * (width - left - right)
//   py(y) = top + (y1 - y) / (y1 - y0) * (height - top - bottom)
// (with log10(y) for y when log_y). Curves are clipped to the area.
struct Figure {
  std::string title;    // '\n' separates lines
  std::string x_label;  // caption of the x axis (optional)
  std::string y_label;  // caption of the y axis (optional)
  std::vector<Series> series;
  std::vector<Marker> markers;
  std::string marker_label;  // legend entry for the markers (empty: none)
  std::optional<Range> x_range, y_range;  // unset: from the data
  // Axes cross at (0, 0) when 0 lies in both ranges (the lecture's figures);
  // otherwise, or when false, the area is framed with ticks on its left and
  // bottom edges.
  bool axes_through_origin = true;
  bool log_y = false;  // logarithmic y axis (non-positive values are not drawn)
  bool legend = true;  // upper left inside the plotting area
  int width = 800, height = 500;  // pixels (points in SVG and PDF)
  Margins margins;

  // Writes the figure as PNG, SVG or PDF, chosen by the extension of `path`
  // (case-insensitive). Throws activa::Error naming the path for another
  // extension, an empty figure or a file that cannot be written.
  void save(const std::string& path) const;

  // The figure as text, `cols` characters by `rows` lines (newline-terminated):
  // the title, the curves drawn with braille dots (2 x 4 per character), tick
  // values of both axes, and a legend line. ANSI colours when `color`.
  // Throws activa::Error below 20 x 8.
  std::string to_braille(int cols, int rows, bool color = false) const;

  // The ranges drawn: those given, else the data's. x: the extent of the
  // series. y: the extent of the finite values, extended to 0 when
  // axes_through_origin, padded by 5% below and 15% above (room for the legend).
  Range range_x() const;
  Range range_y() const;
};

}  // namespace activa::plot
