// six_hump_camel: f = (4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2, two global minima
// f = -1.0316 at +-(0.0898, -0.7126), six minima in all. No parameters.
// Rust twin: `landscape::six_hump_camel` in src/landscape/classic.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let x2 = p.x * p.x;
    let y2 = p.y * p.y;
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + p.x * p.y + (-4.0 + 4.0 * y2) * y2;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let x2 = p.x * p.x;
    let y2 = p.y * p.y;
    return vec2<f32>(8.0 * p.x - 8.4 * x2 * p.x + 2.0 * x2 * x2 * p.x + p.y, p.x - 8.0 * p.y + 16.0 * y2 * p.y);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let x2 = p.x * p.x;
    return vec3<f32>(8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, -8.0 + 48.0 * p.y * p.y);
}
