// beale: f = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2,
// minimum f = 0 at (3, 0.5). No parameters.
// Rust twin: `landscape::beale` in src/landscape/classic.rs.

// The three terms (1.5 - x + xy, 2.25 - x + xy^2, 2.625 - x + xy^3). Twin of `terms`.
fn terms(p: vec2<f32>) -> vec3<f32> {
    let x = p.x;
    let y = p.y;
    return vec3<f32>(1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y * y * y);
}

fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let a = terms(p);
    let a1 = a.x;
    let a2 = a.y;
    let a3 = a.z;
    return a1 * a1 + a2 * a2 + a3 * a3;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let x = p.x;
    let y = p.y;
    let a = terms(p);
    let a1 = a.x;
    let a2 = a.y;
    let a3 = a.z;
    let gx = a1 * (y - 1.0) + a2 * (y * y - 1.0) + a3 * (y * y * y - 1.0);
    let gy = a1 * x + a2 * (2.0 * x * y) + a3 * (3.0 * x * y * y);
    return 2.0 * vec2<f32>(gx, gy);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let x = p.x;
    let y = p.y;
    let a = terms(p);
    let a1 = a.x;
    let a2 = a.y;
    let a3 = a.z;
    let p1 = y - 1.0;
    let p2 = y * y - 1.0;
    let p3 = y * y * y - 1.0;
    let q1 = x;
    let q2 = 2.0 * x * y;
    let q3 = 3.0 * x * y * y;
    let hxx = p1 * p1 + p2 * p2 + p3 * p3;
    let hxy = q1 * p1 + a1 + q2 * p2 + 2.0 * y * a2 + q3 * p3 + 3.0 * y * y * a3;
    let hyy = q1 * q1 + q2 * q2 + 2.0 * x * a2 + q3 * q3 + 6.0 * x * y * a3;
    return 2.0 * vec3<f32>(hxx, hxy, hyy);
}
