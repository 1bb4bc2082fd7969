// matyas: f = 0.26 (x^2 + y^2) - 0.48 x y, minimum f = 0 at the origin (a flat, tilted bowl).
// No parameters. Rust twin: `landscape::matyas` in src/landscape/classic.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    return 0.26 * (p.x * p.x + p.y * p.y) - 0.48 * p.x * p.y;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    return vec2<f32>(0.52 * p.x - 0.48 * p.y, 0.52 * p.y - 0.48 * p.x);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(0.52, -0.48, 0.52);
}
