//! The GPU runner: everything that touches wgpu lives in this module.
//!
//! [`context`] finds an adapter and opens a device with the adapter's own limits; [`layout`]
//! holds the structs shared with `shaders/kernel.wgsl`; [`pipeline`] builds and caches one
//! specialised pipeline per (landscape, optimiser, axis slots, trace); [`runner`] tiles the
//! grid and splits long runs into step chunks, then reads results back through a reused
//! staging buffer; [`dispatch`] holds the dispatch helpers it shares with the trainability
//! kernel's runner (`nn::gpu`).

pub mod context;
pub mod dispatch;
pub mod layout;
pub mod pipeline;
pub mod runner;

pub use context::{AdapterSummary, GpuContext, hardware_gpu_possible};
pub use runner::GpuRunner;
