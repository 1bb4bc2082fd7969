//! Basin labels: which attractor each trajectory reached.
//!
//! Attractors are the landscape's known minima (found by [`crate::landscape::Landscape::minima_in`])
//! plus, for landscapes where trajectories settle elsewhere (saddles, expression landscapes
//! whose stationary points are not minima, minima outside the search window), clusters of the
//! final points of converged trajectories found by [`attractors`].

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::Error;
use crate::fmt::num;
use crate::landscape::Minimum;
use crate::outcome::{Bands, Outcomes};

/// Label of a diverged trajectory.
pub const DIVERGED: i32 = -1;
/// Label of a trajectory on a map with no attractors at all, or of one that did not converge
/// and ended near no attractor ([`label_within`]).
pub const UNLABELLED: i32 = -2;
/// Label of a trajectory that did not diverge but ended where the loss is NaN (outside the
/// landscape's domain, as `log(x)` for `x < 0`).
pub const UNDEFINED: i32 = -3;
/// Label of a trajectory on a map of start points that neither diverged nor converged and
/// ended outside the map's window, near no attractor: it left the window but stayed below the
/// divergence threshold, so it is told apart from [`DIVERGED`] (still bounded) and from
/// [`UNLABELLED`] (stalled or still travelling inside the window).
pub const LEFT_WINDOW: i32 = -4;

/// Most clusters [`attractors`] reports; smaller ones beyond this are left out (their cells
/// take the nearest reported attractor's label).
pub const MAX_FOUND: usize = 64;

/// How far from an attractor a trajectory that did not converge may end and still count in
/// its basin ([`label_within`]), as a fraction of the map window's larger side.
pub const REACH: f64 = 0.05;

/// Cluster tolerance of [`attractors`] as a fraction of the map window's larger side.
pub const CLUSTER_TOL: f64 = 1e-3;

/// A point trajectories end at: a known minimum or a cluster of final points.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attractor {
    /// Short label for legends and metadata: `(3.00, 2.00)` for a known minimum,
    /// `attractor (1.00, 0.00)` for a found one.
    pub label: String,
    /// Location `(x, y)`: the minimum, or the cluster's member final point nearest its mean.
    pub at: [f64; 2],
    /// Loss at `at`.
    pub loss: f64,
    /// Whether it was found by clustering final points (not a known minimum).
    pub found: bool,
    /// For a found attractor, the largest distance of a member final point from `at`
    /// (a ring or valley of stationary points shows up as a large extent); 0 for minima.
    pub extent: f64,
}

impl From<Minimum> for Attractor {
    fn from(m: Minimum) -> Self {
        Attractor { label: m.label, at: m.at, loss: m.loss, found: false, extent: 0.0 }
    }
}

/// Spatial hash of points into square bins of side `tol`.
fn bin(p: [f64; 2], tol: f64) -> (i64, i64) {
    ((p[0] / tol).floor() as i64, (p[1] / tol).floor() as i64)
}

const NEIGHBOURS: [(i64, i64); 9] =
    [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)];

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Known minima by the bin of side `tol` they fall in.
type MinimaByBin = FxHashMap<(i64, i64), Vec<[f64; 2]>>;

/// Whether a point lies within `tol` (Euclidean) of a known minimum: by comparing with every
/// minimum when there are few, through bins of side `tol` when there are many.
struct NearKnown<'a> {
    known: &'a [Minimum],
    tol: f64,
    bins: Option<MinimaByBin>,
}

impl<'a> NearKnown<'a> {
    /// Above this many minima, points are looked up through bins.
    const DIRECT: usize = 32;

    fn new(known: &'a [Minimum], tol: f64) -> Self {
        let bins = (known.len() > Self::DIRECT).then(|| {
            let mut bins = MinimaByBin::default();
            for m in known {
                bins.entry(bin(m.at, tol)).or_default().push(m.at);
            }
            bins
        });
        NearKnown { known, tol, bins }
    }

    fn contains(&self, p: [f64; 2]) -> bool {
        let close = |m: &[f64; 2]| (m[0] - p[0]).powi(2) + (m[1] - p[1]).powi(2) <= self.tol * self.tol;
        match &self.bins {
            None => self.known.iter().any(|m| close(&m.at)),
            Some(bins) => {
                let (bx, by) = bin(p, self.tol);
                NEIGHBOURS
                    .iter()
                    .any(|(dx, dy)| bins.get(&(bx + dx, by + dy)).is_some_and(|ms| ms.iter().any(close)))
            }
        }
    }
}

/// The known minima, then clusters of the final points of converged trajectories that lie
/// farther than `tol` (Euclidean, in landscape units) from every known minimum.
///
/// Final points are binned into squares of side `tol`; occupied bins that touch (8-neighbour)
/// form one cluster, so points closer than `tol` always share a cluster and points farther
/// than `2√2 tol` apart share one only through a chain of occupied bins. The [`MAX_FOUND`]
/// largest clusters are kept, in order of position (x, then y); each is placed at its member
/// nearest the mean, with `loss` evaluated there.
pub fn attractors(
    cells: &dyn Bands,
    known: Vec<Minimum>,
    tol: f64,
    loss: impl Fn([f64; 2]) -> f64,
) -> Result<Vec<Attractor>, Error> {
    assert!(tol > 0.0 && tol.is_finite(), "cluster tolerance must be positive");
    let near = NearKnown::new(&known, tol);
    // The final points to cluster, in row-major order, a band at a time.
    let read = |f: &mut dyn FnMut([f64; 2])| {
        cells.each(&mut |_, out| {
            let band: Vec<[f64; 2]> = (0..out.len())
                .into_par_iter()
                .filter(|&i| !out.diverged(i) && out.conv_step[i] >= 0)
                .map(|i| [out.x[i] as f64, out.y[i] as f64])
                .filter(|&p| p[0].is_finite() && p[1].is_finite() && !near.contains(p))
                .collect();
            band.into_iter().for_each(&mut *f);
        })
    };
    // Kept for the clustering's four passes where they are few (most points end near known
    // minima), else read again each pass.
    let mut kept = Some(Vec::new());
    read(&mut |p| {
        if let Some(v) = kept.as_mut() {
            v.push(p);
            if v.len() > KEPT_POINTS {
                kept = None;
            }
        }
    })?;
    let points = |f: &mut dyn FnMut([f64; 2])| match &kept {
        Some(v) => {
            v.iter().copied().for_each(f);
            Ok(())
        }
        None => read(f),
    };

    let clusters = clusters(&points, tol)?;

    // Clusters a reader could not tell apart (the same point to two decimals: a slow,
    // degenerate stationary point approached from several directions) are one attractor.
    // (One label per cluster, looked up by name: a noisy map can have thousands of clusters.)
    let mut merged: Vec<(usize, [f64; 2], f64)> = Vec::new();
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    for (n, at, extent) in clusters {
        match by_name.entry(crate::landscape::point_label(at)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let m = &mut merged[*e.get()];
                m.0 += n;
                m.2 = m.2.max(extent + (at[0] - m.1[0]).hypot(at[1] - m.1[1]));
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(merged.len());
                merged.push((n, at, extent));
            }
        }
    }

    // The largest clusters, then in order of position (x, then y): a found attractor keeps its
    // index, and so its colour, between figures of the same landscape (a zoom, another
    // optimiser) as long as they find the same ones.
    merged.truncate(MAX_FOUND);
    merged.sort_by(|a, b| a.1[0].total_cmp(&b.1[0]).then(a.1[1].total_cmp(&b.1[1])));
    let mut all: Vec<Attractor> = known.into_iter().map(Attractor::from).collect();
    all.extend(merged.into_iter().map(|(_, at, extent)| Attractor {
        label: format!("attractor {}", crate::landscape::point_label(at)),
        at,
        loss: loss(at),
        found: true,
        extent,
    }));
    unique_labels(&mut all);
    Ok(all)
}

/// Most final points [`attractors`] keeps in memory between its passes (64 MB).
const KEPT_POINTS: usize = 1 << 22;

/// Visits the points to cluster, in the same order on every call.
type Points<'a> = dyn Fn(&mut dyn FnMut([f64; 2])) -> Result<(), Error> + 'a;

/// Clusters of the points `points` visits ([`attractors`] says how they form), largest first
/// (then by position): each as its size, its member nearest the mean, and its extent (the
/// largest distance of a member from that point). Four passes over the points, holding only
/// the occupied bins and one entry per cluster, so a map of any size clusters in memory that
/// grows with the bins, not the points.
fn clusters(points: &Points<'_>, tol: f64) -> Result<Vec<(usize, [f64; 2], f64)>, Error> {
    // Pass 1: the occupied bins, numbered in order of first occupation.
    let mut bins: FxHashMap<(i64, i64), usize> = FxHashMap::default();
    points(&mut |p| {
        let next = bins.len();
        bins.entry(bin(p, tol)).or_insert(next);
    })?;
    let mut parent: Vec<usize> = (0..bins.len()).collect();
    for (&(bx, by), &b) in &bins {
        for (dx, dy) in NEIGHBOURS {
            if let Some(&n) = bins.get(&(bx + dx, by + dy)) {
                let (ra, rb) = (find(&mut parent, b), find(&mut parent, n));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let roots: Vec<usize> = (0..parent.len()).map(|b| find(&mut parent, b)).collect();
    let root = |p: [f64; 2]| roots[bins[&bin(p, tol)]];
    // Pass 2: per cluster root, the sum of its points and their count.
    let mut sums: FxHashMap<usize, ([f64; 2], usize)> = FxHashMap::default();
    points(&mut |p| {
        let e = sums.entry(root(p)).or_insert(([0.0, 0.0], 0));
        e.0[0] += p[0];
        e.0[1] += p[1];
        e.1 += 1;
    })?;
    // Pass 3: the member nearest the mean.
    let mut best: FxHashMap<usize, ([f64; 2], f64)> = FxHashMap::default();
    points(&mut |p| {
        let r = root(p);
        let (s, n) = sums[&r];
        let d = (p[0] - s[0] / n as f64).hypot(p[1] - s[1] / n as f64);
        let e = best.entry(r).or_insert((p, f64::INFINITY));
        if d < e.1 {
            *e = (p, d);
        }
    })?;
    // Pass 4: the extent.
    let mut extent: FxHashMap<usize, f64> = FxHashMap::default();
    points(&mut |p| {
        let r = root(p);
        let at = best[&r].0;
        let e = extent.entry(r).or_insert(0.0);
        *e = e.max((p[0] - at[0]).hypot(p[1] - at[1]));
    })?;
    let mut clusters: Vec<(usize, [f64; 2], f64)> =
        sums.iter().map(|(r, (_, n))| (*n, best[r].0, extent[r])).collect();
    clusters.sort_by(|a, b| b.0.cmp(&a.0).then(a.1[0].total_cmp(&b.1[0])).then(a.1[1].total_cmp(&b.1[1])));
    Ok(clusters)
}

/// What a found attractor is, from the Hessian `(xx, xy, yy)` at it: `minimum`, `maximum`,
/// `saddle`, or `stationary point` where the Hessian is degenerate (a zero eigenvalue to
/// 1e-9 of its scale, as at a monkey saddle or along a valley of minima).
pub fn stationary_kind(h: [f64; 3]) -> &'static str {
    let scale = h[0].abs().max(h[1].abs()).max(h[2].abs());
    let det = h[0] * h[2] - h[1] * h[1];
    let degenerate = scale.is_nan() || scale == 0.0 || !det.is_finite() || det.abs() <= 1e-9 * scale * scale;
    if degenerate {
        "stationary point"
    } else if det < 0.0 {
        "saddle"
    } else if h[0] + h[2] > 0.0 {
        "minimum"
    } else {
        "maximum"
    }
}

/// Names every found attractor by what it is (`saddle (1.00, 0.00)`; see [`stationary_kind`]),
/// from the landscape's Hessian `hess` at it.
pub fn name_found(attractors: &mut [Attractor], hess: impl Fn([f64; 2]) -> [f64; 3]) {
    for a in attractors.iter_mut().filter(|a| a.found) {
        a.label = format!("{} {}", stationary_kind(hess(a.at)), crate::landscape::point_label(a.at));
    }
    unique_labels(attractors);
}

/// Makes labels unique: attractors that share a label are written with more decimals (up to
/// six), then numbered.
fn unique_labels(all: &mut [Attractor]) {
    let shared = |all: &[Attractor], i: usize| all.iter().filter(|b| b.label == all[i].label).count() > 1;
    for digits in 3..=6 {
        let clash: Vec<usize> = (0..all.len()).filter(|&i| shared(all, i)).collect();
        if clash.is_empty() {
            return;
        }
        for i in clash {
            let name = all[i].label.split(" (").next().unwrap_or("").to_string();
            let [x, y] = all[i].at.map(|v| if v.abs() < 0.5 * 10f64.powi(-digits) { 0.0 } else { v });
            let d = digits as usize;
            all[i].label = format!("{name} ({x:.d$}, {y:.d$})");
        }
    }
    for i in 0..all.len() {
        let n = all[..i].iter().filter(|b| b.label == all[i].label).count();
        if n > 0 {
            all[i].label = format!("{} #{}", all[i].label, n + 1);
        }
    }
}

/// One list of attractors for several maps of the same landscape (panels, frames): the first
/// list in order, then every attractor of the later lists farther than `tol` from all kept
/// so far. Labels computed against the merged list give the same attractor the same index
/// (and colour) in every map.
pub fn merge(lists: &[Vec<Attractor>], tol: f64) -> Vec<Attractor> {
    let mut all: Vec<Attractor> = Vec::new();
    for a in lists.iter().flatten() {
        if !all.iter().any(|b| (a.at[0] - b.at[0]).hypot(a.at[1] - b.at[1]) <= tol) {
            all.push(a.clone());
        }
    }
    unique_labels(&mut all);
    all
}

/// For each cell, the index into `attractors` of the attractor nearest its final point
/// (Euclidean), [`DIVERGED`] if it diverged, or [`UNLABELLED`] if there are no attractors.
pub fn label(out: &Outcomes, attractors: &[Attractor]) -> Vec<i32> {
    (0..out.len())
        .into_par_iter()
        .map(|i| {
            if out.diverged(i) {
                return DIVERGED;
            }
            let (x, y) = (out.x[i] as f64, out.y[i] as f64);
            attractors
                .iter()
                .enumerate()
                .map(|(k, m)| (k, (m.at[0] - x).powi(2) + (m.at[1] - y).powi(2)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(UNLABELLED, |(k, _)| k as i32)
        })
        .collect()
}

/// [`label`], except that a trajectory that ended where the loss is NaN is [`UNDEFINED`], and
/// one that did not converge takes an attractor's label only
/// if it ended within `reach` of it (a slow trajectory closing in on a minimum); one that ended
/// farther from every attractor (still travelling, or stalled elsewhere) is [`UNLABELLED`],
/// so it joins no basin. On a map of start points, `window` is its `[x_lo, x_hi, y_lo, y_hi]`
/// (cell edges), and such a trajectory that ended outside it is [`LEFT_WINDOW`] instead.
pub fn label_within(
    out: &Outcomes,
    attractors: &[Attractor],
    reach: f64,
    window: Option<[f64; 4]>,
) -> Vec<i32> {
    let mut labels = label(out, attractors);
    labels.par_iter_mut().enumerate().for_each(|(i, l)| {
        if out.loss_undefined(i) {
            *l = UNDEFINED;
            return;
        }
        let (x, y) = (out.x[i] as f64, out.y[i] as f64);
        if *l >= 0 && out.conv_step[i] < 0 {
            let a = attractors[*l as usize].at;
            if (x - a[0]).hypot(y - a[1]) > reach {
                *l = UNLABELLED;
            }
        }
        if *l == UNLABELLED
            && window.is_some_and(|w| !(w[0]..=w[1]).contains(&x) || !(w[2]..=w[3]).contains(&y))
        {
            *l = LEFT_WINDOW;
        }
    });
    labels
}

/// [`label_within`] for every cell of a grid read band by band.
pub fn label_cells(
    cells: &dyn Bands,
    attractors: &[Attractor],
    reach: f64,
    window: Option<[f64; 4]>,
) -> Result<Vec<i32>, Error> {
    let mut labels = Vec::with_capacity(cells.cols() as usize * cells.rows() as usize);
    cells.each(&mut |_, out| labels.extend(label_within(out, attractors, reach, window)))?;
    Ok(labels)
}

/// Share of the grid in one basin, and how fast its trajectories converged.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BasinShare {
    /// The attractor's label, or `diverged` / `not converged`.
    pub label: String,
    /// `minimum` (known), `attractor` (found by clustering), `diverged` or `not converged`.
    pub kind: &'static str,
    /// Location of the attractor (absent for the `diverged` and `not converged` rows).
    pub at: Option<[f64; 2]>,
    /// Fraction of all cells: for a minimum, every non-diverged cell that ended nearest it.
    pub fraction: f64,
    /// Fraction of all cells that are in this basin and converged within the step budget.
    pub converged_fraction: f64,
    /// Mean steps to converge over this basin's converged cells.
    pub mean_steps: Option<f64>,
    /// Median steps to converge over this basin's converged cells.
    pub median_steps: Option<f64>,
}

fn mean_and_median(mut steps: Vec<i32>) -> (Option<f64>, Option<f64>) {
    if steps.is_empty() {
        return (None, None);
    }
    steps.sort_unstable();
    let n = steps.len();
    let mean = steps.iter().map(|&s| s as f64).sum::<f64>() / n as f64;
    let median =
        if n % 2 == 1 { steps[n / 2] as f64 } else { 0.5 * (steps[n / 2 - 1] + steps[n / 2]) as f64 };
    (Some(mean), Some(median))
}

/// Area fraction and convergence speed of every basin, then the `diverged` and
/// `not converged` (no divergence, gradient never below the tolerance, not counting those that
/// left the window) shares, a `left the window` share ([`LEFT_WINDOW`]) and a `loss undefined`
/// share (ended where the loss is NaN) when there is one.
pub fn shares(grid: &dyn Bands, labels: &[i32], attractors: &[Attractor]) -> Result<Vec<BasinShare>, Error> {
    let n = labels.len().max(1) as f64;
    // One pass: every basin's cell count and the steps of its converged cells, and the cells
    // that neither diverged nor converged.
    let mut cells = vec![0usize; attractors.len()];
    let mut steps: Vec<Vec<i32>> = vec![Vec::new(); attractors.len()];
    let mut stuck = 0;
    grid.each(&mut |first, out| {
        let at = first as usize * out.cols as usize;
        for (&l, &s) in labels[at..at + out.len()].iter().zip(&out.conv_step) {
            if let Ok(k) = usize::try_from(l)
                && k < attractors.len()
            {
                cells[k] += 1;
                if s >= 0 {
                    steps[k].push(s);
                }
            }
            stuck += usize::from(l != DIVERGED && l != UNDEFINED && l != LEFT_WINDOW && s < 0);
        }
    })?;
    let mut rows: Vec<BasinShare> = attractors
        .iter()
        .zip(cells.into_iter().zip(steps))
        .map(|(m, (inside, steps))| {
            let converged = steps.len();
            let (mean_steps, median_steps) = mean_and_median(steps);
            BasinShare {
                label: m.label.clone(),
                kind: if m.found { "attractor" } else { "minimum" },
                at: Some(m.at),
                fraction: inside as f64 / n,
                converged_fraction: converged as f64 / n,
                mean_steps,
                median_steps,
            }
        })
        .collect();
    let div = labels.iter().filter(|&&l| l == DIVERGED).count();
    let undefined = labels.iter().filter(|&&l| l == UNDEFINED).count();
    let left = labels.iter().filter(|&&l| l == LEFT_WINDOW).count();
    let mut extra = vec![("diverged", div), ("not converged", stuck)];
    if left > 0 {
        extra.push(("left the window", left));
    }
    if undefined > 0 {
        extra.push(("loss undefined", undefined));
    }
    for (label, count) in extra {
        rows.push(BasinShare {
            label: label.into(),
            kind: label,
            at: None,
            fraction: count as f64 / n,
            converged_fraction: 0.0,
            mean_steps: None,
            median_steps: None,
        });
    }
    Ok(rows)
}

/// The shares as CSV: `label,kind,x,y,fraction,converged_fraction,mean_steps,median_steps`.
pub fn csv(shares: &[BasinShare]) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), num);
    let mut s = String::from("label,kind,x,y,fraction,converged_fraction,mean_steps,median_steps\n");
    for r in shares {
        let (x, y) = r.at.map_or((String::new(), String::new()), |a| (num(a[0]), num(a[1])));
        s.push_str(&format!(
            "\"{}\",{},{x},{y},{},{},{},{}\n",
            r.label,
            r.kind,
            num(r.fraction),
            num(r.converged_fraction),
            opt(r.mean_steps),
            opt(r.median_steps)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::TrajState;

    #[test]
    fn shares_count_basins_divergence_and_stragglers() {
        let mut out = Outcomes::with_capacity(4, 1);
        let cell = |x: f32, div: i32, conv: i32| TrajState {
            pos: [x, 0.0],
            div_step: div,
            conv_step: conv,
            ..Default::default()
        };
        for s in [cell(-0.9, -1, 10), cell(-1.1, -1, 30), cell(1.0, -1, -1), cell(9.0, 4, -1)] {
            out.push(&s);
        }
        let minima = vec![
            Minimum { label: "left".into(), at: [-1.0, 0.0], loss: 0.0 },
            Minimum { label: "right".into(), at: [1.0, 0.0], loss: 0.0 },
        ];
        let attractors: Vec<Attractor> = minima.into_iter().map(Attractor::from).collect();
        let labels = label(&out, &attractors);
        assert_eq!(labels, vec![0, 0, 1, DIVERGED]);
        let rows = shares(&out, &labels, &attractors).unwrap();
        assert_eq!(rows[0].fraction, 0.5);
        assert_eq!((rows[0].mean_steps, rows[0].median_steps), (Some(20.0), Some(20.0)));
        assert_eq!((rows[1].fraction, rows[1].converged_fraction, rows[1].mean_steps), (0.25, 0.0, None));
        assert_eq!((rows[2].label.as_str(), rows[2].fraction), ("diverged", 0.25));
        assert_eq!((rows[3].label.as_str(), rows[3].fraction), ("not converged", 0.25));
        assert!(csv(&rows).starts_with("label,kind,x,y,fraction"));
        assert!(csv(&rows).contains("\"diverged\",diverged,,,0.25"));
    }

    fn ended_at(points: &[([f32; 2], i32)]) -> Outcomes {
        let mut out = Outcomes::with_capacity(points.len() as u32, 1);
        for &(pos, conv_step) in points {
            out.push(&TrajState { pos, div_step: -1, conv_step, ..Default::default() });
        }
        out
    }

    #[test]
    fn clusters_converged_end_points_away_from_known_minima() {
        // Two tight clusters near (0.5, 0.5) (three points) and (-2, 1) (one point), one point on
        // the known minimum, and one far point that never converged (not clustered).
        let out = ended_at(&[
            ([0.5, 0.5], 3),
            ([0.5004, 0.5], 4),
            ([0.4998, 0.5003], 5),
            ([-2.0, 1.0], 6),
            ([1.0, 0.0], 7),
            ([7.0, 7.0], -1),
        ]);
        let known = vec![Minimum { label: "(1.00, 0.00)".into(), at: [1.0, 0.0], loss: 0.0 }];
        let found = attractors(&out, known, 1e-3, |p| p[0] + p[1]).unwrap();
        let labels: Vec<&str> = found.iter().map(|a| a.label.as_str()).collect();
        // Known minima first, then found ones in order of position.
        assert_eq!(labels, ["(1.00, 0.00)", "attractor (-2.00, 1.00)", "attractor (0.50, 0.50)"]);
        assert!(!found[0].found && found[1].found && found[2].found);
        assert_eq!(found[1].loss, -1.0);
        assert_eq!(found[1].extent, 0.0);
        // The member nearest the mean, and the farthest member's distance from it.
        let (at, extent) = (found[2].at, found[2].extent);
        assert!((at[0] - 0.5).abs() < 1e-6 && (at[1] - 0.5).abs() < 1e-6, "{at:?}");
        assert!((extent - 0.0004).abs() < 1e-6, "{extent}");
        assert_eq!(label(&out, &found), vec![2, 2, 2, 1, 0, 2]);
    }

    #[test]
    fn clusters_a_reader_cannot_tell_apart_are_one_attractor_with_a_unique_label() {
        // A degenerate stationary point approached along three directions: end points about
        // 0.003 from it, farther apart than the tolerance, all `(0.00, 0.00)` to two decimals.
        let out =
            ended_at(&[([0.003, 0.0], 9), ([-0.0015, 0.0026], 9), ([-0.0015, -0.0026], 9), ([0.5, 0.5], 3)]);
        let found = attractors(&out, Vec::new(), 1e-3, |_| 0.0).unwrap();
        let labels: Vec<&str> = found.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert!(labels.contains(&"attractor (0.00, 0.00)") && labels.contains(&"attractor (0.50, 0.50)"));
        // Distinct points with one two-decimal label get more decimals.
        let mut two = vec![
            Attractor {
                label: "saddle (1.00, 0.00)".into(),
                at: [1.001, 0.0],
                loss: 0.0,
                found: true,
                extent: 0.0,
            },
            Attractor {
                label: "saddle (1.00, 0.00)".into(),
                at: [0.999, 0.0],
                loss: 0.0,
                found: true,
                extent: 0.0,
            },
        ];
        unique_labels(&mut two);
        assert_eq!(
            (two[0].label.as_str(), two[1].label.as_str()),
            ("saddle (1.001, 0.000)", "saddle (0.999, 0.000)")
        );
    }

    #[test]
    fn found_points_are_named_by_their_hessian() {
        assert_eq!(stationary_kind([2.0, 0.0, -2.0]), "saddle");
        assert_eq!(stationary_kind([2.0, 1.0, 2.0]), "minimum");
        assert_eq!(stationary_kind([-2.0, 0.0, -1.0]), "maximum");
        assert_eq!(stationary_kind([0.0, 0.0, 0.0]), "stationary point");
        assert_eq!(stationary_kind([2.0, 0.0, 0.0]), "stationary point");
        let mut a = vec![Attractor {
            label: "attractor (0.00, 0.00)".into(),
            at: [0.0, 0.0],
            loss: 0.0,
            found: true,
            extent: 0.0,
        }];
        name_found(&mut a, |p| [2.0, 0.0, -2.0 + p[0]]);
        assert_eq!(a[0].label, "saddle (0.00, 0.00)");
    }

    #[test]
    fn trajectories_that_did_not_converge_join_a_basin_only_near_its_attractor() {
        let out = ended_at(&[([1.0, 0.0], 5), ([1.01, 0.0], -1), ([3.0, 0.0], -1)]);
        let minimum = vec![Attractor::from(Minimum { label: "m".into(), at: [1.0, 0.0], loss: 0.0 })];
        assert_eq!(label(&out, &minimum), vec![0, 0, 0]);
        assert_eq!(label_within(&out, &minimum, 0.1, None), vec![0, 0, UNLABELLED]);
    }

    #[test]
    fn a_trajectory_that_left_the_window_is_neither_diverged_nor_unlabelled() {
        // Window [-2, 2]^2: one converged, one stalled inside, one stalled outside (bounded),
        // one converged outside (its attractor's basin), one past the divergence threshold.
        let mut out = ended_at(&[
            ([1.0, 0.0], 5),
            ([0.0, 1.5], -1),
            ([0.0, 30.0], -1),
            ([5.0, 0.0], 7),
            ([2e6, 0.0], -1),
        ]);
        out.div_step[4] = 3;
        let minima = vec![
            Attractor::from(Minimum { label: "m".into(), at: [1.0, 0.0], loss: 0.0 }),
            Attractor::from(Minimum { label: "far".into(), at: [5.0, 0.0], loss: 0.0 }),
        ];
        let window = Some([-2.0, 2.0, -2.0, 2.0]);
        let labels = label_within(&out, &minima, 0.1, window);
        assert_eq!(labels, vec![0, UNLABELLED, LEFT_WINDOW, 1, DIVERGED]);
        // Without a window (a sweep of hyperparameters) there is no such class.
        assert_eq!(label_within(&out, &minima, 0.1, None)[2], UNLABELLED);
        let rows = shares(&out, &labels, &minima).unwrap();
        let share = |name: &str| rows.iter().find(|r| r.label == name).map(|r| r.fraction);
        assert_eq!(share("left the window"), Some(0.2));
        assert_eq!(share("not converged"), Some(0.2));
        assert_eq!(share("diverged"), Some(0.2));
    }

    #[test]
    fn a_trajectory_that_ends_where_the_loss_is_nan_has_its_own_class() {
        let mut out = ended_at(&[([1.0, 0.0], 5), ([-1.0, 0.0], -1)]);
        out.loss[1] = f32::NAN;
        let minimum = vec![Attractor::from(Minimum { label: "m".into(), at: [1.0, 0.0], loss: 0.0 })];
        let labels = label_within(&out, &minimum, 10.0, None);
        assert_eq!(labels, vec![0, UNDEFINED]);
        let rows = shares(&out, &labels, &minimum).unwrap();
        let last = rows.last().unwrap();
        assert_eq!((last.label.as_str(), last.fraction), ("loss undefined", 0.5));
        assert_eq!(rows.iter().find(|r| r.label == "not converged").unwrap().fraction, 0.0);
    }

    #[test]
    fn chains_of_touching_bins_form_one_cluster() {
        // A ring of converged end points (a valley of minima) is one attractor, not many.
        let ring: Vec<([f32; 2], i32)> = (0..2000)
            .map(|i| {
                let t = i as f32 / 2000.0 * std::f32::consts::TAU;
                ([t.cos(), t.sin()], 1)
            })
            .collect();
        let found = attractors(&ended_at(&ring), Vec::new(), 0.01, |_| 0.0).unwrap();
        assert_eq!(found.len(), 1);
        assert!((found[0].extent - 2.0).abs() < 0.01, "{}", found[0].extent);
    }
}
