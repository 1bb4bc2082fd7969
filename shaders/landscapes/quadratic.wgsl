// quadratic: f = 0.5 * (kx * x^2 + ky * y^2), curvatures exactly kx and ky.
// Parameters c = (kx, ky, -, -). Rust twin: `landscape::quadratic` in src/landscape/builtin.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    return 0.5 * (c.x * p.x * p.x + c.y * p.y * p.y);
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    return vec2<f32>(c.x * p.x, c.y * p.y);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(c.x, 0.0, c.y);
}
