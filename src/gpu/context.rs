//! Adapter and device: finds an adapter, opens a device with the adapter's own limits, and
//! turns wgpu's uncaptured errors and device loss into [`Error::Gpu`] instead of a panic.

use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::error::Error;

/// A device ready for compute work.
pub struct GpuContext {
    /// The adapter the device was opened on.
    pub adapter: wgpu::Adapter,
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// Limits granted (equal to the adapter's).
    pub limits: wgpu::Limits,
    /// The first error wgpu reported outside an error scope, or a device-loss message.
    errors: Arc<Mutex<Option<String>>>,
}

/// What `downhill info` prints and what run metadata records about the adapter.
#[derive(Clone, Debug, Serialize)]
pub struct AdapterSummary {
    /// Adapter name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// Backend, e.g. `Vulkan`.
    pub backend: String,
    /// Device type, e.g. `Cpu` or `DiscreteGpu`.
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
    /// Largest storage-buffer binding, bytes.
    pub max_storage_buffer_binding_size: u64,
    /// Largest buffer, bytes.
    pub max_buffer_size: u64,
    /// Most workgroups per dispatch dimension.
    pub max_compute_workgroups_per_dimension: u32,
    /// Most invocations per workgroup.
    pub max_compute_invocations_per_workgroup: u32,
    /// Whether the adapter offers f64 in shaders.
    pub shader_f64: bool,
}

/// Whether this machine may have a hardware GPU for wgpu to open. On Linux a hardware adapter
/// needs a device node: a DRM render node (`/dev/dri/renderD*`: Mesa, AMD, Intel), an NVIDIA
/// device (`/dev/nvidia*`) or WSL's `/dev/dxg`; without one, the only adapters are software
/// ones (lavapipe), and `--backend auto` need not spend the 30-50 ms it takes to start Vulkan
/// and probe them before running on the CPU. Elsewhere, or when `WGPU_ADAPTER_NAME` or
/// `WGPU_BACKEND` asks for a particular adapter, this answers `true` (probe as usual).
pub fn hardware_gpu_possible() -> bool {
    if !cfg!(target_os = "linux")
        || std::env::var_os("WGPU_ADAPTER_NAME").is_some()
        || std::env::var_os("WGPU_BACKEND").is_some()
    {
        return true;
    }
    let has = |dir: &str, prefix: &str| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with(prefix))
        })
    };
    has("/dev/dri", "renderD") || has("/dev", "nvidia") || std::path::Path::new("/dev/dxg").exists()
}

impl GpuContext {
    /// Finds the default adapter (honouring `WGPU_BACKEND` and `WGPU_ADAPTER_NAME`) and opens
    /// a device with its full limits.
    pub fn new() -> Result<Self, Error> {
        pollster::block_on(Self::new_async())
    }

    async fn new_async() -> Result<Self, Error> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = wgpu::util::initialize_adapter_from_env_or_default(&instance, None)
            .await
            .map_err(|e| Error::NoAdapter(e.to_string()))?;
        let limits = adapter.limits();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("downhill device"),
                required_features: wgpu::Features::empty(),
                required_limits: limits.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Gpu(format!("opening a device on {}: {e}", adapter.get_info().name)))?;
        let errors = Arc::new(Mutex::new(None));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            let mut slot = sink.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert_with(|| e.to_string());
        }));
        let sink = errors.clone();
        device.set_device_lost_callback(move |reason, msg| {
            if reason != wgpu::DeviceLostReason::Destroyed {
                let mut slot = sink.lock().unwrap_or_else(|p| p.into_inner());
                slot.get_or_insert_with(|| format!("device lost ({reason:?}): {msg}"));
            }
        });
        Ok(GpuContext { adapter, device, queue, limits, errors })
    }

    /// Returns the first error wgpu reported since the last call, if any.
    pub fn take_error(&self) -> Result<(), Error> {
        match self.errors.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(e) => Err(Error::Gpu(e)),
            None => Ok(()),
        }
    }

    /// Adapter name, backend, type and the limits that matter here.
    pub fn summary(&self) -> AdapterSummary {
        let info = self.adapter.get_info();
        AdapterSummary {
            name: info.name,
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
            max_storage_buffer_binding_size: self.limits.max_storage_buffer_binding_size,
            max_buffer_size: self.limits.max_buffer_size,
            max_compute_workgroups_per_dimension: self.limits.max_compute_workgroups_per_dimension,
            max_compute_invocations_per_workgroup: self.limits.max_compute_invocations_per_workgroup,
            shader_f64: self.adapter.features().contains(wgpu::Features::SHADER_F64),
        }
    }
}
