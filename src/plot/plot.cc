// The cairo rendering of a Figure: one draw(cairo_t*) behind the PNG (image
// surface), SVG and PDF surfaces.
#include "activa/plot.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include "activa/error.h"
#include "src/plot/scale.h"

namespace activa::plot {
namespace {

using detail::contains_zero;

constexpr double kTitleSize = 15, kTextSize = 12, kLegendSize = 12.5;
constexpr double kTickLength = 4;
constexpr double kMarkerRadius = 4.5;

// The plotting area and the data -> pixel map of the Figure's contract.
struct Frame {
  double left, top, right, bottom;  // pixel edges of the plotting area
  Range x, y;                       // drawn ranges (y on the log scale when log_y)
  double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * (right - left); }
  double py(double v) const { return top + (y.hi - v) / (y.hi - y.lo) * (bottom - top); }
};

Frame frame_of(const Figure& f) {
  const Margins& m = f.margins;
  Frame fr{double(m.left), double(m.top), double(f.width - m.right), double(f.height - m.bottom), f.range_x(),
           detail::y_scaled_range(f)};
  if (!(fr.right > fr.left && fr.bottom > fr.top)) throw Error("plot: the margins leave no room to plot");
  if (!(fr.x.hi > fr.x.lo) || !(fr.y.hi > fr.y.lo) || !std::isfinite(fr.x.hi - fr.x.lo) ||
      !std::isfinite(fr.y.hi - fr.y.lo)) {
    throw Error("plot: a range must be finite with lo < hi");
  }
  return fr;
}

void set_color(cairo_t* cr, Color c, double alpha = 1) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

void set_dash(cairo_t* cr, Line line, double width) {
  if (line == Line::dashed) {
    const double d[] = {3.6 * width, 2.0 * width};
    cairo_set_dash(cr, d, 2, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
  } else if (line == Line::dotted) {
    const double d[] = {0.01, 2.0 * width};
    cairo_set_dash(cr, d, 2, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  } else {
    cairo_set_dash(cr, nullptr, 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  }
}

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

enum class Align { left, centre, right };

// Draws `text` with its baseline at y, aligned on x.
void text_at(cairo_t* cr, const std::string& text, double x, double y, Align align) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  const double dx = align == Align::left ? 0 : align == Align::centre ? -e.x_advance / 2 : -e.x_advance;
  cairo_move_to(cr, x + dx, y);
  cairo_show_text(cr, text.c_str());
}

double text_width(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  return e.x_advance;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string tick_label(const Figure& f, double v, double step, bool y) {
  return y && f.log_y ? detail::power_text(v) : detail::tick_text(v, step, true);
}

// Grid lines, axes (through the origin, or a frame), ticks and their values.
void draw_axes(cairo_t* cr, const Figure& f, const Frame& fr) {
  const detail::Ticks xt = detail::linear_ticks(fr.x, std::max(2, int((fr.right - fr.left) / 70)));
  const detail::Ticks yt = f.log_y ? detail::log_ticks(f.range_y())
                                   : detail::linear_ticks(fr.y, std::max(2, int((fr.bottom - fr.top) / 45)));
  const auto y_of = [&](double v) { return fr.py(detail::y_scaled(f, v)); };

  cairo_set_line_width(cr, 1);
  set_dash(cr, Line::solid, 1);
  set_color(cr, kGridColor);
  for (double v : xt.at) {
    const double x = std::round(fr.px(v)) + 0.5;
    cairo_move_to(cr, x, fr.top);
    cairo_line_to(cr, x, fr.bottom);
  }
  for (double v : yt.at) {
    const double y = std::round(y_of(v)) + 0.5;
    cairo_move_to(cr, fr.left, y);
    cairo_line_to(cr, fr.right, y);
  }
  cairo_stroke(cr);

  const bool origin = f.axes_through_origin && !f.log_y && contains_zero(fr.x) && contains_zero(fr.y);
  // The axis lines: through the origin, or the left and bottom edges (and a light frame).
  const double ax = origin ? std::round(fr.px(0)) + 0.5 : fr.left;
  const double ay = origin ? std::round(fr.py(0)) + 0.5 : fr.bottom;
  set_color(cr, {0.7, 0.7, 0.7});
  cairo_rectangle(cr, fr.left, fr.top, fr.right - fr.left, fr.bottom - fr.top);
  cairo_stroke(cr);
  set_color(cr, kAxisColor);
  cairo_set_line_width(cr, 1.2);
  cairo_move_to(cr, fr.left, ay);
  cairo_line_to(cr, fr.right, ay);
  cairo_move_to(cr, ax, fr.top);
  cairo_line_to(cr, ax, fr.bottom);
  cairo_stroke(cr);

  set_font(cr, kTextSize);
  cairo_set_line_width(cr, 1);
  // x ticks: below the axis, or above it when it runs too close to the bottom of the figure.
  const bool x_labels_above = ay + 18 > f.height;
  for (double v : xt.at) {
    const double x = std::round(fr.px(v)) + 0.5;
    cairo_move_to(cr, x, ay - kTickLength);
    cairo_line_to(cr, x, ay + kTickLength);
    cairo_stroke(cr);
    if (origin && v == 0) continue;
    text_at(cr, tick_label(f, v, xt.step, false), x, x_labels_above ? ay - 7 : ay + 16, Align::centre);
  }
  for (double v : yt.at) {
    const double y = std::round(y_of(v)) + 0.5;
    cairo_move_to(cr, ax - kTickLength, y);
    cairo_line_to(cr, ax + kTickLength, y);
    cairo_stroke(cr);
    if (origin && v == 0) continue;
    text_at(cr, tick_label(f, v, yt.step, true), ax - 7, y + 4, Align::right);
  }
  if (origin) text_at(cr, "0", ax - 7, ay + 16, Align::right);

  // Captions: at the positive ends of the axes through the origin, else centred outside.
  if (!f.x_label.empty()) {
    if (origin) {
      text_at(cr, f.x_label, fr.right - 4, ay - 8, Align::right);
    } else {
      text_at(cr, f.x_label, (fr.left + fr.right) / 2, fr.bottom + 32, Align::centre);
    }
  }
  if (!f.y_label.empty()) {
    if (origin) {
      text_at(cr, f.y_label, ax + 8, fr.top + 14, Align::left);
    } else {
      cairo_save(cr);
      cairo_translate(cr, fr.left - 42, (fr.top + fr.bottom) / 2);
      cairo_rotate(cr, -std::numbers::pi / 2);
      text_at(cr, f.y_label, 0, 0, Align::centre);
      cairo_restore(cr);
    }
  }
}

// The curves, clipped to the area; a non-finite value breaks the line.
void draw_series(cairo_t* cr, const Figure& f, const Frame& fr) {
  cairo_save(cr);
  cairo_rectangle(cr, fr.left, fr.top, fr.right - fr.left, fr.bottom - fr.top);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  // Segments are clipped here too, a little outside the area, so that huge
  // values never reach cairo's fixed-point coordinates.
  const double pad = 20;
  for (const Series& s : f.series) {
    const std::size_t n = std::min(s.x.size(), s.y.size());
    set_color(cr, s.style.color);
    cairo_set_line_width(cr, s.style.width);
    set_dash(cr, s.style.line, s.style.width);
    bool pen_down = false;
    double last_x = 0, last_y = 0;
    for (std::size_t i = 1; i < n; ++i) {
      double x0 = fr.px(s.x[i - 1]), y0 = fr.py(detail::y_scaled(f, s.y[i - 1]));
      double x1 = fr.px(s.x[i]), y1 = fr.py(detail::y_scaled(f, s.y[i]));
      if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1) ||
          !detail::clip_segment(x0, y0, x1, y1, fr.left - pad, fr.top - pad, fr.right + pad, fr.bottom + pad)) {
        pen_down = false;
        continue;
      }
      if (!pen_down || x0 != last_x || y0 != last_y) cairo_move_to(cr, x0, y0);
      cairo_line_to(cr, x1, y1);
      pen_down = true;
      last_x = x1;
      last_y = y1;
    }
    cairo_stroke(cr);  // one path per series: the dash pattern runs on along it
  }
  set_dash(cr, Line::solid, 1);
  cairo_set_line_width(cr, 1.8);
  for (const Marker& m : f.markers) {
    const double x = fr.px(m.x), y = fr.py(detail::y_scaled(f, m.y));
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, kMarkerRadius, 0, 2 * std::numbers::pi);
    if (m.filled) {
      set_color(cr, m.color);
      cairo_fill(cr);
    } else {
      set_color(cr, {1, 1, 1});
      cairo_fill_preserve(cr);
      set_color(cr, m.color);
      cairo_stroke(cr);
    }
  }
  cairo_restore(cr);
}

void draw_legend(cairo_t* cr, const Figure& f, const Frame& fr) {
  std::vector<const Series*> entries;
  for (const Series& s : f.series) {
    if (!s.label.empty()) entries.push_back(&s);
  }
  const bool marker_entry = !f.marker_label.empty() && !f.markers.empty();
  const std::size_t rows = entries.size() + (marker_entry ? 1 : 0);
  if (!f.legend || rows == 0) return;
  set_font(cr, kLegendSize);
  constexpr double kSample = 30, kRow = 19, kPad = 8;
  double w = 0;
  for (const Series* s : entries) w = std::max(w, text_width(cr, s->label));
  if (marker_entry) w = std::max(w, text_width(cr, f.marker_label));
  const double x0 = fr.left + 10, y0 = fr.top + 10;
  const double bw = kPad * 2 + kSample + 8 + w, bh = kPad * 2 + kRow * double(rows) - 4;
  cairo_rectangle(cr, x0, y0, bw, bh);
  set_color(cr, {1, 1, 1}, 0.9);
  cairo_fill_preserve(cr);
  set_color(cr, {0.8, 0.8, 0.8});
  cairo_set_line_width(cr, 1);
  set_dash(cr, Line::solid, 1);
  cairo_stroke(cr);
  double y = y0 + kPad + kRow / 2 - 2;
  for (const Series* s : entries) {
    set_color(cr, s->style.color);
    cairo_set_line_width(cr, s->style.width);
    set_dash(cr, s->style.line, s->style.width);
    cairo_move_to(cr, x0 + kPad, y);
    cairo_line_to(cr, x0 + kPad + kSample, y);
    cairo_stroke(cr);
    set_color(cr, {0.1, 0.1, 0.1});
    text_at(cr, s->label, x0 + kPad + kSample + 8, y + 4.5, Align::left);
    y += kRow;
  }
  if (marker_entry) {
    set_dash(cr, Line::solid, 1);
    cairo_set_line_width(cr, 1.8);
    set_color(cr, {0.25, 0.25, 0.25});
    cairo_new_sub_path(cr);
    cairo_arc(cr, x0 + kPad + kSample / 2 - 6, y, kMarkerRadius, 0, 2 * std::numbers::pi);
    cairo_fill(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, x0 + kPad + kSample / 2 + 6, y, kMarkerRadius, 0, 2 * std::numbers::pi);
    cairo_stroke(cr);
    set_color(cr, {0.1, 0.1, 0.1});
    text_at(cr, f.marker_label, x0 + kPad + kSample + 8, y + 4.5, Align::left);
  }
}

void draw_title(cairo_t* cr, const Figure& f) {
  if (f.title.empty()) return;
  set_color(cr, {0.05, 0.05, 0.05});
  const std::vector<std::string> lines = lines_of(f.title);
  double y = 21;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    set_font(cr, i == 0 ? kTitleSize : kTextSize + 0.5);
    text_at(cr, lines[i], f.width / 2.0, y, Align::centre);
    y += i == 0 ? 19 : 16;
  }
}

// The one drawing code of every file format.
void draw(cairo_t* cr, const Figure& f) {
  const Frame fr = frame_of(f);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  draw_axes(cr, f, fr);
  draw_series(cr, f, fr);
  draw_legend(cr, f, fr);
  draw_title(cr, f);
}

std::string lower_extension(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

void check(cairo_status_t status, const std::string& path) {
  if (status != CAIRO_STATUS_SUCCESS) {
    throw Error("plot: cannot write '" + path + "' (" + cairo_status_to_string(status) + ")");
  }
}

}  // namespace

void Figure::save(const std::string& path) const {
  const std::string ext = lower_extension(path);
  if (ext != "png" && ext != "svg" && ext != "pdf") {
    throw Error("plot: cannot tell the format of '" + path + "': name it .png, .svg or .pdf");
  }
  if (width < 1 || height < 1 || width > 20000 || height > 20000) {
    throw Error("plot: a figure is 1 to 20000 pixels wide and high");
  }
  frame_of(*this);  // checks ranges and margins before a file is created
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
      ext == "png"   ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)
      : ext == "svg" ? cairo_svg_surface_create(path.c_str(), width, height)
                     : cairo_pdf_surface_create(path.c_str(), width, height));
  check(cairo_surface_status(surface.get()), path);
  {
    std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
    draw(cr.get(), *this);
    check(cairo_status(cr.get()), path);
  }
  if (ext == "png") check(cairo_surface_write_to_png(surface.get(), path.c_str()), path);
  cairo_surface_finish(surface.get());
  check(cairo_surface_status(surface.get()), path);
}

}  // namespace activa::plot
