//! Named numeric parameters of landscapes and optimisers: their defaults and valid domains.
//!
//! Parameters travel to the kernel as one flat vector of [`SLOTS`] f32 values; a parameter's
//! slot is fixed by its owner's base slot plus its position in the owner's list.

/// Number of slots in the flat parameter vector shared with `shaders/kernel.wgsl`.
pub const SLOTS: usize = 32;
/// Slot of the start point's x coordinate.
pub const SLOT_X0: usize = 0;
/// Slot of the start point's y coordinate.
pub const SLOT_Y0: usize = 1;
/// First slot of the landscape's parameters (the kernel passes slots 2..6 as `c`).
pub const LANDSCAPE_BASE: usize = 2;
/// Most landscape parameters a landscape may have.
pub const LANDSCAPE_MAX: usize = 4;
/// First slot of the optimiser's hyperparameters (slots 6..14, passed as `h0`, `h1`); slots
/// 14..21 hold the options (`options::OPTION_BASE`), 21..32 are reserved.
pub const OPTIMISER_BASE: usize = 6;
/// Most hyperparameters an optimiser may have.
pub const OPTIMISER_MAX: usize = 8;

/// The set of values a parameter may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// Any finite number.
    Any,
    /// Finite and > 0.
    Positive,
    /// Finite and >= 0.
    NonNegative,
    /// In [0, 1): decay rates such as momentum's beta.
    UnitInterval,
    /// 0 (off) or 1 (on).
    Switch,
}

impl Domain {
    /// Whether `v` lies in the domain (non-finite values never do).
    pub fn contains(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Domain::Any => true,
                Domain::Positive => v > 0.0,
                Domain::NonNegative => v >= 0.0,
                Domain::UnitInterval => (0.0..1.0).contains(&v),
                Domain::Switch => v == 0.0 || v == 1.0,
            }
    }

    /// Human-readable description, used in error messages and `downhill list`.
    pub fn describe(self) -> &'static str {
        match self {
            Domain::Any => "any finite number",
            Domain::Positive => "> 0",
            Domain::NonNegative => ">= 0",
            Domain::UnitInterval => "in [0, 1)",
            Domain::Switch => "0 (off) or 1 (on)",
        }
    }
}

/// One named parameter of a landscape or optimiser.
#[derive(Clone, Copy, Debug)]
pub struct ParamDef {
    /// Name used in specs (`adam:beta1=0.8`) and as an axis (`--x beta1:0:0.99`).
    pub name: &'static str,
    /// Value used when the spec does not set it.
    pub default: f32,
    /// Values it may take.
    pub domain: Domain,
    /// One-line meaning, shown by `downhill list`.
    pub doc: &'static str,
}
