//! The page's view as the command line and the figure file would ask for it: a `downhill`
//! command with the exact flags the CLI accepts, and a `[[figure]]` TOML table that
//! `downhill render` accepts (the library's own `Recipe::to_toml`). The browser tests run both
//! through the CLI.

use downhill::Error;
use downhill::fmt::num;
use downhill::recipe::{Recipe, RecipeKind, Res};

/// `text` quoted for a POSIX shell where it needs it.
fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ',' | ':' | '=' | '/' | '-' | '+'));
    if plain { text.to_string() } else { format!("'{}'", text.replace('\'', r"'\''")) }
}

/// The `downhill` command that renders the same figure as `recipe` (a basin or stability map),
/// writing `PREFIX.png` and friends.
pub fn command_line(recipe: &Recipe, prefix: &str) -> Result<String, Error> {
    let command = match recipe.kind {
        RecipeKind::Basins => "basins",
        RecipeKind::Stability => "stability",
        _ => return Err(Error::input("kind", "the lab exports basin and stability maps only")),
    };
    let res = recipe.res.as_ref().map(|r| match r {
        Res::Square(n) => n.to_string(),
        Res::Text(t) => t.clone(),
    });
    let flags = [
        ("--landscape", recipe.landscape.clone()),
        ("--optimizer", recipe.optimizer.clone()),
        ("--res", res),
        ("--steps", recipe.steps.map(|s| s.to_string())),
        ("--lr", recipe.lr.clone()),
        ("--k", recipe.k.clone()),
        ("--threshold", recipe.threshold.map(num)),
        ("--tol", recipe.tol.map(num)),
    ];
    let mut words = vec!["downhill".to_string(), command.to_string()];
    for (name, value) in flags {
        if let Some(v) = value {
            words.extend([name.to_string(), quote(&v)]);
        }
    }
    // Bounds may be negative: `--domain=-6:6:-6:6` keeps clap from reading them as flags.
    if let Some(d) = recipe.domain {
        words.push(format!("--domain={}", d.map(num).join(":")));
    }
    words.extend(["-o".to_string(), quote(prefix)]);
    Ok(words.join(" "))
}

/// The `[[figure]]` table for `recipe`, named `name`.
pub fn figure_toml(recipe: &Recipe, name: &str) -> String {
    Recipe { name: name.to_string(), ..recipe.clone() }.to_toml()
}
