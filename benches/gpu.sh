#!/usr/bin/env bash
# downhill on a machine with a real GPU: W1, W2a and W3 (the peers' workloads, see
# ../shared/bench/peers/README.md and benches/compare.py for the exact command lines) at
# N x N = 4096 x 4096 trajectories, and the default trainability map (16x16 tanh network,
# 500 GD steps) at 512 x 512 cells in each GPU kernel layout, all with --backend gpu.
#
# Run from the repository root, with a release binary already built (this script never calls
# cargo; the machine needs only bash, Python 3's standard library and the GPU driver):
#
#   DOWNHILL=target/release/downhill benches/gpu.sh
#   N=64 NN_RES=8 BACKEND=gpu PEAK_GFLOPS=230 benches/gpu.sh     # tiny smoke test (lavapipe)
#
# How to read the table it prints (Markdown on stdout; progress on stderr):
#   whole process s   wall time of the command (start-up, adapter, shader compile, run,
#                     analysis, writing PNG/.npz/.json), best of REPEATS runs;
#   run s, run rate   the tool's own numbers from its JSON (run_seconds, traj_steps_per_s:
#                     upload, every dispatch, readback), i.e. the kernels' throughput in
#                     trajectory-steps (trainability: network-steps) per second;
#   GFLOP/s counted   run rate x counted FLOPs per step (W1 10, W2a 5, W3 36 as in the peers'
#                     README; trainability: the tool's own flops_per_s / traj_steps_per_s from its JSON);
#   fraction of peak  GFLOP/s counted over the GPU's FP32 peak.
# A second table gives the kernels' own rate: W1, W2a and W3 run once more with MARGIN times
# the steps, and the steps added over the run time added (fixed costs cancel). A list after
# it says where each whole process's time went, phase by phase (DOWNHILL_TIMINGS=1).
# The FP32 peak comes from PEAK_GFLOPS, else from the GPU's name (nvidia-smi) in the table
# below; an unknown GPU without PEAK_GFLOPS gets no fraction.
#
# Settings (environment): N=4096, NN_RES=512, NN_STEPS=500, DOWNHILL=target/release/downhill,
# BACKEND=gpu, REPEATS=3, MAX_RUN_S=30 (a run longer than this is not repeated), MARGIN=10,
# WORKLOADS=W1,W2a,W3,train, LAYOUTS=invocation,workgroup,unit (the trainability row runs once
# per GPU kernel layout, --layout), PEAK_GFLOPS, PYTHON=python3, KEEP=1 keeps the outputs' temp dir.
set -euo pipefail

cd "$(dirname "$0")/.."

export N="${N:-4096}"
export NN_RES="${NN_RES:-512}"
export NN_STEPS="${NN_STEPS:-500}"
export BACKEND="${BACKEND:-gpu}"
export REPEATS="${REPEATS:-3}"
export MAX_RUN_S="${MAX_RUN_S:-30}"
export MARGIN="${MARGIN:-10}"
export WORKLOADS="${WORKLOADS:-W1,W2a,W3,train}"
export LAYOUTS="${LAYOUTS:-invocation,workgroup,unit}"
PYTHON="${PYTHON:-python3}"
DOWNHILL="${DOWNHILL:-target/release/downhill}"

if [[ ! -x "$DOWNHILL" ]]; then
    echo "gpu.sh: no binary at DOWNHILL=$DOWNHILL (build it with cargo build --release first)" >&2
    exit 2
fi
export DOWNHILL="$(cd "$(dirname "$DOWNHILL")" && pwd)/$(basename "$DOWNHILL")"

# Pre-flight: downhill must find an adapter (wgpu needs the Vulkan loader libvulkan.so.1 and
# the driver's ICD, or EGL/GL); without one every command would fail the same way.
if [[ "$BACKEND" == gpu ]] && ! info="$("$DOWNHILL" info 2>&1)"; then
    echo "gpu.sh: downhill finds no GPU adapter on this machine:" >&2
    echo "$info" | head -n 3 >&2
    if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
        echo "gpu.sh: there is no Vulkan loader (libvulkan.so.1; Debian/Ubuntu: libvulkan1)" >&2
    fi
    exit 3
fi

# The GPU's name: nvidia-smi if there is one, else the adapter downhill would use.
GPU_NAME=""
if command -v nvidia-smi >/dev/null 2>&1; then
    GPU_NAME="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || true)"
fi
if [[ -z "$GPU_NAME" ]]; then
    GPU_NAME="$("$DOWNHILL" info 2>/dev/null | sed -n 's/^adapter *//p' | head -n 1 || true)"
fi
export GPU_NAME="${GPU_NAME:-unknown}"

# FP32 peak in GFLOP/s (dense, boost clock, no sparsity), unless PEAK_GFLOPS is given.
if [[ -z "${PEAK_GFLOPS:-}" ]]; then
    case "$GPU_NAME" in
        *H100*PCIe*)     PEAK_GFLOPS=51000 ;;
        *H200* | *H100*) PEAK_GFLOPS=67000 ;;   # SXM parts
        *A100*)          PEAK_GFLOPS=19500 ;;
        *4090*)          PEAK_GFLOPS=82600 ;;
        *)               PEAK_GFLOPS=0 ;;       # unknown: no fraction of peak
    esac
fi
export PEAK_GFLOPS

echo "gpu.sh: $("$DOWNHILL" --version) ($DOWNHILL) on $GPU_NAME, peak $PEAK_GFLOPS GFLOP/s," \
    "BACKEND=$BACKEND, N=$N, NN_RES=$NN_RES" >&2
"$PYTHON" benches/compare.py gpu
