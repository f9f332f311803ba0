// The one exception type activa throws: misuse at a public boundary (shapes,
// dims, weight counts, unknown names, bad files). The message names the problem.
#pragma once

#include <stdexcept>
#include <string>

namespace activa {

class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& what) : std::invalid_argument(what) {}
};

}  // namespace activa
