//! Drawing a map figure: each map coloured and annotated (contours, theory curve, refined
//! points, attractor markers), the colour key with its overlays, and every frame's panels
//! framed under one title.

use std::path::PathBuf;

use super::analyse::{Analysis, Map, analyse, first_map_theory};
use super::{Frames, Job, Kind, Shared};
use crate::analysis::{basins, boundary};
use crate::error::Error;
use crate::output::with_ext;
use crate::paint;
use crate::refine;
use crate::render::colormap;
use crate::render::frame::{self, Frame, Key};
use crate::render::scene::{Line, Mark, Scene};
use crate::spec::Spec;

/// One map coloured and annotated, with what it adds to the figure's outputs.
pub(super) struct Painted {
    /// The map's picture (one panel of one frame): the coloured cells with their contours,
    /// under the overlays.
    pub(super) plot: Scene,
    /// Its colour key.
    pub(super) key: Key,
    /// The vertical axis when it is not the map's y axis (a one-row map's profile: the loss).
    pub(super) y_axis: Option<frame::AxisFrame>,
    /// Its analysis, for the JSON.
    pub(super) analysis: Analysis,
    /// Its one-line summary (prefixed with the optimiser on panels).
    pub(super) note: String,
    /// Basin label of every cell.
    pub(super) labels: Vec<i32>,
    /// Tables it writes beside the PNG: `(path, text)`.
    pub(super) tables: Vec<(PathBuf, String)>,
    /// Where its raw arrays go, if written.
    pub(super) npz: Option<PathBuf>,
}

/// Colours and annotates map `m`, frame `f` of `frames` and panel `p` of `panels`.
pub(super) fn paint_map(
    job: &Job,
    m: &Map,
    shared: &Shared,
    (f, frames): (usize, usize),
    (p, panels): (usize, usize),
) -> Result<Painted, Error> {
    let (style, zoom, ratio) = (&job.style, shared.zoom, shared.ratio);
    let attractors = &shared.attractors;
    let labels = super::map_labels(&m.spec, &m.cells, attractors)?;
    crate::timings::lap("labels");
    let (mut cells, key) = paint::colour(
        &m.spec,
        &m.cells,
        &labels,
        attractors,
        shared.color,
        zoom,
        style.cmap,
        &shared.loss_scale,
    )?;
    if job.kind == Kind::Basins && style.contours {
        paint::contours(&mut cells, &m.spec);
    }
    let mut img = Scene::picture(cells);
    // Spaced dots over the curve: where they agree, both stay visible.
    if let Some(t) = &m.theory {
        draw_theory(&mut img, &m.spec, t, ratio);
    }
    if let Some(rows) = &m.refined {
        draw_refined(&mut img, &m.spec, rows, ratio);
    }
    if job.kind == Kind::Basins && style.markers {
        paint::markers(&mut img, &m.spec, attractors, (9 * ratio).max(zoom.up[0].min(zoom.up[1])));
    }
    crate::timings::lap("colour");
    let (analysis, summary, shares) =
        analyse((job.kind, job.box_count), m, &labels, attractors, frames == 1)?;
    crate::timings::lap("analysis");
    // A one-row map on its own is drawn as a profile of the loss against x (see `profile`).
    let (img, key, y_axis) = if is_profile(&m.spec, frames, panels) {
        let notes = analysis.crossing_dimension.summary().into_iter().collect();
        let width = style.size.max(64) * 2 * ratio;
        let out = m.cells.whole().ok_or_else(|| Error::System("a one-row map is held whole".into()))?;
        let p = super::profile::draw(out, &shared.loss_scale, width, ratio, notes);
        (p.plot, p.key, Some(p.y))
    } else {
        (img, key, None)
    };
    // Panels and frames of one figure write their tables and arrays with a suffix.
    let suffix = match (frames, panels) {
        (1, 1) => String::new(),
        (1, _) => format!(".panel{}", p + 1),
        (_, 1) => format!(".frame{}", f + 1),
        _ => format!(".frame{}.panel{}", f + 1, p + 1),
    };
    let mut base = job.prefix.as_os_str().to_os_string();
    base.push(&suffix);
    let base = PathBuf::from(base);
    let mut tables = Vec::new();
    if let Some(rows) = &m.refined {
        tables.push((with_ext(&base, "boundary.csv"), refine::csv(&m.spec.y.param, &m.spec.x.param, rows)));
    }
    // Per-row crossing dimensions of a map over a swept hyperparameter, to plot against y.
    if job.kind != Kind::Basins && m.spec.y.cells > 1 {
        tables.push((with_ext(&base, "crossing.csv"), analysis.crossing_dimension.csv(&m.spec.y.param)));
    }
    // Animations keep per-frame shares in the JSON only.
    if job.kind == Kind::Basins && !shares.is_empty() && frames == 1 {
        tables.push((with_ext(&base, "basins.csv"), basins::csv(&shares)));
    }
    let npz = (job.raw && frames == 1).then(|| with_ext(&base, "npz"));
    let note = if panels > 1 { format!("{}: {summary}", paint::optimiser_title(&m.spec)) } else { summary };
    Ok(Painted { plot: img, key, y_axis, analysis, note, labels, tables, npz })
}

/// Whether a map is drawn as a profile: one row, the figure's only panel and frame.
pub(super) fn is_profile(spec: &Spec, frames: usize, panels: usize) -> bool {
    spec.y.cells == 1 && frames == 1 && panels == 1
}

/// The colour key with the overlays' entries added: the analytic curve and the refined
/// points, where the figure has them.
pub(super) fn with_overlays(mut key: Key, maps: &[Vec<Map>]) -> Key {
    let mut overlays: Vec<(colormap::Rgb, String)> = Vec::new();
    if let Some(t) = first_map_theory(maps) {
        overlays.push((colormap::OVERLAY, format!("theory: {}", t.formula)));
    }
    if maps
        .iter()
        .flatten()
        .any(|m| m.refined.as_ref().is_some_and(|r| r.iter().any(|row| row.critical.is_some())))
    {
        overlays.push((REFINED, "refined boundary points".into()));
    }
    match &mut key {
        Key::Bar(bar) => bar.swatches.extend(overlays),
        Key::Legend { entries, .. } => entries.extend(overlays),
        Key::None => {}
    }
    key
}

/// The figure's title: the style's, or the spec in words (the landscape, optimiser and
/// options with every hyperparameter, the steps), leaving out the animated parameter in
/// `slot`; with panels, the optimisers go to the panels' subtitles.
pub(super) fn title(jobs: &[Job], first: &Spec, slot: Option<usize>) -> String {
    jobs[0].style.title.clone().unwrap_or_else(|| {
        if first.y.cells == 1 {
            // The y axis of a one-row map is not drawn: its value goes into the title.
            let y = paint::short(first.y.centres()[0]);
            format!(
                "{} at {} = {y}, {} cells",
                paint::title_except(first, slot),
                first.y.param,
                first.x.cells
            )
        } else if jobs.len() > 1 {
            format!("{}, {} steps", paint::landscape_title_except(first, slot), first.steps)
        } else {
            paint::title_except(first, slot)
        }
    })
}

/// Every frame's scene: its panels side by side under `base_title` (with an animation frame's
/// value), axes and key (or, without a frame, the bare heatmaps side by side); the first
/// frame's plot rectangles `[left, top, width, height]`; and whether all their text fits.
/// The painted maps' plots move into the scenes.
#[allow(clippy::too_many_arguments, reason = "the figure's parts, each used once")]
pub(super) fn frame_all(
    jobs: &[Job],
    maps: &[Vec<Map>],
    painted: &mut [Vec<Painted>],
    key: Key,
    shared: &Shared,
    slot: Option<usize>,
    animate: Option<&Frames>,
    base_title: &str,
) -> (Vec<Scene>, Vec<[u32; 4]>, bool) {
    let style = &jobs[0].style;
    let first = &maps[0][0].spec;
    let curvature_only = jobs[0].kind == Kind::Stability;
    let panel_titles: Vec<String> = if jobs.len() > 1 {
        maps[0].iter().map(|m| paint::optimiser_title_except(&m.spec, slot)).collect()
    } else {
        vec![String::new()]
    };
    let mut scenes = Vec::new();
    let mut plots = Vec::new();
    let mut fits = true;
    let take = |p: &mut Painted| std::mem::replace(&mut p.plot, Scene::blank(0, 0, [0; 3]));
    for (f, frame) in painted.iter_mut().enumerate() {
        if !style.frame {
            // Bare heatmaps: panels side by side without gaps.
            let (w, h) = (frame[0].plot.width, frame[0].plot.height);
            let mut all = Scene::blank(w * frame.len() as u32, h, [0, 0, 0]);
            for (p, i) in frame.iter_mut().enumerate() {
                all.place((p as u32 * w) as i64, 0, take(i));
                if f == 0 {
                    plots.push([p as u32 * w, 0, w, h]);
                }
            }
            scenes.push(all);
            continue;
        }
        let title = match animate {
            Some(a) => format!("{base_title}; {} = {}", a.param, paint::short(a.values[f] as f32)),
            None => base_title.to_string(),
        };
        let fr = Frame {
            title,
            x: paint::axis_frame(&first.x, curvature_only),
            y: frame[0].y_axis.clone().unwrap_or_else(|| paint::axis_frame(&first.y, curvature_only)),
            key: key.clone(),
            ratio: shared.ratio,
        };
        let panels: Vec<(Scene, String)> =
            frame.iter_mut().zip(&panel_titles).map(|(i, t)| (take(i), t.clone())).collect();
        let framed = frame::compose_panels(panels, &fr);
        fits &= framed.text_fits;
        if f == 0 {
            plots = framed.plots.clone();
        }
        scenes.push(framed.scene);
    }
    (scenes, plots, fits)
}

/// Pixels per cell of a map's picture along x and y (below 1 where a pixel shows several).
fn pixels_per_cell(img: &Scene, spec: &Spec) -> (f64, f64) {
    (img.width as f64 / spec.x.cells as f64, img.height as f64 / spec.y.cells as f64)
}

/// Colour of refined boundary points: amber with a dark rim, visible on the pale stable
/// colours, the reds of diverged cells and the white theory curve alike.
pub(super) const REFINED: colormap::Rgb = [255, 176, 0];

/// Draws refined boundary points as rimmed dots, thinned to every few rows so that they stay
/// separate dots instead of fusing into a line that would hide the theory curve.
pub(super) fn draw_refined(img: &mut Scene, spec: &Spec, rows: &[refine::RefinedRow], ratio: u32) {
    let (sx, sy) = pixels_per_cell(img, spec);
    let r = (3.5 * ratio as f64).max(0.5 * sx);
    let mut last_y = f64::NEG_INFINITY;
    for row in rows {
        let Some(c) = row.critical else { continue };
        let (x, y) = (spec.x.position(c) * sx, (spec.y.cells as f64 - spec.y.position(row.y)) * sy);
        if (y - last_y).abs() >= 4.0 * r {
            img.marks.push(Mark::Disc { cx: x, cy: y, r, fill: REFINED, edge: [20, 20, 20] });
            last_y = y;
        }
    }
}

/// Draws the analytic boundary over a map whose x axis is the learning rate: one polyline per
/// run of rows where theory gives a critical value.
pub(super) fn draw_theory(img: &mut Scene, spec: &Spec, t: &boundary::Theory, ratio: u32) {
    let rows = spec.y.cells;
    let (sx, sy) = pixels_per_cell(img, spec);
    let samples = (img.height * 2).max(2);
    // Cell coordinates (column, row from the bottom) to pixels.
    let mut polyline = |run: &[(f64, f64)]| {
        if run.len() > 1 {
            let points = run.iter().map(|&(c, r)| Some((c * sx, (rows as f64 - r) * sy))).collect();
            img.marks.push(Mark::Line(Line {
                points,
                colour: colormap::OVERLAY,
                width: 2 * ratio,
                dashes: None,
            }));
        }
    };
    let mut run: Vec<(f64, f64)> = Vec::new();
    for s in 0..=samples {
        let r = s as f64 * rows as f64 / samples as f64;
        let at = t.critical(spec.y.value_at(r)).map(|lr| spec.x.position(lr));
        match at {
            // Points far outside the map would only cost drawing time.
            Some(c) if (-1.0..=spec.x.cells as f64 + 1.0).contains(&c) => run.push((c, r)),
            _ => {
                polyline(&run);
                run.clear();
            }
        }
    }
    polyline(&run);
}
