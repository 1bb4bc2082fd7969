//! Every built-in landscape with every optimiser on the CPU lanes, in trajectory-steps per
//! second, to catch a twin that stopped vectorising. The lanes inline each scalar twin into a
//! loop over 64 lanes; a change that defeats the inliner or the vectoriser (an array `map`
//! left as a call, a run-time-selected closure) costs that one pair 8-60x while the rest stay
//! put, which the end-to-end benchmarks can miss.
//!
//! Each pair runs a 64x64 grid of starts over the landscape's domain for 100 steps (the
//! optimiser's default hyperparameters; Newton saddle-free and damped), best of 3. A pair is
//! flagged when its rate is below a fifth of what its landscape and its optimiser predict
//! together (the product of the landscape's median rate over optimisers and the optimiser's
//! median over landscapes, over the median of all pairs); the bench then exits with status 1.
//! Fast outliers (trajectories that settle) are not flagged, and pairs where most
//! trajectories diverge early (less than half the steps run) are not judged (`-`): their time
//! is the blocks' set-up, not the step.
//!
//! Run: `cargo bench --bench lanes_matrix`.

use std::time::Instant;

use downhill::landscape::LANDSCAPES;
use downhill::optimiser::OPTIMISERS;
use downhill::progress::Progress;
use downhill::spec::{AxisText, Scale, SpecBuilder};

/// A pair is slow below this fraction of its predicted rate.
const SLOW: f64 = 0.2;

/// The median, or `None` of nothing (a landscape or optimiser with no pair judged).
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Trajectory-steps per second of `optimiser` on `landscape`, best of 3; `None` where less
/// than half the steps ran (most trajectories diverged early).
fn rate(landscape: &str, optimiser: &str, domain: [f64; 4]) -> Option<f64> {
    let axis = |p: &str, lo: f64, hi: f64| AxisText { param: p.into(), lo, hi, scale: Scale::Lin };
    let spec = SpecBuilder {
        landscape: landscape.into(),
        optimiser: optimiser.into(),
        start: None,
        x: axis("x0", domain[0], domain[1]),
        y: axis("y0", domain[2], domain[3]),
        res: (64, 64),
        steps: 100,
        threshold: 1e6,
        conv_tol: 1e-4,
        options: Default::default(),
    }
    .build()
    .expect("every built-in pair is a valid spec");
    let mut best: f64 = 0.0;
    let mut share = 0.0;
    for _ in 0..3 {
        let t = Instant::now();
        let out = downhill::cpu::run(&spec, &Progress::hidden());
        let run = out.steps_run(spec.steps) as f64;
        best = best.max(run / t.elapsed().as_secs_f64());
        share = run / (spec.cells() as f64 * spec.steps as f64);
    }
    (share >= 0.5).then_some(best)
}

fn main() {
    // SAFETY: set before any other thread exists.
    unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    let optimisers: Vec<(&str, String)> = OPTIMISERS
        .iter()
        .map(|o| {
            (o.name, if o.name == "newton" { "newton:saddle_free=1,damping=1".into() } else { o.name.into() })
        })
        .collect();
    let mut rates = vec![vec![None; optimisers.len()]; LANDSCAPES.len()];
    for (i, l) in LANDSCAPES.iter().enumerate() {
        for (j, (_, spec)) in optimisers.iter().enumerate() {
            rates[i][j] = rate(l.name, spec, l.domain);
        }
    }
    let all = median(rates.iter().flatten().flatten().copied().collect()).expect("some pair is judged");
    let by_landscape: Vec<Option<f64>> =
        rates.iter().map(|r| median(r.iter().flatten().copied().collect())).collect();
    let by_optimiser: Vec<Option<f64>> =
        (0..optimisers.len()).map(|j| median(rates.iter().filter_map(|r| r[j]).collect())).collect();
    print!("{:<18}", "1e6 steps/s");
    for (name, _) in &optimisers {
        print!("{:>10}", &name[..name.len().min(9)]);
    }
    println!();
    let mut slow = Vec::new();
    for (i, l) in LANDSCAPES.iter().enumerate() {
        print!("{:<18}", l.name);
        for j in 0..optimisers.len() {
            let (Some(rate), Some(bl), Some(bo)) = (rates[i][j], by_landscape[i], by_optimiser[j]) else {
                print!("{:>9} ", "-");
                continue;
            };
            let expected = bl * bo / all;
            let flag = rate < SLOW * expected;
            if flag {
                let pair = format!("{} + {}", l.name, optimisers[j].0);
                slow.push(format!("{pair}: {rate:.3e}/s, expected about {expected:.3e}/s"));
            }
            print!("{:>9.0}{}", rate / 1e6, if flag { "!" } else { " " });
        }
        println!();
    }
    if slow.is_empty() {
        println!("no pair below {SLOW} of its predicted rate");
    } else {
        println!("slow pairs (likely not vectorised):");
        for s in &slow {
            println!("  {s}");
        }
        std::process::exit(1);
    }
}
