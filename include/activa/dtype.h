// Element types of activa tensors and kernels.
#pragma once

#include <cstdint>
#include <string_view>

namespace activa {

enum class DType : std::uint8_t { float32, float64 };

constexpr std::string_view dtype_name(DType d) { return d == DType::float32 ? "float32" : "float64"; }

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::float32; }
template <> constexpr DType dtype_of<double>() { return DType::float64; }

}  // namespace activa
