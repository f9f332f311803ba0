// The one list of activations. Kernel tables, the kernel API, functional forms,
// modules, the CLI, docs, tests and benchmarks all derive from it: adding an
// activation is its spec (ops/<name>.h), its SIMD body
// (src/kernels/ops/<name>-inl.h) and one name here and in all-inl.h.
#pragma once

#include <string_view>
#include <utility>

#include "activa/ops/elu.h"
#include "activa/ops/leaky_relu.h"
#include "activa/ops/prelu.h"
#include "activa/ops/relu.h"
#include "activa/ops/sigmoid.h"
#include "activa/ops/softmax.h"
#include "activa/ops/tanh.h"

namespace activa {

template <class... Ops>
struct OpList {
  static constexpr std::size_t size = sizeof...(Ops);

  // Calls f.template operator()<Op>() for each op, in list order.
  template <class F>
  static constexpr void for_each(F&& f) {
    (f.template operator()<Ops>(), ...);
  }
  // Calls f.template operator()<Op>() for the op named `name`; false if none is.
  template <class F>
  static constexpr bool visit(std::string_view name, F&& f) {
    return ((Ops::info.name == name ? (f.template operator()<Ops>(), true) : false) || ...);
  }
};

using AllOps = OpList<ops::Sigmoid, ops::Tanh, ops::Relu, ops::LeakyRelu, ops::Elu, ops::Prelu,
                      ops::Softmax>;

}  // namespace activa
