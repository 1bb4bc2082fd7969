//! The default gallery: the figure file `results/gallery.toml`, built into the binary so that
//! `downhill` with no arguments (`cargo run --release`) renders it into `results/` from any
//! working directory.

use crate::error::Error;
use crate::recipe::{self, FigureFile};

/// The shipped figure file.
pub const FILE: &str = include_str!("../results/gallery.toml");

/// Where the shipped figure file lives in the repository, for messages and the README.
pub const PATH: &str = "results/gallery.toml";

/// The gallery's figures.
pub fn figures() -> Result<FigureFile, Error> {
    recipe::parse_file(PATH, FILE)
}
