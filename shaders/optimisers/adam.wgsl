// adam (Kingma & Ba 2015): m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
// with bias correction m^ = m / (1 - b1^t), v^ = v / (1 - b2^t); x <- x - lr * m^ / (sqrt(v^) + eps).
// b1^t and b2^t are running products kept in the state (exact, identical on CPU and GPU).
// Hyperparameters h0 = (lr, beta1, beta2, eps), h1 = (bias_correction (1 on, 0 off), -, -, -).
// State a = m, b = v, c = (b1^t, b2^t).
// State registers are flushed to zero when subnormal (see common/numerics.wgsl).
// Rust twin: `optimiser::adam` in src/optimiser/builtin.rs.
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
    return x - h0.x * mh / (sqrt(vh) + h0.w);
}
