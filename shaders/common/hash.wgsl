// Counter-based hashing shared by the kernels. Rust twin: `pcg_hash` in src/options.rs.

// PCG hash (Jarzynski & Olano 2020): one round of a PCG generator as a 32-bit hash.
fn pcg_hash(v: u32) -> u32 {
    let s = v * 747796405u + 2891336453u;
    let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
    return (w >> 22u) ^ w;
}
