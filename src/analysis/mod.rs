//! Pure functions on outcome grids: basin labels and statistics, and stability boundaries
//! measured from a grid and compared with theory. Nothing here runs trajectories or draws.

pub mod basins;
pub mod boundary;
pub mod fractal;
pub mod fractality;
