// rastrigin: f = 20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y), global minimum f = 0 at the
// origin, a local minimum near every integer point. No parameters.
// Rust twin: `landscape::rastrigin` in src/landscape/classic.rs.
const TAU: f32 = 6.2831853;

fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    return 20.0 + p.x * p.x - 10.0 * cos(TAU * p.x) + p.y * p.y - 10.0 * cos(TAU * p.y);
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    return vec2<f32>(2.0 * p.x + 10.0 * TAU * sin(TAU * p.x), 2.0 * p.y + 10.0 * TAU * sin(TAU * p.y));
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let k = 10.0 * TAU * TAU;
    return vec3<f32>(2.0 + k * cos(TAU * p.x), 0.0, 2.0 + k * cos(TAU * p.y));
}
