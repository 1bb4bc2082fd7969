// momentum: heavy ball, v <- beta * v + g; x <- x - lr * v (v starts at 0).
// Hyperparameters h0 = (lr, beta, -, -). State a = v.
// State registers are flushed to zero when subnormal (see common/numerics.wgsl).
// Rust twin: `optimiser::momentum` in src/optimiser/builtin.rs.
fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    let v = flush_subnormal(h0.y * (*s).a + g);
    (*s).a = v;
    return x - h0.x * v;
}
