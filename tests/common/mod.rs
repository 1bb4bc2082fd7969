//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::io::Write as _;

pub mod rng;

use downhill::gpu::GpuRunner;
use downhill::spec::{AxisText, OptionsText, Scale, Spec, SpecBuilder};

/// Whether this run opted out of the GPU tests with `DOWNHILL_SKIP_GPU=1`. Without it a GPU
/// test fails when no adapter exists; `DOWNHILL_REQUIRE_GPU=1` (as `.ci/run` sets) forbids
/// the opt-out, so CI cannot skip them by accident.
pub fn gpu_skipped() -> bool {
    let skip = std::env::var("DOWNHILL_SKIP_GPU").is_ok_and(|v| v == "1");
    let require = std::env::var("DOWNHILL_REQUIRE_GPU").is_ok_and(|v| v == "1");
    assert!(!(skip && require), "DOWNHILL_SKIP_GPU=1 and DOWNHILL_REQUIRE_GPU=1 contradict each other");
    skip
}

/// The GPU runner. A missing adapter fails the calling test, unless the run opted out with
/// `DOWNHILL_SKIP_GPU=1`: then this returns `None` and writes a SKIPPED line straight to the
/// terminal (past the test harness's output capture, so it shows in a passing run).
pub fn gpu() -> Option<GpuRunner> {
    if gpu_skipped() {
        let test = std::thread::current().name().unwrap_or("a test").to_string();
        // Written to the stderr handle, not through eprintln!, which the harness captures.
        let _ = writeln!(std::io::stderr(), "SKIPPED the GPU part of {test} (DOWNHILL_SKIP_GPU=1)");
        return None;
    }
    match GpuRunner::new() {
        Ok(g) => Some(g),
        Err(e) => panic!("no GPU runner: {e} (set DOWNHILL_SKIP_GPU=1 to skip the GPU tests explicitly)"),
    }
}

/// The `--backend` for CLI runs that should exercise the GPU: `gpu` (a missing adapter then
/// fails the test), or `auto` when the run opted out with `DOWNHILL_SKIP_GPU=1`.
pub fn gpu_backend() -> &'static str {
    if gpu_skipped() { "auto" } else { "gpu" }
}

/// An axis.
pub fn axis(param: &str, lo: f64, hi: f64, log: bool) -> AxisText {
    AxisText { param: param.into(), lo, hi, scale: if log { Scale::Log } else { Scale::Lin } }
}

/// A spec built from its parts (panics on invalid input: tests use valid specs).
pub fn spec(
    landscape: &str,
    optimiser: &str,
    x: AxisText,
    y: AxisText,
    res: (u32, u32),
    steps: u32,
    start: [f64; 2],
) -> Spec {
    spec_with(landscape, optimiser, x, y, res, steps, start, OptionsText::default())
}

/// [`spec`] with options (noise, schedule, clipping, L2).
#[allow(clippy::too_many_arguments, reason = "mirrors SpecBuilder's fields one to one")]
pub fn spec_with(
    landscape: &str,
    optimiser: &str,
    x: AxisText,
    y: AxisText,
    res: (u32, u32),
    steps: u32,
    start: [f64; 2],
    options: OptionsText,
) -> Spec {
    SpecBuilder {
        landscape: landscape.into(),
        optimiser: optimiser.into(),
        start: Some(start),
        x,
        y,
        res,
        steps,
        threshold: 1e6,
        conv_tol: 1e-4,
        options,
    }
    .build()
    .expect("test specs are valid")
}
