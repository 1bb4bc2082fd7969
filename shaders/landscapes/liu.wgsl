// liu: f = x^2 + r w^2 cos(2 pi x / w) + y^2, Liu (2024)'s quadratic plus a cosine perturbation
// of amplitude delta = r w^2 and wavelength w (liuyz0/FractalBoundary, exp-1.jl and
// gpuexp-4-2.py: x^2 + delta cos(2 pi x / wl)), with a decoupled y^2 so that y0 = 0 stays put.
// Parameters c = (r, w, -, -): the roughness r = delta / w^2 (the x axis of Liu's dimension
// figure; d2f/dx2 = 2 - 4 pi^2 r cos(...), so f is convex exactly when r <= 1 / (2 pi^2)) and
// the wavelength w (> 0).
// Rust twin: `landscape::liu` in src/landscape/classic.rs.
const TAU: f32 = 6.2831853;

fn loss(p: vec2<f32>, c: vec4<f32>) -> f32 {
    return p.x * p.x + c.x * c.y * c.y * cos(TAU * p.x / c.y) + p.y * p.y;
}

fn grad(p: vec2<f32>, c: vec4<f32>) -> vec2<f32> {
    return vec2<f32>(2.0 * p.x - c.x * c.y * TAU * sin(TAU * p.x / c.y), 2.0 * p.y);
}

// Hessian as (d2f/dx2, d2f/dxdy, d2f/dy2).
fn hess(p: vec2<f32>, c: vec4<f32>) -> vec3<f32> {
    return vec3<f32>(2.0 - c.x * TAU * TAU * cos(TAU * p.x / c.y), 0.0, 2.0);
}
