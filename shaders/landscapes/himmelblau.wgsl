// himmelblau: f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2, four minima with f = 0.
// No parameters. Rust twin: `landscape::himmelblau` in src/landscape/builtin.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let u = p.x * p.x + p.y - 11.0;
    let w = p.x + p.y * p.y - 7.0;
    return u * u + w * w;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let u = p.x * p.x + p.y - 11.0;
    let w = p.x + p.y * p.y - 7.0;
    return vec2<f32>(4.0 * p.x * u + 2.0 * w, 2.0 * u + 4.0 * p.y * w);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(
        12.0 * p.x * p.x + 4.0 * p.y - 42.0,
        4.0 * (p.x + p.y),
        4.0 * p.x + 12.0 * p.y * p.y - 26.0,
    );
}
