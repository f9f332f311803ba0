#!/usr/bin/env bash
# Configures a build of its own with the comparison benchmark on, builds it and
# runs it: activa's kernels against PyTorch (ATen), oneDNN, Eigen and XNNPACK (those
# installed) and the bandwidth limit, in one process (bench/compare.cc).
#
#   bench/run_compare.sh [OUTPUT.md] [activa_compare flags...]
#
# Writes the summary table to OUTPUT.md (default build-bench/compare.md), the
# Google Benchmark console log to OUTPUT.log and every measurement to
# OUTPUT.json. Flags pass through, e.g. --sizes=4Ki,256Ki --threads=1
# --functions=relu,softmax --benchmark_filter=sigmoid. The full run takes about
# 10 minutes on 2 cores; other work on the machine makes the 2-thread rows noisy.
# To re-run noisy rows and keep the rest of a run:
#   bench/run_compare.sh build-bench/rerun.md --benchmark_filter='/threads:2/' \
#     --merge=build-bench/compare.json
#
# libtorch 2.x (PyPI's torch wheel) cannot share a process with the system's
# libtorch 1.13: when python3 has torch >= 2 installed, a second build times it
# against activa (OUTPUT-torch2.md); otherwise that part is skipped.
# Environment: ACTIVA_BENCH_BUILD_DIR (default build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."

# Google Benchmark, and the baselines (each optional to the build; installed here so that the
# comparison has them). oneDNN's CMake package looks for OpenCL (its GPU runtime), which Debian only
# recommends: without ocl-icd-opencl-dev, configuring fails on a fresh machine. XNNPACK links
# pthreadpool, whose libpthreadpool.so only libpthreadpool-dev installs: without it, a fresh
# machine's build leaves XNNPACK out.
tools/install-packages g++ cmake ninja-build pkg-config libhwy-dev libcli11-dev nlohmann-json3-dev \
  libopenblas-dev zlib1g-dev libcairo2-dev libbenchmark-dev libtorch-dev libdnnl-dev ocl-icd-opencl-dev \
  libeigen3-dev libxnnpack-dev libpthreadpool-dev

build=${ACTIVA_BENCH_BUILD_DIR:-build-bench}
out=${1:-$build/compare.md}
[ $# -gt 0 ] && shift
mkdir -p "$(dirname "$out")"

configure_and_run() {  # BUILD_DIR OUTPUT.md CMAKE_ARGS... -- FLAGS...
  local dir=$1 md=$2
  shift 2
  local cmake_args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmake_args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DACTIVA_BUILD_BENCH=ON -DACTIVA_BUILD_TESTS=OFF \
    ${cmake_args[@]+"${cmake_args[@]}"}
  cmake --build "$dir" --target activa_compare
  echo "run_compare.sh: running $dir/bench/activa_compare $* (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "$dir/bench/activa_compare" --summary="$md" --benchmark_out="${md%.md}.json" --benchmark_out_format=json \
    --benchmark_color=false "$@" \
    | tee "${md%.md}.log"
  echo "run_compare.sh: summary in $md" >&2
}

configure_and_run "$build" "$out" -- "$@"

# The wheel's version, read without importing torch (its CUDA build's Python
# module wants CUDA libraries; the benchmark uses only its libtorch_cpu).
if python3 -c 'import sys, importlib.metadata as m; sys.exit(int(m.version("torch").split(".")[0]) < 2)' 2>/dev/null; then
  configure_and_run "$build-torch2" "${out%.md}-torch2.md" -DACTIVA_BENCH_TORCH2=ON -DACTIVA_BENCH_DNNL=OFF -DACTIVA_BENCH_XNNPACK=OFF \
    -DACTIVA_BENCH_EIGEN=OFF -- "$@"
else
  echo "run_compare.sh: python3 has no torch >= 2 (PyPI wheel): libtorch 2.x skipped" >&2
fi
