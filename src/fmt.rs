//! Numbers as text for the files the tool writes (CSV, README tables): the shortest form that
//! reads back to the same value, in positional notation inside `[1e-4, 1e6)` and scientific
//! outside it (`1e30`, `1.7e-44`, not thirty zeros).

/// `v` as the shortest text that parses back to the same f64: `0.25`, `1e30`, `-3.5e-7`,
/// `0`, `NaN`, `inf`.
pub fn num(v: f64) -> String {
    shortest(v)
}

/// [`num`] for an f32 value: the shortest text that parses back to the same f32 (`0.1`, not
/// `0.10000000149011612`).
pub fn num32(v: f32) -> String {
    shortest(v)
}

/// Positional inside `[1e-4, 1e6)` (bounds in `T`), scientific outside; both shortest.
fn shortest<T: num_traits::Float + std::fmt::Display + std::fmt::LowerExp>(v: T) -> String {
    let a = v.abs();
    let positional =
        a.is_zero() || !a.is_finite() || (a >= T::from(1e-4).unwrap() && a < T::from(1e6).unwrap());
    if positional { format!("{v}") } else { format!("{v:e}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_and_stay_short() {
        for (v, text) in
            [(0.25, "0.25"), (1e30, "1e30"), (-3.5e-7, "-3.5e-7"), (0.0, "0"), (123456.0, "123456")]
        {
            assert_eq!(num(v), text);
            assert_eq!(num(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!(num(1e6), "1e6");
        assert_eq!(num32(0.1), "0.1");
        assert_eq!(num32(1.7e-44), "1.7e-44");
        assert_eq!(num32(1.7e-44).parse::<f32>().unwrap(), 1.7e-44);
        assert_eq!((num(f64::NAN), num(f64::INFINITY)), ("NaN".to_string(), "inf".to_string()));
    }
}
