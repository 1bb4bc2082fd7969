#!/usr/bin/env bash
# benches/gpu.sh as one prepared command on a borrowed GPU machine that has the driver but
# perhaps not the Vulkan loader: unpacks loader packages carried in .gl/ (Debian .debs of
# libvulkan1 and friends, fetched on the build machine), points Vulkan at the NVIDIA driver's
# ICD where no adapter is found otherwise, records the adapter, then runs benches/gpu.sh.
# Build the release binary on the build machine and carry it (bin/downhill by default):
#
#   cargo build --release && mkdir -p bin && cp target/release/downhill bin/
#   # on the GPU machine, from the repository root, with .gl/ and bin/ beside it:
#   OUT=/some/folder benches/device.sh          # writes $OUT/info.txt, gpu.md and gpu.log
#
# Settings: DOWNHILL=bin/downhill, OUT (default: a temp dir, printed), and every setting of
# benches/gpu.sh (N, NN_RES, REPEATS, LAYOUTS, ...).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
export DOWNHILL="${DOWNHILL:-bin/downhill}"

if compgen -G ".gl/*.deb" >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
if ! "$DOWNHILL" info >/dev/null 2>&1; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
{ nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv 2>/dev/null; "$DOWNHILL" info 2>&1; } \
    | tee "$OUT/info.txt"
benches/gpu.sh 2> >(tee "$OUT/gpu.log" >&2) | tee "$OUT/gpu.md"
echo "device.sh: wrote $OUT/info.txt, $OUT/gpu.md and $OUT/gpu.log" >&2
