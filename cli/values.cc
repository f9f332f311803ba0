#include "cli/values.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "activa/error.h"

namespace activa::cli {
namespace {

using nlohmann::json;

std::string in_quotes(std::string_view text) {
  std::string s(1, '\'');
  s.append(text);
  s += '\'';
  return s;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const std::size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

// Numbers separated by commas and/or whitespace, appended to `out`.
void append_numbers(std::string_view text, std::string_view what, std::vector<double>& out) {
  constexpr std::string_view kSeparators = ", \t\r\n\f\v";
  std::size_t pos = 0;
  while ((pos = text.find_first_not_of(kSeparators, pos)) != std::string_view::npos) {
    const std::size_t end = std::min(text.find_first_of(kSeparators, pos), text.size());
    out.push_back(parse_number(text.substr(pos, end - pos), what));
    pos = end;
  }
}

// Walks a nested JSON array: the shape comes from the first array met at each
// depth; every other array at that depth must have its length, and numbers
// must all sit at the same depth (else the array is ragged).
class ArrayReader {
 public:
  explicit ArrayReader(std::string_view what) : what_(what) {}

  Values read(const json& root) {
    visit(root, 0);
    return {std::move(data_), std::move(shape_)};
  }

 private:
  void visit(const json& j, std::size_t depth) {
    if (!j.is_array()) {
      if (leaf_depth_ && *leaf_depth_ != depth) ragged(depth);
      if (depth < shape_.size()) ragged(depth);  // a number where arrays were
      leaf_depth_ = depth;
      data_.push_back(number(j));
      return;
    }
    if (leaf_depth_ && depth >= *leaf_depth_) ragged(depth);  // an array where numbers were
    const auto size = static_cast<std::int64_t>(j.size());
    if (depth == shape_.size()) {
      shape_.push_back(size);
    } else if (shape_[depth] != size) {
      throw Error(std::string(what_) + ": ragged array: expected sequence of length " +
                  std::to_string(shape_[depth]) + " at dim " + std::to_string(depth) + " (got " +
                  std::to_string(size) + ")");
    }
    for (const json& e : j) visit(e, depth + 1);
  }

  double number(const json& j) const {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
      const std::string& s = j.get_ref<const std::string&>();
      if (is_number(s)) {
        const double v = parse_number(s, what_);
        if (!std::isfinite(v)) return v;
      }
    }
    throw Error(std::string(what_) + ": " + j.dump() +
                " is not a number (write non-finite values as \"nan\", \"inf\", \"-inf\")");
  }

  [[noreturn]] void ragged(std::size_t depth) const {
    throw Error(std::string(what_) + ": ragged array: numbers and arrays mixed at dim " +
                std::to_string(depth));
  }

  std::string_view what_;
  std::vector<double> data_;
  Shape shape_;
  std::optional<std::size_t> leaf_depth_;
};

Values parse_json_array(std::string_view text, std::string_view what) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    std::string message = e.what();
    if (const std::size_t tag_end = message.find("] "); message.starts_with("[json.") &&
                                                        tag_end != std::string::npos) {
      message.erase(0, tag_end + 2);
    }
    throw Error(std::string(what) + ": invalid JSON array: " + message);
  }
  return ArrayReader(what).read(root);
}

// The text of a file or of standard input: a JSON array or a flat list.
Values parse_text(std::string_view text, std::string_view what) {
  text = trim(text);
  if (text.starts_with('[')) return parse_json_array(text, what);
  Values v;
  append_numbers(text, what, v.data);
  if (v.data.empty()) throw Error(std::string(what) + ": no numbers given");
  v.shape = {static_cast<std::int64_t>(v.data.size())};
  return v;
}

std::string read_file(std::string_view path, std::string_view what) {
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in) throw Error(std::string(what) + ": cannot open file " + in_quotes(path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(std::string(what) + ": cannot read file " + in_quotes(path));
  return std::move(text).str();
}

}  // namespace

double parse_number(std::string_view text, std::string_view what) {
  std::string_view digits = text;
  // from_chars takes '-' but not '+'; a sign followed by another sign is not a number.
  if (digits.starts_with('+') && digits.size() > 1 && digits[1] != '-') digits.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range) {
    throw Error(std::string(what) + ": " + in_quotes(text) + " is out of range for a double");
  }
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    throw Error(std::string(what) + ": " + in_quotes(text) + " is not a number");
  }
  return v;
}

std::int64_t parse_integer(std::string_view text, std::string_view what) {
  std::string_view digits = text;
  if (digits.starts_with('+') && digits.size() > 1 && digits[1] != '-') digits.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    throw Error(std::string(what) + ": " + in_quotes(text) + " is not an integer");
  }
  return v;
}

bool is_number(std::string_view arg) {
  try {
    parse_number(arg, "");
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::string Sources::read_stdin(std::string_view what) {
  if (stdin_used_) throw Error(std::string(what) + ": standard input ('-') can be read only once");
  stdin_used_ = true;
  std::string text(std::istreambuf_iterator<char>(stdin_), {});
  if (stdin_.bad()) throw Error(std::string(what) + ": cannot read standard input");
  return text;
}

Values read_values(std::span<const std::string> args, std::string_view what, Sources& sources) {
  if (args.empty()) throw Error(std::string(what) + ": no numbers given");
  if (args.size() == 1) {
    const std::string_view arg = trim(args[0]);
    if (arg == "-") return parse_text(sources.read_stdin(what), std::string(what) + " (standard input)");
    if (arg.starts_with('@')) {
      const std::string_view path = arg.substr(1);
      return parse_text(read_file(path, what), std::string(what) + " (file " + in_quotes(path) + ")");
    }
    return parse_text(arg, what);
  }
  Values v;
  for (const std::string& arg : args) {
    if (arg == "-" || arg.starts_with('@') || trim(arg).starts_with('[')) {
      throw Error(std::string(what) + ": " + in_quotes(arg) +
                  " must be the only argument (a JSON array, @FILE or - stands for all the values)");
    }
    append_numbers(arg, what, v.data);
  }
  if (v.data.empty()) throw Error(std::string(what) + ": no numbers given");
  v.shape = {static_cast<std::int64_t>(v.data.size())};
  return v;
}

}  // namespace activa::cli
