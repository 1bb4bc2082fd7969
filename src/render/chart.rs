//! Line charts: the plot area of a chart (white, light grid lines at the axes' major ticks,
//! one polyline per series in data coordinates) as a [`Scene`], to be framed by
//! [`super::frame`]; and where a path drawn over others is dashed.

use super::colormap::Rgb;
use super::frame::AxisFrame;
use super::scene::{Dashes, Line, Mark, Scene, for_samples};

/// Colour of grid lines.
pub const GRID: Rgb = [232, 232, 232];

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Line colour.
    pub colour: Rgb,
    /// Points `(x, y)` in axis units, in drawing order; a non-finite or (on a log axis)
    /// non-positive `y` breaks the line.
    pub points: Vec<(f64, f64)>,
}

/// Pixel position of `(x, y)` in a `w x h` plot area, or `None` where it cannot be placed.
pub fn to_pixel(x: &AxisFrame, y: &AxisFrame, w: u32, h: u32, p: (f64, f64)) -> Option<(f64, f64)> {
    let ok = |a: &AxisFrame, v: f64| v.is_finite() && (!a.log || v > 0.0);
    if !(ok(x, p.0) && ok(y, p.1)) {
        return None;
    }
    // Far-off points are pulled in to just outside the area, so lines leave it at the right angle
    // without costing drawing time.
    let fx = x.fraction(p.0).clamp(-1.0, 2.0);
    let fy = y.fraction(p.1).clamp(-1.0, 2.0);
    Some((fx * w as f64, (1.0 - fy) * h as f64))
}

/// Which path drew each pixel of a picture (0: none), so that a path drawn over another can
/// give way to it.
pub struct Owners {
    width: u32,
    owner: Vec<u16>,
}

impl Owners {
    /// No pixel of a `w x h` picture drawn yet.
    pub fn new(w: u32, h: u32) -> Owners {
        Owners { width: w, owner: vec![0; w as usize * h as usize] }
    }

    /// Index of the pixel holding `(x, y)`, if inside the picture.
    fn pixel(&self, x: f64, y: f64) -> Option<usize> {
        let (px, py) = (x.floor(), y.floor());
        let h = (self.owner.len() / self.width.max(1) as usize) as f64;
        if px < 0.0 || py < 0.0 || px >= self.width as f64 || py >= h {
            return None;
        }
        Some(py as usize * self.width as usize + px as usize)
    }

    fn at(&self, x: f64, y: f64) -> u16 {
        self.pixel(x, y).map_or(0, |p| self.owner[p])
    }

    fn claim(&mut self, x: f64, y: f64, width: u32, id: u16) {
        for p in self.square(x, y, width) {
            self.owner[p] = id;
        }
    }

    /// Indices of the pixels of the square `width` pixels wide centred on `(x, y)`, clipped
    /// to the picture.
    fn square(&self, x: f64, y: f64, width: u32) -> impl Iterator<Item = usize> + use<> {
        let half = width as f64 / 2.0;
        let w = self.width as i64;
        let h = self.owner.len() as i64 / w.max(1);
        let (x0, x1) = ((x - half).floor() as i64, (x + half).ceil() as i64);
        let (y0, y1) = ((y - half).floor() as i64, (y + half).ceil() as i64);
        (y0.max(0)..y1.min(h))
            .flat_map(move |py| (x0.max(0)..x1.min(w)).map(move |px| (py * w + px) as usize))
    }
}

/// How many lines of a chart pass over each pixel, so that a line drawn along earlier ones
/// can be dashed and they show through its gaps (see [`layered_dashes`]).
pub struct Layers {
    /// The last line to pass over each pixel.
    owners: Owners,
    /// Lines that passed over each pixel.
    count: Vec<u8>,
}

impl Layers {
    /// No line of a `w x h` chart drawn yet.
    pub fn new(w: u32, h: u32) -> Layers {
        Layers { owners: Owners::new(w, h), count: vec![0; w as usize * h as usize] }
    }

    fn at(&self, x: f64, y: f64) -> u8 {
        self.owners.pixel(x, y).map_or(0, |p| self.count[p])
    }

    fn claim(&mut self, x: f64, y: f64, width: u32, id: u16) {
        for p in self.owners.square(x, y, width) {
            if self.owners.owner[p] != id {
                self.owners.owner[p] = id;
                self.count[p] = self.count[p].saturating_add(1);
            }
        }
    }
}

/// Stretches `[from, to]` (distance along the path through `points`) of at least two dashes
/// of `dash` pixels over which `over` holds at every sample.
fn stretches_where(
    points: &[Option<(f64, f64)>],
    dash: f64,
    mut over: impl FnMut(f64, f64) -> bool,
) -> Vec<(f64, f64)> {
    let mut stretches: Vec<(f64, f64)> = Vec::new();
    let mut open: Option<(f64, f64)> = None;
    for_samples(points, |x, y, along| {
        let over = over(x, y);
        match (&mut open, over, along) {
            (Some(run), true, Some(d)) => run.1 = d,
            (None, true, Some(d)) => open = Some((d, d)),
            _ => {
                if let Some(run) = open.take().filter(|r| r.1 - r.0 >= 2.0 * dash) {
                    stretches.push(run);
                }
                if let (true, Some(d)) = (over, along) {
                    open = Some((d, d));
                }
            }
        }
    });
    if let Some(run) = open.filter(|r| r.1 - r.0 >= 2.0 * dash) {
        stretches.push(run);
    }
    stretches
}

/// The dashes of chart line `id` (from 1) of several, `width` pixels wide through `points`
/// (pixel coordinates): none where it runs alone; along stretches of at least two dashes where
/// it runs over `k` earlier lines (at most), one dash of `dash` pixels in every `k + 1`, so
/// that lines which coincide all stay visible: the first solid, the second every other dash,
/// the third every third, and so on (line `j` shows at least in the slot `j + 1`, which no
/// later line's period divides). Claims its pixels in `layers` for the lines after it.
pub fn layered_dashes(
    points: &[Option<(f64, f64)>],
    width: u32,
    layers: &mut Layers,
    id: u16,
    dash: f64,
) -> Option<Dashes> {
    let mut beneath = 0u8;
    let stretches = stretches_where(points, dash, |x, y| {
        let k = layers.at(x, y);
        beneath = beneath.max(k);
        k > 0
    });
    for_samples(points, |x, y, along| {
        if along.is_some() {
            layers.claim(x, y, width, id);
        }
    });
    (!stretches.is_empty()).then(|| Dashes { dash, stretches, period: beneath as u32 + 1 })
}

/// The dashes of path `id` (from 1) of several, `width` pixels wide through `points` (pixel
/// coordinates, `None` breaks it): solid where it runs over empty picture or only crosses
/// another path, dashed (`dash` pixels on, `dash` off) along stretches of at least two dashes
/// where it runs over a path claimed before it, so the earlier path shows through the gaps
/// and both stay visible. Claims the pixels it will draw for the paths after it.
///
/// Two passes over the samples (one pixel apart, generated, never stored): the first finds
/// the stretches over another path, the second claims what will be drawn; memory grows with
/// the number of such stretches, not with the path's length in pixels.
pub fn dashes(points: &[Option<(f64, f64)>], width: u32, owners: &mut Owners, id: u16, dash: f64) -> Dashes {
    // Pass 1: stretches `[from, to]` (distance along the path) over another path.
    let stretches = stretches_where(points, dash, |x, y| {
        let under = owners.at(x, y);
        under != 0 && under != id
    });
    // Pass 2: claim what will be drawn (every other dash of each stretch left out); the
    // stretches are already known, so a path never gives way to itself.
    let dashes = Dashes::even(dash, stretches);
    let mut next = 0;
    for_samples(points, |x, y, along| {
        let Some(d) = along else { return };
        if !dashes.gap(&mut next, d) {
            // Claimed at f32 precision, as the positions were always kept.
            owners.claim(x as f32 as f64, y as f32 as f64, width, id);
        }
    });
    dashes
}

/// The plot area of a line chart, `w x h` pixels: white, grid lines at the axes' major
/// ticks, then one line `width` pixels wide per series, dashed where it runs along earlier
/// ones so that coinciding series all show ([`layered_dashes`]).
pub fn lines(w: u32, h: u32, x: &AxisFrame, y: &AxisFrame, series: &[Series], width: u32) -> Scene {
    let mut scene = Scene::blank(w, h, [255, 255, 255]);
    for t in x.ticks(((w / 70) as usize).clamp(2, 10)).iter().filter(|t| t.is_major()) {
        let px = (x.fraction(t.value) * w as f64).round() as i64;
        if (0..w as i64).contains(&px) {
            scene.rect(px, 0, 1, h as i64, GRID);
        }
    }
    for t in y.ticks(((h / 45) as usize).clamp(2, 10)).iter().filter(|t| t.is_major()) {
        let py = ((1.0 - y.fraction(t.value)) * h as f64).round() as i64;
        if (0..h as i64).contains(&py) {
            scene.rect(0, py, w as i64, 1, GRID);
        }
    }
    let mut layers = Layers::new(w, h);
    for (i, s) in series.iter().enumerate() {
        let points: Vec<Option<(f64, f64)>> = s.points.iter().map(|&p| to_pixel(x, y, w, h, p)).collect();
        let id = (i + 1).min(u16::MAX as usize) as u16;
        let dashes = layered_dashes(&points, width, &mut layers, id, 4.0 * width as f64);
        scene.marks.push(Mark::Line(Line { points, colour: s.colour, width, dashes }));
    }
    scene
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_land_on_their_data_coordinates() {
        let x = AxisFrame { title: "step".into(), lo: 0.0, hi: 100.0, log: false };
        let y = AxisFrame { title: "loss".into(), lo: 1e-4, hi: 1.0, log: true };
        let red = [200, 0, 0];
        let s =
            Series { colour: red, points: vec![(0.0, 1e-2), (100.0, 1e-2), (50.0, f64::NAN), (50.0, -1.0)] };
        let img = lines(200, 80, &x, &y, &[s], 2).raster();
        // y = 1e-2 is half way up the log axis: row 40, across the whole width.
        assert_eq!(img.get_pixel(100, 40).0, red);
        assert_eq!(img.get_pixel(90, 30).0, [255, 255, 255]);
        // A grid line at x = 50 (major tick), away from the series.
        assert_eq!(img.get_pixel(100, 70).0, GRID);
    }

    #[test]
    fn coinciding_series_all_show_and_a_lone_one_stays_solid() {
        let x = AxisFrame { title: "step".into(), lo: 0.0, hi: 100.0, log: false };
        let y = AxisFrame { title: "sharpness".into(), lo: 0.0, hi: 4.0, log: false };
        let flat = |colour, v| Series { colour, points: vec![(0.0, v), (100.0, v)] };
        let colours = [[200, 0, 0], [0, 150, 0], [0, 0, 220], [120, 0, 120]];
        let mut series: Vec<Series> = colours[..3].iter().map(|&c| flat(c, 2.0)).collect();
        series.push(flat(colours[3], 1.0));
        let img = lines(400, 80, &x, &y, &series, 2).raster();
        let row = |py: u32| (2..398).map(|px| img.get_pixel(px, py).0).collect::<Vec<_>>();
        // y = 2 is row 40: the three coinciding lines take turns, with no gap between them.
        let along = row(40);
        for c in &colours[..3] {
            let share = along.iter().filter(|p| *p == c).count() as f64 / along.len() as f64;
            assert!(share > 0.15, "{c:?} shows along {:.0}% of the line", 100.0 * share);
        }
        assert!(along.iter().all(|p| colours[..3].contains(p)), "no gap in coinciding lines");
        // y = 1 is row 60: alone, solid.
        assert!(row(60).iter().all(|p| *p == colours[3]));
    }
}
