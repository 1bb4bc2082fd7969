// rotated: an anisotropic quadratic f = 0.5 (k u^2 + (k / cond) v^2) in coordinates rotated by
// `angle` degrees, u = cos(a) x + sin(a) y, v = -sin(a) x + cos(a) y: curvature k along the
// direction at `angle`, k / cond across it. Parameters c = (k, cond, angle, -).
// Rust twin: `landscape::rotated` in src/landscape/classic.rs.
fn frame(c: vec4<f32>) -> vec2<f32> {
    let a = radians(c.z);
    return vec2<f32>(cos(a), sin(a));
}

fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let cs = frame(c);
    let u = cs.x * p.x + cs.y * p.y;
    let v = -cs.y * p.x + cs.x * p.y;
    return 0.5 * (c.x * u * u + c.x / c.y * v * v);
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let cs = frame(c);
    let u = cs.x * p.x + cs.y * p.y;
    let v = -cs.y * p.x + cs.x * p.y;
    let l1 = c.x * u;
    let l2 = c.x / c.y * v;
    return vec2<f32>(l1 * cs.x - l2 * cs.y, l1 * cs.y + l2 * cs.x);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let cs = frame(c);
    let l1 = c.x;
    let l2 = c.x / c.y;
    return vec3<f32>(
        l1 * cs.x * cs.x + l2 * cs.y * cs.y,
        (l1 - l2) * cs.x * cs.y,
        l1 * cs.y * cs.y + l2 * cs.x * cs.x,
    );
}
