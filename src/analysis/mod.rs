//! Pure functions on outcome grids: basin labels and statistics, stability boundaries
//! measured from a grid and compared with theory, and the dimensions of those boundaries (box
//! counting, and Liu's crossing count along rows), and whether the optimiser can settle at a
//! map's minima at all. Nothing here runs trajectories or draws.

pub mod basins;
pub mod boundary;
pub mod crossing;
pub mod fractal;
pub mod fractality;
pub mod settle;
