//! A figure's image in the file format its recipe asks for: the laid-out [`Scene`]s painted
//! into PNG pixels (several frames make an animated PNG), or written as one SVG document.
//! Lays nothing out ([`crate::render`] does) and writes through an [`OutputSet`] only.

use std::path::Path;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::output::{OutputSet, with_ext};
use crate::render::frame;
use crate::render::scene::Scene;
use crate::render::svg;

/// The file format of a figure's image (`--format`, `format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Raster PNG (animated with several frames); carries the recipe in text chunks.
    #[default]
    Png,
    /// Vector SVG: text, axes, keys, lines and markers as vectors, heatmaps embedded as
    /// pixelated PNGs; one frame only.
    Svg,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 2] = [Format::Png, Format::Svg];

    /// Lower-case name, as on the command line; also the file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// The format of this name, if any.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// `name`'s image in this format: `PREFIX.png`, `PREFIX.loss.svg`, ... for `stem` `""` or
    /// `"loss"`.
    pub fn target(self, prefix: &Path, stem: &str) -> std::path::PathBuf {
        if stem.is_empty() {
            with_ext(prefix, self.name())
        } else {
            with_ext(prefix, &format!("{stem}.{}", self.name()))
        }
    }
}

/// A figure's image, painted and ready to write.
pub enum Image {
    /// Frames in pixels, all of one size.
    Png(Vec<RgbImage>),
    /// An SVG document and its size in pixels.
    Svg {
        /// The document.
        text: String,
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
}

impl Image {
    /// Paints `scenes` (one per frame) in `format`; PNG frames are padded to one size (see
    /// [`frame::same_size`]). SVG takes one scene, and carries `metadata` (the recipe) as the
    /// PNG carries it in text chunks; an animation cannot be SVG ([`check_animation`]).
    pub fn paint(scenes: &[Scene], format: Format, metadata: &[(&str, String)]) -> Image {
        match format {
            Format::Png => {
                let mut frames: Vec<RgbImage> = scenes.iter().map(Scene::raster).collect();
                frame::same_size(&mut frames);
                Image::Png(frames)
            }
            Format::Svg => Image::Svg {
                text: svg::document(&scenes[0], metadata),
                width: scenes[0].width,
                height: scenes[0].height,
            },
        }
    }

    /// Width and height, pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Image::Png(frames) => frames[0].dimensions(),
            Image::Svg { width, height, .. } => (*width, *height),
        }
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        match self {
            Image::Png(frames) => frames.len(),
            Image::Svg { .. } => 1,
        }
    }

    /// The format it is in.
    pub fn format(&self) -> Format {
        match self {
            Image::Png(_) => Format::Png,
            Image::Svg { .. } => Format::Svg,
        }
    }

    /// The image file's bytes: an animated PNG at `fps` where it has several frames, carrying
    /// `text` (the PNG's text chunks), or the SVG document. Encoded apart from any output
    /// set, so that it can run beside the staging of other files.
    pub fn encoded(&self, fps: u32, text: &[(&str, String)]) -> std::io::Result<Vec<u8>> {
        match self {
            Image::Png(frames) => {
                let mut bytes = Vec::new();
                crate::output::write_apng(&mut bytes, frames, fps, text)?;
                Ok(bytes)
            }
            Image::Svg { text, .. } => Ok(text.as_bytes().to_vec()),
        }
    }

    /// Stages the image as `target`, animated at `fps` where it has several frames, carrying
    /// `text` (the PNG's text chunks).
    pub fn stage(
        &self,
        set: &mut OutputSet,
        target: &Path,
        fps: u32,
        text: &[(&str, String)],
    ) -> Result<(), Error> {
        match self {
            Image::Png(frames) => set.apng(target, frames, fps, text),
            Image::Svg { text, .. } => set.text(target, text),
        }
    }
}

/// Refuses SVG for an animation: it is written as an animated PNG, and SVG has no frames.
pub fn check_animation(format: Format, animated: bool) -> Result<(), Error> {
    if format == Format::Svg && animated {
        return Err(Error::input(
            "--format",
            "svg cannot hold an animation (`animate`); use --format png for an animated PNG",
        ));
    }
    Ok(())
}

/// What a figure's JSON records about its image file: its name beside the JSON and format.
#[derive(Clone, Debug, Serialize)]
pub struct FileMeta {
    /// The image's file name (in the JSON's directory).
    pub file: String,
    /// `png` or `svg`.
    pub format: Format,
}

impl FileMeta {
    /// The record of an image written as `target` in `format`.
    pub fn of(target: &Path, format: Format) -> FileMeta {
        let file = target.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        FileMeta { file, format }
    }
}
