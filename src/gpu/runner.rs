//! The tiled, chunked GPU runner.
//!
//! A grid is cut into tiles of contiguous row-major cells that fit one storage binding (at most
//! [`TILE_TARGET_CELLS`]); each tile's steps are cut into chunks of at least
//! [`MIN_CHUNK_STEPS`] (at most [`MAX_CHUNK_STEPS`]) so that no dispatch runs for long, and chunks are grouped into submits
//! of about [`SUBMIT_WORK`] trajectory-steps, after each of which progress is reported. A
//! tile's state stays on the GPU between its chunks and is read back once, through a staging
//! buffer reused across tiles and runs.

use std::ops::Range;

use bytemuck::Zeroable;
use wgpu::util::DeviceExt;

use super::context::GpuContext;
use super::dispatch::{
    dispatch_size, pack_aligned, read_mapped, read_mapped_with, record_dispatches, submit_and_wait,
};
use super::layout::{ChunkUniform, RunUniform};
use super::pipeline::{PipelineKey, Pipelines, WORKGROUP_SIZE, kernel_bind_group};
use crate::error::Error;
use crate::outcome::{Outcomes, TrajState};
use crate::progress::Progress;
use crate::spec::Spec;

/// Largest tile, in cells (also bounded by the adapter's binding and buffer limits).
pub const TILE_TARGET_CELLS: u64 = 1 << 22;
/// Trajectory-steps one dispatch aims for.
pub const DISPATCH_WORK: u64 = 1 << 28;
/// Fewest steps per dispatch: below this, per-dispatch overhead dominates on lavapipe.
pub const MIN_CHUNK_STEPS: u32 = 128;
/// Most steps per dispatch. Mesa's llvmpipe (lavapipe) stops every loop of an invocation after
/// 65535 iterations in total, silently, so one dispatch must never run more steps than that;
/// this bound leaves room and costs nothing measurable elsewhere.
pub const MAX_CHUNK_STEPS: u32 = 16_384;
/// Trajectory-steps one submit aims for.
pub const SUBMIT_WORK: u64 = 1 << 30;
/// Most dispatches in one submit (bounds the chunk uniform buffer).
pub const MAX_CHUNKS_PER_SUBMIT: u32 = 256;

const STATE_BYTES: u64 = size_of::<TrajState>() as u64;

/// How a spec's work is cut up on this adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Cells per tile (the last tile may hold fewer).
    pub tile_cells: u32,
    /// Steps per dispatch (the last chunk may hold fewer).
    pub chunk_steps: u32,
    /// Dispatches per submit.
    pub chunks_per_submit: u32,
}

impl Plan {
    /// The plan for `cells` trajectories of `steps` steps under `limits`, with tiles of at
    /// most `tile_cap` cells.
    pub fn new(cells: u64, steps: u32, limits: &wgpu::Limits, tile_cap: u64) -> Self {
        let by_binding = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size) / STATE_BYTES;
        let wg = WORKGROUP_SIZE as u64;
        let max_tile = (tile_cap.min(by_binding) / wg * wg).max(wg);
        let tile = cells.min(max_tile);
        let chunk_steps =
            (DISPATCH_WORK / tile).max(MIN_CHUNK_STEPS as u64).min(MAX_CHUNK_STEPS as u64).min(steps as u64)
                as u32;
        let per_submit = (SUBMIT_WORK / (tile * chunk_steps as u64)).clamp(1, MAX_CHUNKS_PER_SUBMIT as u64);
        Plan { tile_cells: tile as u32, chunk_steps, chunks_per_submit: per_submit as u32 }
    }
}

/// Buffers reused across tiles and runs of the same tile size.
struct TileBuffers {
    cells: u32,
    state: wgpu::Buffer,
    staging: wgpu::Buffer,
}

/// Runs specs on a GPU.
pub struct GpuRunner {
    ctx: GpuContext,
    pipelines: Pipelines,
    tiles: Option<TileBuffers>,
    tile_cap: u64,
    nn: Vec<crate::nn::gpu::NnPipeline>,
}

impl GpuRunner {
    /// Opens the default adapter.
    pub fn new() -> Result<Self, Error> {
        let ctx = GpuContext::new()?;
        let pipelines = Pipelines::new(&ctx);
        Ok(GpuRunner { ctx, pipelines, tiles: None, tile_cap: TILE_TARGET_CELLS, nn: Vec::new() })
    }

    /// Caps tiles at `cells` (rounded down to a whole workgroup, at least one); the default is
    /// [`TILE_TARGET_CELLS`]. Small caps exercise the tiling on small grids in tests.
    pub fn set_tile_cap(&mut self, cells: u64) {
        self.tile_cap = cells;
    }

    /// Trains every cell of a trainability map (each layout's pipeline, and the unit layout's
    /// per network shape and activation, is compiled on first use).
    pub fn train(
        &mut self,
        spec: &crate::nn::train::TrainSpec,
        progress: &Progress,
    ) -> Result<crate::nn::train::TrainOutcomes, Error> {
        if !self.nn.iter().any(|p| p.matches(spec)) {
            crate::timings::lap("run");
            self.nn.push(crate::nn::gpu::NnPipeline::new(&self.ctx, spec)?);
            crate::timings::lap("pipeline");
        }
        let pipeline = self.nn.iter().find(|p| p.matches(spec)).expect("just compiled");
        pipeline.run(&self.ctx, spec, progress)
    }

    /// The device context.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// Runs every cell; same contract as [`crate::cpu::run`].
    pub fn run(&mut self, spec: &Spec, progress: &Progress) -> Result<Outcomes, Error> {
        self.run_rows(spec, 0..spec.y.cells, progress)
    }

    /// Runs the cells of the rows `rows`; same contract as [`crate::cpu::run_rows`].
    pub fn run_rows(
        &mut self,
        spec: &Spec,
        rows: Range<u32>,
        progress: &Progress,
    ) -> Result<Outcomes, Error> {
        let mut out = Outcomes::with_capacity(spec.x.cells, rows.len() as u32);
        self.execute(spec, rows, None, progress, &mut |states| {
            for s in states {
                out.push(s);
            }
        })?;
        Ok(out)
    }

    /// One trajectory's iterates `(x, y, loss)`, for steps `0..=div_step` or `0..=steps`; the
    /// spec must be a single cell.
    pub fn trace(&mut self, spec: &Spec) -> Result<Vec<[f32; 3]>, Error> {
        assert_eq!(spec.cells(), 1, "trace runs one trajectory");
        let bytes = (spec.steps as u64 + 1) * 16;
        let trace = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("downhill trace"),
            size: bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let mut last = TrajState::zeroed();
        self.execute(spec, 0..1, Some(&trace), &Progress::hidden(), &mut |s| last = s[0])?;
        let rows: Vec<[f32; 4]> = self.read_buffer(&trace, bytes)?;
        let n = if last.div_step >= 0 { last.div_step as usize + 1 } else { spec.steps as usize + 1 };
        Ok(rows[..n].iter().map(|r| [r[0], r[1], r[2]]).collect())
    }

    fn tile_buffers(&mut self, cells: u32) -> &TileBuffers {
        if self.tiles.as_ref().is_none_or(|t| t.cells != cells) {
            let bytes = cells as u64 * STATE_BYTES;
            let make = |label, usage| {
                self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: bytes,
                    usage,
                    mapped_at_creation: false,
                })
            };
            self.tiles = Some(TileBuffers {
                cells,
                state: make(
                    "downhill tile state",
                    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                ),
                staging: make(
                    "downhill tile staging",
                    wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                ),
            });
        }
        self.tiles.as_ref().expect("just created")
    }

    /// Runs every tile of the rows `rows` of `spec` through its pipeline, chunk by chunk, and
    /// hands each tile's final states to `sink` in row-major order; with `trace`, the kernel
    /// also writes the iterates there.
    fn execute(
        &mut self,
        spec: &Spec,
        rows: Range<u32>,
        trace: Option<&wgpu::Buffer>,
        progress: &Progress,
        sink: &mut dyn FnMut(&[TrajState]),
    ) -> Result<(), Error> {
        let cols = spec.x.cells as u64;
        let cells = rows.len() as u64 * cols;
        let plan = Plan::new(cells, spec.steps, &self.ctx.limits, self.tile_cap);
        let key = PipelineKey::new(spec, trace.is_some());
        crate::timings::lap("run");
        self.pipelines.get(&self.ctx, spec, &key)?;
        crate::timings::lap("pipeline");
        self.tile_buffers(plan.tile_cells);
        let tiles = self.tiles.as_ref().expect("allocated above");
        let bindings =
            RunBindings::new(&self.ctx, &self.pipelines.bind_group_layout, spec, &plan, tiles, trace);
        let pipeline = self.pipelines.get(&self.ctx, spec, &key)?;
        let run = TileRun { ctx: &self.ctx, pipeline, tiles, bindings: &bindings, spec, plan: &plan };

        let mut done_work = 0u64;
        let (mut first_cell, end) = (rows.start as u64 * cols, rows.end as u64 * cols);
        while first_cell < end {
            let tile = (end - first_cell).min(plan.tile_cells as u64) as u32;
            run.tile(first_cell as u32, tile, &mut done_work, progress, sink)?;
            first_cell += tile as u64;
        }
        Ok(())
    }

    fn read_buffer<T: bytemuck::Pod>(&self, src: &wgpu::Buffer, bytes: u64) -> Result<Vec<T>, Error> {
        let staging = self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("downhill readback"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("downhill readback") });
        encoder.copy_buffer_to_buffer(src, 0, &staging, 0, bytes);
        self.ctx.queue.submit([encoder.finish()]);
        read_mapped(&self.ctx, &staging, bytes)
    }
}

/// One run's buffers besides the tile's state, and the bind group over them all.
struct RunBindings {
    /// The run uniform, the axes' cell centres and the unused trace's stand-in, kept alive
    /// with the bind group that reads them.
    _buffers: Vec<wgpu::Buffer>,
    /// One [`ChunkUniform`] per dispatch of a submit, [`RunBindings::align`] bytes apart.
    chunk_buf: wgpu::Buffer,
    /// The dynamic offset between consecutive chunk uniforms.
    align: u64,
    bind_group: wgpu::BindGroup,
}

/// A run's uniform ([`RunUniform`]) and its axes' cell centres (the x centres, per cell where
/// the spec gives them, then the y centres), as the kernel binds them.
pub fn run_buffers(device: &wgpu::Device, spec: &Spec) -> (wgpu::Buffer, wgpu::Buffer) {
    let run = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("downhill run uniform"),
        contents: bytemuck::bytes_of(&RunUniform::new(spec)),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let mut axes = spec.x_per_cell.clone().unwrap_or_else(|| spec.x.centres());
    axes.extend(spec.y.centres());
    let axes = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("downhill axes"),
        contents: bytemuck::cast_slice(&axes),
        usage: wgpu::BufferUsages::STORAGE,
    });
    (run, axes)
}

impl RunBindings {
    /// Uploads `spec`'s uniform and axes, sizes the chunk uniforms for `plan`, and binds them
    /// with the tile state of `tiles` and `trace` (or a small stand-in).
    fn new(
        ctx: &GpuContext,
        layout: &wgpu::BindGroupLayout,
        spec: &Spec,
        plan: &Plan,
        tiles: &TileBuffers,
        trace: Option<&wgpu::Buffer>,
    ) -> RunBindings {
        let device = &ctx.device;
        let (run, axes) = run_buffers(device, spec);
        let align = ctx.limits.min_uniform_buffer_offset_alignment.max(16) as u64;
        let chunk_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("downhill chunk uniforms"),
            size: align * plan.chunks_per_submit as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let dummy_trace = trace.is_none().then(|| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("downhill trace (unused)"),
                size: 16,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            })
        });
        let trace_buf = trace.or(dummy_trace.as_ref()).expect("a trace or its stand-in");
        let bind_group = kernel_bind_group(
            device,
            layout,
            "downhill kernel bind group",
            [&run, &chunk_buf, &axes, &tiles.state, trace_buf],
        );
        let _buffers = [Some(run), Some(axes), dummy_trace].into_iter().flatten().collect();
        RunBindings { _buffers, chunk_buf, align, bind_group }
    }
}

/// What every tile of one run shares: the device, the compiled pipeline, the buffers and the
/// plan.
struct TileRun<'a> {
    ctx: &'a GpuContext,
    pipeline: &'a wgpu::ComputePipeline,
    tiles: &'a TileBuffers,
    bindings: &'a RunBindings,
    spec: &'a Spec,
    plan: &'a Plan,
}

impl TileRun<'_> {
    /// Runs the `tile` cells from `first_cell` on for every step, a submit of chunks at a time
    /// (adding the trajectory-steps done to `done_work` and reporting it after each submit),
    /// then hands their final states to `sink` straight from the mapped readback.
    fn tile(
        &self,
        first_cell: u32,
        tile: u32,
        done_work: &mut u64,
        progress: &Progress,
        sink: &mut dyn FnMut(&[TrajState]),
    ) -> Result<(), Error> {
        let (spec, bindings) = (self.spec, self.bindings);
        let max_dim = self.ctx.limits.max_compute_workgroups_per_dimension;
        let workgroups = dispatch_size(tile, max_dim);
        let mut begin = 0u32;
        while begin < spec.steps {
            let group_begin = begin;
            let chunks = self.chunks(first_cell, tile, &mut begin);
            let bytes = pack_aligned(&chunks, bindings.align);
            self.ctx.queue.write_buffer(&bindings.chunk_buf, 0, &bytes);
            let mut encoder = self
                .ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("downhill steps") });
            record_dispatches(
                &mut encoder,
                "downhill steps",
                self.pipeline,
                &bindings.bind_group,
                chunks.len(),
                bindings.align,
                workgroups,
            );
            if begin >= spec.steps {
                let state_bytes = tile as u64 * STATE_BYTES;
                encoder.copy_buffer_to_buffer(&self.tiles.state, 0, &self.tiles.staging, 0, state_bytes);
            }
            submit_and_wait(self.ctx, encoder)?;
            *done_work += tile as u64 * (begin - group_begin) as u64;
            progress.set(*done_work);
        }
        read_mapped_with(self.ctx, &self.tiles.staging, tile as u64 * STATE_BYTES, sink)
    }

    /// The chunks of one submit for the `tile` cells from `first_cell` on: from step `*begin`
    /// on, at most [`Plan::chunk_steps`] steps each and at most [`Plan::chunks_per_submit`] of
    /// them; advances `*begin` past the last.
    fn chunks(&self, first_cell: u32, tile: u32, begin: &mut u32) -> Vec<ChunkUniform> {
        let (steps, plan) = (self.spec.steps, self.plan);
        let mut chunks = Vec::new();
        while *begin < steps && chunks.len() < plan.chunks_per_submit as usize {
            let end = begin.saturating_add(plan.chunk_steps).min(steps);
            chunks.push(ChunkUniform { first_cell, cells: tile, step_begin: *begin, step_end: end });
            *begin = end;
        }
        chunks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_respect_binding_limits() {
        let lim = wgpu::Limits { max_storage_buffer_binding_size: 128 << 20, ..wgpu::Limits::default() };
        let p = Plan::new(4096 * 4096, 10_000, &lim, TILE_TARGET_CELLS);
        assert!(p.tile_cells as u64 * STATE_BYTES <= 128 << 20);
        assert!(p.chunk_steps >= MIN_CHUNK_STEPS);
        let small = Plan::new(16, 5, &lim, TILE_TARGET_CELLS);
        assert_eq!((small.tile_cells, small.chunk_steps), (16, 5));
        // Few cells, many steps: still no more than MAX_CHUNK_STEPS per dispatch.
        assert_eq!(Plan::new(16, 1_000_000, &lim, TILE_TARGET_CELLS).chunk_steps, MAX_CHUNK_STEPS);
    }
}
