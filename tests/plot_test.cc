// Figures, and the commands around them: the plot library (activa_plot) and
// `activa plot`, `activa tour --plots`, `activa info`, `activa completion`.
//   - files are valid for real readers: cairo's PNG reader, rsvg-convert
//     (librsvg) for SVG, pdfinfo (poppler) for PDF;
//   - known points of every curve land on the right pixels: the expected pixel
//     of (x, f(x)) comes from the figure's documented data -> pixel map and
//     from each op's reference formula in double (not from the kernels that
//     drew it), the axes cross at the origin;
//   - the braille text plot has the terminal's fallback size and its axes;
//   - info prints each spec's text, and its Spanish quotes the lecture;
//   - the completion script is the one installed and completes.
#include <cairo.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "activa/error.h"
#include "activa/kernels.h"
#include "activa/ops/all.h"
#include "activa/plot.h"
#include "process.h"

namespace {

#ifdef ACTIVA_CLI
constexpr const char* kCli = ACTIVA_CLI;
#else
constexpr const char* kCli = "";
#endif

namespace fs = std::filesystem;
using activa::plot::Color;
using activa::plot::Figure;
using activa::plot::kPalette;
using activa::test::read_file;
using activa::test::Result;
using activa::test::run_program;

// ---- running programs ----

// A fresh directory under the test's temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string name = testing::TempDir() + "activa_plot_XXXXXX";
    if (mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Result activa(std::vector<std::string> args) { return run_program(kCli, std::move(args)); }

std::string ok(std::vector<std::string> args) {
  const Result r = activa(args);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return r.out;
}

// ---- reading images back ----

class Png {
 public:
  explicit Png(const fs::path& path) : surface_(cairo_image_surface_create_from_png(path.c_str())) {}
  ~Png() { cairo_surface_destroy(surface_); }
  Png(const Png&) = delete;
  Png& operator=(const Png&) = delete;
  bool valid() const { return cairo_surface_status(surface_) == CAIRO_STATUS_SUCCESS; }
  int width() const { return cairo_image_surface_get_width(surface_); }
  int height() const { return cairo_image_surface_get_height(surface_); }
  // 0xRRGGBB of pixel (i, j): column i, row j (opaque images: no premultiplication to undo).
  std::uint32_t at(int i, int j) const {
    const unsigned char* data = cairo_image_surface_get_data(surface_);
    const int stride = cairo_image_surface_get_stride(surface_);
    return *reinterpret_cast<const std::uint32_t*>(data + j * stride + i * 4) & 0xFFFFFF;
  }

 private:
  cairo_surface_t* surface_;
};

bool close_to(std::uint32_t rgb, Color c, int tolerance = 40) {
  const int r = int(rgb >> 16 & 0xFF), g = int(rgb >> 8 & 0xFF), b = int(rgb & 0xFF);
  const auto near = [&](int v, double target) { return std::abs(v - int(std::lround(target * 255))) <= tolerance; };
  return near(r, c.r) && near(g, c.g) && near(b, c.b);
}
bool dark(std::uint32_t rgb) { return close_to(rgb, {0, 0, 0}, 100); }

// Whether colour c is within `radius` pixels of pixel (i, j).
bool colour_near(const Png& png, double px, double py, Color c, int radius = 1) {
  const int i0 = int(std::floor(px)), j0 = int(std::floor(py));
  for (int j = j0 - radius; j <= j0 + radius; ++j) {
    for (int i = i0 - radius; i <= i0 + radius; ++i) {
      if (i >= 0 && j >= 0 && i < png.width() && j < png.height() && close_to(png.at(i, j), c)) return true;
    }
  }
  return false;
}

// Whether a dark (axis) pixel is within 1 pixel of (px, py).
bool dark_near(const Png& png, double px, double py) {
  for (int j = int(std::floor(py)) - 1; j <= int(std::floor(py)) + 1; ++j) {
    for (int i = int(std::floor(px)) - 1; i <= int(std::floor(px)) + 1; ++i) {
      if (i >= 0 && j >= 0 && i < png.width() && j < png.height() && dark(png.at(i, j))) return true;
    }
  }
  return false;
}

// "Pages:           1" -> "1": a field of pdfinfo's output.
std::string pdfinfo_field(const std::string& out, const std::string& name) {
  const std::size_t at = out.find(name + ":");
  if (at == std::string::npos) return "";
  const std::size_t start = out.find_first_not_of(' ', at + name.size() + 1);
  return out.substr(start, out.find('\n', start) - start);
}

// The data -> pixel map documented in activa/plot.h.
struct Map {
  double x0, x1, y0, y1;
  int width, height;
  activa::plot::Margins m;
  double px(double x) const { return m.left + (x - x0) / (x1 - x0) * (width - m.left - m.right); }
  double py(double y) const { return m.top + (y1 - y) / (y1 - y0) * (height - m.top - m.bottom); }
};

// ---- the library ----

TEST(PlotLibrary, CurvesLandOnTheirPixels) {
  Figure fig;
  fig.x_range = {{-2, 6}};
  fig.y_range = {{-1, 3}};
  fig.width = 500;
  fig.height = 400;
  fig.margins = {.left = 30, .right = 10, .top = 20, .bottom = 50};
  fig.legend = false;
  activa::plot::Series line{.label = "x / 2", .style = {.color = kPalette[3]}};
  for (double x = -2; x <= 6; x += 0.25) {
    line.x.push_back(x);
    line.y.push_back(x / 2);
  }
  fig.series.push_back(line);
  TempDir dir;
  fig.save((dir / "line.png").string());
  const Png png(dir / "line.png");
  ASSERT_TRUE(png.valid());
  EXPECT_EQ(png.width(), 500);
  EXPECT_EQ(png.height(), 400);
  const Map map{-2, 6, -1, 3, 500, 400, fig.margins};
  for (double x : {-1.5, 0.5, 1.0, 3.3, 5.5}) {
    EXPECT_TRUE(colour_near(png, map.px(x), map.py(x / 2), kPalette[3])) << "x = " << x;
    EXPECT_FALSE(colour_near(png, map.px(x), map.py(x / 2 + 0.4), kPalette[3])) << "x = " << x;
  }
  // The axes through the origin: the column of x = 0 and the row of y = 0.
  EXPECT_TRUE(dark_near(png, map.px(0), map.py(2.5)));
  EXPECT_TRUE(dark_near(png, map.px(0), map.py(-0.7)));
  EXPECT_TRUE(dark_near(png, map.px(4.5), map.py(0)));
  EXPECT_TRUE(dark_near(png, map.px(-1.5), map.py(0)));
  EXPECT_FALSE(dark_near(png, map.px(4.5), map.py(0) + 12));
  EXPECT_FALSE(dark_near(png, map.px(0) + 12, map.py(-0.7)));
}

TEST(PlotLibrary, EveryFormatIsReadByARealReader) {
  Figure fig{.title = "y = x^2"};
  fig.y_label = "y";
  fig.series.push_back({.x = {-1, 0, 1}, .y = {1, 0, 1}, .label = "x^2", .style = {}});
  TempDir dir;
  fig.save((dir / "f.png").string());
  fig.save((dir / "f.SVG").string());
  fig.save((dir / "f.pdf").string());
  const Png png(dir / "f.png");
  ASSERT_TRUE(png.valid());
  EXPECT_EQ(png.width(), 800);
  // cairo sizes SVG in points: 72 dpi makes them pixels again.
  const Result svg = run_program("rsvg-convert", {"--dpi-x", "72", "--dpi-y", "72", (dir / "f.SVG").string(), "-o",
                                                  (dir / "svg.png").string()});
  EXPECT_EQ(svg.status, 0) << svg.err;
  const Png rendered(dir / "svg.png");
  ASSERT_TRUE(rendered.valid());
  EXPECT_EQ(rendered.width(), 800);
  EXPECT_EQ(rendered.height(), 500);
  const Result pdf = run_program("pdfinfo", {(dir / "f.pdf").string()});
  EXPECT_EQ(pdf.status, 0) << pdf.err;
  EXPECT_EQ(pdfinfo_field(pdf.out, "Pages"), "1") << pdf.out;
  EXPECT_EQ(pdfinfo_field(pdf.out, "Page size"), "800 x 500 pts") << pdf.out;
}

TEST(PlotLibrary, LogAxisAndFrameRender) {
  Figure fig{.title = "norms"};
  fig.log_y = true;
  fig.axes_through_origin = false;
  fig.x_label = "layer";
  fig.y_label = "||dL/dW||";
  fig.series.push_back({.x = {1, 2, 3, 4}, .y = {1e-6, 1e-4, 0, 1e-1}, .label = "sigmoid", .style = {}});
  TempDir dir;
  fig.save((dir / "log.png").string());
  EXPECT_TRUE(Png(dir / "log.png").valid());
  const std::string text = fig.to_braille(40, 12);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 12);
}

TEST(PlotLibrary, MisuseNamesTheProblem) {
  Figure fig;
  fig.series.push_back({.x = {0, 1}, .y = {0, 1}, .label = "", .style = {}});
  const auto message = [&](const std::function<void()>& f) {
    try {
      f();
    } catch (const activa::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { fig.save("figure.jpg"); }).find(".png, .svg or .pdf"), std::string::npos);
  EXPECT_NE(message([&] { fig.save("/nonexistent/dir/figure.png"); }).find("/nonexistent/dir/figure.png"),
            std::string::npos);
  EXPECT_NE(message([&] { fig.to_braille(10, 4); }).find("at least 20 columns"), std::string::npos);
  fig.x_range = {{1, 1}};
  EXPECT_NE(message([&] { fig.save("figure.png"); }).find("lo < hi"), std::string::npos);
}

// ---- activa plot ----

class Cli : public testing::Test {
 protected:
  void SetUp() override {
    if (std::string(kCli).empty()) GTEST_SKIP() << "the activa command is not built (ACTIVA_BUILD_CLI=OFF)";
  }
};

// f and f' of each op in double, from its reference formula (prelu: weight
// 0.25; softmax: the first output of softmax([x, 0]), which is sigmoid(x)).
template <class Op>
std::pair<std::function<double(double)>, std::function<double(double)>> reference() {
  if constexpr (Op::info.kind == activa::Kind::pointwise) {
    return {[](double x) { return Op::forward(x); }, [](double x) { return Op::derivative(x); }};
  } else if constexpr (Op::info.kind == activa::Kind::weighted) {
    return {[](double x) { return Op::forward(x, 0.25); }, [](double x) { return Op::derivative(x, 0.25); }};
  } else {
    const auto s = [](double x) { return 1 / (1 + std::exp(-x)); };
    return {s, [s](double x) { return s(x) * (1 - s(x)); }};
  }
}

TEST_F(Cli, EveryFunctionsCurvesLandOnTheirPixels) {
  TempDir dir;
  activa::AllOps::for_each([&]<class Op>() {
    const std::string name(Op::info.name);
    const fs::path file = dir / (name + ".png");
    ok({"plot", name, "--range", "-6:6", "--y-range", "-1.5:2", "--size", "800x500", "-o", file.string()});
    const Png png(file);
    ASSERT_TRUE(png.valid()) << name;
    ASSERT_EQ(png.width(), 800);
    ASSERT_EQ(png.height(), 500);
    // `activa plot` keeps the default margins, the top one 16 px taller per
    // extra title line (softmax's title says how it is drawn on a second line).
    activa::plot::Margins m;
    if (Op::info.kind == activa::Kind::along_dim) m.top += 16;
    const Map map{-6, 6, -1.5, 2, 800, 500, m};
    const auto [f, df] = reference<Op>();
    // Points outside the y range are clipped; the legend covers the upper left.
    const auto hidden = [&](double px, double py) {
      return py < m.top + 2 || py > 500 - m.bottom - 2 || (px < m.left + 420 && py < m.top + 70);
    };
    int checked_f = 0, checked_df = 0;
    for (double x : {-5.0, -3.5, -2.0, -0.75, 0.0, 0.5, 0.9, 1.25, 1.6, 1.9, 2.5, 4.0, 5.5}) {
      const double pf = map.py(f(x)), pd = map.py(df(x)), px = map.px(x);
      const bool apart = std::abs(pf - pd) > 5;
      if (apart && !hidden(px, pf)) {  // f solid, the first colour
        EXPECT_TRUE(colour_near(png, px, pf, kPalette[0])) << name << "(" << x << ")";
        for (double dy : {-25.0, 25.0}) {
          if (std::abs(pf + dy - pd) > 8 && !hidden(px, pf + dy) && pf + dy > m.top) {
            EXPECT_FALSE(colour_near(png, px, pf + dy, kPalette[0])) << name << "(" << x << ") off by " << dy;
          }
        }
        ++checked_f;
      }
      if (apart && !hidden(px, pd) && x != 0) {  // f' dashed, the second colour: somewhere on +-10 px
        bool found = false;
        for (int di = -10; di <= 10 && !found; ++di) {
          const double xi = x + di / 60.0;  // 60 px per unit
          found = colour_near(png, map.px(xi), map.py(df(xi)), kPalette[1]);
        }
        EXPECT_TRUE(found) << name << "'(" << x << ")";
        ++checked_df;
      }
    }
    EXPECT_GE(checked_f, 4) << name;
    EXPECT_GE(checked_df, 4) << name;
    // Axes through the origin: the column of x = 0 below the curves, the row of y = 0.
    for (double y : {-1.3, -1.0, -0.6}) EXPECT_TRUE(dark_near(png, map.px(0), map.py(y))) << name << " y axis";
    int on_axis = 0, below = 0, columns = 0;
    for (int i = m.left + 2; i < 800 - m.right - 2; i += 7, ++columns) {
      // The axis, or the curves drawn over it (relu and f' = 0 for x < 0).
      on_axis += dark_near(png, i, map.py(0)) || colour_near(png, i, map.py(0), kPalette[0]) ||
                 colour_near(png, i, map.py(0), kPalette[1]);
      below += dark_near(png, i, map.py(0) + 8);
    }
    EXPECT_GT(on_axis, columns * 9 / 10) << name << " x axis";
    EXPECT_LT(below, columns / 4) << name << " below the x axis";
  });
}

TEST_F(Cli, KinksAreMarkedWhereTheDerivativeJumps) {
  TempDir dir;
  const fs::path file = dir / "relu.png";
  ok({"plot", "relu", "--range", "-2:2", "--y-range", "-1:2", "-o", file.string()});
  const Png png(file);
  ASSERT_TRUE(png.valid());
  const Map map{-2, 2, -1, 2, 800, 500, {}};
  // relu'(0) = 0 (filled dot, orange) and the right limit 1 (hollow: white inside, orange ring).
  EXPECT_TRUE(close_to(png.at(int(map.px(0)), int(map.py(0)) - 1), kPalette[1]));
  EXPECT_TRUE(close_to(png.at(int(map.px(0)), int(map.py(1))), {1, 1, 1}, 10));
  EXPECT_TRUE(colour_near(png, map.px(0), map.py(1) - 4.5, kPalette[1]));
}

TEST_F(Cli, FilesAreValidInEveryFormat) {
  TempDir dir;
  ok({"plot", "relu", "leaky_relu:negative_slope=0.2", "elu:alpha=0.5", "-o", (dir / "relus.svg").string()});
  const Result svg = run_program("rsvg-convert", {(dir / "relus.svg").string(), "-o", (dir / "svg.png").string()});
  EXPECT_EQ(svg.status, 0) << svg.err;
  EXPECT_TRUE(Png(dir / "svg.png").valid());
  EXPECT_EQ(ok({"plot", "prelu:weight=0.1", "--no-derivative", "--size", "640x400", "-o", (dir / "p.pdf").string()}),
            "wrote " + (dir / "p.pdf").string() + "\n");
  const Result pdf = run_program("pdfinfo", {(dir / "p.pdf").string()});
  EXPECT_EQ(pdf.status, 0) << pdf.err;
  EXPECT_EQ(pdfinfo_field(pdf.out, "Page size"), "640 x 400 pts") << pdf.out;
}

TEST_F(Cli, WithoutAFileItPrintsABraillePlotOfTheFallbackSize) {
  const std::string out = ok({"plot", "sigmoid"});
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 24u);  // not a terminal: 80 x 24
  EXPECT_NE(lines[0].find(activa::ops::Sigmoid::info.formula), std::string::npos);
  EXPECT_NE(lines[23].find("sigmoid(x)"), std::string::npos);
  EXPECT_NE(lines[23].find("sigmoid'(x)"), std::string::npos);
  // Code points per line, and the y axis: one column whose cells have a full
  // column of dots (left: 0x47, right: 0xB8) on every plot line.
  std::vector<std::vector<char32_t>> cells;
  for (const std::string& line : lines) {
    std::vector<char32_t> cps;
    for (std::size_t i = 0; i < line.size();) {
      const unsigned char c = static_cast<unsigned char>(line[i]);
      const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      char32_t cp = n == 1 ? c : c & (0x3F >> (n - 1));
      for (int k = 1; k < n; ++k) cp = cp << 6 | (static_cast<unsigned char>(line[i + std::size_t(k)]) & 0x3F);
      cps.push_back(cp);
      i += std::size_t(n);
    }
    EXPECT_LE(cps.size(), 80u);
    cells.push_back(cps);
  }
  bool axis = false;
  for (std::size_t col = 0; col < 80 && !axis; ++col) {
    bool full = true;
    for (std::size_t r = 1; r <= 21 && full; ++r) {
      const char32_t cp = col < cells[r].size() ? cells[r][col] : U' ';
      const unsigned bits = cp >= 0x2800 && cp <= 0x28FF ? unsigned(cp - 0x2800) : 0;
      full = (bits & 0x47) == 0x47 || (bits & 0xB8) == 0xB8;
    }
    axis = full;
  }
  EXPECT_TRUE(axis) << out;
}

TEST_F(Cli, PlotErrorsSayWhatToDoInstead) {
  const auto error = [](std::vector<std::string> args) {
    const Result r = activa(std::move(args));
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.out, "");
    return r.err;
  };
  EXPECT_NE(error({"plot", "sigmod"}).find("did you mean 'sigmoid'?"), std::string::npos);
  EXPECT_NE(error({"plot", "elu:beta=1"}).find("its parameters: alpha"), std::string::npos);
  EXPECT_NE(error({"plot", "softmax:dim=1"}).find("softmax([x, 0])_0"), std::string::npos);
  EXPECT_NE(error({"plot", "relu", "--range", "3:1"}).find("--range -6:6"), std::string::npos);
  EXPECT_NE(error({"plot", "relu", "-o", "relu.gif"}).find(".png, .svg or .pdf"), std::string::npos);
  EXPECT_NE(error({"plto"}).find("did you mean 'plot'?"), std::string::npos);
  EXPECT_NE(error({"info", "rel"}).find("did you mean 'relu'?"), std::string::npos);
  EXPECT_NE(error({"info", "relu", "--lang", "fr"}).find("--lang es"), std::string::npos);
}

TEST_F(Cli, TourWritesTheLecturesFigures) {
  TempDir dir;
  const std::string out = ok({"tour", "--plots", (dir / "figures").string()});
  activa::AllOps::for_each([&]<class Op>() {
    const fs::path file = dir / "figures" / (std::string(Op::info.name) + ".png");
    EXPECT_NE(out.find("wrote " + file.string()), std::string::npos) << out;
    const Png png(file);
    EXPECT_TRUE(png.valid()) << file;
    EXPECT_EQ(png.width(), 800);
    EXPECT_EQ(png.height(), 500);
  });
}

// ---- activa info ----

// Text with each run of white space (line breaks of wrapped text included) as one space.
std::string squeezed(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n';
    if (!(space && (out.empty() || out.back() == ' '))) out += space ? ' ' : c;
  }
  return out;
}

TEST_F(Cli, InfoPrintsTheSpecAndTheMeasuredCost) {
  activa::AllOps::for_each([&]<class Op>() {
    const std::string out = squeezed(ok({"info", std::string(Op::info.name), "--no-cost"}));
    const activa::OpInfo& info = Op::info;
    for (std::string_view text : {info.formula, info.derivative, info.range, info.node, info.en.recommended}) {
      EXPECT_NE(out.find(text), std::string::npos) << info.name << ": " << text;
    }
    for (std::string_view item : info.en.advantages) EXPECT_NE(out.find(item), std::string::npos) << item;
    for (std::string_view item : info.en.drawbacks) EXPECT_NE(out.find(item), std::string::npos) << item;
    EXPECT_EQ(out.find("ns/element"), std::string::npos);
  });
  const std::string relu = ok({"info", "relu"});
  EXPECT_NE(relu.find("backward keeps:   the output y"), std::string::npos) << relu;
  EXPECT_NE(relu.find("kinks:"), std::string::npos);
  EXPECT_NE(relu.find("x = 0.0"), std::string::npos);
  EXPECT_NE(relu.find(" ns/element, backward "), std::string::npos) << relu;
}

// The Spanish advice quotes the lecture: every item is in its text, once the
// transcription's math ($x \leq 0$) and stray spaces before punctuation are tidied.
TEST_F(Cli, SpanishAdviceQuotesTheLecture) {
  std::string lecture = read_file(fs::path(ACTIVA_TEST_DATA_DIR) / "lecture_consideraciones.txt");
  ASSERT_FALSE(lecture.empty());
  const auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t at; (at = lecture.find(from)) != std::string::npos;) lecture.replace(at, from.size(), to);
  };
  replace_all("$x \\leq 0$", "x ≤ 0");
  replace_all(" ,", ",");
  replace_all(" .", ".");
  activa::AllOps::for_each([&]<class Op>() {
    const activa::Prose& es = Op::info.es;
    const std::string out = squeezed(ok({"info", std::string(Op::info.name), "--lang", "es", "--no-cost"}));
    EXPECT_NE(out.find("Ventajas:"), std::string::npos);
    std::vector<std::string_view> items(es.advantages.begin(), es.advantages.end());
    items.insert(items.end(), es.drawbacks.begin(), es.drawbacks.end());
    items.push_back(es.recommended);
    for (std::string_view item : items) {
      if (item.empty()) continue;
      EXPECT_NE(lecture.find(item), std::string::npos) << Op::info.name << ": not in the lecture: " << item;
      EXPECT_NE(out.find(item), std::string::npos) << Op::info.name << ": not printed: " << item;
    }
    EXPECT_FALSE(es.recommended.empty()) << Op::info.name;
  });
}

// ---- --help, completion ----

TEST_F(Cli, HelpOfEveryCommandHasAnExample) {
  const std::string top = ok({"--help"});
  for (const char* command : {"list", "eval", "tour", "bench", "train", "study", "plot", "info", "completion"}) {
    if (top.find(std::string("  ") + command + " ") == std::string::npos) continue;  // not built in
    const std::string out = ok({command, "--help"});
    EXPECT_NE(out.find("Usage:"), std::string::npos) << command;
    EXPECT_NE(out.find("Example"), std::string::npos) << command;
  }
  EXPECT_NE(ok({"--version"}).find("activa "), std::string::npos);
}

TEST_F(Cli, CompletionScriptIsTheInstalledOneAndCompletes) {
  const fs::path script = fs::path(ACTIVA_TEST_DATA_DIR) / ".." / ".." / "cli" / "completion" / "activa.bash";
  EXPECT_EQ(ok({"completion", "bash"}), read_file(script)) << "regenerate: activa completion bash > " << script;
  const std::string commands = ok({"completion", "words", "--"});
  for (const char* c : {"plot\n", "info\n", "eval\n", "--version\n"}) EXPECT_NE(commands.find(c), std::string::npos);
  const std::string plot = ok({"completion", "words", "--", "plot"});
  for (const char* w : {"--range\n", "--no-derivative\n", "--output\n", "sigmoid\n", "leaky_relu\n"}) {
    EXPECT_NE(plot.find(w), std::string::npos) << w;
  }
  EXPECT_EQ(ok({"completion", "words", "--", "plot", "relu", "-o"}), "__files__\n");
  EXPECT_EQ(ok({"completion", "words", "--", "tour", "--plots"}), "__dirs__\n");
  EXPECT_EQ(ok({"completion", "words", "--", "info", "--lang"}), "en\nes\n");
  std::string targets;
  for (const std::string& t : activa::kernels::targets()) targets += t + "\n";
  EXPECT_EQ(ok({"completion", "words", "--", "bench", "--target"}), targets);
  // Through bash itself: "activa pl<TAB>" and "activa info --lang <TAB>".
  const std::string cli(kCli);
  const std::string driver = "source " + script.string() + "; COMP_WORDS=(" + cli +
                             " pl); COMP_CWORD=1; _activa; echo \"${COMPREPLY[*]}\"; COMP_WORDS=(" + cli +
                             " info --lang e); COMP_CWORD=3; _activa; echo \"${COMPREPLY[*]}\"";
  const Result bash = run_program("bash", {"-c", driver});
  EXPECT_EQ(bash.status, 0) << bash.err;
  EXPECT_EQ(bash.out, "plot\nen es\n") << bash.err;
}

}  // namespace
