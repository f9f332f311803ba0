// Saving and loading parameters: a module's named_parameters() (or any named
// tensors) in one binary file, checked on the way back in.
//
//   activa::save(net, "model.actv");
//   activa::load(net, "model.actv");   // same architecture: names, dtypes, shapes
//
// File format, version 1. Integers are little-endian; floats IEEE 754,
// little-endian; no padding.
//
//   offset  size  field
//   0       8     magic: 0x89 'A' 'C' 'T' 'I' 'V' 'A' '\n' (the high byte catches
//                 7-bit transfers, the newline text-mode conversion)
//   8       4     u32 version = 1
//   12      4     u32 tensor count
//   16      8     u64 payload size: bytes from offset 24 to the checksum
//   24      ...   per tensor, in order:
//                   u16 name length L, then L bytes of name (UTF-8, unique)
//                   u8  dtype: 1 = float32, 2 = float64
//                   u8  ndim D (at most 8), then D x i64 dims (each >= 0)
//                   u64 data size in bytes (= product of dims x element size)
//                   the elements, row-major
//   end-4   4     u32 CRC-32 (zlib's) of every byte before it
//
// Reading rejects, with an activa::Error naming the file and the problem: a
// missing or unreadable file, a wrong magic, a newer version, a size that
// disagrees with the header (truncated or with trailing bytes), a checksum
// mismatch, a malformed record; load() also rejects a file whose names, dtypes
// or shapes differ from the module's, and changes no parameter then.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "activa/nn/module.h"
#include "activa/tensor.h"

namespace activa {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

inline constexpr std::uint32_t kParameterFileVersion = 1;

// Writes the tensors to `path` (through a temporary file renamed into place,
// so a failed write leaves no half file under that name).
void save_tensors(const NamedTensors& tensors, const std::string& path);
// Reads every tensor of a file (new tensors, requires_grad false).
NamedTensors load_tensors(const std::string& path);

// The module's named_parameters() to / from `path`. load() copies the values
// into the existing parameter tensors (optimizers holding them see the change).
void save(const nn::Module& module, const std::string& path);
void load(nn::Module& module, const std::string& path);

}  // namespace activa
