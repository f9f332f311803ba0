// Errors that say what to do instead: the nearest known name to a misspelt one.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "activa/error.h"
#include "activa/ops/all.h"

namespace activa::cli {

// Levenshtein distance (insertions, deletions, substitutions).
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The candidate closest to `word`, or "" when none is within a third of its
// length (at least 2 edits), or a prefix of it ("leaky" -> "leaky_relu").
inline std::string nearest(std::string_view word, std::span<const std::string> candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = word.size() >= 3 && c.starts_with(word) ? 1 : edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

inline std::vector<std::string> op_names() {
  std::vector<std::string> names;
  AllOps::for_each([&]<class Op>() { names.emplace_back(Op::info.name); });
  return names;
}

// "COMMAND: unknown function 'sigmod'; did you mean 'sigmoid'? (known: sigmoid, tanh, ...)"
inline Error unknown_function(std::string_view command, std::string_view name) {
  const std::vector<std::string> names = op_names();
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  const std::string guess = nearest(name, names);
  return Error(std::string(command) + ": unknown function '" + std::string(name) + "'" +
               (guess.empty() ? "" : "; did you mean '" + guess + "'?") + " (known: " + known + ")");
}

}  // namespace activa::cli
