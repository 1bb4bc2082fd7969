//! What every kind of figure shares once planned: the [`Figure`] interface through which the
//! command line and figure files (and recipes read back from PNGs) run every figure, the
//! [`Style`] they are drawn in, the [`Report`] they return, and the PNG text they embed.
//!
//! A recipe ([`crate::recipe`]) is checked and planned into a [`Plan`] before anything runs;
//! the kinds ([`crate::figure`] maps, [`crate::paths`] trajectories, [`crate::nn::job`]
//! trainability maps) implement [`Figure`] and depend on this module, not on the recipe.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Error;
use crate::picture::Format;
use crate::render::colormap::Cmap;
use crate::runner::Backend;
use crate::spec::Spec;

/// A checked figure of any kind, ready to run.
pub trait Figure {
    /// Where `backend` runs it, and why when `auto` chose (e.g. `cpu (...) (auto: ...)`), for
    /// the line the command prints.
    fn backend_line(&self, backend: &Backend) -> String;

    /// Runs, analyses, renders and writes the figure's outputs as one atomic set.
    fn run(&self, backend: &mut Backend) -> Result<Report, Error>;

    /// The spec of the figure's first map, for figures made of maps of a 2-D landscape
    /// (`--show-wgsl` prints its landscape's WGSL).
    fn map_spec(&self) -> Option<&Spec> {
        None
    }
}

/// A planned figure.
pub type Plan = Box<dyn Figure>;

/// The PNG text keyword under which figures carry their recipe.
pub const RECIPE_KEY: &str = "downhill-recipe";

/// The PNG text keyword under which figures carry the command that rendered them.
pub const COMMAND_KEY: &str = "downhill-command";

/// The text chunks a figure's PNG carries (`(keyword, text)`), e.g. the recipe that made it,
/// so `downhill render FIGURE.png` can render it again.
pub type PngText = Vec<(&'static str, String)>;

/// How a figure looks.
#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    /// Continuous colour map (`--cmap`).
    pub cmap: Cmap,
    /// Whether to draw the frame (title, axes with ticks, colour bar or legend); without it
    /// the PNG is the bare heatmap.
    pub frame: bool,
    /// Pixel density: 1 for ordinary screens, 2 for high-density ones (every length doubles).
    pub ratio: u32,
    /// The plot's longer side is at least this many pixels at ratio 1 (whole pixels per cell,
    /// at most 16), so small grids are scaled up.
    pub size: u32,
    /// Title over the plot; by default the optimiser, landscape and step count.
    pub title: Option<String>,
    /// Contour lines of the landscape on basin maps.
    pub contours: bool,
    /// Rings on the attractors on basin maps.
    pub markers: bool,
    /// File format of the image (`png` or `svg`).
    pub format: Format,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            cmap: Cmap::Viridis,
            frame: true,
            ratio: 1,
            size: 512,
            title: None,
            contours: true,
            markers: true,
            format: Format::Png,
        }
    }
}

/// What a finished job reports.
#[derive(Clone, Debug)]
pub struct Report {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Wall time of the run itself (not rendering), seconds.
    pub run_seconds: f64,
    /// Trajectory-steps per second of the run.
    pub traj_steps_per_s: f64,
    /// One-line summary of the outcome.
    pub summary: String,
}

/// A rectangle of an image in pixels, from its top left corner, as metadata records the plot
/// areas of a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rect {
    /// Pixels from the image's left edge.
    pub left: u32,
    /// Pixels from the image's top edge.
    pub top: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Rect {
    /// The rectangle `[left, top, width, height]`.
    pub fn of(r: [u32; 4]) -> Rect {
        Rect { left: r[0], top: r[1], width: r[2], height: r[3] }
    }
}

/// What every figure's JSON starts with: the tool and version that made it, the command that
/// makes it again, the kind of figure, and where it ran (and why, when `auto` chose).
#[derive(Clone, Debug, Serialize)]
pub struct Provenance<'a> {
    /// `downhill`'s version.
    pub downhill: &'static str,
    /// The command, shell-quoted.
    pub command: &'a str,
    /// `basins`, `stability`, `sweep`, `paths` or `trainability`.
    pub figure: &'static str,
    /// Where it ran, and why when `auto` chose.
    pub backend: String,
}

impl<'a> Provenance<'a> {
    /// The provenance of a `figure` made by `command`, run where `backend` says.
    pub fn new(command: &'a str, figure: &'static str, backend: String) -> Self {
        Provenance { downhill: env!("CARGO_PKG_VERSION"), command, figure, backend }
    }
}
