//! Colour maps, from the `colorous` crate: perceptually uniform sequential maps for continuous
//! values (viridis by default, chosen with [`Cmap`]), diverging and cyclic maps on request, a
//! categorical palette for basins, and a red ramp for divergence speed.

/// An 8-bit RGB colour.
pub type Rgb = [u8; 3];

/// Colour of a trajectory whose value cannot be shown (e.g. never converged).
pub const MISSING: Rgb = [128, 128, 128];
/// Colour of trajectories that end where the loss is undefined (NaN), on every map: a
/// magenta no colour map and no basin colour uses.
pub const UNDEFINED: Rgb = [255, 0, 255];
/// Colour of diverged trajectories on categorical (basin) maps.
pub const DIVERGED: Rgb = [20, 20, 20];
/// Colour of trajectories that left a basin map's window without diverging or converging
/// (near-white: off the map).
pub const LEFT_WINDOW: Rgb = [246, 246, 246];
/// Colour of overlay curves (analytic boundaries).
pub const OVERLAY: Rgb = [255, 255, 255];

fn rgb(c: colorous::Color) -> Rgb {
    [c.r, c.g, c.b]
}

/// A continuous colour map, by name (`--cmap`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cmap {
    /// Perceptually uniform sequential, dark purple to yellow (the default).
    #[default]
    Viridis,
    /// Perceptually uniform sequential, black to pale yellow through red.
    Magma,
    /// Perceptually uniform sequential, black to yellow through red.
    Inferno,
    /// Perceptually uniform sequential, blue to yellow through magenta.
    Plasma,
    /// Perceptually uniform sequential, readable with colour-vision deficiency.
    Cividis,
    /// Diverging, red to white to blue.
    Rdbu,
    /// Diverging, orange to white to purple.
    Puor,
    /// Diverging, dark red to pale yellow to blue (matplotlib's and Sohl-Dickstein's
    /// `Spectral`).
    Spectral,
    /// Cyclic (the two ends meet), for periodic quantities.
    Sinebow,
}

impl Cmap {
    /// Every map, in the order `--help` lists them.
    pub const ALL: [Cmap; 9] = [
        Cmap::Viridis,
        Cmap::Magma,
        Cmap::Inferno,
        Cmap::Plasma,
        Cmap::Cividis,
        Cmap::Rdbu,
        Cmap::Puor,
        Cmap::Spectral,
        Cmap::Sinebow,
    ];

    /// The name `--cmap` takes.
    pub fn name(self) -> &'static str {
        match self {
            Cmap::Viridis => "viridis",
            Cmap::Magma => "magma",
            Cmap::Inferno => "inferno",
            Cmap::Plasma => "plasma",
            Cmap::Cividis => "cividis",
            Cmap::Rdbu => "rdbu",
            Cmap::Puor => "puor",
            Cmap::Spectral => "spectral",
            Cmap::Sinebow => "sinebow",
        }
    }

    /// The map named `name`.
    pub fn from_name(name: &str) -> Option<Cmap> {
        Cmap::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The colour at `t` in [0, 1] (clamped).
    pub fn at(self, t: f64) -> Rgb {
        let g = match self {
            Cmap::Viridis => colorous::VIRIDIS,
            Cmap::Magma => colorous::MAGMA,
            Cmap::Inferno => colorous::INFERNO,
            Cmap::Plasma => colorous::PLASMA,
            Cmap::Cividis => colorous::CIVIDIS,
            Cmap::Rdbu => colorous::RED_BLUE,
            Cmap::Puor => colorous::PURPLE_ORANGE,
            Cmap::Spectral => colorous::SPECTRAL,
            Cmap::Sinebow => colorous::SINEBOW,
        };
        rgb(g.eval_continuous(t.clamp(0.0, 1.0)))
    }
}

/// Viridis at `t` in [0, 1] (clamped): dark purple at 0, yellow at 1.
pub fn sequential(t: f64) -> Rgb {
    Cmap::Viridis.at(t)
}

/// Divergence speed on a log scale: deep red for trajectories that left at once (`t` = 0),
/// pale red for those that left only at the end of the step budget (`t` = 1), so the colour
/// fades towards the edge of the stable region.
pub fn divergence(t: f64) -> Rgb {
    rgb(colorous::REDS.eval_continuous(0.85 - 0.6 * t.clamp(0.0, 1.0)))
}

/// [`divergence`] in a hue that `cmap` does not use, so diverged cells never look like
/// cells the map colours: reds beside viridis and cividis, blues beside magma and inferno
/// (black-red-yellow), greens beside plasma, RdBu and PuOr, greys beside sinebow (every hue).
pub fn divergence_beside(cmap: Cmap, t: f64) -> Rgb {
    let g = match cmap {
        Cmap::Viridis | Cmap::Cividis => return divergence(t),
        Cmap::Magma | Cmap::Inferno => colorous::BLUES,
        Cmap::Plasma | Cmap::Rdbu | Cmap::Puor => colorous::GREENS,
        Cmap::Spectral => colorous::GREYS,
        Cmap::Sinebow => colorous::GREYS,
    };
    rgb(g.eval_continuous(0.85 - 0.6 * t.clamp(0.0, 1.0)))
}

/// Number of distinct categorical colours before [`category`] repeats.
pub const CATEGORIES: usize = 20;

/// Categorical colour `k`: Tableau 10 without its red and grey (which mean other things
/// here), then Dark2, then the darker half of Paired; repeats after [`CATEGORIES`].
pub fn category(k: usize) -> Rgb {
    const TABLEAU: [usize; 8] = [0, 1, 3, 4, 5, 6, 7, 8];
    const DARK2: [usize; 7] = [0, 1, 2, 3, 4, 5, 6];
    const PAIRED: [usize; 5] = [1, 3, 7, 9, 11];
    match k % CATEGORIES {
        k if k < 8 => rgb(colorous::TABLEAU10[TABLEAU[k]]),
        k if k < 15 => rgb(colorous::DARK2[DARK2[k - 8]]),
        k => rgb(colorous::PAIRED[PAIRED[k - 15]]),
    }
}

/// `c` darkened by `slowness` in [0, 1] (clamped): 0 keeps it, 1 takes it 45% of the way to
/// black. Basin maps shade each converged cell by its convergence time this way.
pub fn shaded(c: Rgb, slowness: f64) -> Rgb {
    let keep = 1.0 - 0.45 * slowness.clamp(0.0, 1.0);
    c.map(|v| (v as f64 * keep).round() as u8)
}

/// `c` mixed halfway towards white, for "in this basin but not converged".
pub fn faded(c: Rgb) -> Rgb {
    c.map(|v| ((v as u16 + 255) / 2) as u8)
}
