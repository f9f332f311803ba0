// The bandwidth limit of a memory-bound kernel: the fastest plain loop that
// moves the same bytes. A pointwise forward reads one array and writes one
// (read-1-write-1: c = a); a backward reads two and writes one
// (read-2-write-1: c = a + b). Each comes with ordinary stores and with
// streaming (non-temporal) stores, which skip the read-for-ownership of the
// destination and win once the arrays outgrow the caches; the limit is the
// faster of the two. Vectorised with Highway at the best target of the CPU
// (streaming stores are _mm512_stream_ps on AVX-512), threaded with OpenMP.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace activa::bench {

enum class Traffic : unsigned char { read1_write1, read2_write1 };

struct BandwidthKernel {
  std::string_view name;  // "copy", "copy_nt", "add", "add_nt"
  Traffic traffic;
  bool streaming;
};

// copy, copy_nt (read-1-write-1), add, add_nt (read-2-write-1).
std::span<const BandwidthKernel> bandwidth_kernels();

std::string_view traffic_name(Traffic t);

// Runs `kernel` over n floats: c = a, or c = a + b (b unused by copies), on
// `threads` OpenMP threads in contiguous 256-byte-aligned chunks. To time
// elements of another size, pass n * sizeof(T) / sizeof(float).
void run_bandwidth(const BandwidthKernel& kernel, const float* a, const float* b, float* c, std::size_t n,
                   int threads);

}  // namespace activa::bench
