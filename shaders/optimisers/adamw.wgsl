// adamw (Loshchilov & Hutter 2019): Adam with decoupled weight decay, as in PyTorch:
// x <- x * (1 - lr * wd) - lr * m^ / (sqrt(v^) + eps), with m^, v^ as in adam.
// Hyperparameters h0 = (lr, beta1, beta2, eps), h1 = (bias_correction, weight_decay, -, -).
// State a = m, b = v, c = (b1^t, b2^t), flushed to zero when subnormal.
// Rust twin: `optimiser::adamw` in src/optimiser/extra.rs.
#import common/moments

fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(1.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    adam_moments(s, g, h0.y, h0.z);
    let m = (*s).a;
    let v = (*s).b;
    let pw = (*s).c;
    let k = corrected(m, v, pw, h1.x != 0.0);
    let mh = k.m;
    let vh = k.v;
    return x * (1.0 - h0.x * h1.y) - h0.x * mh / (sqrt(vh) + h0.w);
}
