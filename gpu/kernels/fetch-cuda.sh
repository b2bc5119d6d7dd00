#!/bin/sh
# Fetches what building the CUDA backend needs from Debian's non-free
# archive into a private folder, without installing anything system-wide
# (see docs/GPU.md). Idempotent: does nothing when DEST is complete.
#
#   fetch-cuda.sh deps DEST   headers and driver/cuBLAS stubs for cgo
#                             (nvidia-cuda-dev): DEST/include, DEST/lib; ~2 MB
#   fetch-cuda.sh nvcc DEST   a private nvcc that can emit PTX
#                             (nvidia-cuda-toolkit + nvidia-cuda-dev):
#                             DEST/bin/nvcc, DEST/include, DEST/nvvm; ~90 MB
#
# The apt state and the downloaded packages (~860 MB) live in a temporary
# folder that is removed afterwards. Environment: DEBIAN_MIRROR (default:
# the first Debian archive this system's apt sources name), CUDA_DEBIAN_SUITE
# (default bookworm, whose
# CUDA 11.8 is what has been checked), TMPDIR.
set -eu

mode=${1:?usage: fetch-cuda.sh deps|nvcc DEST}
dest=${2:?usage: fetch-cuda.sh deps|nvcc DEST}
# The system's own Debian archive: a one-line .list entry ("deb [opts] URI
# suite ...") or a deb822 .sources stanza ("URIs: URI ..."), the first URI
# whose path ends in /debian (not -security or -updates archives).
system_mirror() {
	{
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/\[[^]]*\]//; s/^deb[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p'
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			sed -n 's/^URIs:[[:space:]]*//p' | tr ' \t' '\n\n'
	} | grep -E '^[a-z]+://[^[:space:]]+/debian/?$' | head -n 1
}
mirror=${DEBIAN_MIRROR:-$(system_mirror)}
suite=${CUDA_DEBIAN_SUITE:-bookworm}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

case $mode in
deps)
	if [ -f "$dest/include/cuda.h" ] && [ -f "$dest/lib/libcuda.so" ]; then
		echo "fetch-cuda: $dest already holds the CUDA headers and stubs"
		exit 0
	fi
	pkgs=nvidia-cuda-dev
	;;
nvcc)
	if [ -x "$dest/bin/nvcc" ] && [ -f "$dest/include/cuda_runtime.h" ]; then
		echo "fetch-cuda: $dest already holds nvcc"
		exit 0
	fi
	pkgs="nvidia-cuda-dev nvidia-cuda-toolkit"
	;;
*)
	echo "fetch-cuda: unknown mode $mode (want deps or nvcc)" >&2
	exit 2
	;;
esac

for tool in apt-get dpkg-deb; do
	command -v $tool >/dev/null 2>&1 || {
		echo "fetch-cuda: $tool not found; this script needs a Debian-like system" >&2
		exit 1
	}
done
[ -f "$keyring" ] || {
	echo "fetch-cuda: $keyring missing (package debian-archive-keyring)" >&2
	exit 1
}

[ -n "$mirror" ] || {
	echo "fetch-cuda: this system's apt sources name no Debian archive; set DEBIAN_MIRROR to one (its URL ends in /debian)" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-cuda.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/dl" "$work/x"
echo "deb [signed-by=$keyring] $mirror $suite non-free" >"$work/sources.list"
apt() {
	apt-get -q \
		-o Dir::Etc::sourcelist="$work/sources.list" \
		-o Dir::Etc::sourceparts=/dev/null \
		-o Dir::State::Lists="$work/lists" \
		-o Dir::Cache="$work/cache" \
		-o APT::Sandbox::User=root \
		"$@"
}
apt update >/dev/null
(cd "$work/dl" && apt download $pkgs)
for deb in "$work"/dl/*.deb; do
	dpkg-deb -x "$deb" "$work/x"
done
x=$work/x

# Assemble in a sibling folder and move it into place last, so an
# interrupted run never leaves a DEST that looks complete.
tmp=$dest.partial
rm -rf "$tmp"
mkdir -p "$tmp"
case $mode in
deps)
	mkdir -p "$tmp/include/crt" "$tmp/lib"
	for h in cuda.h cublas_v2.h cublas_api.h cuComplex.h cuda_fp16.h \
		cuda_fp16.hpp cuda_bf16.h cuda_bf16.hpp driver_types.h \
		library_types.h vector_types.h; do
		cp "$x/usr/include/$h" "$tmp/include/"
	done
	cp "$x/usr/include/crt/host_defines.h" "$tmp/include/crt/"
	cp "$x/usr/lib/x86_64-linux-gnu/stubs/libcuda.so" "$tmp/lib/"
	cp "$x/usr/lib/x86_64-linux-gnu/stubs/libcublas.so" "$tmp/lib/"
	;;
nvcc)
	tk=$x/usr/lib/nvidia-cuda-toolkit
	mkdir -p "$tmp/bin" "$tmp/nvvm" "$tmp/include"
	cp "$tk/bin/nvcc" "$tk/bin/cicc" "$x/usr/bin/ptxas" "$tmp/bin/"
	cp -R "$tk/bin/crt" "$tmp/bin/"
	cp -RL "$tk/libdevice" "$tmp/nvvm/"
	cp -R "$x/usr/include/." "$tmp/include/"
	# Debian's nvcc.profile points at /usr; this one points next to nvcc.
	cat >"$tmp/bin/nvcc.profile" <<'PROFILE'
TOP                = $(_HERE_)/..
NVVMIR_LIBRARY_DIR = $(TOP)/nvvm/libdevice
PATH              += $(TOP)/bin:
INCLUDES          += "-I$(TOP)/include" $(_SPACE_)
PROFILE
	;;
esac
rm -rf "$dest"
mv "$tmp" "$dest"
echo "fetch-cuda: $mode ready in $dest ($(du -sh "$dest" | cut -f1))"
