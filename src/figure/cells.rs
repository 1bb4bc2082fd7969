//! A map's outcomes as the figure reads them: whole in memory, or, for a single map of more
//! than one tile, tile by tile from its run folder, so that the figure never holds more than
//! a tile of them (see [`Bands`]).

use crate::error::Error;
use crate::outcome::{Bands, Outcomes};
use crate::tiles::{RunFolder, TilePlan};

/// Where a map's outcomes are.
pub(crate) enum Cells {
    /// The whole grid in memory.
    Whole(Outcomes),
    /// Every tile of `plan` saved in `folder` (a grid of `cols` columns).
    Tiles {
        /// The run folder holding the tiles.
        folder: RunFolder,
        /// How the rows split into tiles.
        plan: TilePlan,
        /// Columns of the grid.
        cols: u32,
    },
}

impl Cells {
    /// The whole grid, where it is held in memory.
    pub(crate) fn whole(&self) -> Option<&Outcomes> {
        match self {
            Cells::Whole(out) => Some(out),
            Cells::Tiles { .. } => None,
        }
    }
}

impl Bands for Cells {
    fn cols(&self) -> u32 {
        match self {
            Cells::Whole(out) => out.cols,
            Cells::Tiles { cols, .. } => *cols,
        }
    }

    fn rows(&self) -> u32 {
        match self {
            Cells::Whole(out) => out.rows,
            Cells::Tiles { plan, .. } => plan.rows,
        }
    }

    fn each(&self, f: &mut dyn FnMut(u32, &Outcomes)) -> Result<(), Error> {
        match self {
            Cells::Whole(out) => out.each(f),
            Cells::Tiles { folder, plan, cols } => {
                // One band's buffers for the whole pass.
                let mut band = Outcomes::default();
                for t in 0..plan.tiles() {
                    let rows = plan.rows_of(t);
                    if !folder.load_into(&rows, *cols, &mut band) {
                        return Err(Error::System(format!(
                            "the finished tile of rows {}..{} in {} could not be read back",
                            rows.start,
                            rows.end,
                            folder.dir().display()
                        )));
                    }
                    f(rows.start, &band);
                }
                Ok(())
            }
        }
    }
}
