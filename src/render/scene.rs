//! A figure as a display list: rectangles, text runs, lines, discs, colour strips and nested
//! scenes (a plot inside its frame, clipped to its rectangle), over a plain background or a
//! raster picture (a heatmap). One layout, two painters: [`Scene::raster`] turns the list into
//! pixels, [`super::svg`] into SVG elements.
//!
//! Lengths are pixels of the raster figure, `x` to the right and `y` down; a point `(x, y)`
//! of a line or disc is in continuous coordinates (pixel `(i, j)` covers `[i, i + 1]`).
//! Does not lay anything out: the frame ([`super::frame`]) and charts ([`super::chart`]) do.

use image::{Rgb as Pixel, RgbImage};

use super::colormap::Rgb;
use super::heatmap;
use super::text::{self, Align};

/// A piece of text, anchored as [`text::draw`] anchors it.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    /// What it says.
    pub text: String,
    /// Anchor's x: its left end, middle or right end by `align` (for upward text, the top of
    /// its letters).
    pub x: f32,
    /// Anchor's y: the top of the line (for upward text, its vertical centre).
    pub y: f32,
    /// Font size, pixels: the line's height from descent to ascent (see [`text::em`]).
    pub size: f32,
    /// Colour.
    pub colour: Rgb,
    /// Which end or the middle the anchor is (upward text is always centred on `y`).
    pub align: Align,
    /// Turned a quarter turn anticlockwise, reading upwards (y-axis titles).
    pub upwards: bool,
}

/// Where a line is dashed: along each stretch `[from, to]` of its length (pixels from its
/// start), cut into slots of `dash` pixels, only the first slot of every `period` is drawn (a
/// period of 2: dashes and gaps of the same length).
#[derive(Clone, Debug, PartialEq)]
pub struct Dashes {
    /// Length of a dash, pixels.
    pub dash: f64,
    /// The dashed stretches, in order along the line.
    pub stretches: Vec<(f64, f64)>,
    /// Slots per period, at least 2: a dash, then `period - 1` dashes' length of gap.
    pub period: u32,
}

impl Dashes {
    /// Evenly dashed stretches (dashes and gaps of `dash` pixels).
    pub fn even(dash: f64, stretches: Vec<(f64, f64)>) -> Dashes {
        Dashes { dash, stretches, period: 2 }
    }

    /// Whether distance `d` along the line falls in a gap; `next` is the first stretch not
    /// yet passed (calls must come in increasing `d`).
    pub fn gap(&self, next: &mut usize, d: f64) -> bool {
        while *next < self.stretches.len() && self.stretches[*next].1 < d {
            *next += 1;
        }
        let period = self.period.max(2) as u64;
        self.stretches.get(*next).is_some_and(|&(from, to)| {
            d >= from && d <= to && !(((d - from) / self.dash) as u64).is_multiple_of(period)
        })
    }
}

/// A line through points (`None` breaks it), drawn as squares `width` pixels wide one pixel
/// apart along it.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// The points, in drawing order.
    pub points: Vec<Option<(f64, f64)>>,
    /// Colour.
    pub colour: Rgb,
    /// Width, pixels.
    pub width: u32,
    /// Dashed stretches, if any.
    pub dashes: Option<Dashes>,
}

/// One thing drawn, in the coordinates of the scene that holds it.
#[derive(Clone, Debug)]
pub enum Mark {
    /// A filled rectangle of whole pixels: left, top, width, height.
    Rect {
        /// Left edge.
        x: i64,
        /// Top edge.
        y: i64,
        /// Width.
        w: i64,
        /// Height.
        h: i64,
        /// Colour.
        colour: Rgb,
    },
    /// Text.
    Text(Text),
    /// A line.
    Line(Line),
    /// A disc of radius `r` around `(cx, cy)` filled with `fill` inside a 2-pixel `edge` ring
    /// (see [`heatmap::disc`]).
    Disc {
        /// Centre x.
        cx: f64,
        /// Centre y.
        cy: f64,
        /// Outer radius, pixels.
        r: f64,
        /// Inside colour.
        fill: Rgb,
        /// Ring colour.
        edge: Rgb,
    },
    /// A vertical strip `w` wide from `(x, y)` down: one pixel row per colour (a colour bar).
    Strip {
        /// Left edge.
        x: i64,
        /// Top edge.
        y: i64,
        /// Width.
        w: i64,
        /// Colour of each row, top first.
        colours: Vec<Rgb>,
    },
    /// A scene placed with its top-left corner at `(x, y)`, clipped to its own size.
    Scene {
        /// Left edge.
        x: i64,
        /// Top edge.
        y: i64,
        /// The scene.
        scene: Box<Scene>,
    },
}

/// A picture as a display list over a background.
#[derive(Clone, Debug)]
pub struct Scene {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Colour everywhere nothing is drawn (unless `picture` covers it).
    pub background: Rgb,
    /// A raster picture covering the whole scene (a heatmap), under every mark.
    pub picture: Option<RgbImage>,
    /// What is drawn, in order.
    pub marks: Vec<Mark>,
}

impl Scene {
    /// An empty `width x height` scene on `background`.
    pub fn blank(width: u32, height: u32, background: Rgb) -> Scene {
        Scene { width, height, background, picture: None, marks: Vec::new() }
    }

    /// A scene showing `picture` (its size).
    pub fn picture(picture: RgbImage) -> Scene {
        let (width, height) = picture.dimensions();
        Scene { width, height, background: [255, 255, 255], picture: Some(picture), marks: Vec::new() }
    }

    /// Adds a filled rectangle.
    pub fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, colour: Rgb) {
        self.marks.push(Mark::Rect { x, y, w, h, colour });
    }

    /// Adds text; whether all of its lettering lands inside the scene.
    #[must_use = "whether the text fits in the scene"]
    pub fn text(&mut self, t: Text) -> bool {
        let fits = if t.upwards {
            text::fits_upwards(&t.text, t.x, t.y, t.size, self.width, self.height)
        } else {
            text::fits(&t.text, t.x, t.y, t.size, t.align, self.width, self.height)
        };
        self.marks.push(Mark::Text(t));
        fits
    }

    /// Adds a nested scene with its top-left corner at `(x, y)`.
    pub fn place(&mut self, x: i64, y: i64, scene: Scene) {
        self.marks.push(Mark::Scene { x, y, scene: Box::new(scene) });
    }

    /// The scene in pixels.
    pub fn raster(&self) -> RgbImage {
        let mut img = match &self.picture {
            Some(p) => p.clone(),
            None => RgbImage::from_pixel(self.width, self.height, Pixel(self.background)),
        };
        for mark in &self.marks {
            paint(&mut img, mark);
        }
        img
    }
}

/// Paints one mark onto `img` (clipped to it).
fn paint(img: &mut RgbImage, mark: &Mark) {
    match mark {
        Mark::Rect { x, y, w, h, colour } => fill(img, *x, *y, *w, *h, *colour),
        Mark::Text(t) => {
            // Whether it fits was worked out when the text was added.
            let _ = if t.upwards {
                text::draw_upwards(img, &t.text, t.x, t.y, t.size, t.colour)
            } else {
                text::draw(img, &t.text, t.x, t.y, t.size, t.colour, t.align)
            };
        }
        Mark::Line(line) => {
            let mut next = 0;
            for_samples(&line.points, |x, y, along| {
                let Some(d) = along else { return };
                if !line.dashes.as_ref().is_some_and(|dashes| dashes.gap(&mut next, d)) {
                    heatmap::dot(img, x, y, line.colour, line.width);
                }
            });
        }
        Mark::Disc { cx, cy, r, fill, edge } => heatmap::disc(img, *cx, *cy, *r, *fill, *edge),
        Mark::Strip { x, y, w, colours } => {
            for (i, c) in colours.iter().enumerate() {
                fill(img, *x, y + i as i64, *w, 1, *c);
            }
        }
        Mark::Scene { x, y, scene } => match (&scene.picture, scene.marks.is_empty()) {
            // A bare picture needs no copy of its own.
            (Some(p), true) => image::imageops::replace(img, p, *x, *y),
            _ => image::imageops::replace(img, &scene.raster(), *x, *y),
        },
    }
}

/// Calls `visit(x, y, along)` for samples one pixel apart along `points` (pixel coordinates),
/// `along` the distance from the path's start; where a `None` point breaks the path, one call
/// with `along` `None` marks the break (nothing to draw there), so that no stretch spans it.
pub fn for_samples(points: &[Option<(f64, f64)>], mut visit: impl FnMut(f64, f64, Option<f64>)) {
    let mut along = 0.0;
    for pair in points.windows(2) {
        match pair {
            [Some(a), Some(b)] => {
                let len = (b.0 - a.0).hypot(b.1 - a.1);
                let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).max(1);
                for s in 0..=steps {
                    let t = s as f64 / steps as f64;
                    visit(a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1), Some(along + t * len));
                }
                along += len;
            }
            [Some(a), None] => visit(a.0, a.1, None),
            _ => {}
        }
    }
}

/// Fills a rectangle of whole pixels (clipped).
fn fill(img: &mut RgbImage, x: i64, y: i64, w: i64, h: i64, colour: Rgb) {
    for py in y.max(0)..(y + h).min(img.height() as i64) {
        for px in x.max(0)..(x + w).min(img.width() as i64) {
            img.put_pixel(px as u32, py as u32, Pixel(colour));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_scene_is_clipped_to_its_rectangle() {
        let mut inner = Scene::blank(4, 4, [0, 0, 255]);
        inner.rect(2, 2, 10, 10, [255, 0, 0]);
        let mut outer = Scene::blank(10, 10, [255; 3]);
        outer.place(3, 3, inner);
        let img = outer.raster();
        assert_eq!(img.get_pixel(3, 3).0, [0, 0, 255]);
        assert_eq!(img.get_pixel(6, 6).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(7, 7).0, [255; 3]);
    }

    #[test]
    fn text_reports_whether_it_fits_the_scene() {
        let mut s = Scene::blank(60, 30, [255; 3]);
        let t = |text: &str, y| Text {
            text: text.into(),
            x: 30.0,
            y,
            size: 12.0,
            colour: [0; 3],
            align: Align::Centre,
            upwards: false,
        };
        assert!(s.text(t("fits", 5.0)));
        assert!(!s.text(t("a label far too long for this", 5.0)));
        assert!(!s.text(t("low", 25.0)));
    }
}
