//! Figure recipes: everything needed to render one figure. A recipe is one `[[figure]]` table
//! of a figure file (TOML, rendered with `downhill render FILE`); every map and path command
//! builds one from its flags; and every PNG written carries its recipe, so a figure can be
//! rendered again from itself (`downhill render FIGURE.png`).
//!
//! Field names are the command-line flags without their dashes (`optimizer`, `res`, `x`,
//! `lr`, `refine`, ...), so an error about a field names it the same way in both places.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, did_you_mean};
use crate::figure::ColorBy;
use crate::render::colormap::Cmap;
use crate::spec;

pub mod defaults;
mod plan;
mod png;

pub use png::{COMMAND_KEY, RECIPE_KEY, from_png, png_text};

/// Pixel densities allowed (`--ratio`, `ratio`).
pub const RATIOS: std::ops::RangeInclusive<u32> = 1..=4;
/// Plot sizes allowed, in pixels on the longer side at ratio 1 (`--size`, `size`).
pub const SIZES: std::ops::RangeInclusive<u32> = 16..=8192;
/// Most characters in a title (`--title`, `title`): longer ones would only widen the image.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most characters in a caption (figure files only; shown in the README).
pub const MAX_CAPTION_CHARS: usize = 2000;
/// Finest relative refinement precision in f32: the 8 units in the last place below which
/// neighbouring f32 values stop being distinct probes (the grid's own limit, [`spec::MIN_CELL_ULPS`]).
pub const MIN_REFINE_F32: f64 = spec::MIN_CELL_ULPS as f64 * f32::EPSILON as f64;
/// Finest relative refinement precision in f64 (8 units in the last place).
pub const MIN_REFINE_F64: f64 = 8.0 * f64::EPSILON;

/// What a recipe draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipeKind {
    /// Basin-of-attraction map over the start plane.
    #[default]
    Basins,
    /// Learning rate against curvature on the quadratic.
    Stability,
    /// Any two parameters.
    Sweep,
    /// Optimiser paths over a contour map, and their loss curves.
    Paths,
    /// A tiny neural network trained by gradient descent per cell of a learning-rate grid.
    Trainability,
    /// One trainability network trained at one `(lr0, lr1)`: its loss and sharpness against
    /// step, with the stability line `2/lr` (the edge of stability).
    Train,
}

/// A grid size: `N` (square) or `"COLSxROWS"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Res {
    /// `N x N` cells.
    Square(u32),
    /// `COLSxROWS`.
    Text(String),
}

/// Extra frames sweeping one more parameter, written as an animated PNG.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Animate {
    /// The parameter swept across frames (a landscape, optimiser or option parameter).
    pub param: String,
    /// Its value in the first frame.
    pub from: f64,
    /// Its value in the last frame.
    pub to: f64,
    /// Number of frames (2 to 600).
    pub frames: u32,
    /// Space the values logarithmically.
    #[serde(default)]
    pub log: bool,
    /// Frames per second (default 8).
    #[serde(default)]
    pub fps: Option<u32>,
}

/// One figure, as written in a figure file. Unset fields take the command-line defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Output prefix, relative to the output directory (`basins_bumpy_gd` writes
    /// `basins_bumpy_gd.png`, ...).
    pub name: String,
    /// What to draw.
    #[serde(default)]
    pub kind: RecipeKind,
    /// Landscape, `NAME[:key=value,...]` or `expr:...` (default `bumpy`; `quadratic` for
    /// stability maps, which fix it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landscape: Option<String>,
    /// Optimiser, `NAME[:key=value,...]` (default `gd`; `train` takes `gd` or `adam:...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// Several optimisers: side-by-side panels sharing axes and colour scale (map kinds), or
    /// one path each (`paths`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optimizers: Option<Vec<String>>,
    /// Grid cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub res: Option<Res>,
    /// Steps per trajectory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Window `[x_lo, x_hi, y_lo, y_hi]` of a basin map or path figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<[f64; 4]>,
    /// Sweep column axis `PARAM:LO:HI[:log]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Sweep row axis `PARAM:LO:HI[:log]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Stability learning-rate axis `LO:HI[:log]` (default `0:4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<String>,
    /// Stability curvature axis `LO:HI[:log]` (default `0.1:10:log`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<String>,
    /// Start point for the coordinates that are not axes (sweeps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<[f64; 2]>,
    /// Start points of a path figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts: Option<Vec<[f64; 2]>>,
    /// Divergence threshold on |x| and |y| (default 1e6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Convergence tolerance on the gradient norm (default 1e-4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tol: Option<f64>,
    /// Gradient noise standard deviation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    /// Seed of the gradient noise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
    /// Gradient-norm clip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip: Option<f64>,
    /// Coupled L2 weight decay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l2: Option<f64>,
    /// Learning-rate schedule, `NAME[:key=value,...]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Colouring of map cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<ColorBy>,
    /// Continuous colour map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmap: Option<Cmap>,
    /// Title over the plot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// One line describing the figure, for the gallery's README.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Pixel density (1 or 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<u32>,
    /// Minimum pixels on the plot's longer side at ratio 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Contour lines on basin maps (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contours: Option<bool>,
    /// Rings on attractors on basin maps (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markers: Option<bool>,
    /// Title, axes and key around the plot (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame: Option<bool>,
    /// File format of the image: `png` (default) or `svg` (vector text, axes, keys and
    /// lines; heatmaps embedded as pixels; no animations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<crate::picture::Format>,
    /// Refine each row's boundary to this relative precision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refine: Option<f64>,
    /// Steps per refinement probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refine_steps: Option<u32>,
    /// Zoom window `[cx, cy, span]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zoom: Option<[f64; 3]>,
    /// How the boundary's box-counting dimension marks and counts it: `cells` (default) or
    /// `blocks` (the 2x2-block edge map of Sohl-Dickstein 2024, boxes from 2 cells).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub box_count: Option<crate::analysis::fractal::BoxCount>,
    /// Sweep one more parameter across the frames of an animated PNG.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub animate: Option<Animate>,
    /// Write the raw `.npz` arrays (default true on the command line, false in figure files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<bool>,
    /// Trainability: hidden nonlinearity (default tanh).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation: Option<crate::nn::Activation>,
    /// Trainability: hidden width (default 16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<usize>,
    /// Trainability: input dimension (default 16).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dim: Option<usize>,
    /// Trainability: number of data points (default: the number of parameters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<usize>,
    /// Trainability: seed of the data and initial weights (default 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_seed: Option<u32>,
    /// Trainability: read data and initial weights from this `.npz` (arrays X, Y, W0, W1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npz: Option<String>,
    /// Trainability: input-layer learning rate where no axis sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr0: Option<f64>,
    /// Trainability: output-layer learning rate where no axis sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr1: Option<f64>,
    /// Trainability: offset added to every initial input-layer weight where no axis sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<f64>,
    /// Trainability: minibatch size of the gradient (default: the full batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
    /// Trainability: seed of the minibatch positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_seed: Option<u32>,
    /// Trainability: the GPU kernel's layout, `invocation`, `workgroup` or `unit` (default:
    /// `unit` where the network's data fit it, else `invocation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<crate::nn::train::Layout>,
    /// Trainability: `f32` (default) or `f64` (on the CPU, for deep zooms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<crate::nn::train::Precision>,
    /// Trainability: `ours` (default) or `paper` (Sohl-Dickstein's notebook: readout / width,
    /// every cell trained all steps, CDF colouring, the notebook's box count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub convention: Option<crate::nn::train::Convention>,
    /// Train: steps between sharpness measurements (default
    /// [`crate::train_figure::DEFAULT_EVERY`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sharpness_every: Option<u32>,
    /// How a map runs (one shard, resumable, merged): from the command line only.
    #[serde(skip)]
    pub tiling: crate::tiles::Tiling,
}

/// A figure file: `[[figure]]` tables.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureFile {
    /// The figures, in order.
    #[serde(default)]
    pub figure: Vec<Recipe>,
}

/// The culprit of an error about `field` of the recipe named `name` in `file`.
pub fn culprit(file: &str, name: &str, field: &str) -> String {
    format!("{file}: figure `{name}`: {}", field.trim_start_matches("--"))
}

impl Recipe {
    /// The recipe as a TOML `[[figure]]` table.
    pub fn to_toml(&self) -> String {
        let file = FigureFile { figure: vec![self.clone()] };
        short_floats(&toml::to_string(&file).expect("a recipe is plain TOML"))
    }
}

/// TOML text with every float literal outside strings in its shortest form
/// ([`crate::fmt::num`]): `threshold = 1e30`, not thirty-one digits.
fn short_floats(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The quote that opened the string we are in (basic `"` or literal `'`), if any.
    let (mut in_string, mut token): (Option<char>, String) = (None, String::new());
    let flush = |token: &mut String, out: &mut String| {
        let float = token.contains(['.', 'e', 'E']) && token.chars().any(|c| c.is_ascii_digit());
        match token.parse::<f64>() {
            Ok(v) if float && v.is_finite() => {
                let short = crate::fmt::num(v);
                // TOML floats need a fraction or an exponent.
                let short = if short.contains(['.', 'e']) { short } else { format!("{short}.0") };
                out.push_str(if short.len() < token.len() { &short } else { token.as_str() });
            }
            _ => out.push_str(token),
        }
        token.clear();
    };
    let mut prev = '\0';
    for c in text.chars() {
        if let Some(q) = in_string {
            out.push(c);
            if c == q && (q == '\'' || prev != '\\') {
                in_string = None;
            }
        } else if c.is_ascii_digit()
            || (!token.is_empty() && matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            || (token.is_empty() && c == '-')
        {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            if c == '"' || c == '\'' {
                in_string = Some(c);
            }
            out.push(c);
        }
        prev = c;
    }
    flush(&mut token, &mut out);
    out
}

/// Most bytes in one component of a figure name: file systems allow 255, and the longest
/// extension and temporary suffix (`.boundary.csv.PID.downhill-tmp`) need the rest.
pub const MAX_NAME_BYTES: usize = 200;

/// A figure name is a relative path of plain components (no `..`, not absolute, not empty),
/// each short enough to be a file name with its extensions.
pub fn check_name(name: &str) -> Result<(), Error> {
    let p = Path::new(name);
    let plain = p.components().all(|c| matches!(c, std::path::Component::Normal(_)));
    if name.trim().is_empty() || !plain {
        return Err(Error::input(
            "--name",
            format!("`{name}` must be a relative path such as `basins_bumpy_gd`"),
        ));
    }
    if let Some(long) = p.components().find(|c| c.as_os_str().len() > MAX_NAME_BYTES) {
        return Err(Error::input(
            "--name",
            format!(
                "`{}` is {} bytes long; a name may have at most {MAX_NAME_BYTES} bytes between slashes",
                long.as_os_str().to_string_lossy(),
                long.as_os_str().len()
            ),
        ));
    }
    Ok(())
}

/// Parses a figure file; `file` names it in errors (with the TOML line and column, or the
/// figure and field at fault). Figure names must be unique.
pub fn parse_file(file: &str, text: &str) -> Result<FigureFile, Error> {
    let parsed: FigureFile = toml::from_str(text).map_err(|e| {
        let mut message = e.message().to_string();
        if let Some(field) = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next()) {
            message.push_str(&did_you_mean(field, recipe_fields().iter().copied()));
        }
        let at = e.span().map(|s| {
            let line = text[..s.start].matches('\n').count() + 1;
            format!(" (line {line})")
        });
        Error::input(file, format!("{message}{}", at.unwrap_or_default()))
    })?;
    if parsed.figure.is_empty() {
        return Err(Error::input(file, "no [[figure]] tables"));
    }
    for (i, r) in parsed.figure.iter().enumerate() {
        if parsed.figure[..i].iter().any(|q| q.name == r.name) {
            return Err(Error::input(culprit(file, &r.name, "name"), "two figures have this name"));
        }
    }
    Ok(parsed)
}

/// Every field a recipe may have (for suggestions), as its `Deserialize` derive lists them,
/// so the list cannot fall out of step with [`Recipe`].
pub fn recipe_fields() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    // The derive hands its field list to `deserialize_struct`, which stops right there.
    let _ = Recipe::deserialize(FieldList(&mut fields));
    fields
}

/// A deserializer that only records the field names of the struct asked of it.
struct FieldList<'a>(&'a mut &'static [&'static str]);

/// [`FieldList`]'s way of stopping once it has the names.
#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names recorded")
    }
}

impl std::error::Error for Stop {}

impl serde::de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> serde::Deserializer<'de> for FieldList<'_> {
    type Error = Stop;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        *self.0 = fields;
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_is_the_structs_own() {
        let fields = recipe_fields();
        assert!(fields.len() >= 40, "{fields:?}");
        for f in ["name", "kind", "landscape", "optimizer", "res", "animate", "precision", "layout"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        // Every listed name is a field of a figure table: whatever else is wrong with a value,
        // the name itself is never unknown.
        for f in fields {
            let text = format!("[[figure]]\nname = \"a\"\n{f} = {{}}\n");
            if let Err(e) = parse_file("f.toml", &text) {
                assert!(!e.to_string().contains("unknown field"), "{f}: {e}");
            }
        }
        let err =
            parse_file("f.toml", "[[figure]]\nname = \"a\"\noptimzer = \"gd\"\n").unwrap_err().to_string();
        assert!(err.contains("did you mean `optimizer`"), "{err}");
    }

    #[test]
    fn floats_in_written_entries_are_short_and_read_back_the_same() {
        let text = "threshold = 1000000000000000000000000000000.0\ndomain = [-0.5, 2.0]\nsteps = 500\n\
                    title = \"lr 0.50 and 1000000.0\"\ncaption = 'keep 0.50 here'\n";
        let short = short_floats(text);
        assert!(short.contains("threshold = 1e30\n"), "{short}");
        assert!(short.contains("domain = [-0.5, 2.0]") && short.contains("steps = 500"), "{short}");
        assert!(short.contains("\"lr 0.50 and 1000000.0\"") && short.contains("'keep 0.50 here'"), "{short}");
        let (a, b): (toml::Table, toml::Table) =
            (toml::from_str(text).unwrap(), toml::from_str(&short).unwrap());
        assert_eq!(a, b);
    }
}
