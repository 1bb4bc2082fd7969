//! Grids of values or labels to pixels: colour maps ([`colormap`]) and heatmaps with overlays
//! ([`heatmap`]). Never touches wgpu or the file system.

pub mod colormap;
pub mod heatmap;
