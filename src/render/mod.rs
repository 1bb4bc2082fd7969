//! Grids of values or labels to figures: colour maps ([`colormap`]), heatmaps with overlays
//! ([`heatmap`]), text ([`text`]), axis ticks ([`ticks`]), the frame around a figure
//! ([`frame`]) and line charts ([`chart`]), all laid out once as a display list ([`scene`])
//! that is painted into pixels or written as SVG ([`svg`]). Never touches wgpu or the file
//! system.

pub mod chart;
pub mod colormap;
pub mod frame;
pub mod heatmap;
pub mod scene;
pub mod svg;
pub mod text;
pub mod ticks;
