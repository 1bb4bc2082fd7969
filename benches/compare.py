#!/usr/bin/env python3
"""Helper of benches/compare.sh and benches/gpu.sh (Python standard library only).

    compare.py compare   downhill against the numpy / JAX / numba peers (compare.sh)
    compare.py gpu       downhill alone at GPU sizes, with counted FLOP/s (gpu.sh)

Both read their settings from the environment (the shell scripts set the defaults; see
their header comments). This file is the one place that spells out the downhill command
line of each workload, so that both tables measure the same thing, and the workloads
match the peers' definitions in ../shared/bench/peers/README.md:

  W1     basins: bumpy 0.1(x^2+y^2) + sin x sin y, gd lr 0.1, 500 steps, starts [-6,6]^2
  W2a    sweep: quadratic 0.5(kx x^2 + ky y^2) from (1, 0), gd, lr over [0,4] (x axis,
         linear) against kx over [0.1,10] (y axis, log), 1000 steps
  W3     sweep: rosenbrock a=1 b=100, adam lr 0.01 b1 0.9 b2 0.999 eps 1e-8 with bias
         correction, starts x over [-2,2], y over [-1,3], 2000 steps
  train  trainability: the default map (16x16 tanh network, 272 data points, 500 full-batch
         GD steps), NN_RES x NN_RES cells; peer: train_jax.py

All maps use the divergence threshold 1e6 (also the tool's default), the peers' rule
`diverged = !(|x| <= 1e6 && |y| <= 1e6)`.
"""
import array
import ast
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import time
import zipfile

# ----------------------------------------------------------------------------------------
# Workloads
# ----------------------------------------------------------------------------------------
# flops: counted FLOPs per trajectory step from the peers' README (add/sub/mul/div/sqrt = 1,
# sin/cos not counted); for `train` the tool's own count (JSON `flops_per_s` over `traj_steps_per_s`) is used.
WORKLOADS = {
    "W1": dict(steps=500, flops=10, goal=5.0),
    "W2a": dict(steps=1000, flops=5, goal=3.0),
    "W3": dict(steps=2000, flops=36, goal=2.0),
    "train": dict(steps=None, flops=None, goal=2.0),
}

# The peer's trainability grid (train_jax.py): eta0 = 10^[1, 4], eta1 = 10^[0.5, 1.1].
PEER_NN_AXES = ["--x", "lr0:10:10000:log", "--y", f"lr1:{10 ** 0.5!r}:{10 ** 1.1!r}:log"]


def downhill_args(workload, n, backend, prefix, nn_steps=500, nn_axes="default"):
    """The downhill command line (without the binary) of one workload."""
    common = ["--res", str(n), "--backend", backend, "-o", prefix]
    if workload == "W1":
        return ["basins", "--landscape", "bumpy", "--optimizer", "gd:lr=0.1",
                "--domain=-6:6:-6:6", "--steps", "500", "--threshold", "1e6"] + common
    if workload == "W2a":
        return ["sweep", "--landscape", "quadratic:ky=1", "--optimizer", "gd",
                "--x", "lr:0:4", "--y", "kx:0.1:10:log", "--start", "1,0",
                "--steps", "1000", "--threshold", "1e6"] + common
    if workload == "W3":
        return ["sweep", "--landscape", "rosenbrock:a=1,b=100",
                "--optimizer", "adam:lr=0.01,beta1=0.9,beta2=0.999,eps=1e-8,bias_correction=1",
                "--x", "x0:-2:2", "--y", "y0:-1:3", "--steps", "2000", "--threshold", "1e6"] + common
    if workload == "train":
        axes = PEER_NN_AXES if nn_axes == "peer" else []
        return ["trainability", "--dim", "16", "--width", "16", "--activation", "tanh",
                "--steps", str(nn_steps)] + axes + common
    raise ValueError(workload)


def train_flops(meta):
    """Counted FLOPs per network-step of a trainability run: the JSON's flops_per_s over its
    traj_steps_per_s (both count the steps run), or None."""
    fps, rate = meta.get("flops_per_s"), meta.get("traj_steps_per_s")
    return fps / rate if fps and rate else None


def shell_quote(args):
    out = []
    for a in args:
        if a and all(c.isalnum() or c in "-_=:,./+" for c in a):
            out.append(a)
        else:
            out.append("'" + a.replace("'", "'\\''") + "'")
    return " ".join(out)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------
# Running downhill: best wall time of up to `repeats` whole-process runs
# ----------------------------------------------------------------------------------------
def run_downhill(binary, args, prefix, repeats, max_run_s, label):
    """Runs `binary args` up to `repeats` times (stopping early once one run takes longer
    than max_run_s); returns walls, the JSON of the fastest run, and its command line."""
    runs = []
    for r in range(repeats):
        pre = f"{prefix}_r{r}"
        cmd = [binary] + [pre if a == prefix else a for a in args]
        t0 = time.perf_counter()
        env = dict(os.environ, DOWNHILL_TIMINGS="1")
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            log(f"FAILED ({p.returncode}): {shell_quote(cmd)}\n{p.stderr[-3000:]}")
            return None
        with open(pre + ".json") as fh:
            meta = json.load(fh)
        rate = meta.get("traj_steps_per_s", float("nan"))
        log(f"  downhill {label} run {r + 1}: whole process {wall:.3f} s; tool's run "
            f"{meta.get('run_seconds', float('nan')):.3f} s = {rate:.3e} traj-steps/s (JSON); "
            f"backend: {meta.get('backend')}")
        timings = [line.split("timings: ", 1)[1] for line in p.stderr.splitlines() if "timings: " in line]
        runs.append(dict(wall=wall, meta=meta, cmd=cmd, prefix=pre, timings=(timings or [""])[-1]))
        if max_run_s and wall > max_run_s:
            if r + 1 < repeats:
                log(f"  (run took longer than MAX_RUN_S={max_run_s:g} s: no more repeats)")
            break
    best = min(runs, key=lambda x: x["wall"])
    return dict(walls=[x["wall"] for x in runs], best_wall=best["wall"], meta=best["meta"],
                cmd=best["cmd"], prefix=best["prefix"], timings=best["timings"])


# ----------------------------------------------------------------------------------------
# Peers
# ----------------------------------------------------------------------------------------
def importable(python, module):
    p = subprocess.run([python, "-c", f"import {module}"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return p.returncode == 0


def last_json_line(text):
    lines = [l for l in text.splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def run_peer(python, peers, workload, impl, n, repeats, max_run_s, out=None):
    cmd = [python, os.path.join(peers, "run.py"), "--workload", workload, "--impl", impl,
           "--n", str(n), "--repeats", str(repeats)]
    if max_run_s:
        cmd += ["--max-run-seconds", str(max_run_s)]
    if out:
        cmd += ["--out", out]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = last_json_line(p.stdout)
    if p.returncode != 0 or r is None:
        log(f"  peer {workload} {impl} N={n} FAILED: {p.stderr[-2000:]}")
        return None
    log(f"  peer {workload} {impl:6s} N={n}: best {r['best_s']:.3f} s of {len(r['runs_s'])} "
        f"(compile {r['compile_s']} s), {r['steps_per_s']:.3e} traj-steps/s")
    return r


def run_train_peer(python, peers, n, steps):
    cmd = [python, os.path.join(peers, "train_jax.py"), "--n-grid", str(n), "--steps", str(steps)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = last_json_line(p.stdout)
    if p.returncode != 0 or r is None:
        log(f"  peer train jax FAILED: {p.stderr[-2000:]}")
        return None
    log(f"  peer train jax   {n}x{n}: best {r['seconds']:.3f} s of 2 (compile {r['compile_s']} s), "
        f"{r['network_steps_per_s']:.3e} network-steps/s")
    return dict(impl="jax", best_s=r["seconds"], compile_s=r["compile_s"], runs_s=[None, None],
                steps_per_s=r["network_steps_per_s"])


# ----------------------------------------------------------------------------------------
# .npz reading without numpy (zip of .npy files), and agreement with the peers
# ----------------------------------------------------------------------------------------
NPY_CODES = {"<f4": "f", "<i4": "i", "|b1": "B", "|u1": "B", "<f8": "d", "<i8": "q"}


def load_npz(path):
    """{name: (shape, flat array.array)} for the little-endian C-order arrays numpy writes."""
    assert sys.byteorder == "little"
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            b = z.read(name)
            if b[:6] != b"\x93NUMPY":
                continue
            if b[6] == 1:
                hl, off = struct.unpack("<H", b[8:10])[0], 10
            else:
                hl, off = struct.unpack("<I", b[8:12])[0], 12
            h = ast.literal_eval(b[off:off + hl].decode("latin1"))
            if h["fortran_order"] or h["descr"] not in NPY_CODES:
                continue
            a = array.array(NPY_CODES[h["descr"]])
            a.frombytes(b[off + hl:])
            out[name[:-4] if name.endswith(".npy") else name] = (tuple(h["shape"]), a)
    return out


# Values below this magnitude count as 0 in ulp distances: downhill flushes subnormals to
# zero every step (the peers do not), and a trajectory decaying to 0 (W2a's stable cells)
# ends at 1e-35 on one side and 0 on the other, which is agreement, not 30 million ulps.
TINY = 1e-30


def ordered_bits(values):
    """f32 values as integers in numeric order (adjacent floats differ by 1), with every
    value smaller than TINY in magnitude taken as 0."""
    vals = array.array("f", (0.0 if abs(v) < TINY else v for v in values))
    bits = array.array("i", vals.tobytes())
    return [b if b >= 0 else -(2 ** 31) - b for b in bits]


def agreement(tool_npz, peer_npz):
    t, p = load_npz(tool_npz), load_npz(peer_npz)
    dt, dp = t["diverged"][1], p["diverged"][1]
    cells = len(dp)
    row = dict(cells=cells, diverged_mismatch=sum(1 for a, b in zip(dt, dp) if bool(a) != bool(b)),
               diverged_frac=sum(1 for a in dp if a) / cells)
    if "div_step" in p:
        row["div_step_mismatch"] = sum(1 for a, b in zip(t["div_step"][1], p["div_step"][1]) if a != b)
    coords = [c for c in ("x", "y") if c in p]
    equal = within4 = 0
    max_ulp = 0
    max_abs = 0.0
    far = [False] * cells  # cells with |difference| > 1e-3 in some coordinate
    for c in coords:
        tv, pv = t[c][1], p[c][1]
        for k, (a, b, ua, ub) in enumerate(zip(tv, pv, ordered_bits(tv), ordered_bits(pv))):
            u = abs(ua - ub)
            equal += u == 0
            within4 += u <= 4
            max_ulp = max(max_ulp, u)
            if not dt[k] and not dp[k] and math.isfinite(a) and math.isfinite(b):
                max_abs = max(max_abs, abs(a - b))
                far[k] = far[k] or abs(a - b) > 1e-3
    total = cells * len(coords)
    row.update(coords=",".join(coords), bit_equal=equal / total, within_4ulp=within4 / total,
               max_ulp=max_ulp, max_abs_diff=max_abs, cells_diff_gt_1e3=sum(far))
    return row


def agreement_row(workload, who, a):
    return (f"| {workload} | {who} | {a['cells']} | {a['diverged_mismatch']} "
            f"({100 * a['diverged_frac']:.1f} % diverged) | {a.get('div_step_mismatch', '-')} | "
            f"{a['coords']} | {pct(a['bit_equal'])} | {pct(a['within_4ulp'])} | {a['max_ulp']} | "
            f"{a['max_abs_diff']:.3g} | {a['cells_diff_gt_1e3']} |")


# ----------------------------------------------------------------------------------------
# Formatting
# ----------------------------------------------------------------------------------------
def sci(v):
    return "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.3g}"


def pct(v):
    if v is None:
        return "-"
    return f"{100 * v:.2f} %" if v >= 1e-3 else f"{100 * v:.1e} %"


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_float(name, default):
    v = os.environ.get(name, "")
    return float(v) if v else default


# ----------------------------------------------------------------------------------------
# compare: downhill against the peers
# ----------------------------------------------------------------------------------------
KNOWN_DIFFERENCES = """Where downhill's work differs from the peers' definitions:

- W3: downhill computes Adam's 1 - beta1 and 1 - beta2 in f32 (0.100000024, 0.0009999871)
  where the peers use the literals 0.1 and 0.001 (relative differences 2.4e-7 and 1.3e-5);
  the command line cannot express both. numpy with downhill's constants matches downhill's
  CPU backend bit for bit (all 16384 cells at N = 128); the peers' constants change the last
  bits of most cells, by up to 3e-3 along the Rosenbrock valley. Same FLOPs per step.
- All maps: downhill tests divergence after every step and freezes a diverged trajectory
  (the W1 and W3 peers test once at the end), flushes subnormal iterates and optimizer state
  to zero, and tests convergence (gradient norm) every step; the W2a loss is
  0.5*(kx*x*x + ky*y*y) (0.5*k*(x*x) in the peers): final x, y and the flags are unaffected.
- trainability: downhill's default map (lr0 and lr1 over 0.01..100, log) against the peer's
  grid (eta0 over 10..1e4, eta1 over 3.2..12.6; NN_AXES=peer runs downhill on that grid),
  different random data and initial weights (same shapes), and downhill stops training a
  cell once its loss ratio exceeds 1e6 (the peer runs every cell for all steps). Same
  network, same FLOPs per step; rates count every cell's full step budget."""


def cmd_compare():
    binary = os.environ["DOWNHILL"]
    backend = os.environ.get("BACKEND", "auto")
    n = env_int("N", 1024)
    nn_res = env_int("NN_RES", 64)
    nn_steps = env_int("NN_STEPS", 500)
    nn_axes = os.environ.get("NN_AXES", "default")
    repeats = env_int("REPEATS", 3)
    max_run_s = env_float("MAX_RUN_S", 120.0)
    peak = env_float("PEAK_GFLOPS", 230.0)
    check_n = env_int("CHECK_N", 128)
    python = os.environ.get("PYTHON", "python3")
    peers = os.environ["PEERS"]
    work = os.environ["WORK_DIR"]
    workloads = os.environ.get("WORKLOADS", "W1,W2a,W3,train").split(",")
    want_impls = os.environ.get("IMPLS", "numpy,jax,numba").split(",")

    impls, missing = [], []
    for i in want_impls:
        (impls if importable(python, i) else missing).append(i)
    for i in missing:
        log(f"peer `{i}` is not installed for {python}: skipped (pip install {i})")
    versions = {}

    rows, details, commands = [], [], []
    for w in workloads:
        spec = WORKLOADS[w]
        log(f"== {w}")
        # peers
        peer_results = {}
        if w == "train":
            if "jax" in impls:
                r = run_train_peer(python, peers, nn_res, nn_steps)
                if r:
                    peer_results["jax"] = r
            else:
                log("  trainability peer needs jax: skipped")
        else:
            for i in impls:
                r = run_peer(python, peers, w, i, n, repeats, max_run_s)
                if r:
                    peer_results[i] = r
                    versions.update(r.get("versions", {}))
        # downhill
        res = nn_res if w == "train" else n
        prefix = os.path.join(work, f"{w}_{res}")
        args = downhill_args(w, res, backend, prefix, nn_steps, nn_axes)
        d = run_downhill(binary, args, prefix, repeats, max_run_s, w)
        commands.append((w, shell_quote(["downhill"] + [a if a != prefix else "PREFIX" for a in args])))
        if d is None:
            rows.append(f"| {w} | - | FAILED | - | - | - | - |")
            continue
        meta = d["meta"]
        steps = nn_steps if w == "train" else spec["steps"]
        work_steps = res * res * steps
        flops = train_flops(meta) if w == "train" else spec["flops"]
        whole_rate = work_steps / d["best_wall"]
        frac = whole_rate * flops / (peak * 1e9) if flops else None
        best = min(peer_results.items(), key=lambda kv: kv[1]["best_s"]) if peer_results else None
        if best:
            ratio = best[1]["best_s"] / d["best_wall"]
            peer_cell = f"{best[0]} {best[1]['best_s']:.3f} s"
            ratio_cell = f"{ratio:.2f}x"
            goal_cell = f"{spec['goal']:g}x ({'met' if ratio >= spec['goal'] else 'not met'})"
        else:
            peer_cell, ratio_cell, goal_cell = "none run", "-", f"{spec['goal']:g}x"
        runs_note = "" if len(d["walls"]) == repeats else f" ({len(d['walls'])} run)"
        label = w if w != "train" else f"trainability {res}x{res}"
        rows.append(f"| {label} | {peer_cell} | {d['best_wall']:.3f}{runs_note} | {ratio_cell} | "
                    f"{goal_cell} | {whole_rate:.3e} | {pct(frac)} |")
        run_rate = meta.get("traj_steps_per_s")
        peer_list = ", ".join(
            f"{i} {r['best_s']:.3f} (+{r['compile_s']} compile)" for i, r in peer_results.items())
        run_frac = run_rate * flops / (peak * 1e9) if flops and run_rate else None
        extra = ""
        if w == "train":
            extra = f"; trains {100 * meta.get('trained_fraction', float('nan')):.1f} %"
        elif "diverged_fraction" in meta:
            extra = f"; diverged {100 * meta['diverged_fraction']:.1f} %"
        details.append(
            f"| {label} | {meta.get('backend')} | {', '.join(f'{x:.3f}' for x in d['walls'])} | "
            f"{meta.get('run_seconds', float('nan')):.3f} | {sci(run_rate)} | {sci(whole_rate)} | "
            f"{pct(run_frac)} | {peer_list or '-'}{extra} |")
        versions["downhill"] = meta.get("downhill")
        adapter = meta.get("adapter") or {}
        if isinstance(adapter, dict) and adapter.get("name"):
            versions["adapter"] = f"{adapter['name']} ({adapter.get('backend')})"

    # agreement with the peers' arrays on a small grid
    agree_rows = []
    if check_n > 0:
        log(f"== agreement at N={check_n} (backend {backend})")
        for w in [w for w in workloads if w != "train"]:
            prefix = os.path.join(work, f"check_{w}_{check_n}")
            d = run_downhill(binary, downhill_args(w, check_n, backend, prefix), prefix, 1, 0, w)
            if d is None:
                continue
            outs = {}
            for i in impls:
                out = os.path.join(work, f"check_{w}_{i}_{check_n}.npz")
                if run_peer(python, peers, w, i, check_n, 1, 0, out) is None:
                    continue
                outs[i] = out
                agree_rows.append(agreement_row(w, f"downhill vs {i}", agreement(d["prefix"] + ".npz", out)))
            # baseline: how far the peers are from each other (JAX contracts to FMA)
            if "numpy" in outs and "jax" in outs:
                agree_rows.append(agreement_row(w, "(baseline) jax vs numpy",
                                                agreement(outs["jax"], outs["numpy"])))

    # report
    print(f"## downhill against the peers: N = {n} (trainability {nn_res}x{nn_res} cells x "
          f"{nn_steps} steps), BACKEND={backend}, peak {peak:g} GFLOP/s\n")
    print("Peers: compute seconds only (compile excluded), best of up to "
          f"{repeats} runs (train_jax.py: best of 2). downhill: wall time of the whole command "
          f"(start-up, adapter, compile, run, analysis, writing PNG/.npz/.json), best of "
          f"{repeats} runs (a run longer than MAX_RUN_S={max_run_s:g} s is not repeated: "
          "'(1 run)'). ratio = peer s / downhill s; fraction of peak = whole-process "
          "trajectory-steps/s x counted FLOPs per step / peak.\n")
    print("| workload | best peer (compute s) | downhill whole process s | ratio | goal | "
          "downhill traj-steps/s (whole process) | fraction of f32 peak |")
    print("|---|---|---:|---:|---|---:|---:|")
    print("\n".join(rows))
    print("\nPer workload: the backend downhill used (auto's pick), every whole-process run, "
          "the tool's own run time and rate (JSON run_seconds, traj_steps_per_s: upload, "
          "dispatches, readback) next to the whole-process rate, and every peer:\n")
    print("| workload | downhill backend | whole-process runs s | tool run s | tool run rate "
          "(JSON) | whole-process rate | run rate / peak | peers best s |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    print("\n".join(details))
    if agree_rows:
        print(f"\nAgreement of downhill's .npz with each peer's at N = {check_n}, backend "
              f"{backend}: final x and y (W2a: x only), over all cells; values below {TINY:g} "
              "in magnitude count as 0 in ulp distances (downhill flushes subnormals every "
              "step); max abs diff and cells with a difference above 1e-3 over the cells "
              "neither side marks diverged:\n")
        print("| workload | pair | cells | diverged mismatch | div_step mismatch | coords | "
              "bit-equal | within 4 ulp | max ulp | max abs diff | cells diff > 1e-3 |")
        print("|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|")
        print("\n".join(agree_rows))
    print("\nCommands (PREFIX = a temp dir's file prefix):\n")
    for w, c in commands:
        print(f"- {w}: `{c}`")
    print("\n" + KNOWN_DIFFERENCES)
    if missing:
        print(f"\nPeers not installed (skipped): {', '.join(missing)}")
    print("\nVersions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))


# ----------------------------------------------------------------------------------------
# gpu: downhill alone at large sizes
# ----------------------------------------------------------------------------------------
def cmd_gpu():
    binary = os.environ["DOWNHILL"]
    backend = os.environ.get("BACKEND", "gpu")
    n = env_int("N", 4096)
    nn_res = env_int("NN_RES", 512)
    nn_steps = env_int("NN_STEPS", 500)
    repeats = env_int("REPEATS", 3)
    max_run_s = env_float("MAX_RUN_S", 120.0)
    peak = env_float("PEAK_GFLOPS", 0.0)
    gpu_name = os.environ.get("GPU_NAME", "unknown")
    work = os.environ["WORK_DIR"]
    workloads = os.environ.get("WORKLOADS", "W1,W2a,W3,train").split(",")
    # The trainability row runs once per GPU kernel layout (`--layout`), so that one run
    # compares them.
    layouts = os.environ.get("LAYOUTS", "invocation,workgroup,unit").split(",")
    runs = [(w, lay) for w in workloads for lay in (layouts if w == "train" else [None])]
    # The kernels' own rate: the 2-D workloads once more with MARGIN times the steps; the
    # steps added over the run time added (fixed costs cancel).
    margin = env_int("MARGIN", 10)
    rows, commands, backends, spent, marginal = [], [], set(), [], []
    for w, lay in runs:
        res = nn_res if w == "train" else n
        steps = nn_steps if w == "train" else WORKLOADS[w]["steps"]
        prefix = os.path.join(work, f"{w}_{res}" + (f"_{lay}" if lay else ""))
        args = downhill_args(w, res, backend, prefix, nn_steps)
        if lay:
            args += ["--layout", lay]
        name = f"{w} ({lay})" if lay else w
        commands.append((name, shell_quote(["downhill"] + [a if a != prefix else "PREFIX" for a in args])))
        log(f"== {name} {res}x{res}")
        d = run_downhill(binary, args, prefix, repeats, max_run_s, w)
        label = w if w != "train" else "trainability"
        label += f" {res}x{res} x {steps}" + (f" --layout {lay}" if lay else "")
        if d is None:
            rows.append(f"| {label} | FAILED | - | - | - | - |")
            continue
        meta = d["meta"]
        backends.add(meta.get("backend"))
        flops = train_flops(meta) if w == "train" else WORKLOADS[w]["flops"]
        rate = meta.get("traj_steps_per_s")
        gflops = rate * flops / 1e9 if rate and flops else None
        frac = gflops / peak if gflops and peak else None
        runs_note = "" if len(d["walls"]) == repeats else f" ({len(d['walls'])} run)"
        rows.append(f"| {label} | {d['best_wall']:.3f}{runs_note} | {meta.get('run_seconds', float('nan')):.3f} | "
                    f"{sci(rate)} | {sci(flops)} | {sci(gflops)} | {pct(frac)} |")
        spent.append(f"- {label}: {d['timings'] or 'not reported'}")
        if w != "train" and margin > 1:
            marginal.append(marginal_row(binary, args, prefix, w, label, steps, margin, meta, peak, max_run_s))
        # clean up the big outputs as we go (4096x4096 maps are hundreds of MB)
        for r in range(repeats):
            for ext in ("png", "npz", "json", "basins.csv"):
                try:
                    os.remove(f"{prefix}_r{r}.{ext}")
                except FileNotFoundError:
                    pass
    print(f"## downhill on {gpu_name}: N = {n} (trainability {nn_res}x{nn_res} x {nn_steps} steps), "
          f"--backend {backend}, FP32 peak {f'{peak:g} GFLOP/s' if peak else 'unknown (set PEAK_GFLOPS)'}\n")
    print(f"Backend/adapter reported: {'; '.join(sorted(str(b) for b in backends))}\n")
    print("Whole process = wall time of the command, best of "
          f"{repeats}; run s and run rate = the tool's own JSON run_seconds and traj_steps_per_s "
          "(upload, every dispatch, readback; frozen diverged cells count their skipped steps); "
          "GFLOP/s = run rate x counted FLOPs per step (W1 10 + 4 sin/cos not counted, W2a 5, "
          "W3 36, trainability the tool's flops_per_s / traj_steps_per_s).\n")
    print("| workload | whole process s | run s | run rate (traj-steps/s) | FLOPs/step | "
          "GFLOP/s counted | fraction of FP32 peak |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    if marginal:
        print(f"\nThe kernels' own rate: each 2-D workload again with {margin}x the steps; the steps "
              "added (steps_run, up to divergence) over the run time added, so start-up, upload and "
              "readback cancel.\n")
        print("| workload | steps | run s | marginal rate (traj-steps/s) | GFLOP/s counted | "
              "fraction of FP32 peak |")
        print("|---|---:|---:|---:|---:|---:|")
        print("\n".join(marginal))
    print("\nWhere the whole process's time went (best run, `DOWNHILL_TIMINGS=1`):\n")
    print("\n".join(spent))
    print("\nCommands (PREFIX = a temp dir's file prefix):\n")
    for w, c in commands:
        print(f"- {w}: `{c}`")


def marginal_row(binary, args, prefix, w, label, steps, margin, meta, peak, max_run_s):
    """One row of the marginal-rate table: `args` run once with `margin` times the steps."""
    long_args = [prefix + "_long" if a == prefix else a for a in args]
    long_args[long_args.index("--steps") + 1] = str(steps * margin)
    log(f"== {w} with {steps * margin} steps (marginal rate)")
    d = run_downhill(binary, long_args, prefix + "_long", 1, max_run_s, w)
    if d is None:
        return f"| {label} | {steps * margin} | FAILED | - | - | - |"
    long = d["meta"]
    for ext in ("png", "npz", "json", "basins.csv", "crossing.csv"):
        try:
            os.remove(f"{d['prefix']}.{ext}")
        except FileNotFoundError:
            pass
    added_steps = long.get("steps_run", 0) - meta.get("steps_run", 0)
    added_s = long.get("run_seconds", 0.0) - meta.get("run_seconds", 0.0)
    rate = added_steps / added_s if added_s > 0 and added_steps > 0 else None
    gflops = rate * WORKLOADS[w]["flops"] / 1e9 if rate else None
    frac = gflops / peak if gflops and peak else None
    return (f"| {label} | {steps * margin} | {long.get('run_seconds', float('nan')):.3f} | {sci(rate)} | "
            f"{sci(gflops)} | {pct(frac)} |")


def with_work_dir(mode, run):
    """Runs `run` with WORK_DIR set to a fresh temp dir for the outputs, removed afterwards
    unless KEEP=1."""
    import tempfile
    work = tempfile.mkdtemp(prefix=f"downhill-{mode}.", dir=os.environ.get("TMPDIR") or None)
    os.environ["WORK_DIR"] = work
    if os.environ.get("KEEP", "0") == "1":
        log(f"{mode}: outputs kept in {work}")
        run()
    else:
        try:
            run()
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "compare":
        with_work_dir(mode, cmd_compare)
    elif mode == "gpu":
        with_work_dir(mode, cmd_gpu)
    else:
        sys.exit(__doc__)
