// three_hump_camel: f = 2x^2 - 1.05x^4 + x^6/6 + xy + y^2, global minimum f = 0 at the
// origin, two local minima. No parameters.
// Rust twin: `landscape::three_hump_camel` in src/landscape/classic.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let x2 = p.x * p.x;
    return 2.0 * x2 - 1.05 * x2 * x2 + x2 * x2 * x2 / 6.0 + p.x * p.y + p.y * p.y;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let x2 = p.x * p.x;
    return vec2<f32>(4.0 * p.x - 4.2 * x2 * p.x + x2 * x2 * p.x + p.y, p.x + 2.0 * p.y);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let x2 = p.x * p.x;
    return vec3<f32>(4.0 - 12.6 * x2 + 5.0 * x2 * x2, 1.0, 2.0);
}
