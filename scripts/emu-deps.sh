#!/bin/sh
# emu-deps: the C and C++ compilers that the emulated CUDA driver
# (gpu/kernels/emu/run.sh, make test-cuda-emu) builds itself with; installs
# Debian's g++ (which brings gcc) when either is missing.
set -u
CC=${CC:-cc}
CXX=${CXX:-g++}
if command -v "$CC" >/dev/null 2>&1 && command -v "$CXX" >/dev/null 2>&1; then
  exit 0
fi
echo "emu-deps: the emulated CUDA driver is built with $CC and $CXX (C++20)"
sh "$(dirname "$0")/apt-install.sh" g++ "install g++ yourself (Debian/Ubuntu: apt-get install g++) or name compilers with CC and CXX" || exit 1
for c in "$CC" "$CXX"; do
  command -v "$c" >/dev/null 2>&1 || { echo "emu-deps: $c is still missing after installing g++; name compilers with CC and CXX" >&2; exit 1; }
done
