//! The trainability kernels on the GPU, in three layouts (`shaders/nn/train.wgsl`, one
//! invocation per cell; `train_workgroup.wgsl`, one workgroup per cell; `train_unit.wgsl`, one
//! invocation per hidden unit, compiled per network shape, see `super::unit`): the data set in
//! one read-only storage buffer shared by all (and, for the unit layout, in a uniform buffer),
//! each cell's weights (and residuals) in storage. The grid is cut into tiles that fit the
//! binding limits, and each tile's steps into dispatches of bounded work (state stays on the
//! GPU between them).

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::Shape;
use super::train::{CellStats, Layout, TrainOutcomes, TrainSpec, WORKGROUP_MAX};
use super::unit::UnitSizes;
use crate::error::Error;
use crate::gpu::context::GpuContext;
use crate::gpu::dispatch::{dispatch_size, pack_aligned, read_mapped, record_dispatches, submit_and_wait};
use crate::progress::Progress;

/// Most cells per tile (each holds its weights and residuals: about 2 KB at the defaults).
pub const TILE_CELLS: u64 = 1 << 16;
/// Invocations per workgroup (must match the kernel's `WG` override, which it sets).
pub const WORKGROUP: u32 = 64;

/// The kernel's `Net` uniform (80 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
struct NetUniform {
    n: u32,
    d: u32,
    w: u32,
    steps: u32,
    cols: u32,
    rows: u32,
    act: u32,
    batch: u32,
    batch_seed: u32,
    x_param: u32,
    y_param: u32,
    params: u32,
    base_lr0: f32,
    base_lr1: f32,
    base_offset: f32,
    inv_sqrt_d: f32,
    inv_sqrt_w: f32,
    paper: u32,
    lr1_scale: f32,
    pad: u32,
}

/// The kernel's `Phase` uniform: one dispatch.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
struct PhaseUniform {
    first_cell: u32,
    cells: u32,
    step: u32,
    phase: u32,
    lo: u32,
    hi: u32,
    pad: [u32; 2],
}

/// Loop iterations one invocation may run per dispatch: llvmpipe stops every loop of an
/// invocation after 65535 iterations in total, so on it the phases are cut into ranges of at
/// most this many; elsewhere ranges cover all the data.
pub fn loop_budget(ctx: &GpuContext) -> u64 {
    let info = ctx.adapter.get_info();
    if info.name.contains("llvmpipe") || info.driver.contains("llvmpipe") { 32_768 } else { 1 << 40 }
}

/// Splits `0..len` into ranges of at most `size` (at least 1).
fn ranges(len: u32, size: u64) -> Vec<(u32, u32)> {
    let size = size.clamp(1, u32::MAX as u64) as u32;
    (0..len.div_ceil(size)).map(|r| (r * size, ((r + 1) * size).min(len))).collect()
}

/// Most dispatches recorded into one submit.
const DISPATCHES_PER_SUBMIT: usize = 512;

/// The compiled trainability pipeline of one layout.
pub struct NnPipeline {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    kind: Layout,
    /// The constants the unit layout's kernel was compiled with (its networks' shape).
    unit: Option<UnitSizes>,
}

fn entry(binding: u32, ty: wgpu::BufferBindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer { ty, has_dynamic_offset: false, min_binding_size: None },
        count: None,
    }
}

fn entry_dynamic(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: wgpu::BufferSize::new(size_of::<PhaseUniform>() as u64),
        },
        count: None,
    }
}

impl NnPipeline {
    /// The layout this pipeline runs.
    pub fn kind(&self) -> Layout {
        self.kind
    }

    /// Whether this pipeline trains `spec`: its layout, and for the unit layout, its
    /// network's shape and activation (compiled in).
    pub fn matches(&self, spec: &TrainSpec) -> bool {
        self.kind == spec.layout
            && self.unit.is_none_or(|u| u.shape == spec.data.shape && u.act == spec.activation)
    }

    /// Composes, validates and compiles the kernel of `spec`'s layout (for the unit layout,
    /// specialised to its network's shape and activation, which it refuses, naming
    /// `--layout`, if their data do not fit the uniform buffer).
    pub fn new(ctx: &GpuContext, spec: &TrainSpec) -> Result<NnPipeline, Error> {
        let kind = spec.layout;
        let unit = match kind {
            Layout::Unit => Some(UnitSizes::new(
                spec.data.shape,
                spec.activation,
                ctx.limits.max_uniform_buffer_binding_size,
            )?),
            _ => None,
        };
        let source = match (kind, &unit) {
            (Layout::Invocation, _) => crate::shader::resolve("nn/train", &crate::shader::source)?,
            (Layout::Workgroup, _) => crate::shader::resolve("nn/train_workgroup", &crate::shader::source)?,
            (Layout::Unit, u) => u.as_ref().expect("the unit layout's sizes").source()?,
        };
        crate::shader::validate(&source)?;
        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = ctx.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("downhill trainability kernel"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let layout = bind_group_layout(&ctx.device, unit.is_some());
        let pipeline_layout = ctx.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("downhill trainability layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = ctx.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("downhill trainability pipeline"),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: if kind == Layout::Invocation { &[("WG", WORKGROUP as f64)] } else { &[] },
                ..Default::default()
            },
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Gpu(format!("compiling the trainability kernel: {e}")));
        }
        Ok(NnPipeline { layout, pipeline, kind, unit })
    }

    /// Trains every cell of `spec` with this pipeline's layout.
    pub fn run(
        &self,
        ctx: &GpuContext,
        spec: &TrainSpec,
        progress: &Progress,
    ) -> Result<TrainOutcomes, Error> {
        self.check_fits(spec.data.shape)?;
        let plan = NnPlan::new(ctx, spec, self.unit.as_ref());
        let buffers = NnBuffers::new(ctx, &self.layout, spec, &plan, self.kind, self.unit.as_ref());
        let max_dim = ctx.limits.max_compute_workgroups_per_dimension;
        let cells = spec.cells() as u64;
        let mut out = Vec::with_capacity(cells as usize);
        let mut first = 0u64;
        while first < cells {
            let tile = (cells - first).min(plan.tile_max) as u32;
            let (list, workgroups) = self.dispatches(spec, &plan, first as u32, tile, max_dim);
            out.extend(self.run_tile(ctx, &buffers, &list, workgroups, tile, progress)?);
            first += tile as u64;
        }
        Ok(TrainOutcomes { cols: spec.x.cells, rows: spec.y.cells, stats: out })
    }

    /// Refuses a network too large for this layout (the workgroup layout's shared arrays),
    /// or one this unit-layout pipeline was not compiled for, naming `--layout`.
    fn check_fits(&self, shape: Shape) -> Result<(), Error> {
        if let Some(u) = self.unit
            && u.shape != shape
        {
            return Err(Error::input(
                "--layout",
                format!("this unit-layout kernel was compiled for {:?}, not {shape:?}", u.shape),
            ));
        }
        let (max_p, max_n) = WORKGROUP_MAX;
        if self.kind == Layout::Workgroup && (shape.params() > max_p || shape.n > max_n) {
            return Err(Error::input(
                "--layout",
                format!(
                    "the workgroup layout takes at most {max_p} parameters and {max_n} data points, not {} and {}",
                    shape.params(),
                    shape.n
                ),
            ));
        }
        Ok(())
    }

    /// Every dispatch of the `tile` cells from `first` on, in order, each with the last step it
    /// completes, and the workgroup counts `(x, y)` of each dispatch. The invocation layout
    /// cuts each step into phases over ranges (see the kernel); the workgroup and unit layouts
    /// run whole steps, as many per dispatch as the loop budget allows.
    fn dispatches(
        &self,
        spec: &TrainSpec,
        plan: &NnPlan,
        first: u32,
        tile: u32,
        max_dim: u32,
    ) -> (Vec<(u32, PhaseUniform)>, (u32, u32)) {
        let phase = |step: u32, phase: u32, (lo, hi): (u32, u32)| {
            (step, PhaseUniform { first_cell: first, cells: tile, step, phase, lo, hi, pad: [0; 2] })
        };
        let mut list = Vec::new();
        if self.kind == Layout::Invocation {
            list.push(phase(0, 0, (0, 0)));
            for t in 0..spec.steps {
                list.extend(plan.pass1.iter().map(|&r| phase(t, 1, r)));
                list.push(phase(t, 2, (0, 0)));
                // The last step needs no update.
                if t + 1 < spec.steps {
                    list.extend(plan.pass2.iter().map(|&r| phase(t, 3, r)));
                    list.push(phase(t, 4, (0, 0)));
                }
            }
            (list, dispatch_size(tile, max_dim))
        } else {
            let mut t = 0;
            while t < spec.steps {
                let end = t.saturating_add(plan.steps_per_dispatch).min(spec.steps);
                list.push(phase(end - 1, 0, (t, end)));
                t = end;
            }
            // One workgroup per cell, or per `nets` cells (unit layout).
            let groups = tile.div_ceil(self.unit.map_or(1, |u| u.nets as u32));
            let wy = groups.div_ceil(max_dim);
            (list, (groups.div_ceil(wy), wy))
        }
    }

    /// Runs one tile's dispatches (`list`, from [`NnPipeline::dispatches`]),
    /// [`DISPATCHES_PER_SUBMIT`] to a submit, reporting the steps completed after each, then
    /// reads its `tile` cells' statistics back.
    fn run_tile(
        &self,
        ctx: &GpuContext,
        buffers: &NnBuffers,
        list: &[(u32, PhaseUniform)],
        workgroups: (u32, u32),
        tile: u32,
        progress: &Progress,
    ) -> Result<Vec<CellStats>, Error> {
        let stats_bytes = tile as u64 * size_of::<CellStats>() as u64;
        let mut done_steps = 0u32;
        let groups = list.len().div_ceil(DISPATCHES_PER_SUBMIT);
        for (gi, group) in list.chunks(DISPATCHES_PER_SUBMIT).enumerate() {
            let phases: Vec<PhaseUniform> = group.iter().map(|&(_, p)| p).collect();
            ctx.queue.write_buffer(&buffers.phases, 0, &pack_aligned(&phases, buffers.align));
            let mut encoder = ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("downhill net steps"),
            });
            record_dispatches(
                &mut encoder,
                "downhill net steps",
                &self.pipeline,
                &buffers.bind_group,
                group.len(),
                buffers.align,
                workgroups,
            );
            if gi + 1 == groups {
                encoder.copy_buffer_to_buffer(&buffers.stats, 0, &buffers.staging, 0, stats_bytes);
            }
            submit_and_wait(ctx, encoder)?;
            let reached = group.last().map_or(0, |g| g.0 + 1);
            progress.add(tile as u64 * reached.saturating_sub(done_steps) as u64);
            done_steps = done_steps.max(reached);
        }
        read_mapped::<CellStats>(ctx, &buffers.staging, stats_bytes)
    }
}

/// How one map's work is cut up on this adapter: tiles of cells, and within a step, ranges of
/// points (invocation layout) or steps per dispatch (workgroup layout) that keep every
/// invocation within the [`loop_budget`].
struct NnPlan {
    /// Trained parameters per network.
    params: u64,
    /// Data points.
    n: u64,
    /// Most cells per tile: within [`TILE_CELLS`] and the binding limits, whole workgroups.
    tile_max: u64,
    /// The ranges of points of one step's pass 1 (loss) dispatches.
    pass1: Vec<(u32, u32)>,
    /// The ranges of batch points of one step's pass 2 (gradient) dispatches.
    pass2: Vec<(u32, u32)>,
    /// Steps per dispatch of the workgroup and unit layouts.
    steps_per_dispatch: u32,
}

impl NnPlan {
    /// The plan for `spec` under `ctx`'s limits and loop budget (`unit`: the unit layout's
    /// sizes, which set its steps per dispatch).
    fn new(ctx: &GpuContext, spec: &TrainSpec, unit: Option<&UnitSizes>) -> NnPlan {
        let shape = spec.data.shape;
        let params = shape.params() as u64;
        let (n, d, w) = (shape.n as u64, shape.d as u64, shape.width as u64);
        let batch = if spec.batch == 0 || spec.batch as u64 >= n { n } else { spec.batch as u64 };
        let budget = loop_budget(ctx);
        let cells = spec.cells() as u64;
        let limit = ctx.limits.max_storage_buffer_binding_size.min(ctx.limits.max_buffer_size);
        let wg = WORKGROUP as u64;
        let per_cell = (2 * params * 4).max(n * 4);
        let tile_max = cells.min((TILE_CELLS.min(limit / per_cell) / wg * wg).max(wg));

        let pass1 = ranges(n as u32, budget / (w * (d + 1) + 1));
        let pass2 = ranges(batch as u32, (budget / w).saturating_sub(2 * d) / (2 * d + 1));
        let block = (512 / w).clamp(1, 64);
        let share = |x: u64| x.div_ceil(64);
        let per_step = share(n) * w * (d + 1)
            + batch.div_ceil(block) * (w * (d + 1) + share(params) * block + 1)
            + 3 * share(params)
            + 16;
        let steps_per_dispatch = match unit {
            Some(u) => u.steps_per_dispatch(budget, spec.steps),
            None => (budget / per_step).clamp(1, spec.steps.max(1) as u64) as u32,
        };
        NnPlan { params, n, tile_max, pass1, pass2, steps_per_dispatch }
    }
}

impl NetUniform {
    /// The uniform of `spec`.
    fn new(spec: &TrainSpec) -> NetUniform {
        let shape = spec.data.shape;
        NetUniform {
            n: shape.n as u32,
            d: shape.d as u32,
            w: shape.width as u32,
            steps: spec.steps,
            cols: spec.x.cells,
            rows: spec.y.cells,
            act: spec.activation.code(),
            batch: spec.batch,
            batch_seed: spec.batch_seed,
            x_param: spec.x.slot as u32,
            y_param: spec.y.slot as u32,
            params: shape.params() as u32,
            base_lr0: spec.base[0],
            base_lr1: spec.base[1],
            base_offset: spec.base[2],
            inv_sqrt_d: 1.0 / (shape.d as f32).sqrt(),
            inv_sqrt_w: 1.0 / (shape.width as f32).sqrt(),
            paper: spec.convention.code(),
            lr1_scale: spec.lr1_scale(),
            pad: 0,
        }
    }
}

/// One map's buffers, sized for a tile of [`NnPlan::tile_max`] cells, and the bind group over
/// them.
struct NnBuffers {
    /// The net uniform, the data and the axes, kept alive with the bind group that reads them.
    _inputs: [wgpu::Buffer; 3],
    /// The unit layout's data uniform (X and Y, padded: [`UnitSizes::uniform_data`]).
    _unit_data: Option<wgpu::Buffer>,
    /// One [`PhaseUniform`] per dispatch of a submit, [`NnBuffers::align`] bytes apart.
    phases: wgpu::Buffer,
    /// The dynamic offset between consecutive phase uniforms.
    align: u64,
    /// Weights (and gradients), and residuals: state kept on the GPU between dispatches.
    _state: [wgpu::Buffer; 2],
    /// Each cell's statistics, and the staging buffer they are read back through.
    stats: wgpu::Buffer,
    staging: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

impl NnBuffers {
    /// Uploads `spec`'s uniform, data and axes and allocates the rest for `plan`; the
    /// invocation layout (`kind`) keeps gradients and residuals in storage too (the others
    /// keep only the weights there between dispatches); the unit layout (`unit`) reads its
    /// data from a uniform buffer as well.
    fn new(
        ctx: &GpuContext,
        layout: &wgpu::BindGroupLayout,
        spec: &TrainSpec,
        plan: &NnPlan,
        kind: Layout,
        unit: Option<&UnitSizes>,
    ) -> NnBuffers {
        let device = &ctx.device;
        let invocation = kind == Layout::Invocation;
        let (inputs, unit_data) = upload_inputs(device, spec, unit);
        let make = |label: &str, size: u64, usage| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(16),
                usage,
                mapped_at_creation: false,
            })
        };
        let align = ctx.limits.min_uniform_buffer_offset_alignment.max(32) as u64;
        let phases = make(
            "downhill net phases",
            align * DISPATCHES_PER_SUBMIT as u64,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        let (tile_max, params, n) = (plan.tile_max, plan.params, plan.n);
        let weights = make(
            "downhill net weights",
            if invocation { 2 } else { 1 } * tile_max * params * 4,
            wgpu::BufferUsages::STORAGE,
        );
        let resid = make(
            "downhill net residuals",
            if invocation { tile_max * n * 4 } else { 16 },
            wgpu::BufferUsages::STORAGE,
        );
        let stats_bytes = tile_max * size_of::<CellStats>() as u64;
        let stats = make(
            "downhill net stats",
            stats_bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let staging = make(
            "downhill net staging",
            stats_bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let state = [weights, resid];
        let bind_group = bind(device, layout, &inputs, unit_data.as_ref(), &phases, &state, &stats);
        NnBuffers {
            _inputs: inputs,
            _unit_data: unit_data,
            phases,
            align,
            _state: state,
            stats,
            staging,
            bind_group,
        }
    }
}

/// Uploads `spec`'s net uniform, data (X, Y, W0, W1) and axes, and for the unit layout its
/// data uniform.
fn upload_inputs(
    device: &wgpu::Device,
    spec: &TrainSpec,
    unit: Option<&UnitSizes>,
) -> ([wgpu::Buffer; 3], Option<wgpu::Buffer>) {
    let init = |label: &str, contents: &[u8], usage| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents, usage })
    };
    let uniform = NetUniform::new(spec);
    let net = init("downhill net uniform", bytemuck::bytes_of(&uniform), wgpu::BufferUsages::UNIFORM);
    let data = &spec.data;
    let all: Vec<f32> = data.x.iter().chain(&data.y).chain(&data.w0).chain(&data.w1).copied().collect();
    let data_buf = init("downhill net data", bytemuck::cast_slice(&all), wgpu::BufferUsages::STORAGE);
    let mut axes = spec.x.centres();
    axes.extend(spec.y.centres());
    let axes_buf = init("downhill net axes", bytemuck::cast_slice(&axes), wgpu::BufferUsages::STORAGE);
    let unit_data = unit.map(|u| {
        let contents = u.uniform_data(data);
        init("downhill net unit data", bytemuck::cast_slice(&contents), wgpu::BufferUsages::UNIFORM)
    });
    ([net, data_buf, axes_buf], unit_data)
}

/// The kernels' bind group layout: the net uniform, the phase uniforms (dynamic offset), the
/// data and axes, the weights, residuals and statistics, and with `unit` the unit layout's data
/// uniform (binding 7).
fn bind_group_layout(device: &wgpu::Device, unit: bool) -> wgpu::BindGroupLayout {
    use wgpu::BufferBindingType::{Storage, Uniform};
    let mut entries = vec![
        entry(0, Uniform),
        entry_dynamic(1),
        entry(2, Storage { read_only: true }),
        entry(3, Storage { read_only: true }),
        entry(4, Storage { read_only: false }),
        entry(5, Storage { read_only: false }),
        entry(6, Storage { read_only: false }),
    ];
    if unit {
        entries.push(entry(7, Uniform));
    }
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("downhill trainability bindings"),
        entries: &entries,
    })
}

/// The kernel's bind group: the net uniform, the phase uniforms (one at a time, through a
/// dynamic offset), the data and axes, the weights, the residuals and the statistics, and the
/// unit layout's data uniform where there is one.
fn bind(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    [net, data, axes]: &[wgpu::Buffer; 3],
    unit_data: Option<&wgpu::Buffer>,
    phases: &wgpu::Buffer,
    [weights, resid]: &[wgpu::Buffer; 2],
    stats: &wgpu::Buffer,
) -> wgpu::BindGroup {
    let mut entries = vec![
        wgpu::BindGroupEntry { binding: 0, resource: net.as_entire_binding() },
        wgpu::BindGroupEntry {
            binding: 1,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: phases,
                offset: 0,
                size: wgpu::BufferSize::new(size_of::<PhaseUniform>() as u64),
            }),
        },
        wgpu::BindGroupEntry { binding: 2, resource: data.as_entire_binding() },
        wgpu::BindGroupEntry { binding: 3, resource: axes.as_entire_binding() },
        wgpu::BindGroupEntry { binding: 4, resource: weights.as_entire_binding() },
        wgpu::BindGroupEntry { binding: 5, resource: resid.as_entire_binding() },
        wgpu::BindGroupEntry { binding: 6, resource: stats.as_entire_binding() },
    ];
    if let Some(u) = unit_data {
        entries.push(wgpu::BindGroupEntry { binding: 7, resource: u.as_entire_binding() });
    }
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("downhill trainability bind group"),
        layout,
        entries: &entries,
    })
}
