//! Pipelines: one specialised compute pipeline per (landscape, optimiser, axis slots, trace
//! flag), built from the composed WGSL inside a validation error scope and cached.

use std::collections::HashMap;
use std::num::NonZeroU64;

use super::context::GpuContext;
use super::layout::{ChunkUniform, RunUniform};
use crate::error::Error;
use crate::options::Features;
use crate::shader;
use crate::spec::Spec;

/// Invocations per workgroup.
pub const WORKGROUP_SIZE: u32 = 64;

/// What makes two pipelines different.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct PipelineKey {
    /// Landscape WGSL piece.
    pub landscape: &'static str,
    /// Optimiser name.
    pub optimiser: &'static str,
    /// Parameter slot swept by columns.
    pub slot_x: usize,
    /// Parameter slot swept by rows.
    pub slot_y: usize,
    /// Whether cell 0 records its iterates.
    pub trace: bool,
    /// Options compiled in.
    pub features: Features,
    /// Whether x values are given per cell.
    pub x_per_cell: bool,
}

impl PipelineKey {
    /// The key for a spec.
    pub fn new(spec: &Spec, trace: bool) -> Self {
        PipelineKey {
            landscape: spec.landscape.piece,
            optimiser: spec.optimiser.name,
            slot_x: spec.x.slot,
            slot_y: spec.y.slot,
            trace,
            features: spec.features(),
            x_per_cell: spec.x_per_cell.is_some(),
        }
    }
}

impl PipelineKey {
    /// The kernel's pipeline-overridable constants for this key (`override` in
    /// `shaders/kernel.wgsl`), shared by the native runner and the web lab's.
    pub fn constants(&self) -> [(&'static str, f64); 9] {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        [
            ("WG", WORKGROUP_SIZE as f64),
            ("SLOT_X", self.slot_x as f64),
            ("SLOT_Y", self.slot_y as f64),
            ("TRACE", flag(self.trace)),
            ("NOISE", flag(self.features.noise)),
            ("CLIP", flag(self.features.clip)),
            ("L2", flag(self.features.l2)),
            ("SCHEDULE", self.features.schedule as f64),
            ("X_PER_CELL", flag(self.x_per_cell)),
        ]
    }
}

/// The bind group layout shared by every kernel, and the pipeline cache.
pub struct Pipelines {
    /// Layout of `@group(0)` in `shaders/kernel.wgsl`.
    pub bind_group_layout: wgpu::BindGroupLayout,
    layout: wgpu::PipelineLayout,
    modules: HashMap<(&'static str, &'static str), wgpu::ShaderModule>,
    cache: HashMap<PipelineKey, wgpu::ComputePipeline>,
}

fn uniform_entry(binding: u32, size: u64, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: NonZeroU64::new(size),
        },
        count: None,
    }
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// The entries of `@group(0)` in `shaders/kernel.wgsl`: the run and (dynamic) chunk uniforms,
/// the axes, the state and the trace.
pub fn layout_entries() -> [wgpu::BindGroupLayoutEntry; 5] {
    [
        uniform_entry(0, size_of::<RunUniform>() as u64, false),
        uniform_entry(1, size_of::<ChunkUniform>() as u64, true),
        storage_entry(2, true),
        storage_entry(3, false),
        storage_entry(4, false),
    ]
}

/// The bind group of [`layout_entries`]: the run uniform, the chunk uniforms (bound one chunk
/// at a time at a dynamic offset), the axes, the state and the trace.
pub fn kernel_bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    label: &str,
    [run, chunks, axes, state, trace]: [&wgpu::Buffer; 5],
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &[
            wgpu::BindGroupEntry { binding: 0, resource: run.as_entire_binding() },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: chunks,
                    offset: 0,
                    size: wgpu::BufferSize::new(size_of::<ChunkUniform>() as u64),
                }),
            },
            wgpu::BindGroupEntry { binding: 2, resource: axes.as_entire_binding() },
            wgpu::BindGroupEntry { binding: 3, resource: state.as_entire_binding() },
            wgpu::BindGroupEntry { binding: 4, resource: trace.as_entire_binding() },
        ],
    })
}

impl Pipelines {
    /// Creates the shared layouts.
    pub fn new(ctx: &GpuContext) -> Self {
        let bind_group_layout = ctx.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("downhill kernel bindings"),
            entries: &layout_entries(),
        });
        let layout = ctx.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("downhill kernel layout"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        Pipelines { bind_group_layout, layout, modules: HashMap::new(), cache: HashMap::new() }
    }

    /// The pipeline for `key`, built on first use.
    pub fn get(
        &mut self,
        ctx: &GpuContext,
        spec: &Spec,
        key: &PipelineKey,
    ) -> Result<&wgpu::ComputePipeline, Error> {
        if !self.cache.contains_key(key) {
            let pipeline = self.build(ctx, spec, key)?;
            self.cache.insert(key.clone(), pipeline);
        }
        Ok(&self.cache[key])
    }

    fn build(
        &mut self,
        ctx: &GpuContext,
        spec: &Spec,
        key: &PipelineKey,
    ) -> Result<wgpu::ComputePipeline, Error> {
        let label = format!("downhill kernel {}+{}", key.landscape, key.optimiser);
        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pair = (key.landscape, key.optimiser);
        if let std::collections::hash_map::Entry::Vacant(slot) = self.modules.entry(pair) {
            let source = shader::compose(spec.landscape, spec.optimiser)?;
            shader::validate(&source)?;
            slot.insert(ctx.device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(&label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            }));
        }
        let constants = key.constants();
        let pipeline = ctx.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&label),
            layout: Some(&self.layout),
            module: &self.modules[&pair],
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                ..Default::default()
            },
            cache: None,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Gpu(format!("building the {label} pipeline: {e}")));
        }
        Ok(pipeline)
    }
}
