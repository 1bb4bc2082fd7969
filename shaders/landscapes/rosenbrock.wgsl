// rosenbrock: f = (a - x)^2 + b * (y - x^2)^2, minimum at (a, a^2).
// Parameters c = (a, b, -, -). Rust twin: `landscape::rosenbrock` in src/landscape/builtin.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let u = c.x - p.x;
    let w = p.y - p.x * p.x;
    return u * u + c.y * w * w;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let w = p.y - p.x * p.x;
    return vec2<f32>(-2.0 * (c.x - p.x) - 4.0 * c.y * p.x * w, 2.0 * c.y * w);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(2.0 - 4.0 * c.y * p.y + 12.0 * c.y * p.x * p.x, -4.0 * c.y * p.x, 2.0 * c.y);
}
