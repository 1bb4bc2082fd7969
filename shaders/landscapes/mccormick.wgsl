// mccormick: f = sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1, minimum f = -1.9133 at
// (-0.54719, -1.54719). No parameters.
// Rust twin: `landscape::mccormick` in src/landscape/classic.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let d = p.x - p.y;
    return sin(p.x + p.y) + d * d - 1.5 * p.x + 2.5 * p.y + 1.0;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let k = cos(p.x + p.y);
    let d = 2.0 * (p.x - p.y);
    return vec2<f32>(k + d - 1.5, k - d + 2.5);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let s = sin(p.x + p.y);
    return vec3<f32>(2.0 - s, -2.0 - s, 2.0 - s);
}
