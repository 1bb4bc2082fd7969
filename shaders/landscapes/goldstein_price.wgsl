// goldstein_price: f = A * B with
//   A = 1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2),
//   B = 30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2);
// global minimum f = 3 at (0, -1), three local minima. No parameters.
// Rust twin: `landscape::goldstein_price` in src/landscape/classic.rs.
// The pieces shared by loss, gradient and Hessian: s = x + y + 1, r = 2x - 3y, the two
// quadratics P and Q, dP/dx = dP/dy, dQ/dx and dQ/dy. Twin of `parts` in the Rust twin.
struct GpParts {
    s: f32,
    r: f32,
    pp: f32,
    qq: f32,
    pd: f32,
    qx: f32,
    qy: f32,
}

fn parts(p: vec2<f32>) -> GpParts {
    let x = p.x;
    let y = p.y;
    return GpParts(
        x + y + 1.0,
        2.0 * x - 3.0 * y,
        19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y,
        18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y,
        -14.0 + 6.0 * x + 6.0 * y,
        -32.0 + 24.0 * x - 36.0 * y,
        48.0 - 36.0 * x + 54.0 * y,
    );
}

fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let q = parts(p);
    let s = q.s;
    let r = q.r;
    return (1.0 + s * s * q.pp) * (30.0 + r * r * q.qq);
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let q = parts(p);
    let s = q.s;
    let r = q.r;
    let a = 1.0 + s * s * q.pp;
    let b = 30.0 + r * r * q.qq;
    let ad = 2.0 * s * q.pp + s * s * q.pd;
    let bx = 4.0 * r * q.qq + r * r * q.qx;
    let by = -6.0 * r * q.qq + r * r * q.qy;
    return vec2<f32>(ad * b + a * bx, ad * b + a * by);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let q = parts(p);
    let s = q.s;
    let r = q.r;
    let a = 1.0 + s * s * q.pp;
    let b = 30.0 + r * r * q.qq;
    let ad = 2.0 * s * q.pp + s * s * q.pd;
    let bx = 4.0 * r * q.qq + r * r * q.qx;
    let by = -6.0 * r * q.qq + r * r * q.qy;
    // A's second derivatives are equal in every direction pair (its P has dP/dx = dP/dy).
    let add = 2.0 * q.pp + 4.0 * s * q.pd + 6.0 * s * s;
    let bxx = 8.0 * q.qq + 8.0 * r * q.qx + 24.0 * r * r;
    let bxy = -12.0 * q.qq + 4.0 * r * q.qy - 6.0 * r * q.qx - 36.0 * r * r;
    let byy = 18.0 * q.qq - 12.0 * r * q.qy + 54.0 * r * r;
    return vec3<f32>(
        add * b + 2.0 * ad * bx + a * bxx,
        add * b + ad * by + ad * bx + a * bxy,
        add * b + 2.0 * ad * by + a * byy,
    );
}
