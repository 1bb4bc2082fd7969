//! Text on images: DejaVu Sans (embedded, so figures look the same on every machine, Greek
//! letters, subscripts and superscripts included), rasterised with anti-aliasing and blended
//! onto the image.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::{Rgb as Pixel, RgbImage};

use super::colormap::Rgb;

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(dejavu::sans::regular()).expect("DejaVu Sans is a valid font")
    })
}

/// Where a text's anchor point sits on it, horizontally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// The anchor is the left end.
    Left,
    /// The anchor is the middle.
    Centre,
    /// The anchor is the right end.
    Right,
}

/// Width in pixels of `text` at `size` pixels (the line height, see [`em`]), with kerning.
pub fn width(text: &str, size: f32) -> f32 {
    let f = font().as_scaled(PxScale::from(size));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, id);
        }
        w += f.h_advance(id);
        prev = Some(id);
    }
    w
}

/// Height of a line of text at `size`: ascent minus descent, in pixels.
pub fn line_height(size: f32) -> f32 {
    let f = font().as_scaled(PxScale::from(size));
    f.ascent() - f.descent()
}

/// The em size (CSS `font-size`) of text drawn at `size`: `size` is the height from the font's
/// descent to its ascent (ab_glyph's pixel scale), which for DejaVu Sans is 1.16 em.
pub fn em(size: f32) -> f32 {
    let f = font();
    size * f.units_per_em().unwrap_or(1.0) / f.height_unscaled()
}

/// Ascent of the font at `size`: from the top of a line to its baseline, pixels.
pub fn ascent(size: f32) -> f32 {
    font().as_scaled(PxScale::from(size)).ascent()
}

/// Calls `visit(px, py, coverage)` for every pixel the lettering of `text` at `size`, anchored
/// at `(x, y)` as [`draw`] anchors it, touches (off-image pixels included).
fn coverage(text: &str, x: f32, y: f32, size: f32, align: Align, mut visit: impl FnMut(i64, i64, f32)) {
    let f = font().as_scaled(PxScale::from(size));
    let left = match align {
        Align::Left => x,
        Align::Centre => x - 0.5 * width(text, size),
        Align::Right => x - width(text, size),
    };
    let baseline = y + f.ascent();
    let mut pen = left;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            pen += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(size), point(pen, baseline));
        pen += f.h_advance(id);
        prev = Some(id);
        let Some(outline) = font().outline_glyph(glyph) else { continue };
        let b = outline.px_bounds();
        outline.draw(|gx, gy, cov| visit(b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64, cov));
    }
}

/// Whether all of the lettering of `text`, anchored as [`draw`] anchors it, lands inside a
/// `w x h` image.
pub fn fits(text: &str, x: f32, y: f32, size: f32, align: Align, w: u32, h: u32) -> bool {
    let mut fits = true;
    coverage(text, x, y, size, align, |px, py, cov| {
        let inside = px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h;
        fits &= inside || cov <= 0.0;
    });
    fits
}

/// Draws `text` at `size` pixels with its anchor at `(x, y)`: `y` is the top of the line
/// (ascent), `align` says which end or the middle `x` is. Coverage is blended over the image;
/// pixels outside it are clipped. Returns whether all of the lettering landed on the image.
#[must_use = "whether the text fits in the image"]
pub fn draw(img: &mut RgbImage, text: &str, x: f32, y: f32, size: f32, colour: Rgb, align: Align) -> bool {
    let mut fits = true;
    coverage(text, x, y, size, align, |px, py, cov| {
        let inside = px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height();
        fits &= inside || cov <= 0.0;
        if inside {
            let p = img.get_pixel_mut(px as u32, py as u32);
            let a = cov.clamp(0.0, 1.0);
            *p = Pixel(std::array::from_fn(|i| {
                (p.0[i] as f32 * (1.0 - a) + colour[i] as f32 * a).round() as u8
            }));
        }
    });
    fits
}

/// Where upward text (see [`draw_upwards`]) goes: the top-left corner `(x0, y0)` on the image
/// of the patch it is drawn on, and the patch's width and height before it is turned (the
/// text's length and line height, plus a 1-pixel margin all round).
pub fn upwards_patch(text: &str, x: f32, y: f32, size: f32) -> (i64, i64, u32, u32) {
    let w = width(text, size).ceil() as u32 + 2;
    let h = line_height(size).ceil() as u32 + 2;
    (x.round() as i64, (y - 0.5 * w as f32).round() as i64, w, h)
}

/// Whether all of upward text (see [`draw_upwards`]) lands inside a `w x h` image.
pub fn fits_upwards(text: &str, x: f32, y: f32, size: f32, img_w: u32, img_h: u32) -> bool {
    let (x0, y0, w, h) = upwards_patch(text, x, y, size);
    // The lettering's box (the patch less its 1-pixel margin) on the image.
    let (w, h) = (w as i64, h as i64);
    x0 + 1 >= 0 && y0 + 1 >= 0 && x0 + h - 1 <= img_w as i64 && y0 + w - 1 <= img_h as i64
}

/// Draws `text` turned a quarter turn anticlockwise (reading upwards, as y-axis titles do),
/// centred vertically on `y`, with the top of its letters at `x`. Returns whether all of the
/// lettering landed on the image.
#[must_use = "whether the text fits in the image"]
pub fn draw_upwards(img: &mut RgbImage, text: &str, x: f32, y: f32, size: f32, colour: Rgb) -> bool {
    let (x0, y0, w, h) = upwards_patch(text, x, y, size);
    // Render on a patch of the background it will cover, then rotate it into place.
    let mut patch = RgbImage::new(w, h);
    for (px, py, p) in patch.enumerate_pixels_mut() {
        // Patch pixel (px, py) lands on image pixel (x0 + py, y0 + w - 1 - px).
        let (ix, iy) = (x0 + py as i64, y0 + (w - 1 - px) as i64);
        if ix >= 0 && iy >= 0 && (ix as u32) < img.width() && (iy as u32) < img.height() {
            *p = *img.get_pixel(ix as u32, iy as u32);
        }
    }
    let _ = draw(&mut patch, text, 1.0, 1.0, size, colour, Align::Left);
    for (px, py, p) in patch.enumerate_pixels() {
        let (ix, iy) = (x0 + py as i64, y0 + (w - 1 - px) as i64);
        if ix >= 0 && iy >= 0 && (ix as u32) < img.width() && (iy as u32) < img.height() {
            img.put_pixel(ix as u32, iy as u32, *p);
        }
    }
    fits_upwards(text, x, y, size, img.width(), img.height())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink(img: &RgbImage) -> Vec<(u32, u32)> {
        img.enumerate_pixels().filter(|(_, _, p)| p.0[0] < 128).map(|(x, y, _)| (x, y)).collect()
    }

    #[test]
    fn text_lands_where_anchored_and_is_as_wide_as_measured() {
        let mut img = RgbImage::from_pixel(200, 40, Pixel([255; 3]));
        assert!(draw(&mut img, "lr η x₀", 100.0, 5.0, 16.0, [0, 0, 0], Align::Centre));
        let ink = ink(&img);
        let (xmin, xmax) = ink.iter().fold((u32::MAX, 0), |(a, b), &(x, _)| (a.min(x), b.max(x)));
        let w = width("lr η x₀", 16.0);
        assert!(w > 40.0 && w < 80.0, "{w}");
        assert!(
            (xmin as f32 - (100.0 - w / 2.0)).abs() < 3.0 && (xmax as f32 - (100.0 + w / 2.0)).abs() < 3.0
        );
        assert!(ink.iter().all(|&(_, y)| (4..5 + line_height(16.0) as u32 + 1).contains(&y)));
    }

    #[test]
    fn upward_text_is_tall_and_narrow() {
        let mut img = RgbImage::from_pixel(40, 200, Pixel([255; 3]));
        assert!(draw_upwards(&mut img, "curvature k", 5.0, 100.0, 16.0, [0, 0, 0]));
        let ink = ink(&img);
        let (ymin, ymax) = ink.iter().fold((u32::MAX, 0), |(a, b), &(_, y)| (a.min(y), b.max(y)));
        let (xmin, xmax) = ink.iter().fold((u32::MAX, 0), |(a, b), &(x, _)| (a.min(x), b.max(x)));
        assert!(ymax - ymin > 60 && xmax - xmin < 22, "{ymin}..{ymax} x {xmin}..{xmax}");
        assert!(((ymin + ymax) as f32 / 2.0 - 100.0).abs() < 4.0);
    }

    #[test]
    fn text_over_an_edge_says_it_does_not_fit() {
        let mut img = RgbImage::from_pixel(60, 30, Pixel([255; 3]));
        assert!(draw(&mut img, "fits", 30.0, 5.0, 12.0, [0, 0, 0], Align::Centre));
        assert!(!draw(&mut img, "a label far too long for this", 30.0, 5.0, 12.0, [0, 0, 0], Align::Centre));
        assert!(!draw(&mut img, "low", 30.0, 25.0, 12.0, [0, 0, 0], Align::Centre));
        let mut tall = RgbImage::from_pixel(30, 40, Pixel([255; 3]));
        assert!(!draw_upwards(&mut tall, "a title longer than the image", 5.0, 20.0, 12.0, [0, 0, 0]));
        assert!(draw_upwards(&mut tall, "short", 5.0, 20.0, 12.0, [0, 0, 0]));
    }
}
