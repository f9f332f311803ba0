#!/usr/bin/env bash
# Installs the built activa into a scratch prefix, builds tests/consumer
# against it with find_package, and checks what the consumer prints.
# Usage: run.sh BUILD_DIR SOURCE_DIR [package|subdirectory|clang]
# clang: the installed package (built by GCC) consumed by a clang++ project.
set -euo pipefail
build=$1 src=$2 mode=${3:-package}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$mode" = subdirectory ]; then
  cmake -S "$src/tests/consumer" -B "$work/build" -DACTIVA_SOURCE_DIR="$src" -DCMAKE_BUILD_TYPE=Release >/dev/null
else
  compiler=()
  [ "$mode" = clang ] && compiler=(-DCMAKE_CXX_COMPILER=clang++)
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  cmake -S "$src/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" "${compiler[@]}" >/dev/null
fi
cmake --build "$work/build" -j 2 >/dev/null
actual=$("$work/build/consumer")
expected='tensor([0.0067, 0.5000, 0.9933], grad_fn=<SigmoidBackward0>)
tensor([0.0066, 0.2500, 0.0066])
-0.5 0 2
activa 0.1.0'
if [ "$actual" != "$expected" ]; then
  printf 'consumer printed:\n%s\nexpected:\n%s\n' "$actual" "$expected" >&2
  exit 1
fi
echo "consumer ($mode) OK"
