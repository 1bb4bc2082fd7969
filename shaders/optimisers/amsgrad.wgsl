// amsgrad (Reddi et al. 2018): Adam whose second moment never decreases, as in PyTorch:
// vmax <- max(vmax, v); x <- x - lr * m^ / (sqrt(vmax^) + eps), with m^ = m / (1 - b1^t) and
// vmax^ = vmax / (1 - b2^t) when bias_correction is on.
// Hyperparameters h0 = (lr, beta1, beta2, eps), h1 = (bias_correction, -, -, -).
// State a = m, b = v, c = (b1^t, b2^t), d = vmax, flushed to zero when subnormal.
// Rust twin: `optimiser::amsgrad` in src/optimiser/extra.rs.
#import common/moments

fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(1.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    adam_moments(s, g, h0.y, h0.z);
    let m = (*s).a;
    let v = (*s).b;
    let pw = (*s).c;
    let vmax = max((*s).d, v);
    (*s).d = vmax;
    let k = corrected(m, vmax, pw, h1.x != 0.0);
    let mh = k.m;
    let vh = k.v;
    return x - h0.x * mh / (sqrt(vh) + h0.w);
}
