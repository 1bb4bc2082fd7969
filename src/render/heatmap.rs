//! Heatmaps: one colour per grid cell, drawn the way plots are read (the high end of the y
//! axis at the top), scaled up by whole pixels; the dots and discs overlays are painted with.

use image::{Rgb as Pixel, RgbImage};
use rayon::prelude::*;

use super::colormap::Rgb;

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
