// Adam's moment and power updates, shared by adam, adamw, amsgrad and nadam:
// m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; (b1^t, b2^t) <- (b1^t b1, b2^t b2), in
// registers a, b and c, each flushed to zero when subnormal.
// Rust twin: `moments` in src/optimiser/builtin.rs.
fn adam_moments(s: ptr<function, OptState>, g: vec2<f32>, b1: f32, b2: f32) {
    (*s).a = flush_subnormal(b1 * (*s).a + (1.0 - b1) * g);
    (*s).b = flush_subnormal(b2 * (*s).b + (1.0 - b2) * (g * g));
    (*s).c = flush_subnormal((*s).c * vec2<f32>(b1, b2));
}
