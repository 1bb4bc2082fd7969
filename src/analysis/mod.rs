//! Pure functions on outcome grids: basin labels and statistics, stability boundaries
//! measured from a grid and compared with theory, and the dimensions of those boundaries (box
//! counting, and Liu's crossing count along rows). Nothing here runs trajectories or draws.

pub mod basins;
pub mod boundary;
pub mod crossing;
pub mod fractal;
pub mod fractality;
