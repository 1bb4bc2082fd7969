// ackley: f = -20 exp(-0.2 r) - exp(0.5 (cos 2 pi x + cos 2 pi y)) + e + 20, r = sqrt(0.5 (x^2 + y^2));
// global minimum f = 0 at the origin, many local minima. No parameters.
// The origin is a kink (r is not differentiable there): the kernel takes the first term's
// gradient and Hessian as zero at r = 0, so the gradient there is exactly zero and a
// trajectory that lands on the origin stays. Rust twin: `landscape::ackley` in
// src/landscape/classic.rs.
const TAU: f32 = 6.2831853;
const PI: f32 = 3.14159265;

fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let r = sqrt(0.5 * (p.x * p.x + p.y * p.y));
    let e = exp(0.5 * (cos(TAU * p.x) + cos(TAU * p.y)));
    return -20.0 * exp(-0.2 * r) - e + 2.7182818 + 20.0;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let r = sqrt(0.5 * (p.x * p.x + p.y * p.y));
    let e = exp(0.5 * (cos(TAU * p.x) + cos(TAU * p.y)));
    var radial = vec2<f32>(0.0);
    if (r > 0.0) {
        radial = 2.0 * exp(-0.2 * r) / r * p;
    }
    return radial + PI * e * vec2<f32>(sin(TAU * p.x), sin(TAU * p.y));
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let r = sqrt(0.5 * (p.x * p.x + p.y * p.y));
    let e = exp(0.5 * (cos(TAU * p.x) + cos(TAU * p.y)));
    let sx = sin(TAU * p.x);
    let sy = sin(TAU * p.y);
    var h = vec3<f32>(0.0);
    if (r > 0.0) {
        let t = exp(-0.2 * r);
        let k = t * (0.2 / (r * r) + 1.0 / (r * r * r));
        h = vec3<f32>(2.0 * t / r - k * p.x * p.x, -k * p.x * p.y, 2.0 * t / r - k * p.y * p.y);
    }
    let pe = PI * PI * e;
    return h + vec3<f32>(pe * (2.0 * cos(TAU * p.x) - sx * sx), -pe * sx * sy, pe * (2.0 * cos(TAU * p.y) - sy * sy));
}
