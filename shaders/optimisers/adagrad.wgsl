// adagrad (Duchi et al. 2011): s <- s + g^2; x <- x - lr * g / (sqrt(s) + eps) (s starts at 0).
// Hyperparameters h0 = (lr, eps, -, -). State b = s, flushed to zero when subnormal.
// Rust twin: `optimiser::adagrad` in src/optimiser/extra.rs.
fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    let sq = flush_subnormal((*s).b + g * g);
    (*s).b = sq;
    return x - h0.x * g / (sqrt(sq) + h0.y);
}
