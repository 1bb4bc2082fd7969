//! Grids of values or labels to pixels: colour maps ([`colormap`]), heatmaps with overlays
//! ([`heatmap`]), text ([`text`]), axis ticks ([`ticks`]) and the frame around a figure
//! ([`frame`]). Never touches wgpu or the file system.

pub mod chart;
pub mod colormap;
pub mod frame;
pub mod heatmap;
pub mod scene;
pub mod svg;
pub mod text;
pub mod ticks;
