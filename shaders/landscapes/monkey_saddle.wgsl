// monkey_saddle: f = x^3 - 3 x y^2, a degenerate saddle at the origin with three downhill
// valleys; unbounded below. No parameters.
// Rust twin: `landscape::monkey_saddle` in src/landscape/classic.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    return p.x * p.x * p.x - 3.0 * p.x * p.y * p.y;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    return vec2<f32>(3.0 * p.x * p.x - 3.0 * p.y * p.y, -6.0 * p.x * p.y);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(6.0 * p.x, -6.0 * p.y, -6.0 * p.x);
}
