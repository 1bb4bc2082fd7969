//! Numbers as the user types them in flag values: parsed to a finite f64, or an input error
//! naming the flag and the value. It does not check ranges or domains (the spec and the
//! registries do); the other direction, numbers as text for files, is [`crate::fmt`].

use crate::error::Error;

/// Parses a finite number; `what` names the value in the error.
pub fn parse_number(flag: &str, what: &str, text: &str) -> Result<f64, Error> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| Error::input(flag, format!("{what}: `{}` is not a number", text.trim())))?;
    if !v.is_finite() {
        return Err(Error::input(flag, format!("{what}: `{}` is not finite", text.trim())));
    }
    Ok(v)
}
