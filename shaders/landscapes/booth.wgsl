// booth: f = (x + 2y - 7)^2 + (2x + y - 5)^2, minimum f = 0 at (1, 3).
// No parameters. Rust twin: `landscape::booth` in src/landscape/classic.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let u = p.x + 2.0 * p.y - 7.0;
    let w = 2.0 * p.x + p.y - 5.0;
    return u * u + w * w;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let u = p.x + 2.0 * p.y - 7.0;
    let w = 2.0 * p.x + p.y - 5.0;
    return vec2<f32>(2.0 * u + 4.0 * w, 4.0 * u + 2.0 * w);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(10.0, 8.0, 10.0);
}
