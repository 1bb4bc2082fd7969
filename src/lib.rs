//! `downhill`: runs many independent optimiser trajectories at once on 2-D loss landscapes, on
//! the GPU through wgpu (WGSL compute shaders) or on the CPU reference twin, and turns the
//! outcomes into heatmaps and raw arrays.
//!
//! Data flow: a validated [`spec::Spec`] goes to a [`runner::Backend`], which returns an
//! [`outcome::Outcomes`] grid; [`analysis`] derives labels and boundaries from it, [`render`]
//! turns grids into pixels, and [`output`] is the only code that writes files.

pub mod analysis;
pub mod batch;
pub mod cell;
pub mod cpu;
pub mod eos;
pub mod error;
pub mod expr;
pub mod figure;
pub mod fmt;
pub mod gallery;
pub mod gpu;
pub mod landscape;
pub mod lanes;
pub mod memory;
pub mod nn;
pub mod number;
pub mod numeric;
pub mod optimiser;
pub mod options;
pub mod outcome;
pub mod output;
pub mod paint;
pub mod param;
pub mod paths;
pub mod picture;
pub mod plan;
pub mod progress;
pub mod recipe;
pub mod refine;
pub mod render;
pub mod runner;
pub mod shader;
pub mod shard;
pub mod sharpness;
pub mod simd;
pub mod spec;
pub mod tiles;
pub mod timings;
pub mod train_figure;

pub use error::{Error, Result};
