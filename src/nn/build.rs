//! A trainability map's spec from its parts: where the network comes from ([`Source`]), its
//! two axes ([`axis`]) and the whole [`TrainSpec`] ([`spec`]), each part checked with an error
//! naming the flag or file at fault. Below the kernels' callers and the figures: it runs
//! nothing and draws nothing.

use std::path::PathBuf;
use std::sync::Arc;

use super::train::{NnParam, Precision, TrainSpec};
use super::{Activation, NetData, Shape};
use crate::error::Error;
use crate::spec::{Axis, AxisText};

/// Where a network comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Drawn from a seed with these sizes.
    Seed(Shape, u32),
    /// Read from an `.npz` file.
    Npz(PathBuf),
}

impl Source {
    /// The data and initial weights.
    pub fn load(&self) -> Result<NetData, Error> {
        match self {
            Source::Seed(shape, seed) => NetData::from_seed(*shape, *seed),
            Source::Npz(path) => NetData::from_npz(path),
        }
    }

    /// Where the network came from, for titles and metadata: `seed 7` or the file's path.
    pub fn describe(&self) -> String {
        match self {
            Source::Seed(_, seed) => format!("seed {seed}"),
            Source::Npz(path) => path.display().to_string(),
        }
    }
}

/// A trainability axis from its text (`lr0`, `lr1`, `lr` or `offset`; learning rates on log
/// axes must be positive), its neighbouring cell centres resolvable in `precision`.
pub fn axis(flag: &str, t: &AxisText, cells: u32, precision: Precision) -> Result<Axis, Error> {
    let param = NnParam::from_name(&t.param).ok_or_else(|| {
        let names: Vec<&str> = NnParam::ALL.iter().map(|(n, _)| *n).collect();
        Error::input(
            flag,
            format!(
                "`{}` is not a trainability axis{}; known: {}",
                t.param,
                crate::error::did_you_mean(&t.param, names.iter().copied()),
                names.join(", ")
            ),
        )
    })?;
    if param != NnParam::Offset && t.lo < 0.0 {
        return Err(Error::input(flag, format!("learning rate {} must not be negative", t.lo)));
    }
    let axis =
        Axis { param: t.param.clone(), slot: param as usize, lo: t.lo, hi: t.hi, scale: t.scale, cells };
    crate::spec::check_values(flag, &axis, precision)?;
    Ok(axis)
}

/// Builds the spec of a trainability map.
#[allow(clippy::too_many_arguments, reason = "each is one field of the map")]
pub fn spec(
    source: &Source,
    activation: Activation,
    x: &AxisText,
    y: &AxisText,
    res: (u32, u32),
    steps: u32,
    base: [f32; 3],
    batch: (u32, u32),
    precision: Precision,
) -> Result<TrainSpec, Error> {
    if !(1..=crate::spec::MAX_STEPS).contains(&steps) {
        return Err(Error::input(
            "--steps",
            format!("{steps} is out of range: it must be 1 to {}", crate::spec::MAX_STEPS),
        ));
    }
    for (flag, v, rate) in [("--lr0", base[0], true), ("--lr1", base[1], true), ("--offset", base[2], false)]
    {
        if !v.is_finite() || (rate && v < 0.0) {
            let what = if rate { "a finite learning rate >= 0" } else { "finite" };
            return Err(Error::input(flag, format!("{v} must be {what}")));
        }
    }
    crate::spec::check_memory("--res", res.0, res.1)?;
    let (xa, ya) = (axis("--x", x, res.0, precision)?, axis("--y", y, res.1, precision)?);
    if xa.slot == ya.slot {
        return Err(Error::input("--y", format!("`{}` is already the x axis", ya.param)));
    }
    let data = Arc::new(source.load()?);
    if batch.0 as usize > data.shape.n {
        return Err(Error::input(
            "--batch",
            format!(
                "{} is more than the {} data points; it must be 1 to {} (or 0 for the full batch)",
                batch.0, data.shape.n, data.shape.n
            ),
        ));
    }
    Ok(TrainSpec {
        data,
        activation,
        x: xa,
        y: ya,
        steps,
        base,
        batch: batch.0,
        batch_seed: batch.1,
        layout: super::train::Layout::Invocation,
        precision,
        convention: super::train::Convention::Ours,
    })
}
