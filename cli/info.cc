// activa info FUNCTION: everything activa knows about one activation, read
// from its single definition (include/activa/ops/<name>.h): formula,
// derivative, range, properties, kinks, parameters, what backward keeps, the
// lecture's advantages, drawbacks and recommended use (--lang es: the
// lecture's own Spanish), and its cost per element measured now on this
// machine.
#include <array>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "activa/kernels.h"
#include "activa/ops/all.h"
#include "bench/support/buffer.h"
#include "bench/support/timing.h"
#include "bench/support/workload.h"
#include "cli/command.h"
#include "cli/op_options.h"
#include "cli/suggest.h"
#include "cli/values.h"

namespace activa::cli {
namespace {

constexpr std::int64_t kCostElements = std::int64_t{1} << 20;
constexpr std::int64_t kCostRow = 1024;  // softmax: rows of this many

// The words around the spec's text, per language.
struct Labels {
  std::string_view formula, derivative, range, parameters, none, properties, monotonic, smooth, bounded,
      zero_centred, negative_outputs, saturating, sat_negative, sat_both, per_slice, yes, no, kinks, no_kinks,
      keeps, keeps_input, keeps_output, and_weight, node, cost, cost_setup, rows, advantages, drawbacks,
      recommended, not_stated;
};
constexpr Labels kEnglish{
    "formula", "derivative", "range", "parameters", "none", "properties", "monotonic", "smooth", "bounded",
    "zero-centred", "negative outputs", "saturating", "as x -> -inf", "as x -> -inf and +inf",
    "(of one output, as a function of its own input)", "yes", "no", "kinks", "none (smooth)",
    "backward keeps", "the input x", "the output y", " and the weight w", "node", "cost here",
    "float32, 1 Mi elements, 1 thread", "rows of 1024", "Advantages", "Drawbacks", "Recommended use",
    "(none stated)"};
constexpr Labels kSpanish{
    "fórmula", "derivada", "rango", "parámetros", "ninguno", "propiedades", "monótona", "suave", "acotada",
    "centrada en cero", "salidas negativas", "saturación", "cuando x -> -inf", "cuando x -> -inf y +inf",
    "(de una salida, en función de su propia entrada)", "sí", "no", "puntos de quiebre", "ninguno (suave)",
    "backward guarda", "la entrada x", "la salida y", " y el peso w", "nodo", "costo aquí",
    "float32, 1 Mi elementos, 1 hilo", "filas de 1024", "Ventajas", "Desventajas", "Recomendación",
    "(la clase no las menciona)"};

struct InfoArgs {
  std::string function;
  std::string lang = "en";
  bool no_cost = false;
};

// ns per element of the op's float32 kernel on 1 Mi elements, one thread.
template <class Op>
std::pair<double, double> cost_ns_per_element() {
  const int threads = kernels::num_threads();
  kernels::set_num_threads(1);
  const auto n = static_cast<std::size_t>(kCostElements);
  bench::Buffer<float> x(n), dy(n), out(n), w(bench::kPreluChannels), dw(bench::kPreluChannels);
  bench::fill_uniform(x.span(), -6, 6, 1, 1);
  bench::fill_uniform(dy.span(), 0.5, 1.5, 2, 1);
  const bench::Operands<float> operands{x.span(), dy.span(), out.span(), w.span(), dw.span()};
  double ns[2];
  for (const bench::Direction d : {bench::Direction::forward, bench::Direction::backward}) {
    const bench::Case c{.function = std::string(Op::info.name), .direction = d, .n = kCostElements,
                        .cols = Op::info.kind == Kind::along_dim ? kCostRow : 0, .threads = 1};
    const double seconds =
        bench::best_seconds_per_call(bench::activa_kernel(c, operands), {.min_seconds = 0.05, .min_batches = 3});
    ns[d == bench::Direction::forward ? 0 : 1] = seconds * 1e9 / double(bench::elements(c));
  }
  kernels::set_num_threads(threads);
  return {ns[0], ns[1]};
}

std::string fixed(double v, int decimals) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(decimals);
  os << v;
  return std::move(os).str();
}

// Characters on screen: UTF-8 code points.
std::size_t width_of(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// `text` after `first` (the first line's indent or bullet), wrapped at 80
// columns with the continuation lines indented as wide as `first`.
std::string wrapped(std::string_view first, std::string_view text) {
  constexpr std::size_t kWidth = 80;
  const std::string indent(width_of(first), ' ');
  std::string out(first), word;
  std::size_t column = width_of(first);
  bool line_start = true;
  std::istringstream words{std::string(text)};
  while (words >> word) {
    if (!line_start && column + 1 + width_of(word) > kWidth) {
      out += "\n" + indent;
      column = indent.size();
      line_start = true;
    }
    out += (line_start ? "" : " ") + word;
    column += (line_start ? 0 : 1) + width_of(word);
    line_start = false;
  }
  return out + "\n";
}

void list(std::ostringstream& os, std::string_view heading, const std::array<std::string_view, 4>& items,
          const Labels& l) {
  os << '\n' << heading << ":\n";
  bool any = false;
  for (std::string_view item : items) {
    if (item.empty()) continue;
    os << wrapped("  - ", item);
    any = true;
  }
  if (!any) os << "  " << l.not_stated << '\n';
}

template <class Op>
std::string describe(const InfoArgs& args) {
  const Labels& l = args.lang == "es" ? kSpanish : kEnglish;
  const OpInfo& info = Op::info;
  const Properties& p = info.properties;
  const auto yes_no = [&](bool b) { return b ? l.yes : l.no; };
  constexpr std::string_view kPad = "                    ";  // under the values
  const auto row = [&](std::string_view label) {
    std::string s = "  " + std::string(label) + ":";
    const std::size_t w = width_of(s);
    return s + std::string(w < kPad.size() ? kPad.size() - w : 1, ' ');
  };

  std::ostringstream os;
  os << info.name << " (activa::nn::" << info.module << ", torch.nn." << info.module << ")\n";
  os << row(l.formula) << info.formula << '\n';
  os << row(l.derivative) << info.derivative << '\n';
  os << row(l.range) << info.range << '\n';
  const std::vector<OptionSpec> options = options_of<Op>();
  os << row(l.parameters) << (options.empty() ? std::string(l.none) : "");
  for (std::size_t i = 0; i < options.size(); ++i) {
    os << (i ? std::string(kPad) : "") << options[i].name << " = " << options[i].default_text << "  ("
       << options[i].doc << ")\n";
  }
  if (options.empty()) os << '\n';
  os << row(l.properties) << l.monotonic << ": " << yes_no(p.monotonic) << ", " << l.smooth << ": "
     << yes_no(p.smooth) << ", " << l.bounded << ": " << yes_no(p.bounded) << ", " << l.zero_centred << ": "
     << yes_no(p.zero_centred) << ",\n"
     << kPad << l.negative_outputs << ": " << yes_no(p.negative_outputs) << ", " << l.saturating << ": "
     << (p.saturation == Saturation::none       ? l.no
         : p.saturation == Saturation::negative ? l.sat_negative
                                                : l.sat_both)
     << '\n';
  if (info.kind == Kind::along_dim) os << kPad << l.per_slice << '\n';
  os << row(l.kinks);
  if (info.kinks.empty()) os << l.no_kinks;
  for (std::size_t i = 0; i < info.kinks.size(); ++i) {
    os << (i ? ", " : "") << "x = " << nn::detail::python_repr(info.kinks[i]);
  }
  os << '\n';
  os << row(l.keeps) << (info.saves == Saves::input ? l.keeps_input : l.keeps_output)
     << (info.kind == Kind::weighted ? l.and_weight : "") << " (" << l.node << " " << info.node << ")\n";
  if (!args.no_cost) {
    const auto [forward, backward] = cost_ns_per_element<Op>();
    os << row(l.cost) << "forward " << fixed(forward, 3) << " ns/element, backward " << fixed(backward, 3)
       << " ns/element\n"
       << kPad << "(" << l.cost_setup << (info.kind == Kind::along_dim ? ", " + std::string(l.rows) : "") << ", "
       << kernels::current_target() << ")\n";
  }
  const Prose& prose = args.lang == "es" ? info.es : info.en;
  list(os, l.advantages, prose.advantages, l);
  list(os, l.drawbacks, prose.drawbacks, l);
  os << '\n' << l.recommended << ":\n" << wrapped("  ", prose.recommended.empty() ? l.not_stated : prose.recommended);
  return std::move(os).str();
}

}  // namespace

Command add_info(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand(
      "info", "One activation in full: formula, properties, memory, cost measured here, the lecture's advice.");
  auto args = std::make_shared<InfoArgs>();
  app->add_option("FUNCTION", args->function, "the activation: " + function_names())->required()->type_name("NAME");
  app->add_option("--lang", args->lang,
                  "language of the advice: en (activa's words) or es (the lecture's own) (default en)")
      ->type_name("LANG");
  app->add_flag("--no-cost", args->no_cost, "skip timing the kernels (about 0.2 s)");
  app->footer(
      "Advantages, drawbacks and recommended use follow the lecture's \"Consideraciones\";\n"
      "--lang es quotes them. The cost is the float32 kernel on 1 Mi elements, one thread, the\n"
      "best of a few repetitions, timed when you run the command.\n"
      "\n"
      "Examples:\n"
      "  activa info relu\n"
      "  activa info sigmoid --lang es\n"
      "  activa info elu --no-cost");
  return {app, [args](std::span<const std::string> trailing) {
            reject_trailing("info", trailing);
            if (args->lang != "en" && args->lang != "es") {
              throw Error("info: unknown language '" + args->lang + "' (use --lang en or --lang es)");
            }
            std::string out;
            if (!AllOps::visit(args->function, [&]<class Op>() { out = describe<Op>(*args); })) {
              throw unknown_function("info", args->function);
            }
            return out;
          }};
}

}  // namespace activa::cli
