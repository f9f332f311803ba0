// The tables of the piecewise polynomials that the float32 kernels evaluate
// for |x| < kPiecesEnd (float_math-inl.h, EvaluatePieces), each computed at
// compile time from its spec's formula (taylor.h, MakePieceTable). One
// definition for the kernels and for tests/accuracy_test.cc, which checks
// them against MPFR. Target-independent.
#pragma once

#include "activa/ops/elu.h"
#include "activa/ops/sigmoid.h"
#include "activa/ops/tanh.h"
#include "src/kernels/taylor.h"

namespace activa::kernels::detail {

// sigmoid(-u) and sigmoid'(u).
inline constexpr auto kSigmoidPieces = MakePieceTable<5>([](const auto& u) { return ops::Sigmoid::forward(-u); });
// sigmoid(-u) - 1/2, the same table with 1/2 taken from its values (exactly:
// they are multiples of 2^-24 in [0, 1/2]), from which sigmoid's forward
// gets either side with one fused multiply-add (ops/sigmoid-inl.h).
inline constexpr auto kSigmoidCentredPieces = ShiftValues(kSigmoidPieces, -0.5f);
inline constexpr auto kSigmoidDerivativePieces =
    MakePieceTable<5>([](const auto& u) { return ops::Sigmoid::derivative(u); });

// tanh(u) / u, which is 1 at 0, so that tanh(u) = u (hi + lo) keeps its
// relative accuracy through 0; tanh'(u), its linear coefficient a pair.
inline constexpr auto kTanhPieces = MakePieceTable<5>([](const auto& u) { return ops::Tanh::forward(u) / u; });
inline constexpr auto kTanhDerivativePieces =
    MakePieceTable<6, true>([](const auto& u) { return ops::Tanh::derivative(u); });

// (1 - e^-u) / u = -elu(-u) / u with alpha = 1: 1 at 0, so that ELU's
// alpha x g(-x) keeps its relative accuracy through 0. Mirrored: evaluated
// at x = -u, which ELU's forward then need not negate.
inline constexpr auto kEluPieces = Mirror(MakePieceTable<5>([](const auto& u) { return -ops::Elu::forward(-u) / u; }));

}  // namespace activa::kernels::detail
