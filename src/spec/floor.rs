//! The convergence floor: the smallest gradient norm the run's arithmetic can resolve near a
//! landscape's minima, so that a trajectory resting on a minimum counts as converged even
//! where the tolerance asks for more than f32 can give.
//!
//! Rounding the iterate `p` to the float format moves it by up to half a unit in the last
//! place, about `eps * max(|x|, |y|)`, and the gradient by that times the curvature; the sine
//! and cosine arguments of trigonometric landscapes round alike. So on rastrigin, whose
//! minima near `|x| = 5` have curvature 397, GD comes to rest on the f32 iterate nearest
//! `(4.97, 4.97)` with a gradient of `1.2e-4`, above the default tolerance `1e-4`. The floor is
//! `FLOOR_ULPS * eps * L`, with `L` the largest curvature at the landscape's minima, and a
//! gradient counts as zero at `p` once its norm is at most `floor * max(|x|, |y|)` (or the
//! tolerance, whichever is larger; see [`crate::numeric::within_tol`]).
//!
//! Only minima where the floor exceeds the tolerance count: elsewhere the tolerance alone is
//! met, and the floor is 0 (as for landscapes without minima in view). Even where it is not
//! 0, on a quadratic it never changes a verdict: there `|g| = k |x|`, always above
//! `FLOOR_ULPS * eps * k * |x|`.

use super::{Axis, Precision};
use crate::landscape::Landscape;
use crate::param::{self, SLOTS};

/// Units in the last place of the iterate's largest coordinate that the floor allows: moving
/// the iterate by one unit changes the gradient by up to the curvature times that unit, so no
/// test finer than that can be met reliably. (On rastrigin's outer minima, f32 iterates come
/// to rest with gradients of 0.50 of the floor.)
pub const FLOOR_ULPS: f64 = 1.0;

/// The floor per unit of `max(|x|, |y|)` for a run of `landscape` with parameter vector
/// `values` over the axes `x` and `y` in `precision`, with tolerance `tol`: [`FLOOR_ULPS`]
/// times the format's machine epsilon times the largest curvature (spectral norm of the f64
/// Hessian) at those of the landscape's minima where the floor exceeds `tol` (where the
/// precision cannot resolve the tolerance), in its default domain and, on basin maps, in the
/// swept window, for the base parameter values and the ends of any swept landscape
/// parameter's axis. 0 where every minimum resolves the tolerance, which keeps the test to
/// the tolerance alone there (the lanes then skip the floor's arithmetic).
pub fn conv_floor(
    landscape: &Landscape,
    values: &[f32; SLOTS],
    (x, y): (&Axis, &Axis),
    precision: Precision,
    tol: f64,
) -> f32 {
    let eps = match precision {
        Precision::F32 => f32::EPSILON as f64,
        Precision::F64 => f64::EPSILON,
    };
    let mut windows = vec![landscape.domain];
    if (x.slot, y.slot) == (param::SLOT_X0, param::SLOT_Y0) {
        windows.push([x.lo, x.hi, y.lo, y.hi]);
    }
    let unit = FLOOR_ULPS * eps;
    let curvature = parameter_sets(values, x, y)
        .iter()
        .flat_map(|c| windows.iter().map(move |w| (c, w)))
        .flat_map(|(c, w)| minima_curvatures(landscape, *c, *w))
        .filter(|&(l, at)| unit * l * at > tol)
        .map(|(l, _)| l)
        .fold(0.0, f64::max);
    (unit * curvature) as f32
}

/// The landscape parameter vectors a run visits at its extremes: the base values, with each
/// swept landscape parameter at the first and last cell centre of its axis.
fn parameter_sets(values: &[f32; SLOTS], x: &Axis, y: &Axis) -> Vec<[f64; 4]> {
    let base = param::LANDSCAPE_BASE;
    let mut sets = vec![std::array::from_fn(|i| values[base + i] as f64)];
    for axis in [x, y] {
        if (base..base + 4).contains(&axis.slot) {
            let ends = [axis.value_at(0.5), axis.value_at(axis.cells as f64 - 0.5)];
            sets = sets
                .iter()
                .flat_map(|c| {
                    ends.map(|v| {
                        let mut c = *c;
                        c[axis.slot - base] = v;
                        c
                    })
                })
                .collect();
        }
    }
    sets
}

/// For every strict minimum of `landscape` with parameters `c` inside the window `w`: the
/// spectral norm of the f64 Hessian there and `max(|x|, |y|)` of the minimum (minima whose
/// curvature is not finite are left out). The minima search is remembered by
/// [`Landscape::minima_in`].
fn minima_curvatures(landscape: &Landscape, c: [f64; 4], w: [f64; 4]) -> Vec<(f64, f64)> {
    landscape
        .minima_in(c, w)
        .iter()
        .map(|m| (spectral_norm(landscape.hess64(m.at, c)), m.at[0].abs().max(m.at[1].abs())))
        .filter(|(l, _)| l.is_finite())
        .collect()
}

/// Spectral norm of the symmetric matrix `[[h[0], h[1]], [h[1], h[2]]]`: its largest
/// eigenvalue in magnitude.
fn spectral_norm(h: [f64; 3]) -> f64 {
    let mean = 0.5 * (h[0] + h[2]);
    let radius = (0.5 * (h[0] - h[2])).hypot(h[1]);
    mean.abs() + radius
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectral_norm_is_the_largest_eigenvalue_magnitude() {
        assert_eq!(spectral_norm([3.0, 0.0, -5.0]), 5.0);
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        assert!((spectral_norm([2.0, 1.0, 2.0]) - 3.0).abs() < 1e-15);
    }
}
