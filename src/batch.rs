//! Rendering figure files: every recipe of a file in order, on one backend (so GPU pipelines
//! are compiled once and reused across figures), and the README that shows each image with
//! the entry that made it.

use std::path::Path;

use crate::error::Error;
use crate::plan::{Plan, Report};
use crate::recipe::{self, FigureFile, Recipe, RecipeKind};
use crate::runner::Backend;

/// Checks every recipe of `file` (named `file_name` in errors) before anything runs, so a bad
/// entry late in the file fails at once and writes nothing.
pub fn plan_all(
    file: &FigureFile,
    file_name: &str,
    dir: &Path,
    command: &str,
    progress: bool,
) -> Result<Vec<Plan>, Error> {
    file.figure
        .iter()
        .map(|r| {
            r.plan(dir, command, progress).map_err(|e| match e {
                Error::Input { culprit, message } => {
                    Error::input(recipe::culprit(file_name, &r.name, &culprit), message)
                }
                other => other,
            })
        })
        .collect()
}

/// Renders one plan.
pub fn run_plan(backend: &mut Backend, plan: &Plan) -> Result<Report, Error> {
    plan.run(backend)
}

/// `results/README.md` for a rendered figure file: every figure's image (and loss and
/// sharpness curves for path figures), its caption, and the TOML entry that made it.
pub fn readme(file: &FigureFile, file_path: &str) -> String {
    let base = std::path::Path::new(file_path).file_name().map_or(file_path.into(), |n| n.to_string_lossy());
    let how = if file_path == crate::gallery::PATH {
        format!("`cargo run --release` (or `downhill render {file_path} -o results`)")
    } else {
        format!("`downhill render {file_path} -o DIR`")
    };
    let mut s = format!(
        "# Gallery\n\nRendered by {how} from [`{base}`]({base}). Every PNG also carries its entry, so \
         `downhill render FIGURE.png -o DIR` renders it again.\n"
    );
    for r in &file.figure {
        s.push_str(&format!("\n## {}\n\n", r.name));
        if let Some(c) = &r.caption {
            s.push_str(&format!("{c}\n\n"));
        }
        let ext = r.style().format.name();
        s.push_str(&format!("![{0}]({0}.{ext})\n", r.name));
        if r.kind == RecipeKind::Paths {
            s.push_str(&format!("\n![{0} loss]({0}.loss.{ext})\n", r.name));
            s.push_str(&format!("\n![{0} sharpness]({0}.sharpness.{ext})\n", r.name));
        }
        let mut entry = Recipe { caption: None, ..r.clone() }.to_toml();
        if entry.ends_with('\n') {
            entry.pop();
        }
        s.push_str(&format!("\n```toml\n{entry}\n```\n"));
    }
    s
}
