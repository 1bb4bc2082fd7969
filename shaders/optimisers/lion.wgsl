// lion (Chen et al. 2023): u = sign(b1 m + (1 - b1) g); x <- x - lr * (u + wd * x);
// m <- b2 m + (1 - b2) g. sign(0) = 0.
// Hyperparameters h0 = (lr, beta1, beta2, weight_decay). State a = m, flushed to zero when
// subnormal. Rust twin: `optimiser::lion` in src/optimiser/extra.rs.
fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    let u = sign(h0.y * (*s).a + (1.0 - h0.y) * g);
    (*s).a = flush_subnormal(h0.z * (*s).a + (1.0 - h0.z) * g);
    return x - h0.x * (u + h0.w * x);
}
