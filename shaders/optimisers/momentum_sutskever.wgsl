// momentum_sutskever: momentum with the learning rate inside the velocity (Sutskever et al.
// 2013, "classical momentum"): v <- beta * v - lr * g; x <- x + v (v starts at 0). Identical to
// `momentum` (v <- beta v + g; x <- x - lr v) at a constant learning rate; under a schedule the
// old velocity keeps the learning rate it was made with.
// Hyperparameters h0 = (lr, beta, -, -). State a = v, flushed to zero when subnormal.
// Rust twin: `optimiser::momentum_sutskever` in src/optimiser/extra.rs.
fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    let v = flush_subnormal(h0.y * (*s).a - h0.x * g);
    (*s).a = v;
    return x + v;
}
