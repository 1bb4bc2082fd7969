//! Recipes in PNGs: every PNG written carries the recipe that made it, so
//! `downhill render FIGURE.png` renders it again.

use std::path::Path;

use super::{Recipe, parse_file};
use crate::error::Error;
use crate::plan::PngText;
pub use crate::plan::{COMMAND_KEY, RECIPE_KEY};

/// Reads the recipe a PNG written by `downhill` carries.
pub fn from_png(path: &Path) -> Result<Recipe, Error> {
    let culprit = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::input(&culprit, format!("cannot open: {e}")))?;
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let reader = decoder.read_info().map_err(|e| Error::input(&culprit, format!("not a PNG: {e}")))?;
    let text = reader
        .info()
        .utf8_text
        .iter()
        .find(|c| c.keyword == RECIPE_KEY)
        .and_then(|c| c.get_text().ok())
        .ok_or_else(|| Error::input(&culprit, "this PNG carries no downhill recipe"))?;
    let mut file = parse_file(&culprit, &text)?;
    Ok(file.figure.remove(0))
}

/// The text chunks every PNG carries: the tool and version (`Software`), the recipe
/// ([`RECIPE_KEY`]) and the command that rendered it (`downhill-command`).
pub fn png_text(recipe: &Recipe, command: &str) -> PngText {
    vec![
        ("Software", format!("downhill {}", env!("CARGO_PKG_VERSION"))),
        (RECIPE_KEY, recipe.to_toml()),
        (COMMAND_KEY, command.to_string()),
    ]
}
