// Adam's moment and power updates, shared by adam, adamw, amsgrad and nadam:
// m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; (b1^t, b2^t) <- (b1^t b1, b2^t b2), in
// registers a, b and c, each flushed to zero when subnormal.
// Rust twin: `moments` in src/optimiser/builtin.rs.
fn adam_moments(s: ptr<function, OptState>, g: vec2<f32>, b1: f32, b2: f32) {
    (*s).a = flush_subnormal(b1 * (*s).a + (1.0 - b1) * g);
    (*s).b = flush_subnormal(b2 * (*s).b + (1.0 - b2) * (g * g));
    (*s).c = flush_subnormal((*s).c * vec2<f32>(b1, b2));
}

// Bias-corrected moments (m^, v^) = (m / (1 - b1^t), v / (1 - b2^t)), or (m, v) when `on` is
// false. Rust twin: `corrected` in src/optimiser/builtin.rs.
struct Corrected {
    m: vec2<f32>,
    v: vec2<f32>,
}

fn corrected(m: vec2<f32>, v: vec2<f32>, pw: vec2<f32>, on: bool) -> Corrected {
    if (on) {
        return Corrected(m / (1.0 - pw.x), v / (1.0 - pw.y));
    }
    return Corrected(m, v);
}
