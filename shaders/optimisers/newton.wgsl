// newton: x <- x - lr * (M + damping * I)^-1 g with M the landscape's exact 2x2 Hessian H
// (saddle_free = 0) or |H| = H with its eigenvalues replaced by their absolute values
// (saddle_free = 1, Dauphin et al. 2014), which turns negative curvature into positive so every
// step goes downhill instead of towards saddles and maxima. Where M + damping * I is singular
// (|det| <= 1e-30, e.g. a flat direction with no damping), the step is a plain gradient step.
// Hyperparameters h0 = (lr, damping, saddle_free, -). No state. Calls the landscape's `hess`.
// Rust twin: `optimiser::newton` in src/optimiser/extra.rs.
fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    var m = hess(x, c);
    if (h0.z != 0.0) {
        // |H| = (|l1| + |l2|)/2 I + (|l1| - |l2|)/(2 r) (H - mean I), eigenvalues mean +- r.
        let mean = 0.5 * (m.x + m.z);
        let half = 0.5 * (m.x - m.z);
        let r = sqrt(half * half + m.y * m.y);
        let a1 = abs(mean + r);
        let a2 = abs(mean - r);
        let iso = 0.5 * (a1 + a2);
        var k = 0.0;
        if (r > 0.0) {
            k = 0.5 * (a1 - a2) / r;
        }
        m = vec3<f32>(iso + k * half, k * m.y, iso - k * half);
    }
    let hx = m.x + h0.y;
    let hy = m.z + h0.y;
    let det = hx * hy - m.y * m.y;
    var d = g;
    if (abs(det) > 1e-30) {
        d = vec2<f32>(hy * g.x - m.y * g.y, hx * g.y - m.y * g.x) / det;
    }
    return x - h0.x * d;
}
