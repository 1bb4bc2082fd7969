//! Backend selection: the GPU runner, the CPU reference runner, or the GPU when an adapter
//! exists and the CPU otherwise. Both runners take the same [`Spec`] and return the same
//! [`Outcomes`].

use std::cell::OnceCell;
use std::ops::Range;

use crate::cpu;
use crate::error::Error;
use crate::gpu::{AdapterSummary, GpuRunner, hardware_gpu_possible};
use crate::outcome::Outcomes;
use crate::progress::Progress;
use crate::spec::{Precision, Spec};

/// Which backend the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// The GPU if an adapter exists, else the CPU (with a note on stderr).
    Auto,
    /// The GPU; no adapter is an error.
    Gpu,
    /// The CPU reference runner.
    Cpu,
}

/// The error for an f64 run on an explicitly chosen GPU.
fn f64_on_gpu() -> Error {
    Error::input("--precision", "the GPU kernels compute in f32; f64 runs on the CPU (--backend cpu or auto)")
}

/// An opened backend.
pub enum Backend {
    /// The CPU reference runner.
    Cpu,
    /// The GPU runner.
    Gpu(Box<GpuRunner>),
    /// The GPU runner, chosen by `auto`: kernels that run faster on the CPU twin than on a
    /// software adapter (lavapipe) may go to the twin instead (see [`Backend::train`]).
    AutoGpu(Box<GpuRunner>),
    /// `auto` on a machine that has no hardware GPU ([`hardware_gpu_possible`]): the CPU
    /// runners, without the start-up cost of probing adapters. The software adapter is opened
    /// on first use by the one kind of job it runs faster (maps of expression landscapes); the
    /// cell then holds it, or why there is none.
    AutoSoftware(OnceCell<Result<Box<GpuRunner>, String>>),
}

/// The software adapter of [`Backend::AutoSoftware`], opened on the first call.
fn software_adapter(cell: &OnceCell<Result<Box<GpuRunner>, String>>) -> Result<&GpuRunner, &str> {
    match cell.get_or_init(|| GpuRunner::new().map(Box::new).map_err(|e| e.to_string())) {
        Ok(g) => Ok(g),
        Err(e) => Err(e),
    }
}

impl Backend {
    /// Opens the chosen backend; `note` receives the reason when `Auto` falls back to the CPU.
    pub fn open(choice: BackendChoice, note: &mut dyn FnMut(&str)) -> Result<Self, Error> {
        match choice {
            BackendChoice::Cpu => Ok(Backend::Cpu),
            BackendChoice::Gpu => Ok(Backend::Gpu(Box::new(GpuRunner::new()?))),
            BackendChoice::Auto if !hardware_gpu_possible() => Ok(Backend::AutoSoftware(OnceCell::new())),
            BackendChoice::Auto => match GpuRunner::new() {
                Ok(g) => Ok(Backend::AutoGpu(Box::new(g))),
                Err(e @ Error::NoAdapter(_)) => {
                    note(&format!("{e}; using the CPU backend"));
                    Ok(Backend::Cpu)
                }
                Err(e) => Err(e),
            },
        }
    }

    /// Short description for logs and metadata, e.g. `gpu: NVIDIA H100 (Vulkan)` or `cpu`.
    pub fn describe(&self) -> String {
        match self.adapter() {
            Some(s) => format!("gpu: {} ({})", s.name, s.backend),
            None => {
                let n = std::thread::available_parallelism().map_or(1, |t| t.get());
                let isa = crate::simd::isa::name(crate::simd::isa::level());
                format!("cpu ({n} threads, SIMD lanes: {isa})")
            }
        }
    }

    /// Why `auto` runs a job on the CPU instead of the adapter it would otherwise use.
    fn cpu_reason(&self) -> String {
        match self {
            Backend::AutoSoftware(cell) => match cell.get() {
                Some(Ok(_)) => format!("auto: faster than {}", self.describe()),
                Some(Err(e)) => format!("auto: no hardware GPU on this machine; {e}"),
                None => "auto: no hardware GPU on this machine".to_string(),
            },
            _ => format!("auto: faster than {}", self.describe()),
        }
    }

    /// [`Backend::describe`] for a batch of figures: under `auto` with only a software
    /// adapter, which figures go where (each figure's JSON names its own backend).
    pub fn describe_batch(&self) -> String {
        match self {
            Backend::AutoSoftware(_) => format!(
                "{} ({}; maps of expression landscapes go to a software adapter where there is one)",
                Backend::Cpu.describe(),
                self.cpu_reason()
            ),
            _ if self.software_by_choice() => format!(
                "{} for built-in landscapes, trainability and paths, {} for expression landscapes (auto)",
                Backend::Cpu.describe(),
                self.describe()
            ),
            _ => self.describe(),
        }
    }

    /// [`Backend::describe`] for a map: where [`Backend::run`] runs `spec`, and why when `auto`
    /// chose the CPU.
    pub fn describe_run(&self, spec: &Spec) -> String {
        match self {
            Backend::AutoGpu(_) if spec.precision == Precision::F64 => self.describe_trace(spec.precision),
            _ if self.cpu_instead(spec) => format!("{} ({})", Backend::Cpu.describe(), self.cpu_reason()),
            _ => self.describe(),
        }
    }

    /// [`Backend::describe`] for trajectory traces in `precision` (on the CPU under `auto`
    /// when the adapter is a software one or the trace is f64).
    pub fn describe_trace(&self, precision: Precision) -> String {
        match self {
            Backend::AutoGpu(_) if precision == Precision::F64 => {
                format!("{} (auto: the GPU kernels are f32; f64 runs on the CPU)", Backend::Cpu.describe())
            }
            _ if self.software_by_choice() => format!("{} ({})", Backend::Cpu.describe(), self.cpu_reason()),
            _ => self.describe(),
        }
    }

    /// Whether `auto` runs the map `spec` on the CPU instead of the adapter: f64 maps, and
    /// built-in landscapes where the adapter is a software one, which the CPU lanes run
    /// several times faster on the same cores. Expression landscapes stay on a software
    /// adapter, whose compiler turns their generated WGSL into native vector code (4-6x faster
    /// than the lanes' tree walk, measured on lavapipe); under [`Backend::AutoSoftware`] this
    /// opens it.
    fn cpu_instead(&self, spec: &Spec) -> bool {
        let expression = spec.landscape.generated_wgsl().is_some();
        match self {
            Backend::AutoSoftware(cell) => {
                spec.precision == Precision::F64 || !expression || software_adapter(cell).is_err()
            }
            Backend::AutoGpu(_) => {
                spec.precision == Precision::F64 || (self.software_by_choice() && !expression)
            }
            _ => false,
        }
    }

    /// [`Backend::describe`] for a trainability map, naming the CPU twin where
    /// [`Backend::train`] uses it instead of the adapter.
    pub fn describe_training(&self, spec: &crate::nn::train::TrainSpec) -> String {
        match self {
            Backend::AutoGpu(_) if spec.precision == Precision::F64 => self.describe_trace(spec.precision),
            // Unless the software adapter is open (and the twin beat it), the reason is that
            // there is no hardware GPU, not this kernel.
            Backend::AutoSoftware(cell) if !matches!(cell.get(), Some(Ok(_))) => {
                format!("{} ({})", Backend::Cpu.describe(), self.cpu_reason())
            }
            _ if self.software_by_choice() => {
                format!("{} ({} for this kernel)", Backend::Cpu.describe(), self.cpu_reason())
            }
            _ => self.describe(),
        }
    }

    /// Whether `auto` found only a software adapter (a CPU driving the GPU API, like lavapipe),
    /// or knows there can be no other: then built-in landscapes, traces and trainability maps
    /// go to the CPU runners, which are faster on the same cores (the 2-D kernels in SIMD
    /// lanes several times, the trainability twin about twice).
    pub fn software_by_choice(&self) -> bool {
        match self {
            Backend::AutoSoftware(_) => true,
            Backend::AutoGpu(g) => g.context().summary().device_type == "Cpu",
            _ => false,
        }
    }

    /// The adapter in use, if one is open.
    pub fn adapter(&self) -> Option<AdapterSummary> {
        match self {
            Backend::Cpu => None,
            Backend::Gpu(g) | Backend::AutoGpu(g) => Some(g.context().summary()),
            Backend::AutoSoftware(cell) => {
                cell.get().and_then(|r| r.as_ref().ok()).map(|g| g.context().summary())
            }
        }
    }

    /// The adapter a map of `spec` runs on: none where it runs on the CPU.
    pub fn adapter_for_run(&self, spec: &Spec) -> Option<AdapterSummary> {
        if self.cpu_instead(spec) { None } else { self.adapter() }
    }

    /// The adapter a trainability map runs on: none where it trains on the CPU.
    pub fn adapter_for_training(&self, spec: &crate::nn::train::TrainSpec) -> Option<AdapterSummary> {
        match self {
            Backend::Gpu(_) => self.adapter(),
            Backend::AutoGpu(_) if spec.precision == Precision::F32 && !self.software_by_choice() => {
                self.adapter()
            }
            _ => None,
        }
    }

    /// Runs every cell of `spec`.
    pub fn run(&mut self, spec: &Spec, progress: &Progress) -> Result<Outcomes, Error> {
        self.run_rows(spec, 0..spec.y.cells, progress)
    }

    /// Runs the cells of the rows `rows` of `spec` (row 0 at the low end of the y axis): the
    /// same bits as those rows of [`Backend::run`].
    pub fn run_rows(
        &mut self,
        spec: &Spec,
        rows: Range<u32>,
        progress: &Progress,
    ) -> Result<Outcomes, Error> {
        if self.cpu_instead(spec) {
            return Ok(cpu::run_rows(spec, rows, progress));
        }
        match self {
            Backend::Cpu => Ok(cpu::run_rows(spec, rows, progress)),
            Backend::Gpu(_) if spec.precision == Precision::F64 => Err(f64_on_gpu()),
            Backend::Gpu(g) | Backend::AutoGpu(g) => g.run_rows(spec, rows, progress),
            Backend::AutoSoftware(cell) => match cell.get_mut() {
                Some(Ok(g)) => g.run_rows(spec, rows, progress),
                _ => Ok(cpu::run_rows(spec, rows, progress)),
            },
        }
    }

    /// Trains every cell of a trainability map: on the CPU twin when `auto` picked a software
    /// adapter (the twin is about twice as fast there for this kernel) or the map is f64 (the
    /// GPU kernels are f32; an explicit GPU backend refuses such a map), else where opened.
    pub fn train(
        &mut self,
        spec: &crate::nn::train::TrainSpec,
        progress: &Progress,
    ) -> Result<crate::nn::train::TrainOutcomes, Error> {
        match self {
            Backend::Cpu | Backend::AutoSoftware(_) => Ok(crate::nn::cpu::run(spec, progress)),
            Backend::AutoGpu(_) if spec.precision == Precision::F64 => {
                Ok(crate::nn::cpu::run(spec, progress))
            }
            b if b.software_by_choice() => Ok(crate::nn::cpu::run(spec, progress)),
            Backend::Gpu(_) if spec.precision == Precision::F64 => Err(f64_on_gpu()),
            Backend::Gpu(g) | Backend::AutoGpu(g) => g.train(spec, progress),
        }
    }

    /// One trajectory's iterates `(x, y, loss)` (the spec must be a single cell).
    pub fn trace(&mut self, spec: &Spec) -> Result<Vec<[f32; 3]>, Error> {
        match self {
            Backend::Cpu | Backend::AutoSoftware(_) => Ok(cpu::trace(spec)),
            Backend::AutoGpu(_) if spec.precision == Precision::F64 => Ok(cpu::trace(spec)),
            b if b.software_by_choice() => Ok(cpu::trace(spec)),
            Backend::Gpu(_) if spec.precision == Precision::F64 => Err(f64_on_gpu()),
            Backend::Gpu(g) | Backend::AutoGpu(g) => g.trace(spec),
        }
    }
}
