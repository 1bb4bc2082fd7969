// Divergence test shared by the kernel. Rust twin: `escaped` in src/cpu.rs.
//
// A point has escaped when a coordinate's magnitude exceeds `threshold` or is not finite.
// Compared on bit patterns: for non-negative f32 the IEEE bit order is the numeric order, and
// inf/NaN sort above every finite value, so no optimiser can fold the NaN case away.
fn escaped(p: vec2<f32>, threshold: f32) -> bool {
    let t = bitcast<u32>(threshold);
    let bx = bitcast<u32>(p.x) & 0x7fffffffu;
    let by = bitcast<u32>(p.y) & 0x7fffffffu;
    return bx > t || by > t;
}
