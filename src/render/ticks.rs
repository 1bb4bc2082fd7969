//! Axis ticks: where they go and how they are labelled, in parameter units.
//!
//! Linear axes get "nice" steps (1, 2 or 5 times a power of ten) chosen so that about
//! `target` ticks fall inside the range; log axes get one labelled tick per decade (every
//! second or third decade when there are many), unlabelled minor ticks at 2..9 times each
//! decade when the axis spans few decades, and nice linear ticks when it spans less than one.

/// One tick: its value and its label (empty for a minor tick).
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Value in parameter units.
    pub value: f64,
    /// Text under or beside the tick; empty for minor ticks.
    pub label: String,
}

impl Tick {
    /// Whether the tick carries a label (a major tick).
    pub fn is_major(&self) -> bool {
        !self.label.is_empty()
    }
}

/// The nice step (1, 2 or 5 times a power of ten) nearest `span / target`.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let frac = raw / mag;
    let nice = if frac < 1.5 {
        1.0
    } else if frac < 3.5 {
        2.0
    } else if frac < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// `v` written with as many decimals as `step` needs (scientific outside 1e-3..1e5).
pub fn format(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let digits = ((a.log10() - step.log10()).round().max(0.0) as usize).min(6);
        let s = format!("{v:.digits$e}");
        return s.replace("e-", "e\u{2212}");
    }
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    format!("{v:.decimals$}").replace('-', "\u{2212}")
}

/// For a linear axis too narrow for its magnitude (a deep zoom: every label would repeat the
/// same leading digits), the value labels are relative to: `(offset, power)` such that tick
/// labels read `(v - offset) / 10^power`. `offset` is the window's centre rounded to a
/// multiple of 10^(power + 1), so it has few digits; `None` for ordinary axes.
pub fn offset(lo: f64, hi: f64) -> Option<(f64, i32)> {
    let span = hi - lo;
    let magnitude = lo.abs().max(hi.abs());
    if !(span > 0.0 && span.is_finite()) || span >= 1e-4 * magnitude {
        return None;
    }
    // (A nudge up, so that a span of 1e-9 less a rounding error is still 10^-9.)
    let power = (span.log10() + 1e-6).floor() as i32;
    let unit = 10f64.powi(power + 1);
    let offset = ((lo + hi) / 2.0 / unit).round() * unit;
    Some((offset, power))
}

/// The note an axis title carries for [`offset`] labels: ` (×10⁻⁹) − 0.79` (labels are
/// `(v - offset) / 10^power`: the value is the label times 10^power, plus the offset).
pub fn offset_note(offset: f64, power: i32) -> String {
    let digits = (-(power + 1)).max(0) as usize;
    let o = format!("{:.digits$}", offset.abs());
    let o = if o.contains('.') { o.trim_end_matches('0').trim_end_matches('.').to_string() } else { o };
    let sign = if offset < 0.0 { "\u{2212}" } else { "+" };
    format!(" (×10{}) {sign} {o}", superscript(power))
}

/// Ticks for a linear axis from `lo` to `hi`, about `target` of them; on a deep zoom
/// ([`offset`]) labelled relative to the offset, in units of 10^power.
pub fn linear_offset(lo: f64, hi: f64, target: usize) -> Vec<Tick> {
    match offset(lo, hi) {
        None => linear(lo, hi, target),
        Some((o, power)) => {
            let unit = 10f64.powi(power);
            linear((lo - o) / unit, (hi - o) / unit, target)
                .into_iter()
                .map(|t| Tick { value: o + t.value * unit, label: t.label })
                .collect()
        }
    }
}

/// Ticks for a linear axis from `lo` to `hi`, about `target` of them.
pub fn linear(lo: f64, hi: f64, target: usize) -> Vec<Tick> {
    let step = nice_step(hi - lo, target);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|i| {
            let value = i as f64 * step;
            // Snap tiny rounding residue (0.30000000000000004) to the clean decimal.
            let value = if value.abs() < step * 1e-9 { 0.0 } else { value };
            Tick { value, label: format(value, step) }
        })
        .collect()
}

fn superscript(n: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::from(if n < 0 { "⁻" } else { "" });
    for d in n.unsigned_abs().to_string().bytes() {
        s.push(DIGITS[(d - b'0') as usize]);
    }
    s
}

/// A power of ten as a label: plain for 0.001..10000, `10ⁿ` otherwise.
pub fn decade(n: i32) -> String {
    if (-3..=4).contains(&n) { format(10f64.powi(n), 10f64.powi(n)) } else { format!("10{}", superscript(n)) }
}

/// Ticks for a log axis from `lo` to `hi` (both positive).
pub fn log(lo: f64, hi: f64) -> Vec<Tick> {
    let (a, b) = (lo.log10(), hi.log10());
    if b - a < 1.0 {
        return linear(lo, hi, 4);
    }
    let (first, last) = (a.ceil() as i32, b.floor() as i32);
    let every = match last - first {
        0..=6 => 1,
        7..=12 => 2,
        13..=18 => 3,
        n => (n + 5) / 6,
    };
    let mut ticks = Vec::new();
    for n in (a.floor() as i32)..=last {
        let v = 10f64.powi(n);
        if n >= first && (n - first) % every == 0 {
            ticks.push(Tick { value: v, label: decade(n) });
        }
        if b - a <= 4.0 {
            for m in 2..10 {
                let w = m as f64 * v;
                if w >= lo && w <= hi {
                    ticks.push(Tick { value: w, label: String::new() });
                }
            }
        }
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_zooms_label_ticks_relative_to_a_short_offset() {
        assert_eq!(offset(0.0, 4.0), None);
        assert_eq!(offset(-0.0906000005, -0.0905999995), Some((-0.0906, -9)));
        let ticks = linear_offset(-0.7900000005, -0.7899999995, 5);
        let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["\u{2212}0.4", "\u{2212}0.2", "0", "0.2", "0.4"]);
        assert!((ticks[2].value + 0.79).abs() < 1e-15);
        assert_eq!(offset_note(-0.79, -9), " (×10⁻⁹) \u{2212} 0.79");
    }

    fn labels(t: &[Tick]) -> Vec<&str> {
        t.iter().filter(|t| t.is_major()).map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn linear_ticks_are_nice_and_inside() {
        assert_eq!(labels(&linear(0.0, 4.0, 5)), ["0", "1", "2", "3", "4"]);
        assert_eq!(labels(&linear(-2.0, 2.0, 5)), ["\u{2212}2", "\u{2212}1", "0", "1", "2"]);
        assert_eq!(labels(&linear(0.1, 0.45, 4)), ["0.1", "0.2", "0.3", "0.4"]);
        assert_eq!(labels(&linear(1.75, 2.25, 5)), ["1.8", "1.9", "2.0", "2.1", "2.2"]);
        let tiny = linear(-0.79375, -0.79365, 4);
        assert!(tiny.len() >= 3 && tiny.iter().all(|t| (-0.79375..=-0.79365).contains(&t.value)));
        assert_eq!(format(1.5e-6, 1e-7), "1.5e\u{2212}6");
    }

    #[test]
    fn log_ticks_label_decades() {
        let t = log(0.1, 10.0);
        assert_eq!(labels(&t), ["0.1", "1", "10"]);
        assert_eq!(t.iter().filter(|t| !t.is_major()).count(), 16, "2..9 in two decades");
        assert_eq!(labels(&log(1e-8, 1.0)), ["10⁻⁸", "10⁻⁶", "10⁻⁴", "0.01", "1"]);
        // Less than a decade: linear ticks.
        assert_eq!(labels(&log(2.0, 8.0)), ["2", "4", "6", "8"]);
    }
}
