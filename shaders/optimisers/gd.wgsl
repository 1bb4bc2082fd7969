// gd: plain gradient descent, x <- x - lr * g.
// Hyperparameters h0 = (lr, -, -, -). State unused.
// Rust twin: `optimiser::gd` in src/optimiser/builtin.rs.
fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    return x - h0.x * g;
}
