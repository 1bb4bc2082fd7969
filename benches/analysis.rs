//! Cost of the analysis every basin map gets after its run, measure by measure, on the W1
//! labelling (bumpy, gd:lr=0.1, 500 steps, 1024x1024 start points over [-6, 6]^2, run once on
//! the CPU): the box count, the uncertainty exponent, the basin entropy, the Wada test, the
//! three fractality measures as a figure runs them (side by side), and Liu's crossing count.
//! Each time is the best of 5 (1 with `--quick`), in milliseconds; the map's run time is
//! printed beside them for scale.
//!
//! Run: `cargo bench --bench analysis` (or `... -- --quick`).

use std::time::Instant;

use downhill::analysis::basins::{self, Attractor};
use downhill::analysis::crossing::Crossing;
use downhill::analysis::fractal::BoxCount;
use downhill::analysis::fractality::{self, ENTROPY_BOX, Fractality};
use downhill::progress::Progress;
use downhill::runner::{Backend, BackendChoice};
use downhill::spec::SpecBuilder;

/// Best of `reps` timings of `f`, in milliseconds.
fn best_ms<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = if quick { 1 } else { 5 };
    let side = 1024u32;
    let spec = SpecBuilder::basins("bumpy", "gd:lr=0.1", Some([-6.0, 6.0, -6.0, 6.0]), (side, side), 500)
        .and_then(|b| b.build())
        .expect("the benchmark spec is valid");
    let mut backend = Backend::open(BackendChoice::Cpu, &mut |_| {}).expect("the CPU backend always opens");
    let t = Instant::now();
    let out = backend.run(&spec, &Progress::hidden()).expect("the run");
    let run_ms = t.elapsed().as_secs_f64() * 1e3;
    let attractors: Vec<Attractor> = spec
        .landscape
        .minima_in(spec.landscape_params64(), spec.basin_domain())
        .into_iter()
        .map(Attractor::from)
        .collect();
    let labels = basins::label_within(&out, &attractors, 0.05 * 12.0, spec.start_window());
    let diverged: Vec<bool> = labels.iter().map(|&l| l == basins::DIVERGED).collect();
    println!(
        "W1 labelling: {side}x{side}, {} attractors; run {run_ms:.0} ms on {}",
        attractors.len(),
        backend.describe()
    );
    let rows: [(&str, f64); 7] = [
        ("labels", best_ms(reps, || basins::label_within(&out, &attractors, 0.6, spec.start_window()))),
        ("box count (cells)", best_ms(reps, || BoxCount::Cells.dimension(&labels, side, side))),
        ("uncertainty exponent", best_ms(reps, || fractality::uncertainty_exponent(&labels, side, side))),
        ("basin entropy", best_ms(reps, || fractality::basin_entropy(&labels, side, side, ENTROPY_BOX))),
        ("Wada test", best_ms(reps, || fractality::wada(&labels, side, side))),
        ("fractality (all three, joined)", best_ms(reps, || Fractality::measure(&labels, side, side))),
        (
            "crossing count",
            best_ms(reps, || Crossing::of_grid(&diverged, side as usize, side as usize, |r| r as f64)),
        ),
    ];
    println!("{:<34} {:>10}", "measure", "best ms");
    for (name, ms) in rows {
        println!("{name:<34} {ms:>10.1}");
    }
}
