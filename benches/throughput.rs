//! Throughput benchmark in trajectory-steps per second, GPU runner against the CPU twin, on
//! the configurations the README reports:
//!
//! - `basins` on bumpy with gd:lr=0.1, 500 steps, 1024x1024 start points;
//! - `sweep` of adam:lr=0.01 on rosenbrock:b=100, 2000 steps, 1024x1024 start points;
//! - a trainability map of the default 16x16 tanh network (272 data points), 64x64 cells x 20
//!   steps, in network-steps per second and FLOP/s, with every GPU layout.
//!
//! Each GPU figure, maps and trainability alike, is the median of 5 timed runs after one
//! warm-up (which pays for pipeline creation and the driver's JIT; 1 run with `--quick`); the
//! CPU figure is the median of 3 (1 with `--quick`). Timings cover the whole `run` call:
//! upload, every dispatch, and readback into host arrays. Rates count each trajectory's steps
//! up to its divergence (a network's likewise), as the peers' do; the CPU lanes skip the
//! steps of trajectories that have settled bit for bit (their outcome is the full run's), so
//! on the bumpy case the CPU rate counts steps delivered, some of them not computed.
//!
//! Run: `cargo bench --bench throughput` (or `... -- --quick`, `-- --gpu-only`, `-- --cpu-only`).

use std::time::Instant;

use downhill::progress::Progress;
use downhill::runner::{Backend, BackendChoice};
use downhill::spec::{AxisText, Scale, Spec, SpecBuilder};

fn case(landscape: &str, optimiser: &str, x: (f64, f64), y: (f64, f64), res: u32, steps: u32) -> Spec {
    let axis = |p: &str, (lo, hi): (f64, f64)| AxisText { param: p.into(), lo, hi, scale: Scale::Lin };
    SpecBuilder {
        landscape: landscape.into(),
        optimiser: optimiser.into(),
        start: None,
        x: axis("x0", x),
        y: axis("y0", y),
        res: (res, res),
        steps,
        threshold: 1e6,
        conv_tol: 1e-4,
        options: Default::default(),
    }
    .build()
    .expect("benchmark specs are valid")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median seconds of `reps` timed runs of `spec` (after one untimed run with `warmup`), and
/// the trajectory-steps each run ran.
fn measure(backend: &mut Backend, spec: &Spec, warmup: bool, reps: usize) -> (f64, u64) {
    if warmup {
        backend.run(spec, &Progress::hidden()).expect("warm-up run");
    }
    let mut steps_run = 0;
    let times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            let out = backend.run(spec, &Progress::hidden()).expect("benchmark run");
            let secs = t.elapsed().as_secs_f64();
            steps_run = out.steps_run(spec.steps);
            std::hint::black_box(out);
            secs
        })
        .collect();
    (median(times), steps_run)
}

/// Whether a backend gets a warm-up run, and how many timed runs: the GPU one warm-up and 5
/// runs (1 with `--quick`), the CPU 3 runs (1 with `--quick`) and no warm-up.
fn plan(label: &str, quick: bool) -> (bool, usize) {
    match (label, quick) {
        ("gpu", false) => (true, 5),
        ("gpu", true) => (true, 1),
        (_, false) => (false, 3),
        _ => (false, 1),
    }
}

/// The trainability kernel: network-steps/s and FLOP/s on every backend and GPU layout.
fn trainability(backends: &mut [(&str, Backend)], quick: bool) {
    use downhill::nn::job::{Source, spec};
    use downhill::nn::train::Layout;
    use downhill::nn::{Activation, Shape};
    let axis = |p: &str| AxisText { param: p.into(), lo: 0.01, hi: 100.0, scale: Scale::Log };
    let shape = Shape { d: 16, width: 16, n: 272 };
    let base = spec(
        &Source::Seed(shape, 0),
        Activation::Tanh,
        &axis("lr0"),
        &axis("lr1"),
        (64, 64),
        20,
        [1.0, 1.0, 0.0],
        (0, 0),
        Default::default(),
    )
    .expect("the benchmark map is valid");
    for (label, backend) in backends.iter_mut() {
        let layouts: &[Layout] = if *label == "gpu" {
            &[Layout::Invocation, Layout::Workgroup, Layout::Unit]
        } else {
            &[Layout::Invocation]
        };
        for &layout in layouts {
            let mut s = base.clone();
            s.layout = layout;
            // As for the maps: the GPU after one warm-up run (pipeline creation, the driver's
            // JIT), the CPU without.
            let (warmup, reps) = plan(label, quick);
            if warmup {
                backend.train(&s, &Progress::hidden()).expect("warm-up run");
            }
            let mut out = None;
            let times: Vec<f64> = (0..reps)
                .map(|_| {
                    let t = Instant::now();
                    out = Some(std::hint::black_box(
                        backend.train(&s, &Progress::hidden()).expect("benchmark run"),
                    ));
                    t.elapsed().as_secs_f64()
                })
                .collect();
            let secs = median(times);
            // Rates count the steps run (a network stops when it diverges).
            let out = out.expect("at least one repetition");
            let (run, updates) = (out.steps_run(s.steps), out.updates_run(s.steps));
            let name = format!("trainability 16x16 tanh, 64^2 x 20 ({layout:?})");
            println!(
                "{name:<52} {label:>8} {secs:>10.3} {:>24.3e}   {:.3e} FLOP/s (steps run)",
                run as f64 / secs,
                shape.flops(run, updates, s.batch_points()) / secs
            );
        }
    }
}

fn main() {
    // As in the binary: keep Mesa's device-select layer quiet (no window system here).
    // SAFETY: set before any other thread exists or any wgpu object is created.
    unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let gpu_only = args.iter().any(|a| a == "--gpu-only");
    let cpu_only = args.iter().any(|a| a == "--cpu-only");
    let cases = [
        (
            "basins bumpy gd:lr=0.1, 500 steps, 1024^2",
            case("bumpy", "gd:lr=0.1", (-6.0, 6.0), (-6.0, 6.0), 1024, 500),
        ),
        (
            "sweep rosenbrock adam:lr=0.01, 2000 steps, 1024^2",
            case("rosenbrock:b=100", "adam:lr=0.01", (-2.0, 2.0), (-1.0, 3.0), 1024, 2000),
        ),
    ];
    let mut backends: Vec<(&str, Backend)> = Vec::new();
    if !cpu_only {
        match Backend::open(BackendChoice::Gpu, &mut |_| {}) {
            Ok(b) => {
                println!("GPU: {}", b.describe());
                backends.push(("gpu", b));
            }
            Err(e) => println!("GPU: unavailable ({e})"),
        }
    }
    if !gpu_only {
        let b = Backend::open(BackendChoice::Cpu, &mut |_| {}).expect("the CPU backend always opens");
        println!("CPU: {}", b.describe());
        backends.push(("cpu", b));
    }
    println!("{:<52} {:>8} {:>10} {:>24}", "case", "backend", "seconds", "trajectory-steps/s");
    trainability(&mut backends, quick);
    for (name, spec) in &cases {
        for (label, backend) in backends.iter_mut() {
            let (warmup, reps) = plan(label, quick);
            let (secs, steps_run) = measure(backend, spec, warmup, reps);
            // Rates count the steps run (a trajectory stops when it diverges).
            println!("{name:<52} {label:>8} {secs:>10.3} {:>24.3e}", steps_run as f64 / secs);
        }
    }
}
