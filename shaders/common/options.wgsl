// Options that apply to every optimiser: Gaussian gradient noise, learning-rate schedules,
// coupled L2 weight decay and gradient clipping. Which of them are compiled in is decided by
// the kernel's override constants NOISE, L2, CLIP and SCHEDULE.
// Rust twins: `gaussian`, `lr_factor` and `perturb` in src/options.rs.

#import common/hash

const TWO_PI: f32 = 6.2831853;
const PI_F: f32 = 3.14159265;

// Two independent standard normal draws for trajectory `cell`, step `t`, from `seed`:
// counter-based (no state), so the numbers depend only on (seed, cell, t) and not on how the
// grid is tiled or the steps chunked. Box-Muller on u in (0, 1] (tails capped near 5.8 sigma).
fn gaussian(seed: u32, cell: u32, t: u32) -> vec2<f32> {
    let h = pcg_hash(seed ^ pcg_hash(cell));
    let u1 = (f32(pcg_hash(h + 2u * t) >> 8u) + 1.0) / 16777216.0;
    let u2 = (f32(pcg_hash(h + 2u * t + 1u) >> 8u) + 1.0) / 16777216.0;
    let r = sqrt(-2.0 * log(u1));
    let a = TWO_PI * u2;
    return r * vec2<f32>(cos(a), sin(a));
}

// Learning-rate multiplier at step t (0-based). s = (gamma, step_size, warmup, horizon);
// horizon <= 0 means the run's step count.
fn lr_factor(t: u32, s: vec4<f32>, steps: u32) -> f32 {
    let tf = f32(t);
    var horizon = s.w;
    if (horizon <= 0.0) {
        horizon = f32(steps);
    }
    switch SCHEDULE {
        case 1u: { return pow(s.x, floor(tf / max(s.y, 1.0))); }
        case 2u: { return pow(s.x, tf); }
        case 3u: { return 1.0 / (1.0 + s.x * tf); }
        case 4u: { return 0.5 * (1.0 + cos(PI_F * min(tf, horizon) / horizon)); }
        case 5u: {
            if (tf < s.z) {
                return (tf + 1.0) / s.z;
            }
            let span = max(horizon - s.z, 1.0);
            return 0.5 * (1.0 + cos(PI_F * min(tf - s.z, span) / span));
        }
        default: { return 1.0; }
    }
}

// The gradient the optimiser sees: g + l2 * x + sigma * noise, then clipped to norm `clip`.
// o = (sigma, clip, l2, -).
fn perturb(g: vec2<f32>, x: vec2<f32>, o: vec4<f32>, seed: u32, cell: u32, t: u32) -> vec2<f32> {
    var q = g;
    if (L2) {
        q = q + o.z * x;
    }
    if (NOISE) {
        q = q + o.x * gaussian(seed, cell, t);
    }
    if (CLIP) {
        let n2 = dot(q, q);
        if (n2 > o.y * o.y) {
            q = q * (o.y / sqrt(n2));
        }
    }
    return q;
}
