// The SIMD bodies of the list in include/activa/ops/all.h, one include each.
// Included once per Highway target by dispatch.cc (no include guard on purpose).
#include "src/kernels/ops/elu-inl.h"
#include "src/kernels/ops/leaky_relu-inl.h"
#include "src/kernels/ops/prelu-inl.h"
#include "src/kernels/ops/relu-inl.h"
#include "src/kernels/ops/sigmoid-inl.h"
#include "src/kernels/ops/softmax-inl.h"
#include "src/kernels/ops/tanh-inl.h"
