// nadam (Dozat 2016): Adam with a Nesterov look-ahead on the first moment, constant beta1
// (no momentum-decay schedule): m^ = b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t),
// v^ = v / (1 - b2^t), x <- x - lr * m^ / (sqrt(v^) + eps).
// Hyperparameters h0 = (lr, beta1, beta2, eps). State a = m, b = v, c = (b1^t, b2^t),
// flushed to zero when subnormal. Rust twin: `optimiser::nadam` in src/optimiser/extra.rs.
#import common/moments

fn opt_init(h0: vec4<f32>, h1: vec4<f32>) -> OptState {
    return OptState(vec2<f32>(0.0), vec2<f32>(0.0), vec2<f32>(1.0), vec2<f32>(0.0));
}

fn opt_step(x: vec2<f32>, g: vec2<f32>, s: ptr<function, OptState>, h0: vec4<f32>, h1: vec4<f32>, t: u32, c: vec4<f32>) -> vec2<f32> {
    let b1 = h0.y;
    adam_moments(s, g, b1, h0.z);
    let m = (*s).a;
    let v = (*s).b;
    let pw = (*s).c;
    let mh = b1 * m / (1.0 - pw.x * b1) + (1.0 - b1) * g / (1.0 - pw.x);
    let vh = v / (1.0 - pw.y);
    return x - h0.x * mh / (sqrt(vh) + h0.w);
}
