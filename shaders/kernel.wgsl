// downhill trajectory kernel: one invocation per trajectory (one cell of the sweep grid).
//
// This file is the only entry point. It owns the bindings and the step loop; the landscape and
// optimiser pieces it imports are pure functions with fixed slot names (see src/shader.rs).
// CPU twins: `fly` in src/cpu.rs (one trajectory, with `cell::CellParams::new` for the
// prologue) and the lanes' `optimiser::lanes::advance` mirror `main` below. Keep in sync.
//
// Step convention: the state after `t` updates is iterate t (iterate 0 = the start point).
// One dispatch advances every trajectory of a tile from iterate `chunk.step_begin` to
// `chunk.step_end`; the state lives in `state` between dispatches.

#import common/numerics
#import common/options
#import common/state
#import landscape
#import optimiser

// Workgroup size (invocations per workgroup).
override WG: u32 = 64u;
// Parameter slots swept along the grid's x axis (columns) and y axis (rows).
override SLOT_X: u32 = 0u;
override SLOT_Y: u32 = 1u;
// When true, cell 0 of the tile records every iterate into `trace` (used by `downhill trace`).
override TRACE: bool = false;
// Options compiled in (see common/options.wgsl): gradient noise, coupled L2 decay, clipping,
// and the learning-rate schedule (0 constant, 1 step, 2 exp, 3 inv, 4 cosine, 5 warmup_cosine).
override NOISE: bool = false;
override L2: bool = false;
override CLIP: bool = false;
override SCHEDULE: u32 = 0u;
// When true, `axes` holds one x value per cell (row-major) instead of one per column, so each
// row can probe its own x values (boundary refinement); the y values follow them.
override X_PER_CELL: bool = false;

// Run-wide settings. Keep in sync with `RunUniform` in src/gpu/layout.rs.
struct Run {
    // Flat parameter vector, 32 named slots: 0-1 start point (x0, y0), 2-5 landscape
    // parameters, 6-13 optimiser hyperparameters, 14-16 options (sigma, clip, l2), 17-20
    // schedule (gamma, step_size, warmup, horizon), 21-31 reserved.
    values: array<vec4<f32>, 8>,
    cols: u32,
    rows: u32,
    steps: u32,
    threshold: f32,
    conv_tol: f32,
    seed: u32,
    // The gradient norm f32 resolves per unit of max(|x|, |y|) (see `within_tol`).
    conv_floor: f32,
    pad: u32,
}

// One dispatch's slice of work. Keep in sync with `ChunkUniform` in src/gpu/layout.rs.
struct Chunk {
    first_cell: u32,
    cells: u32,
    step_begin: u32,
    step_end: u32,
}

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<uniform> chunk: Chunk;
// Cell-centre coordinates: `cols` x-axis values (or `cols * rows` with X_PER_CELL), then
// `rows` y-axis values.
@group(0) @binding(2) var<storage, read> axes: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<Traj>;
// (x, y, loss, 0) for iterates 0..=steps of cell 0, written only when TRACE is true.
@group(0) @binding(4) var<storage, read_write> trace: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let local = gid.x + gid.y * nwg.x * WG;
    if (local >= chunk.cells) {
        return;
    }
    let cell = chunk.first_cell + local;
    let col = cell % run.cols;
    let row = cell / run.cols;

    let a = run.values;
    var v = array<f32, 32>(
        a[0].x, a[0].y, a[0].z, a[0].w, a[1].x, a[1].y, a[1].z, a[1].w,
        a[2].x, a[2].y, a[2].z, a[2].w, a[3].x, a[3].y, a[3].z, a[3].w,
        a[4].x, a[4].y, a[4].z, a[4].w, a[5].x, a[5].y, a[5].z, a[5].w,
        a[6].x, a[6].y, a[6].z, a[6].w, a[7].x, a[7].y, a[7].z, a[7].w,
    );
    if (X_PER_CELL) {
        v[SLOT_X] = axes[cell];
        v[SLOT_Y] = axes[run.cols * run.rows + row];
    } else {
        v[SLOT_X] = axes[col];
        v[SLOT_Y] = axes[run.cols + row];
    }
    let lp = vec4<f32>(v[2], v[3], v[4], v[5]);
    let h0 = vec4<f32>(v[6], v[7], v[8], v[9]);
    let h1 = vec4<f32>(v[10], v[11], v[12], v[13]);
    let opts = vec4<f32>(v[14], v[15], v[16], 0.0);
    let sched = vec4<f32>(v[17], v[18], v[19], v[20]);

    var s: Traj;
    if (chunk.step_begin == 0u) {
        let start = vec2<f32>(v[0], v[1]);
        let o = opt_init(h0, h1);
        s = Traj(start, o.a, o.b, o.c, o.d, 0.0, select(-1, 0, escaped(start, run.threshold)), -1, 0u);
        if (TRACE) {
            trace[0] = vec4<f32>(start, loss(start, lp), 0.0);
        }
    } else {
        s = state[local];
    }

    if (s.div_step < 0) {
        let tol2 = run.conv_tol * run.conv_tol;
        var pos = s.pos;
        var o = OptState(s.opt_a, s.opt_b, s.opt_c, s.opt_d);
        for (var t = chunk.step_begin; t < chunk.step_end; t++) {
            let g = grad(pos, lp);
            // Converged at the first step from which the gradient stays within the tolerance (or
            // within what f32 resolves there, see `within_tol`): a step above it (an oscillation
            // passing through a zero) starts the count again.
            let small = within_tol(g, pos, tol2, run.conv_floor);
            s.conv_step = select(-1, select(s.conv_step, i32(t), s.conv_step < 0), small);
            // The convergence test above uses the true gradient; the optimiser sees it perturbed
            // by the options, with the scheduled learning rate. Optimiser pieces flush the state
            // registers they use; the kernel flushes the iterate.
            let q = perturb(g, pos, opts, run.seed, cell, t);
            let hs = vec4<f32>(h0.x * lr_factor(t, sched, run.steps), h0.yzw);
            pos = flush_subnormal(opt_step(pos, q, &o, hs, h1, t, lp));
            if (TRACE) {
                trace[t + 1u] = vec4<f32>(pos, loss(pos, lp), 0.0);
            }
            if (escaped(pos, run.threshold)) {
                s.div_step = i32(t + 1u);
                s.conv_step = -1;
                break;
            }
        }
        // The final iterate counts too: within the tolerance it converges there (if not
        // before), above it the trajectory has not converged.
        if (s.div_step < 0 && chunk.step_end == run.steps) {
            let g = grad(pos, lp);
            let small = within_tol(g, pos, tol2, run.conv_floor);
            s.conv_step = select(-1, select(s.conv_step, i32(run.steps), s.conv_step < 0), small);
        }
        s.pos = pos;
        s.opt_a = o.a;
        s.opt_b = o.b;
        s.opt_c = o.c;
        s.opt_d = o.d;
    }
    if (s.div_step >= 0 || chunk.step_end == run.steps) {
        s.loss = loss(s.pos, lp);
    }
    state[local] = s;
}
