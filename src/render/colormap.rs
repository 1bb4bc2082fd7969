//! Colour maps, from the `colorous` crate: a perceptually uniform sequential map (viridis) for
//! continuous values, a categorical palette for basins, and a red ramp for divergence speed.

/// An 8-bit RGB colour.
pub type Rgb = [u8; 3];

/// Colour of a trajectory whose value cannot be shown (e.g. never converged).
pub const MISSING: Rgb = [128, 128, 128];
/// Colour of diverged trajectories on categorical (basin) maps.
pub const DIVERGED: Rgb = [20, 20, 20];
/// Colour of overlay curves (analytic boundaries).
pub const OVERLAY: Rgb = [255, 255, 255];

fn rgb(c: colorous::Color) -> Rgb {
    [c.r, c.g, c.b]
}

/// Viridis at `t` in [0, 1] (clamped): dark purple at 0, yellow at 1.
pub fn sequential(t: f64) -> Rgb {
    rgb(colorous::VIRIDIS.eval_continuous(t.clamp(0.0, 1.0)))
}

/// Divergence speed on a log scale: deep red for trajectories that left at once (`t` = 0),
/// pale red for those that left only at the end of the step budget (`t` = 1), so the colour
/// fades towards the edge of the stable region.
pub fn divergence(t: f64) -> Rgb {
    rgb(colorous::REDS.eval_continuous(0.85 - 0.6 * t.clamp(0.0, 1.0)))
}

/// Categorical colour `k` (Tableau 10 without its red and grey, which mean other things here).
pub fn category(k: usize) -> Rgb {
    const PICK: [usize; 8] = [0, 1, 3, 4, 5, 6, 7, 8];
    rgb(colorous::TABLEAU10[PICK[k % PICK.len()]])
}

/// `c` darkened by `slowness` in [0, 1] (clamped): 0 keeps it, 1 takes it 55% of the way to
/// black. Basin maps shade each converged cell by its convergence time this way.
pub fn shaded(c: Rgb, slowness: f64) -> Rgb {
    let keep = 1.0 - 0.55 * slowness.clamp(0.0, 1.0);
    c.map(|v| (v as f64 * keep).round() as u8)
}

/// `c` mixed halfway towards white, for "in this basin but not converged".
pub fn faded(c: Rgb) -> Rgb {
    c.map(|v| ((v as u16 + 255) / 2) as u8)
}
