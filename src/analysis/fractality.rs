//! How fractal a map's basins are, beyond the box-counting dimension of their boundary
//! ([`super::fractal`]): the uncertainty exponent, the basin entropy and the Wada test by
//! merging. Pure functions over a row-major label grid (`labels[y * cols + x]`, `cols` x
//! `rows`); nothing here runs trajectories.
//!
//! Every label is a class of its own for the uncertainty exponent and the basin entropy,
//! including the non-basin labels of [`super::basins`] (diverged -1, unlabelled -2,
//! undefined -3, left the window -4). The Wada test takes only basins (labels >= 0): see [`wada`].

use rayon::prelude::*;
use serde::Serialize;

use super::fractal::fit_slope;

/// The dimension of a map's plane: the uncertainty exponent `alpha` and the boundary's
/// dimension `d` add up to it.
pub const PLANE_DIMENSION: f64 = 2.0;

/// An uncertainty-exponent estimate.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Uncertainty {
    /// The exponent `alpha` of `f(eps) ~ eps^alpha`: 1 for a smooth boundary, towards 0 for
    /// ever more intertwined basins.
    pub alpha: f64,
    /// The boundary's dimension `2 - alpha`.
    pub dimension: f64,
    /// Standard error of `alpha` (and of the dimension) from the fit's residuals.
    pub std_error: f64,
    /// The smallest and largest `eps` fitted, in cells.
    pub eps_range: [u32; 2],
    /// `f(eps)` at `eps` = 1, 2, 4, ... up to `eps_range[1]`.
    pub fractions: Vec<f64>,
}

/// The uncertainty exponent of a labelling (Grebogi, McDonald, Ott and Yorke, "Final state
/// sensitivity: an obstruction to predictability", Phys. Lett. A 99, 415 (1983)), on the
/// grid: `f(eps)` is the fraction of all cells whose label differs from that of a cell `eps`
/// cells away along a row or a column (the 4 offsets, those inside the grid), for `eps` = 1,
/// 2, 4, ... up to a quarter of the shorter side; `alpha` is the least-squares slope of
/// `ln f` against `ln eps`, and the boundary's dimension is `2 - alpha` (Attractors.jl's
/// `uncertainty_exponent` estimates the same exponent from boxes of side `eps`). A straight
/// boundary gives `f(eps) = 2 eps / cols` exactly, so `alpha = 1`. `None` when the grid
/// holds fewer than three such `eps` or some `f(eps)` is 0 (one label throughout).
pub fn uncertainty_exponent(labels: &[i32], cols: u32, rows: u32) -> Option<Uncertainty> {
    let (c, r) = (cols as usize, rows as usize);
    let most = c.min(r) / 4;
    let eps: Vec<usize> =
        std::iter::successors(Some(1usize), |e| Some(e * 2)).take_while(|&e| e <= most).collect();
    if eps.len() < 3 {
        return None;
    }
    let fractions: Vec<f64> = eps
        .iter()
        .map(|&e| {
            let uncertain: usize = (0..r)
                .into_par_iter()
                .map_init(Vec::new, |differs, y| {
                    // Per cell, whether a label `e` away differs: ORs of whole slices, so the
                    // loops vectorise.
                    let row = &labels[y * c..(y + 1) * c];
                    differs.clear();
                    differs.resize(c, false);
                    let mark = |differs: &mut [bool], a: &[i32], b: &[i32]| {
                        differs.iter_mut().zip(a.iter().zip(b)).for_each(|(d, (p, q))| *d |= p != q);
                    };
                    if e < c {
                        mark(&mut differs[..c - e], &row[..c - e], &row[e..]);
                        mark(&mut differs[e..], &row[e..], &row[..c - e]);
                    }
                    if y + e < r {
                        mark(differs, row, &labels[(y + e) * c..(y + e + 1) * c]);
                    }
                    if y >= e {
                        mark(differs, row, &labels[(y - e) * c..(y - e + 1) * c]);
                    }
                    differs.iter().filter(|&&d| d).count()
                })
                .sum();
            uncertain as f64 / (c * r) as f64
        })
        .collect();
    if fractions.contains(&0.0) {
        return None;
    }
    let pts: Vec<(f64, f64)> = eps.iter().zip(&fractions).map(|(&e, &f)| ((e as f64).ln(), f.ln())).collect();
    let (alpha, std_error) = fit_slope(&pts);
    Some(Uncertainty {
        alpha,
        dimension: PLANE_DIMENSION - alpha,
        std_error,
        eps_range: [1, eps[eps.len() - 1] as u32],
        fractions,
    })
}

/// Side of the boxes of [`basin_entropy`], in cells: the 5 of Daza et al. (2016).
pub const ENTROPY_BOX: u32 = 5;

/// The basin entropy of a labelling.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BasinEntropy {
    /// Mean Gibbs entropy (natural log) over all boxes.
    pub sb: f64,
    /// Mean over the boxes holding more than one label (`None` when none does); above ln 2
    /// the boundary is fractal (a sufficient condition, not a necessary one).
    pub sbb: Option<f64>,
    /// Side of the boxes, in cells.
    #[serde(rename = "box")]
    pub box_side: u32,
    /// Boxes averaged for `sb`.
    pub boxes: u64,
    /// Boxes holding more than one label, averaged for `sbb`.
    pub boundary_boxes: u64,
}

impl BasinEntropy {
    /// Whether `sbb` exceeds ln 2, which suffices for a fractal boundary (Daza et al. 2016).
    pub fn fractal(&self) -> bool {
        self.sbb.is_some_and(|s| s > std::f64::consts::LN_2)
    }
}

/// The basin entropy of Daza, Wagemakers, Georgeot, Guéry-Odelin and Sanjuán, "Basin
/// entropy: a new tool to analyze uncertainty in dynamical systems", Sci. Rep. 6, 31416
/// (2016): the grid is covered by `side` x `side` boxes from its origin (a partial box at the
/// far edges is left out), each box has the Gibbs entropy `S = -sum p_i ln p_i` of the share
/// `p_i` of its cells in each label, `Sb` is the mean of `S` over all boxes and `Sbb` the
/// mean over boxes with more than one label. `Sbb > ln 2` is a sufficient condition for a
/// fractal boundary (the "ln 2 criterion"): a smooth boundary between two basins splits a
/// box into two parts, whose entropy is at most ln 2. `None` when no whole box fits.
pub fn basin_entropy(labels: &[i32], cols: u32, rows: u32, side: u32) -> Option<BasinEntropy> {
    let (c, s) = (cols as usize, side.max(1) as usize);
    let (bx, by) = (c / s, rows as usize / s);
    if bx == 0 || by == 0 {
        return None;
    }
    let n = (s * s) as f64;
    // Per row of boxes: (sum of entropies, sum over boundary boxes, boundary boxes).
    let (total, boundary_sum, boundary) = (0..by)
        .into_par_iter()
        .map(|j| {
            let mut counts: Vec<(i32, u32)> = Vec::with_capacity(s * s);
            let mut acc = (0.0, 0.0, 0u64);
            for i in 0..bx {
                counts.clear();
                for y in j * s..(j + 1) * s {
                    for &v in &labels[y * c + i * s..y * c + (i + 1) * s] {
                        match counts.iter_mut().find(|(l, _)| *l == v) {
                            Some((_, k)) => *k += 1,
                            None => counts.push((v, 1)),
                        }
                    }
                }
                if counts.len() > 1 {
                    let h: f64 = counts
                        .iter()
                        .map(|&(_, k)| {
                            let p = k as f64 / n;
                            -p * p.ln()
                        })
                        .sum();
                    acc = (acc.0 + h, acc.1 + h, acc.2 + 1);
                }
            }
            acc
        })
        .reduce(|| (0.0, 0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let boxes = (bx * by) as u64;
    Some(BasinEntropy {
        sb: total / boxes as f64,
        sbb: (boundary > 0).then(|| boundary_sum / boundary as f64),
        box_side: s as u32,
        boxes,
        boundary_boxes: boundary,
    })
}

/// The largest dilation radius of [`wada`], in cells: the boundaries of the two-colour
/// merges must coincide within this many cells (Chebyshev distance) to count as one. A Wada
/// boundary resolved on a grid needs a few cells (the third basin's nearest sliver: 2 for
/// Newton's basins of z^3 - 1 at 256 and at 1024 cells a side); boundaries that are not Wada
/// stay apart by a share of the grid that grows with it.
pub const WADA_MAX_R: u32 = 8;

/// The share of boundary cells that may lie farther than the final radius from some merged
/// boundary and still count as Wada: isolated cells mislabelled by the finite run (a trajectory
/// not yet converged, a cell on the knife edge) must not decide the answer.
pub const WADA_TOLERANCE: f64 = 0.01;

/// The result of the Wada test by merging, with its evidence.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Wada {
    /// Whether the basins are Wada: at radius `r` at most [`WADA_TOLERANCE`] of the boundary
    /// cells lie farther than `r` from one of the merged boundaries.
    pub wada: bool,
    /// Always `"merging"` (Daza et al. 2018).
    pub method: &'static str,
    /// Basins taking part (labels >= 0 present on the map).
    pub basins: usize,
    /// Cells on some merged boundary (the cells of a basin with a 4-neighbour in another).
    pub boundary_cells: u64,
    /// The final dilation radius, in cells: the smallest at which the merged boundaries
    /// coincide within the tolerance, else [`WADA_MAX_R`].
    pub r: u32,
    /// The largest radius tried ([`WADA_MAX_R`]).
    pub max_r: u32,
    /// Share of the boundary cells within `r` of every merged boundary at the final `r`.
    pub shared_fraction: f64,
    /// The smallest radius at which the merged boundaries coincide exactly, every cell
    /// included (the largest Hausdorff distance between two of them), in cells; `None` when
    /// that is beyond [`WADA_MAX_R`].
    pub coincide_r: Option<u32>,
    /// Why the test could not run, when it could not (then `wada` is false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Wada {
    /// The answer without evidence, and why.
    fn not_tested(basins: usize, boundary_cells: u64, reason: String) -> Wada {
        Wada {
            wada: false,
            method: "merging",
            basins,
            boundary_cells,
            r: 0,
            max_r: WADA_MAX_R,
            shared_fraction: 0.0,
            coincide_r: None,
            reason: Some(reason),
        }
    }
}

/// The Wada test by merging of Daza, Wagemakers and Sanjuán, "Ascertaining when a basin is
/// Wada: the merging method", Sci. Rep. 8, 9954 (2018). For each basin `k`, all the others
/// are merged into one and the boundary `B_k` of the two-colour grid is marked (cells with a
/// 4-neighbour on the other side). The basins are Wada when every `B_k` is one and the same
/// set: every cell of any `B_j` lies within `r` cells (Chebyshev distance: a dilation by an
/// `(2r + 1)`-cell square) of every `B_k`. `r` grows from 1 until the share of boundary cells
/// that are not is at most [`WADA_TOLERANCE`], up to [`WADA_MAX_R`].
///
/// A cell lies on `B_k` exactly when `k` is its own basin or a 4-neighbour's and the two
/// differ, so each boundary cell carries the set of merges whose boundary it is on, and
/// dilating these sets (bitwise OR over a 3x3 square, `r` times) tells which boundaries lie
/// within `r` of it: the cost is a few passes over the grid whatever the number of basins.
///
/// Only basins take part: cells labelled -1 (diverged), -2 (unlabelled) or -3 (undefined)
/// belong to no basin, are on no boundary and are never a neighbour across one, so stray
/// cells that did not converge neither make nor break the property. At least three basins are
/// needed, and two of them must touch; otherwise `wada` is false and `reason` says why.
pub fn wada(labels: &[i32], cols: u32, rows: u32) -> Wada {
    let (c, r) = (cols as usize, rows as usize);
    // The basin labels present: a flag per label value (they are small: attractor indices).
    let top = labels.iter().copied().max().unwrap_or(-1);
    let mut present = vec![false; (top + 1).max(0) as usize];
    labels.iter().filter(|&&l| l >= 0).for_each(|&l| present[l as usize] = true);
    let classes: Vec<i32> = (0..present.len()).filter(|&k| present[k]).map(|k| k as i32).collect();
    if classes.len() < 3 {
        return Wada::not_tested(
            classes.len(),
            0,
            format!("{} basin(s): the Wada property needs at least three", classes.len()),
        );
    }
    // The narrowest word that holds a cell's set: a byte a cell for up to 8 basins (the common
    // case) moves an eighth of the memory of a u64 through every dilation.
    let grid = (labels, c, r, &classes[..]);
    match classes.len() {
        0..=8 => wada_in::<u8>(grid),
        9..=16 => wada_in::<u16>(grid),
        17..=32 => wada_in::<u32>(grid),
        _ => wada_in::<u64>(grid),
    }
}

/// An unsigned word of a cell's set of merged boundaries, bit `k` for basin `classes[k]`.
trait Word: Copy + Eq + Send + Sync + std::ops::BitOrAssign + 'static {
    const BITS: usize;
    const ZERO: Self;
    /// The word with the low `n` bits set (`n <= BITS`).
    fn low(n: usize) -> Self;
    /// The word with bit `k` set (`k < BITS`).
    fn bit(k: usize) -> Self;
}

macro_rules! word {
    ($($t:ty),*) => {$(
        impl Word for $t {
            const BITS: usize = <$t>::BITS as usize;
            const ZERO: Self = 0;
            fn low(n: usize) -> Self {
                if n >= <Self as Word>::BITS { <$t>::MAX } else { (1 << n) - 1 }
            }
            fn bit(k: usize) -> Self {
                1 << k
            }
        }
    )*};
}
word!(u8, u16, u32, u64);

/// [`wada`] on `(labels, cols, rows, classes)` with sets of `classes.len().div_ceil(W::BITS)`
/// words of `W` a cell.
fn wada_in<W: Word>((labels, c, r, classes): (&[i32], usize, usize, &[i32])) -> Wada {
    let words = classes.len().div_ceil(W::BITS);
    let mut sets = merges::<W>(labels, c, r, classes);
    let edge: Vec<usize> =
        (0..c * r).filter(|&i| sets[i * words..(i + 1) * words].iter().any(|&w| w != W::ZERO)).collect();
    let boundary_cells = edge.len() as u64;
    if edge.is_empty() {
        return Wada::not_tested(
            classes.len(),
            0,
            "no two basins touch (cells that are not basins lie between them)".into(),
        );
    }
    let full: Vec<W> = (0..words).map(|w| W::low(classes.len() - W::BITS * w)).collect();
    let total = boundary_cells as f64;
    let (mut decided, mut coincide_r, mut shared) = (None, None, 0.0);
    // Two scratch grids, reused by every step of dilation.
    let (mut across, mut next) = (vec![W::ZERO; sets.len()], vec![W::ZERO; sets.len()]);
    for radius in 1..=WADA_MAX_R {
        dilate(&sets, (c, r, words), &mut across, &mut next);
        std::mem::swap(&mut sets, &mut next);
        let covered = edge.par_iter().filter(|&&i| sets[i * words..(i + 1) * words] == full[..]).count();
        shared = covered as f64 / total;
        if decided.is_none() && 1.0 - shared <= WADA_TOLERANCE {
            decided = Some((radius, shared));
        }
        if covered == edge.len() {
            coincide_r = Some(radius);
            break;
        }
    }
    let (radius, shared) = decided.unwrap_or((WADA_MAX_R, shared));
    Wada {
        wada: decided.is_some(),
        method: "merging",
        basins: classes.len(),
        boundary_cells,
        r: radius,
        max_r: WADA_MAX_R,
        shared_fraction: shared,
        coincide_r,
        reason: None,
    }
}

/// Each cell's set of the merged boundaries it lies on (`classes.len().div_ceil(W::BITS)`
/// words a cell, bit `k` for `classes[k]`): the bits of its basin and of its 4-neighbours'
/// other basins where it has such neighbours, none elsewhere.
fn merges<W: Word>(labels: &[i32], c: usize, r: usize, classes: &[i32]) -> Vec<W> {
    let words = classes.len().div_ceil(W::BITS);
    // Basin labels are attractor indices, so a table by label finds each one's bit.
    let top = classes.last().map_or(0, |&l| l as usize + 1);
    let mut slot = vec![(0usize, W::ZERO); top];
    for (k, &l) in classes.iter().enumerate() {
        slot[l as usize] = (k / W::BITS, W::bit(k % W::BITS));
    }
    let mut sets = vec![W::ZERO; c * r * words];
    sets.par_chunks_mut(c * words).enumerate().for_each(|(y, row)| {
        for x in 0..c {
            let i = y * c + x;
            let v = labels[i];
            if v < 0 {
                continue;
            }
            let set = &mut row[x * words..(x + 1) * words];
            let mut across = |j: usize| {
                let w = labels[j];
                if w >= 0 && w != v {
                    let (word, b) = slot[w as usize];
                    set[word] |= b;
                    true
                } else {
                    false
                }
            };
            let mut any = false;
            any |= x + 1 < c && across(i + 1);
            any |= x > 0 && across(i - 1);
            any |= y + 1 < r && across(i + c);
            any |= y > 0 && across(i - c);
            if any {
                let (word, b) = slot[v as usize];
                set[word] |= b;
            }
        }
    });
    sets
}

/// `out[i] |= from[i]` over two slices of one length.
fn or_into<W: Word>(out: &mut [W], from: &[W]) {
    out.iter_mut().zip(from).for_each(|(a, &b)| *a |= b);
}

/// One step of dilation of per-cell bit sets (`words` words a cell, row-major `c` x `r`) into
/// `out`: each cell gets the union of the sets of the 3x3 square around it (a row pass into
/// the scratch grid `across`, then a column pass). A row's left and right neighbours are its
/// words shifted by one cell, so both passes are ORs of whole slices.
fn dilate<W: Word>(sets: &[W], (c, r, words): (usize, usize, usize), across: &mut [W], out: &mut [W]) {
    let rw = c * words;
    across.par_chunks_mut(rw).zip(sets.par_chunks(rw)).for_each(|(out, row)| {
        out.copy_from_slice(row);
        or_into(&mut out[words..], &row[..rw - words]);
        or_into(&mut out[..rw - words], &row[words..]);
    });
    let across = &*across;
    out.par_chunks_mut(rw).enumerate().for_each(|(y, row)| {
        row.copy_from_slice(&across[y * rw..(y + 1) * rw]);
        for near in [y.wrapping_sub(1), y + 1].into_iter().filter(|&n| n < r) {
            or_into(row, &across[near * rw..(near + 1) * rw]);
        }
    });
}

/// The three measures of one map, as its JSON records them next to `boundary_dimension`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Fractality {
    /// [`uncertainty_exponent`].
    pub uncertainty_exponent: Option<Uncertainty>,
    /// [`basin_entropy`] with boxes of [`ENTROPY_BOX`] cells.
    pub basin_entropy: Option<BasinEntropy>,
    /// [`wada`].
    pub wada: Wada,
}

impl Fractality {
    /// All three measures of a labelling.
    pub fn measure(labels: &[i32], cols: u32, rows: u32) -> Fractality {
        let ((uncertainty_exponent, basin_entropy), wada) = rayon::join(
            || {
                rayon::join(
                    || uncertainty_exponent(labels, cols, rows),
                    || basin_entropy(labels, cols, rows, ENTROPY_BOX),
                )
            },
            || wada(labels, cols, rows),
        );
        Fractality { uncertainty_exponent, basin_entropy, wada }
    }

    /// A short account for a summary line: `Sbb 0.81 (> ln 2: fractal), Wada (r = 2)`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.basin_entropy.as_ref().and_then(|e| e.sbb.map(|v| (v, e.fractal()))) {
            parts.push(format!("Sbb {:.2}{}", s.0, if s.1 { " (> ln 2: fractal)" } else { "" }));
        }
        if self.wada.reason.is_none() {
            parts.push(if self.wada.wada {
                format!("Wada (r = {})", self.wada.r)
            } else {
                format!("not Wada ({:.0}% shared at r = {})", 100.0 * self.wada.shared_fraction, self.wada.r)
            });
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels 0 left of column `n / 2 + 3`, 1 from it: one straight boundary.
    fn half_planes(n: u32) -> Vec<i32> {
        (0..n * n).map(|i| ((i % n) >= n / 2 + 3) as i32).collect()
    }

    /// Reproducible labels in 0..k from a xorshift generator.
    fn random_labels(n: u32, k: u32) -> Vec<i32> {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        (0..n * n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 33) % k as u64) as i32
            })
            .collect()
    }

    /// Three basins that meet only at the centre: a left half (0), and the right half split
    /// into a top (1) and a bottom (2) quarter.
    fn three_at_a_point(n: u32) -> Vec<i32> {
        (0..n * n)
            .map(|i| match ((i % n) < n / 2, (i / n) < n / 2) {
                (true, _) => 0,
                (false, true) => 1,
                (false, false) => 2,
            })
            .collect()
    }

    #[test]
    fn a_straight_boundary_has_uncertainty_exponent_one() {
        let u = uncertainty_exponent(&half_planes(128), 128, 128).unwrap();
        assert!((u.alpha - 1.0).abs() < 1e-9 && (u.dimension - 1.0).abs() < 1e-9, "{u:?}");
        assert!(u.std_error < 1e-9);
        assert_eq!(u.eps_range, [1, 32]);
        // f(eps) = 2 eps / cols exactly.
        assert!((u.fractions[0] - 2.0 / 128.0).abs() < 1e-12, "{u:?}");
    }

    #[test]
    fn random_labels_have_uncertainty_exponent_near_zero() {
        let u = uncertainty_exponent(&random_labels(128, 2), 128, 128).unwrap();
        assert!(u.alpha.abs() < 0.05 && (u.dimension - 2.0).abs() < 0.05, "{u:?}");
    }

    #[test]
    fn one_label_throughout_has_no_uncertainty_exponent_and_zero_entropy() {
        let flat = vec![3; 64 * 64];
        assert!(uncertainty_exponent(&flat, 64, 64).is_none());
        let e = basin_entropy(&flat, 64, 64, 5).unwrap();
        assert_eq!((e.sb, e.sbb, e.boxes, e.boundary_boxes), (0.0, None, 144, 0));
        assert!(uncertainty_exponent(&half_planes(8), 8, 8).is_none(), "too small for three eps");
    }

    #[test]
    fn basin_entropy_of_a_straight_boundary_is_below_ln2_and_of_noise_near_the_maximum() {
        let e = basin_entropy(&half_planes(100), 100, 100, 5).unwrap();
        // Column 53 splits the boxes over columns 50..55 3:2 in every row of boxes.
        let h = -(0.6f64 * 0.6f64.ln() + 0.4 * 0.4f64.ln());
        assert_eq!((e.boxes, e.boundary_boxes), (400, 20));
        assert!((e.sbb.unwrap() - h).abs() < 1e-12 && (e.sb - h * 20.0 / 400.0).abs() < 1e-12, "{e:?}");
        assert!(!e.fractal());
        // Three labels at random: every box mixed, entropy near ln 3.
        let e = basin_entropy(&random_labels(100, 3), 100, 100, 5).unwrap();
        assert!(e.fractal() && e.sbb.unwrap() > 0.9 && e.sbb.unwrap() <= 3f64.ln(), "{e:?}");
        // A partial box at the edges is left out.
        assert_eq!(basin_entropy(&half_planes(12), 12, 12, 5).unwrap().boxes, 4);
    }

    #[test]
    fn three_basins_meeting_at_a_point_are_not_wada() {
        let w = wada(&three_at_a_point(128), 128, 128);
        assert!(!w.wada && w.reason.is_none() && w.basins == 3, "{w:?}");
        assert_eq!(w.r, WADA_MAX_R);
        assert!(w.shared_fraction < 0.2, "{w:?}");
        assert_eq!(w.coincide_r, None, "{w:?}");
    }

    #[test]
    fn finely_interleaved_basins_are_wada_and_two_basins_never_are() {
        // Stripes 0, 1, 2, 0, 1, 2, ... one cell wide: every boundary cell touches all three.
        let stripes: Vec<i32> = (0..64 * 64).map(|i| i % 64 % 3).collect();
        let w = wada(&stripes, 64, 64);
        assert!(w.wada && w.r == 1 && w.shared_fraction == 1.0 && w.coincide_r == Some(1), "{w:?}");
        let w = wada(&half_planes(64), 64, 64);
        assert!(!w.wada && w.basins == 2 && w.reason.as_deref().unwrap().contains("at least three"), "{w:?}");
    }

    #[test]
    fn every_word_width_gives_the_same_wada_evidence() {
        for k in [3, 7, 20] {
            let labels = random_labels(48, k);
            let classes: Vec<i32> = (0..k as i32).collect();
            let grid = (&labels[..], 48, 48, &classes[..]);
            let wide = wada_in::<u64>(grid);
            assert!(wide.reason.is_none() && wide.boundary_cells > 0, "{wide:?}");
            assert_eq!(wada_in::<u32>(grid), wide, "{k} basins");
            if k <= 16 {
                assert_eq!(wada_in::<u16>(grid), wide, "{k} basins");
            }
            if k <= 8 {
                assert_eq!(wada_in::<u8>(grid), wide, "{k} basins");
            }
        }
    }

    #[test]
    fn wada_ignores_cells_that_are_not_basins() {
        // Stripes of basins with a diverged (-1) and an unlabelled (-2) column between: no
        // boundary runs through the non-basin cells, the rest stays Wada.
        let labels: Vec<i32> = (0..64 * 64)
            .map(|i| match i % 64 {
                10 => -1,
                40 => -2,
                x => x % 3,
            })
            .collect();
        let w = wada(&labels, 64, 64);
        assert!(w.wada && w.basins == 3, "{w:?}");
    }

    #[test]
    fn dilation_grows_a_set_by_one_cell_in_all_eight_directions() {
        let (c, r, words) = (7, 5, 2);
        let mut sets = vec![0u64; c * r * words];
        sets[(2 * c + 3) * words + 1] = 4;
        let (mut across, mut once, mut twice) =
            (vec![0; sets.len()], vec![0; sets.len()], vec![0; sets.len()]);
        dilate(&sets, (c, r, words), &mut across, &mut once);
        dilate(&once, (c, r, words), &mut across, &mut twice);
        for y in 0..r {
            for x in 0..c {
                let near = (x as i32 - 3).abs().max((y as i32 - 2).abs()) <= 2;
                let i = (y * c + x) * words;
                assert_eq!((twice[i], twice[i + 1]), (0, if near { 4 } else { 0 }), "({x}, {y})");
            }
        }
    }

    #[test]
    fn basins_that_do_not_touch_are_not_tested() {
        // Three basins in columns, with unlabelled cells between each.
        let labels: Vec<i32> = (0..32 * 32).map(|i| [0, -2, 1, -2, 2][(i % 32) / 7]).collect();
        let w = wada(&labels, 32, 32);
        assert!(!w.wada && w.boundary_cells == 0 && w.reason.as_deref().unwrap().contains("touch"), "{w:?}");
    }
}
