//! The lab's GPU runner: the library's composed kernel (`downhill::shader::compose`), its
//! uniforms (`downhill::gpu::layout`), bind group layout and pipeline constants
//! (`downhill::gpu::pipeline`), driven without blocking, as a browser requires: pipeline errors
//! and buffer mapping are awaited, never polled.
//!
//! It runs one grid that fits a single storage binding (the page's maps are at most 1024^2),
//! or one traced trajectory. It does not tile, shard or report progress: the native
//! `downhill::gpu::GpuRunner` does that.

use std::collections::HashMap;

use downhill::Error;
use downhill::gpu::dispatch::{MappedRead, dispatch_size, pack_aligned};
use downhill::gpu::layout::ChunkUniform;
use downhill::gpu::pipeline::{PipelineKey, kernel_bind_group, layout_entries};
use downhill::gpu::runner::{Plan, TILE_TARGET_CELLS, run_buffers};
use downhill::outcome::TrajState;
use downhill::shader;
use downhill::spec::Spec;
use wgpu::util::DeviceExt;

const STATE_BYTES: u64 = size_of::<TrajState>() as u64;
/// Most pipelines kept: expressions typed into the page each compile their own.
const MAX_PIPELINES: usize = 48;

/// A WebGPU device with the kernel's layouts and a pipeline cache.
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    limits: wgpu::Limits,
    /// Adapter name and whether it is a fallback (software) adapter, for the page.
    pub adapter: String,
    bind_group_layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    /// Pipelines by composed source and constants.
    pipelines: HashMap<(String, String), wgpu::ComputePipeline>,
    /// State and staging buffers of the last grid size, reused while the size stays.
    buffers: Option<(u32, wgpu::Buffer, wgpu::Buffer)>,
}

/// What one run returns: every cell's final state, and the iterates of cell 0 when traced.
pub struct RunResult {
    /// Final states, row-major.
    pub states: Vec<TrajState>,
    /// `(x, y, loss, 0)` for iterates `0..=steps` of cell 0 (empty unless traced).
    pub trace: Vec<[f32; 4]>,
}

impl Gpu {
    /// Finds the browser's WebGPU adapter and opens a device with its limits.
    pub async fn open() -> Result<Gpu, Error> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::BROWSER_WEBGPU,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions::default())
            .await
            .map_err(|e| Error::NoAdapter(format!("this browser offers no WebGPU adapter: {e}")))?;
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("downhill lab device"),
                required_features: wgpu::Features::empty(),
                required_limits: limits.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Gpu(format!("opening a device on the WebGPU adapter: {e}")))?;
        let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("downhill lab kernel bindings"),
            entries: &layout_entries(),
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("downhill lab kernel layout"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let name = if info.name.is_empty() { "WebGPU adapter".to_string() } else { info.name };
        Ok(Gpu {
            device,
            queue,
            limits,
            adapter: format!("{name} ({:?})", info.device_type),
            bind_group_layout,
            pipeline_layout,
            pipelines: HashMap::new(),
            buffers: None,
        })
    }

    /// The pipeline for `spec` (traced or not), compiled inside a validation error scope on
    /// first use.
    async fn pipeline(&mut self, spec: &Spec, trace: bool) -> Result<wgpu::ComputePipeline, Error> {
        let source = shader::compose(spec.landscape, spec.optimiser)?;
        let key = PipelineKey::new(spec, trace);
        let constants = key.constants();
        let id = (source, format!("{constants:?}"));
        if let Some(p) = self.pipelines.get(&id) {
            return Ok(p.clone());
        }
        shader::validate(&id.0)?;
        let label = format!("downhill lab kernel {}+{}", key.landscape, key.optimiser);
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(&label),
            source: wgpu::ShaderSource::Wgsl(id.0.as_str().into()),
        });
        let pipeline = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&label),
            layout: Some(&self.pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                ..Default::default()
            },
            cache: None,
        });
        if let Some(e) = scope.pop().await {
            return Err(Error::Gpu(format!("building the {label} pipeline: {e}")));
        }
        if self.pipelines.len() >= MAX_PIPELINES {
            self.pipelines.clear();
        }
        self.pipelines.insert(id, pipeline.clone());
        Ok(pipeline)
    }

    /// Runs every cell of `spec` for all its steps; with `trace`, cell 0 also records its
    /// iterates (the spec should then be a single cell).
    pub async fn run(&mut self, spec: &Spec, trace: bool) -> Result<RunResult, Error> {
        let cells = spec.cells() as u64;
        let plan = Plan::new(cells, spec.steps, &self.limits, TILE_TARGET_CELLS);
        if (plan.tile_cells as u64) < cells {
            return Err(Error::input(
                "res",
                format!("{cells} cells do not fit this GPU's storage binding ({} at most)", plan.tile_cells),
            ));
        }
        let pipeline = self.pipeline(spec, trace).await?;
        let device = &self.device;
        if self.buffers.as_ref().is_none_or(|b| b.0 as u64 != cells) {
            let make = |label, usage| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: cells * STATE_BYTES,
                    usage,
                    mapped_at_creation: false,
                })
            };
            self.buffers = Some((
                cells as u32,
                make("downhill lab state", wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC),
                make("downhill lab staging", wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST),
            ));
        }
        let (_, state, staging) = self.buffers.as_ref().expect("allocated above");
        let (run, axes) = run_buffers(device, spec);
        // One dispatch per chunk of steps, each binding its own chunk uniform.
        let chunks: Vec<ChunkUniform> = (0..spec.steps.div_ceil(plan.chunk_steps).max(1))
            .map(|k| ChunkUniform {
                first_cell: 0,
                cells: cells as u32,
                step_begin: k * plan.chunk_steps,
                step_end: ((k + 1) * plan.chunk_steps).min(spec.steps),
            })
            .collect();
        let align = self.limits.min_uniform_buffer_offset_alignment.max(16) as u64;
        let chunk_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("downhill lab chunk uniforms"),
            contents: &pack_aligned(&chunks, align),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let trace_bytes = if trace { (spec.steps as u64 + 1) * 16 } else { 16 };
        let trace_buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("downhill lab trace"),
            size: trace_bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let trace_staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("downhill lab trace staging"),
            size: trace_bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = kernel_bind_group(
            device,
            &self.bind_group_layout,
            "downhill lab bind group",
            [&run, &chunk_buf, &axes, state, &trace_buf],
        );
        let mut encoder = device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("downhill lab run") });
        let (wx, wy) = dispatch_size(cells as u32, self.limits.max_compute_workgroups_per_dimension);
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("downhill lab steps"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipeline);
            for k in 0..chunks.len() {
                pass.set_bind_group(0, &bind_group, &[(k as u64 * align) as u32]);
                pass.dispatch_workgroups(wx, wy, 1);
            }
        }
        encoder.copy_buffer_to_buffer(state, 0, staging, 0, cells * STATE_BYTES);
        if trace {
            encoder.copy_buffer_to_buffer(&trace_buf, 0, &trace_staging, 0, trace_bytes);
        }
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        self.queue.submit([encoder.finish()]);
        if let Some(e) = scope.pop().await {
            return Err(Error::Gpu(format!("running the kernel: {e}")));
        }
        let states = read(staging, cells * STATE_BYTES).await?;
        let trace = if trace { read(&trace_staging, trace_bytes).await? } else { Vec::new() };
        Ok(RunResult { states, trace })
    }
}

/// Maps the first `bytes` of a MAP_READ buffer, awaiting the browser, copies them out and
/// unmaps it.
async fn read<T: bytemuck::Pod>(buffer: &wgpu::Buffer, bytes: u64) -> Result<Vec<T>, Error> {
    let mapped = MappedRead::request(buffer, bytes);
    mapped.finish(mapped.receiver.receive().await)
}
