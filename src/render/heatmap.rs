//! Heatmaps: one colour per grid cell, drawn the way plots are read (the high end of the y
//! axis at the top), scaled up by whole pixels; the dots and discs overlays are painted with.

use image::{Rgb as Pixel, RgbImage};
use rayon::prelude::*;

use super::colormap::Rgb;
use crate::error::Error;
use crate::outcome::{Bands, Outcomes};

/// Paints a `cols x rows` grid (row-major, row 0 = low y) into an image `scale` pixels per cell.
pub fn paint(cols: u32, rows: u32, scale: u32, colour: impl Fn(usize) -> Rgb + Sync) -> RgbImage {
    let (w, h) = (cols * scale, rows * scale);
    let mut buf = vec![0u8; w as usize * h as usize * 3];
    // One image row per task: the cell row it shows, then each cell's colour repeated.
    buf.par_chunks_mut(w as usize * 3).enumerate().for_each(|(py, line)| {
        let row = (rows - 1 - py as u32 / scale) as usize;
        for (col, px) in line.chunks_mut(3 * scale as usize).enumerate() {
            let c = colour(row * cols as usize + col);
            for p in px.chunks_mut(3) {
                p.copy_from_slice(&c);
            }
        }
    });
    RgbImage::from_raw(w, h, buf).expect("the buffer holds w x h RGB pixels")
}

/// Whole-pixel scale so that the longer side is at least `min_side` pixels (at most 16).
pub fn scale_for(cols: u32, rows: u32, min_side: u32) -> u32 {
    min_side.div_ceil(cols.max(rows)).clamp(1, 16)
}

/// Most heatmap pixels along a side. A grid with more cells along a side is drawn one pixel
/// per several cells along that side ([`Zoom::down`]); its full-resolution data stays in the
/// `.npz`.
pub const MAX_SIDE: u32 = 8192;

/// Most a picture's longer side may exceed its shorter one: a map of many more columns than
/// rows (a sweep of 65536 learning rates over 32 roughnesses) gets taller cells instead of
/// becoming a strip a few pixels high.
pub const MAX_ASPECT: u32 = 4;

/// How grid cells become heatmap pixels: `up[0] x up[1]` pixels per cell, or, on a grid with
/// more than [`MAX_SIDE`] cells along a side, one pixel per `down[0]` columns and `down[1]` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zoom {
    /// Pixels per cell along x and along y (equal but for a grid much wider than tall, or
    /// taller than wide; see [`MAX_ASPECT`]).
    pub up: [u32; 2],
    /// Cells per pixel along x and along y.
    pub down: [u32; 2],
}

impl Zoom {
    /// One pixel per cell.
    pub const ONE: Zoom = Zoom { up: [1, 1], down: [1, 1] };

    /// [`scale_for`] where the grid fits within [`MAX_SIDE`] pixels, else, along each side
    /// that does not fit, the fewest cells per pixel that make it fit; then the shorter side
    /// stretched to within [`MAX_ASPECT`] of the longer.
    pub fn for_grid(cols: u32, rows: u32, min_side: u32) -> Zoom {
        let mut z = if cols.max(rows) > MAX_SIDE {
            Zoom { up: [1, 1], down: [cols.div_ceil(MAX_SIDE), rows.div_ceil(MAX_SIDE)] }
        } else {
            let s = scale_for(cols, rows, min_side);
            Zoom { up: [s, s], down: [1, 1] }
        };
        let (w, h) = z.pixels(cols, rows);
        if w > MAX_ASPECT * h {
            z.up[1] *= w.div_ceil(MAX_ASPECT * h);
        } else if h > MAX_ASPECT * w {
            z.up[0] *= h.div_ceil(MAX_ASPECT * w);
        }
        z
    }

    /// The picture's width and height for a grid of `cols x rows` cells.
    pub fn pixels(&self, cols: u32, rows: u32) -> (u32, u32) {
        (cols.div_ceil(self.down[0]) * self.up[0], rows.div_ceil(self.down[1]) * self.up[1])
    }

    /// The picture's longer side.
    pub fn side(&self, cols: u32, rows: u32) -> u32 {
        let (w, h) = self.pixels(cols, rows);
        w.max(h)
    }
}

/// [`paint`] at `zoom` of a grid read band by band (whole rows, in row order); where `zoom`
/// draws one pixel per `down x down` cells, each pixel shows the cell at its centre (the last
/// pixel of a side, the centre of the cells left). `colour(band,
/// local, global)` gives the colour of the cell at index `local` of `band`, `global` in the
/// whole grid. Only a band at a time is read; the image is the same.
pub fn paint_bands(
    cells: &dyn Bands,
    zoom: Zoom,
    colour: impl Fn(&Outcomes, usize, usize) -> Rgb + Sync,
) -> Result<RgbImage, Error> {
    let (cols, rows) = (cells.cols(), cells.rows());
    let (w, h) = zoom.pixels(cols, rows);
    // The cell a pixel shows along an axis of `n` cells, `d` per pixel: the one at its centre.
    let centre = |p: u32, n: u32, d: u32| (p * d + (d / 2).min((n - 1 - p * d) / 2)).min(n - 1);
    // The cell row a pixel row shows (pixel rows run from the top, the high end of y), and
    // the cell column of a pixel column.
    let row_of = |py: u32| rows - 1 - centre(py / zoom.up[1], rows, zoom.down[1]);
    let col_of = |px: u32| centre(px / zoom.up[0], cols, zoom.down[0]);
    let mut buf = vec![0u8; w as usize * h as usize * 3];
    cells.each(&mut |first, band| {
        let last = first + band.rows;
        buf.par_chunks_mut(w as usize * 3).enumerate().for_each(|(py, line)| {
            let row = row_of(py as u32);
            if row < first || row >= last {
                return;
            }
            let (local, global) = ((row - first) as usize * cols as usize, row as usize * cols as usize);
            for (px, p) in line.chunks_mut(3).enumerate() {
                let c = col_of(px as u32) as usize;
                p.copy_from_slice(&colour(band, local + c, global + c));
            }
        });
    })?;
    Ok(RgbImage::from_raw(w, h, buf).expect("the buffer holds w x h RGB pixels"))
}

/// Fills a square of `width` pixels centred on pixel coordinates `(x, y)` (clipped).
pub fn dot(img: &mut RgbImage, x: f64, y: f64, colour: Rgb, width: u32) {
    let half = width as f64 / 2.0;
    let (x0, x1) = ((x - half).floor() as i64, (x + half).ceil() as i64);
    let (y0, y1) = ((y - half).floor() as i64, (y + half).ceil() as i64);
    for py in y0.max(0)..y1.min(img.height() as i64) {
        for px in x0.max(0)..x1.min(img.width() as i64) {
            img.put_pixel(px as u32, py as u32, Pixel(colour));
        }
    }
}

/// Fills a disc of radius `r` pixels centred on pixel coordinates `(cx, cy)` with `fill`,
/// inside a 1.5-pixel `edge` ring (clipped).
pub fn disc(img: &mut RgbImage, cx: f64, cy: f64, r: f64, fill: Rgb, edge: Rgb) {
    let x0 = (cx - r - 2.0).floor().max(0.0) as u32;
    let y0 = (cy - r - 2.0).floor().max(0.0) as u32;
    let x1 = ((cx + r + 2.0).ceil().max(0.0) as u32).min(img.width());
    let y1 = ((cy + r + 2.0).ceil().max(0.0) as u32).min(img.height());
    for py in y0..y1 {
        for px in x0..x1 {
            let d = (px as f64 + 0.5 - cx).hypot(py as f64 + 0.5 - cy);
            if d <= r - 1.5 {
                img.put_pixel(px, py, Pixel(fill));
            } else if d <= r + 0.5 {
                img.put_pixel(px, py, Pixel(edge));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_zero_is_drawn_at_the_bottom() {
        let img = paint(2, 2, 1, |i| [i as u8, 0, 0]);
        assert_eq!(img.get_pixel(0, 1).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(1, 0).0, [3, 0, 0]);
    }
}
