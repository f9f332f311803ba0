// activa: activation functions and their gradients. The whole public API:
// kernels over raw buffers, tensors with autograd, functional forms, modules.
#pragma once

#include "activa/autograd.h"
#include "activa/error.h"
#include "activa/functional.h"
#include "activa/kernels.h"
#include "activa/nn/activation.h"
#include "activa/nn/module.h"
#include "activa/ops/all.h"
#include "activa/print.h"
#include "activa/spec.h"
#include "activa/tensor.h"
#include "activa/version.h"
