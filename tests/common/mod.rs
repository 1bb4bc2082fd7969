//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use downhill::gpu::GpuRunner;
use downhill::spec::{AxisText, OptionsText, Scale, Spec, SpecBuilder};

/// The GPU runner, or `None` with an explicit SKIP line when no adapter exists. With
/// `DOWNHILL_REQUIRE_GPU=1` (as `.ci/run` sets) a missing adapter fails the test instead.
pub fn gpu() -> Option<GpuRunner> {
    match GpuRunner::new() {
        Ok(g) => Some(g),
        Err(e) if std::env::var("DOWNHILL_REQUIRE_GPU").is_ok_and(|v| v == "1") => {
            panic!("DOWNHILL_REQUIRE_GPU=1 but the GPU runner could not start: {e}")
        }
        Err(e) => {
            eprintln!("SKIP (GPU part): {e}");
            None
        }
    }
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
