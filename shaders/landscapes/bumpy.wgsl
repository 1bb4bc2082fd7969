// bumpy: f = 0.1 * (x^2 + y^2) + sin(x) * sin(y), a bowl with six local minima in [-6, 6]^2.
// No parameters. Rust twin: `landscape::bumpy` in src/landscape/builtin.rs.
fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    return 0.1 * (p.x * p.x + p.y * p.y) + sin(p.x) * sin(p.y);
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let sx = sin(p.x);
    let cx = cos(p.x);
    let sy = sin(p.y);
    let cy = cos(p.y);
    return vec2<f32>(0.2 * p.x + cx * sy, 0.2 * p.y + sx * cy);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let ss = sin(p.x) * sin(p.y);
    return vec3<f32>(0.2 - ss, cos(p.x) * cos(p.y), 0.2 - ss);
}
