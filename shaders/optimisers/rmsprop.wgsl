// rmsprop: s <- rho * s + (1 - rho) * g^2; x <- x - lr * g / (sqrt(s) + eps) (s starts at 0).
// Hyperparameters h0 = (lr, rho, eps, -). State b = s.
// State registers are flushed to zero when subnormal (see common/numerics.wgsl).
// Rust twin: `optimiser::rmsprop` in src/optimiser/builtin.rs.
fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    let sq = flush_subnormal(h0.y * (*s).b + (1.0 - h0.y) * (g * g));
    (*s).b = sq;
    return x - h0.x * g / (sqrt(sq) + h0.z);
}
