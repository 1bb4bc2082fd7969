// saddle: f = x^2 - y^2, a saddle point at the origin, unbounded below along y.
// No parameters. Rust twin: `landscape::saddle` in src/landscape/builtin.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    return p.x * p.x - p.y * p.y;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    return vec2<f32>(2.0 * p.x, -2.0 * p.y);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(2.0, 0.0, -2.0);
}
