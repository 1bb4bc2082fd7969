//! The command line's strings parsed: components (`name:key=value,...`), axes, grid sizes,
//! points and zooms.

use super::{MAX_CELLS_ONE_ROW, MAX_CELLS_PER_AXIS, Scale};
use crate::error::Error;
use crate::number::parse_number;

/// A `name:key=value,...` component before lookup.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// The registry name.
    pub name: String,
    /// The `key=value` overrides, in order.
    pub overrides: Vec<(String, f64)>,
}

/// Parses `name` or `name:key=value,key=value`; `flag` names the culprit in errors.
pub fn parse_component(flag: &str, text: &str) -> Result<Component, Error> {
    let text = text.trim();
    let (name, rest) = match text.split_once(':') {
        Some((n, r)) => (n.trim(), Some(r)),
        None => (text, None),
    };
    if name.is_empty() {
        return Err(Error::input(flag, format!("`{text}` has no name; expected NAME:key=value,...")));
    }
    let mut overrides = Vec::new();
    for pair in rest.into_iter().flat_map(|r| r.split(',')) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(Error::input(flag, format!("`{pair}` is not key=value (in `{text}`)")));
        };
        let k = k.trim();
        let v = parse_number(flag, k, v)?;
        if overrides.iter().any(|(o, _)| o == k) {
            return Err(Error::input(flag, format!("`{k}` is set twice in `{text}`")));
        }
        overrides.push((k.to_string(), v));
    }
    Ok(Component { name: name.to_string(), overrides })
}

/// An axis as typed (`param:lo:hi[:log|lin]`), before its parameter is looked up.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisText {
    /// Parameter name.
    pub param: String,
    /// Low bound.
    pub lo: f64,
    /// High bound.
    pub hi: f64,
    /// Spacing.
    pub scale: Scale,
}

/// Parses `param:lo:hi` or `param:lo:hi:log` (or `:lin`), or `param:v`, a constant: the
/// linear axis `v ± 0.1%` (`± 0.001` at 0), whose one cell (`--res COLSx1`) sits at `v`.
pub fn parse_axis(flag: &str, text: &str) -> Result<AxisText, Error> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    if parts.len() == 2 && !parts[0].is_empty() {
        let v = parse_number(flag, "value", parts[1])?;
        let h = if v == 0.0 { 1e-3 } else { 1e-3 * v.abs() };
        return Ok(AxisText { param: parts[0].to_string(), lo: v - h, hi: v + h, scale: Scale::Lin });
    }
    if !(3..=4).contains(&parts.len()) || parts[0].is_empty() {
        return Err(Error::input(
            flag,
            format!("`{text}` is not PARAM:LO:HI, PARAM:LO:HI:log or PARAM:VALUE (a constant)"),
        ));
    }
    let lo = parse_number(flag, "low bound", parts[1])?;
    let hi = parse_number(flag, "high bound", parts[2])?;
    let scale = match parts.get(3) {
        None | Some(&"lin") => Scale::Lin,
        Some(&"log") => Scale::Log,
        Some(other) => {
            return Err(Error::input(flag, format!("scale `{other}` is neither `lin` nor `log`")));
        }
    };
    if lo >= hi {
        return Err(Error::input(flag, format!("low bound {lo} must be below high bound {hi}")));
    }
    if scale == Scale::Log && lo <= 0.0 {
        return Err(Error::input(flag, format!("a log axis needs bounds > 0, got {lo}:{hi}")));
    }
    Ok(AxisText { param: parts[0].to_string(), lo, hi, scale })
}

/// Parses `--res N` (square) or `COLSxROWS`; a one-row map (`COLSx1`) may have up to
/// [`MAX_CELLS_ONE_ROW`] columns.
pub fn parse_res(flag: &str, text: &str) -> Result<(u32, u32), Error> {
    let one = |s: &str, max: u32| -> Result<u32, Error> {
        let n: u64 = s
            .trim()
            .parse()
            .map_err(|_| Error::input(flag, format!("`{s}` is not a whole number of cells")))?;
        if n == 0 {
            return Err(Error::input(flag, "the grid needs at least one cell per axis"));
        }
        if n > max as u64 {
            let what = if max == MAX_CELLS_PER_AXIS {
                format!("the {MAX_CELLS_PER_AXIS} allowed per axis ({MAX_CELLS_ONE_ROW} in a one-row map)")
            } else {
                format!("the {max} allowed in a one-row map")
            };
            return Err(Error::input(flag, format!("{n} cells is more than {what}")));
        }
        Ok(n as u32)
    };
    match text.split_once(['x', 'X']) {
        Some((c, r)) => {
            let rows = one(r, MAX_CELLS_PER_AXIS)?;
            let max = if rows == 1 { MAX_CELLS_ONE_ROW } else { MAX_CELLS_PER_AXIS };
            Ok((one(c, max)?, rows))
        }
        None => {
            let n = one(text, MAX_CELLS_PER_AXIS)?;
            Ok((n, n))
        }
    }
}

/// Parses a start point `X,Y`.
pub fn parse_point(flag: &str, text: &str) -> Result<[f64; 2], Error> {
    let Some((a, b)) = text.split_once(',') else {
        return Err(Error::input(flag, format!("`{text}` is not X,Y")));
    };
    Ok([parse_number(flag, "x", a)?, parse_number(flag, "y", b)?])
}

/// A zoom window: centre `(cx, cy)` in parameter units and the x window's width `span`
/// (decades on a log axis).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zoom {
    /// Centre of the window.
    pub centre: [f64; 2],
    /// Width of the x window, in x units (decades on a log x axis).
    pub span: f64,
}

/// Parses `CX,CY,SPAN`.
pub fn parse_zoom(flag: &str, text: &str) -> Result<Zoom, Error> {
    let parts: Vec<&str> = text.split(',').collect();
    let [cx, cy, span] = parts[..] else {
        return Err(Error::input(flag, format!("`{text}` is not CX,CY,SPAN")));
    };
    let zoom = Zoom {
        centre: [parse_number(flag, "centre x", cx)?, parse_number(flag, "centre y", cy)?],
        span: parse_number(flag, "span", span)?,
    };
    if zoom.span <= 0.0 {
        return Err(Error::input(flag, format!("span {} must be positive", zoom.span)));
    }
    Ok(zoom)
}

impl Zoom {
    /// The axes' window narrowed to this zoom: the x window becomes `span` wide around
    /// `cx`, and the y window shrinks by the same factor around `cy` (each in log10 space on
    /// a log axis), so the picture keeps its aspect.
    pub fn apply(&self, flag: &str, x: &AxisText, y: &AxisText) -> Result<(AxisText, AxisText), Error> {
        let width = |a: &AxisText| match a.scale {
            Scale::Lin => a.hi - a.lo,
            Scale::Log => (a.hi / a.lo).log10(),
        };
        let factor = self.span / width(x);
        let narrow = |a: &AxisText, c: f64, w: f64| -> Result<AxisText, Error> {
            let (lo, hi) = match a.scale {
                Scale::Lin => (c - 0.5 * w, c + 0.5 * w),
                Scale::Log if c > 0.0 => (c / 10f64.powf(0.5 * w), c * 10f64.powf(0.5 * w)),
                Scale::Log => {
                    return Err(Error::input(
                        flag,
                        format!("centre {c} of the log axis `{}` must be positive", a.param),
                    ));
                }
            };
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(Error::input(
                    flag,
                    format!("the `{}` window around {c} is not representable", a.param),
                ));
            }
            Ok(AxisText { lo, hi, ..a.clone() })
        };
        Ok((narrow(x, self.centre[0], self.span)?, narrow(y, self.centre[1], width(y) * factor)?))
    }
}
