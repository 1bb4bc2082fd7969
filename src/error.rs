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
    /// The operating system refused something other than a file (a thread, a signal handler).
    #[error("{0}")]
    System(String),
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

/// Longest quoted value an error message echoes, in characters.
pub const MAX_ECHO_CHARS: usize = 80;

/// `text` with every `` `quoted` `` span longer than `most` characters cut to `most` with an
/// ellipsis, and every other word longer than twice `most` likewise, so a 100 KB bad value
/// does not fill the terminal.
pub fn shorten_echoes(text: &str, most: usize) -> String {
    let cut = |s: &str, most: usize| -> String {
        if s.chars().count() > most {
            let mut t: String = s.chars().take(most.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            s.to_string()
        }
    };
    // Odd-numbered pieces between backticks are quoted; an unpaired last backtick quotes nothing.
    let pieces: Vec<&str> = text.split('`').collect();
    let paired = if pieces.len() % 2 == 1 { pieces.len() } else { pieces.len() - 1 };
    let mut out = String::with_capacity(text.len().min(4096));
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && i < paired {
            out.push_str(&cut(piece, most));
        } else {
            let words: Vec<String> = piece.split(' ').map(|w| cut(w, 2 * most)).collect();
            out.push_str(&words.join(" "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_echoed_values_are_cut_with_an_ellipsis() {
        let long = "x".repeat(100_000);
        let s = shorten_echoes(&format!("--res: `{long}` is not a whole number"), 80);
        assert!(s.starts_with("--res: `xxx") && s.ends_with("…` is not a whole number"), "{s}");
        assert_eq!(s.chars().count(), "--res: `` is not a whole number".len() + 80);
        let bare = shorten_echoes(&format!("bad {long} here"), 80);
        assert_eq!(bare.chars().count(), "bad  here".len() + 160);
        assert_eq!(shorten_echoes("short `ok` text, isn't it", 80), "short `ok` text, isn't it");
        assert_eq!(shorten_echoes("unpaired ` tick", 80), "unpaired ` tick");
    }
}
