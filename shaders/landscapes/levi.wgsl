// levi (N.13): f = sin^2(3 pi x) + (x - 1)^2 (1 + sin^2(3 pi y)) + (y - 1)^2 (1 + sin^2(2 pi y)),
// global minimum f = 0 at (1, 1), many local minima. No parameters.
// Rust twin: `landscape::levi` in src/landscape/classic.rs.
const PI: f32 = 3.14159265;

fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    let sx = sin(3.0 * PI * p.x);
    let s3 = sin(3.0 * PI * p.y);
    let s2 = sin(2.0 * PI * p.y);
    let u = p.x - 1.0;
    let w = p.y - 1.0;
    return sx * sx + u * u * (1.0 + s3 * s3) + w * w * (1.0 + s2 * s2);
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    let s3 = sin(3.0 * PI * p.y);
    let s2 = sin(2.0 * PI * p.y);
    let u = p.x - 1.0;
    let w = p.y - 1.0;
    return vec2<f32>(
        3.0 * PI * sin(6.0 * PI * p.x) + 2.0 * u * (1.0 + s3 * s3),
        3.0 * PI * u * u * sin(6.0 * PI * p.y) + 2.0 * w * (1.0 + s2 * s2) + 2.0 * PI * w * w * sin(4.0 * PI * p.y),
    );
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    let s3 = sin(3.0 * PI * p.y);
    let s2 = sin(2.0 * PI * p.y);
    let u = p.x - 1.0;
    let w = p.y - 1.0;
    return vec3<f32>(
        18.0 * PI * PI * cos(6.0 * PI * p.x) + 2.0 * (1.0 + s3 * s3),
        6.0 * PI * u * sin(6.0 * PI * p.y),
        18.0 * PI * PI * u * u * cos(6.0 * PI * p.y) + 2.0 * (1.0 + s2 * s2) + 8.0 * PI * w * sin(4.0 * PI * p.y)
            + 8.0 * PI * PI * w * w * cos(4.0 * PI * p.y),
    );
}
