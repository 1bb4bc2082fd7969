// Numerical helpers shared by the kernel. Rust twins: `escaped`, `flush_subnormal` and
// `within_tol` in src/numeric.rs.

// A point has escaped when a coordinate's magnitude exceeds `threshold` or is not finite.
// Compared on bit patterns: for non-negative f32 the IEEE bit order is the numeric order, and
// inf/NaN sort above every finite value, so no optimiser can fold the NaN case away.
fn escaped(p: vec2<f32>, threshold: f32) -> bool {
    let t = bitcast<u32>(threshold);
    let bx = bitcast<u32>(p.x) & 0x7fffffffu;
    let by = bitcast<u32>(p.y) & 0x7fffffffu;
    return bx > t || by > t;
}

// Smallest positive normal f32.
const MIN_NORMAL: f32 = 1.17549435e-38;

// Replaces subnormal components by zero. A converging trajectory's iterates and optimiser
// state decay geometrically into the subnormal range, where CPU implementations (lavapipe,
// and the CPU twin) run arithmetic 10-100x slower, and where GPUs may or may not flush; doing
// it explicitly keeps both fast and identical. NaN and infinities pass through.
fn flush_subnormal(v: vec2<f32>) -> vec2<f32> {
    return select(v, vec2<f32>(0.0), abs(v) < vec2<f32>(MIN_NORMAL));
}

// Whether the gradient `g` at `p` counts as zero: its squared norm is at most `tol2` (the
// squared tolerance) or within what f32 resolves at `p`, `floor * max(|x|, |y|)` (see
// `Spec::conv_floor` in src/spec/mod.rs). Rust twin: `within_tol` in src/numeric.rs.
fn within_tol(g: vec2<f32>, p: vec2<f32>, tol2: f32, floor: f32) -> bool {
    let r = floor * max(abs(p.x), abs(p.y));
    return dot(g, g) <= max(tol2, r * r);
}
