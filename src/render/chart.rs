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

    fn at(&self, x: f64, y: f64) -> u16 {
        let (px, py) = (x.floor(), y.floor());
        let h = (self.owner.len() / self.width.max(1) as usize) as f64;
        if px < 0.0 || py < 0.0 || px >= self.width as f64 || py >= h {
            return 0;
        }
        self.owner[py as usize * self.width as usize + px as usize]
    }

    fn claim(&mut self, x: f64, y: f64, width: u32, id: u16) {
        let half = width as f64 / 2.0;
        let h = self.owner.len() as i64 / self.width.max(1) as i64;
        let (x0, x1) = ((x - half).floor() as i64, (x + half).ceil() as i64);
        let (y0, y1) = ((y - half).floor() as i64, (y + half).ceil() as i64);
        for py in y0.max(0)..y1.min(h) {
            for px in x0.max(0)..x1.min(self.width as i64) {
                self.owner[py as usize * self.width as usize + px as usize] = id;
            }
        }
    }
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
    let mut stretches: Vec<(f64, f64)> = Vec::new();
    let mut open: Option<(f64, f64)> = None;
    for_samples(points, |x, y, along| {
        let under = owners.at(x, y);
        let over = under != 0 && under != id;
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
    // Pass 2: claim what will be drawn (every other dash of each stretch left out); the
    // stretches are already known, so a path never gives way to itself.
    let dashes = Dashes { dash, stretches };
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
/// ticks, then one line `width` pixels wide per series.
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
    for s in series {
        let points: Vec<Option<(f64, f64)>> = s.points.iter().map(|&p| to_pixel(x, y, w, h, p)).collect();
        scene.marks.push(Mark::Line(Line { points, colour: s.colour, width, dashes: None }));
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
}
