//! The default gallery: the figures `downhill` renders with no arguments (`cargo run
//! --release`), into `results/` unless told otherwise.

use std::path::Path;

use crate::error::Error;
use crate::figure::{ColorBy, Job, Kind, Style};
use crate::spec::{AxisText, Scale, SpecBuilder};

/// Grid resolution of the gallery's basin maps (cells per side).
pub const BASIN_RES: u32 = 768;
/// Steps of the gallery's basin maps.
pub const BASIN_STEPS: u32 = 500;
/// Grid resolution of the gallery's stability maps.
pub const STABILITY_RES: u32 = 512;
/// Steps of the gallery's stability maps.
pub const STABILITY_STEPS: u32 = 1000;

/// The gallery's jobs, writing into `dir`.
pub fn jobs(dir: &Path, progress: bool) -> Result<Vec<Job>, Error> {
    let mut jobs = Vec::new();
    let basins = [("gd", "gd:lr=0.1"), ("momentum", "momentum:lr=0.05,beta=0.9"), ("adam", "adam:lr=0.1")];
    for (name, opt) in basins {
        let b = SpecBuilder::basins("bumpy", opt, None, (BASIN_RES, BASIN_RES), BASIN_STEPS)?;
        jobs.push(Job {
            kind: Kind::Basins,
            spec: b.build()?,
            color: ColorBy::Basin,
            style: Style::default(),
            prefix: dir.join(format!("basins_bumpy_{name}")),
            raw: false,
            progress,
            refine: None,
            command: format!(
                "downhill basins --landscape bumpy --optimizer {opt} --steps {BASIN_STEPS} --res {BASIN_RES} -o {}",
                dir.join(format!("basins_bumpy_{name}")).display()
            ),
        });
    }
    let lr = AxisText { param: "lr".into(), lo: 0.0, hi: 4.0, scale: Scale::Lin };
    let k = AxisText { param: "kx".into(), lo: 0.1, hi: 10.0, scale: Scale::Log };
    for (name, opt) in [("gd", "gd"), ("momentum", "momentum:beta=0.9"), ("nesterov", "nesterov:beta=0.9")] {
        let b = SpecBuilder::stability(
            opt,
            lr.clone(),
            k.clone(),
            (STABILITY_RES, STABILITY_RES),
            STABILITY_STEPS,
        );
        jobs.push(Job {
            kind: Kind::Stability,
            spec: b.build()?,
            color: ColorBy::Auto,
            style: Style::default(),
            prefix: dir.join(format!("stability_{name}")),
            raw: false,
            progress,
            refine: None,
            command: format!(
                "downhill stability --optimizer {opt} --steps {STABILITY_STEPS} --res {STABILITY_RES} -o {}",
                dir.join(format!("stability_{name}")).display()
            ),
        });
    }
    Ok(jobs)
}
