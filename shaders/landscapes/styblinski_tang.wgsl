// styblinski_tang: f = 0.5 (x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y), global minimum
// f = -78.33 at (-2.9035, -2.9035), four minima. No parameters.
// Rust twin: `landscape::styblinski_tang` in src/landscape/classic.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let q = p * p;
    return 0.5 * (q.x * q.x - 16.0 * q.x + 5.0 * p.x + q.y * q.y - 16.0 * q.y + 5.0 * p.y);
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    return 2.0 * p * p * p - 16.0 * p + 2.5;
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(6.0 * p.x * p.x - 16.0, 0.0, 6.0 * p.y * p.y - 16.0);
}
