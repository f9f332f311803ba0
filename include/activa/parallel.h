// Threads for what activa runs in parallel: matrix products (OpenBLAS's own
// pthread pool) and the activation kernels (OpenMP, activa::kernels), as
// torch.set_num_threads sets PyTorch's.
//
// The two pools do not share cores politely: OpenBLAS's threads spin for a
// while after each product, so an OpenMP region started between two products
// waits for the scheduler to preempt them. Training alternates products and
// activations, so it runs the kernels on one thread: set_num_threads(n, 1).
// Measured on the 2-core machine, 784-256-128-10, batch 128: 2 threads for
// both ~7,400 samples/s; 2 for products and 1 for kernels ~40,000 (README: Threads and speed).
#pragma once

namespace activa {

// n threads for products and for kernels; 0 restores the defaults (one per core).
void set_num_threads(int n);
// Products and kernels separately (each >= 0; 0: one per core).
void set_num_threads(int product_threads, int kernel_threads);
// The threads matrix products use now.
int num_threads();

}  // namespace activa
