#!/usr/bin/env bash
# downhill against the peers it has to beat (numpy, JAX on the CPU, numba), side by side,
# on the workloads defined in ../shared/bench/peers/README.md:
#
#   W1     GD (lr 0.1) on bumpy 0.1(x^2+y^2) + sin x sin y, 500 steps, starts over [-6,6]^2
#   W2a    GD on 0.5 k x^2 from x0 = 1, lr over [0,4] against k over [0.1,10] (log), 1000 steps
#   W3     Adam (lr 0.01) on Rosenbrock b = 100, 2000 steps, starts [-2,2] x [-1,3]
#   train  the default trainability map (16x16 tanh network, 500 GD steps), NN_RES^2 cells;
#          peer: train_jax.py
#
# Run from the repository root:
#
#   benches/compare.sh                                        # N = 1024, trainability 64x64
#   N=256 NN_RES=16 DOWNHILL=/path/to/downhill benches/compare.sh   # a quick check
#
# How to read the table it prints (Markdown, on stdout; progress goes to stderr):
#   best peer      the fastest installed peer: compute seconds only, compile excluded, best
#                  of 3 runs (run.py; train_jax.py takes the best of 2);
#   downhill s     wall time of the whole command (start-up, adapter, shader compile, run,
#                  analysis, writing PNG/.npz/.json), best of 3 runs;
#   ratio          peer seconds / downhill seconds (above 1: downhill is faster), against
#                  the goal (W1 5x, W2a 3x, W3 2x, trainability 2x);
#   rate, peak     trajectory-steps (network-steps) per second of the whole process, and
#                  that rate times the counted FLOPs per step over PEAK_GFLOPS.
# A second table gives per-run details: auto's backend pick, the tool's own run rate (JSON
# traj_steps_per_s) next to the whole-process rate, every peer. A third compares downhill's
# .npz with every peer's at N = CHECK_N (final x, y and the diverged flags).
#
# Settings (environment):
#   N=1024          grid side of W1, W2a, W3
#   NN_RES=64       trainability grid side (NN_STEPS=500 steps; NN_AXES=peer uses the peer's
#                   learning-rate ranges instead of downhill's default map)
#   DOWNHILL        the binary; unset: `cargo build --release` first, then target/release/downhill
#   BACKEND=auto    downhill's --backend (auto | gpu | cpu)
#   PEAK_GFLOPS=230 f32 peak of this machine (2-core Zen 4)
#   REPEATS=3       runs per command; MAX_RUN_S=120: a run longer than this is not repeated
#   CHECK_N=128     grid side of the agreement check (0 skips it)
#   WORKLOADS=W1,W2a,W3,train   IMPLS=numpy,jax,numba   PYTHON=python3
#   PEERS=../shared/bench/peers (run.py, train_jax.py)   KEEP=1 keeps the outputs' temp dir
set -euo pipefail

cd "$(dirname "$0")/.."

export N="${N:-1024}"
export NN_RES="${NN_RES:-64}"
export NN_STEPS="${NN_STEPS:-500}"
export NN_AXES="${NN_AXES:-default}"
export BACKEND="${BACKEND:-auto}"
export PEAK_GFLOPS="${PEAK_GFLOPS:-230}"
export REPEATS="${REPEATS:-3}"
export MAX_RUN_S="${MAX_RUN_S:-120}"
export CHECK_N="${CHECK_N:-128}"
export WORKLOADS="${WORKLOADS:-W1,W2a,W3,train}"
export IMPLS="${IMPLS:-numpy,jax,numba}"
export PYTHON="${PYTHON:-python3}"
export PEERS="${PEERS:-../shared/bench/peers}"

if [[ ! -f "$PEERS/run.py" ]]; then
    echo "compare.sh: no peers at PEERS=$PEERS (expected run.py and train_jax.py)" >&2
    exit 2
fi
export PEERS="$(cd "$PEERS" && pwd)"

if [[ -z "${DOWNHILL:-}" ]]; then
    echo "compare.sh: building downhill (cargo build --release; not timed)" >&2
    cargo build --release --quiet
    DOWNHILL=target/release/downhill
fi
if [[ ! -x "$DOWNHILL" ]]; then
    echo "compare.sh: DOWNHILL=$DOWNHILL is not an executable" >&2
    exit 2
fi
export DOWNHILL="$(cd "$(dirname "$DOWNHILL")" && pwd)/$(basename "$DOWNHILL")"

echo "compare.sh: $("$DOWNHILL" --version) ($DOWNHILL), BACKEND=$BACKEND, N=$N, NN_RES=$NN_RES," \
    "$(nproc) cores" >&2
"$PYTHON" benches/compare.py compare
