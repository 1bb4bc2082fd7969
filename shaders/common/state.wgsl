// Per-trajectory state kept in a storage buffer between dispatches.
// Keep in sync with `TrajState` in src/gpu/layout.rs (56 bytes, checked by a size test).
struct Traj {
    pos: vec2<f32>,
    opt_a: vec2<f32>,
    opt_b: vec2<f32>,
    opt_c: vec2<f32>,
    opt_d: vec2<f32>,
    // Loss at `pos`, written in the final chunk or at divergence.
    loss: f32,
    // First iterate that escaped, or -1.
    div_step: i32,
    // First iterate whose gradient norm was <= conv_tol, or -1.
    conv_step: i32,
    pad: u32,
}

// Optimiser state: four vec2 registers whose meaning each optimiser piece documents.
// Rust twin: `OptState` in src/optimiser.rs.
struct OptState {
    a: vec2<f32>,
    b: vec2<f32>,
    c: vec2<f32>,
    d: vec2<f32>,
}
