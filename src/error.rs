//! The library's error type. Every variant names what failed and why; input errors also name
//! the flag or file at fault so the CLI can print them as one line and exit with code 2.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `downhill`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad user input: `culprit` is the flag or file (e.g. `--optimizer`), `message` says what
    /// is wrong and, where possible, what would be right.
    #[error("{culprit}: {message}")]
    Input {
        /// The flag, argument or file at fault.
        culprit: String,
        /// What is wrong with it.
        message: String,
    },
    /// No GPU adapter could be found (the backend was `gpu`, or `auto` fell back).
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    /// wgpu reported an error (device creation, validation, device loss, mapping).
    #[error("GPU: {0}")]
    Gpu(String),
    /// A shader could not be composed from its pieces.
    #[error("shader composition: {0}")]
    Shader(String),
    /// A file could not be written or renamed into place.
    #[error("writing {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// Builds an input error naming `culprit`.
    pub fn input(culprit: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input { culprit: culprit.into(), message: message.into() }
    }

    /// Whether the error comes from user input (CLI exit code 2) rather than the machine.
    pub fn is_input(&self) -> bool {
        matches!(self, Error::Input { .. })
    }
}

/// Suggests the closest of `candidates` to `got`, as " (did you mean `x`?)", or "".
pub fn did_you_mean<'a>(got: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(got, c), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}
