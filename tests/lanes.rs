//! The CPU runner's SIMD lanes reproduce the scalar f32 twin bit for bit: every landscape with
//! every optimiser, with and without options, expression landscapes, a sweep of a landscape
//! parameter, and grids whose size is not a multiple of the block, so that padded lanes and
//! blocks that stop early (all lanes diverged or settled) are exercised. Both runners are the same Rust
//! code and Rust never contracts into fused multiply-adds, so nothing but equality is allowed.

mod common;

use common::{axis, spec, spec_with};
use downhill::cpu;
use downhill::landscape::LANDSCAPES;
use downhill::optimiser::OPTIMISERS;
use downhill::outcome::Outcomes;
use downhill::progress::Progress;
use downhill::spec::{OptionsText, Spec};

/// Every cell's final x, y, loss (as bits), divergence and convergence steps agree.
fn assert_same(what: &str, spec: &Spec) {
    let lanes = cpu::run(spec, &Progress::hidden());
    let scalar = cpu::run_scalar(spec, &Progress::hidden());
    let bits = |o: &Outcomes| -> Vec<[u32; 3]> {
        (0..o.len()).map(|i| [o.x[i].to_bits(), o.y[i].to_bits(), o.loss[i].to_bits()]).collect()
    };
    let (a, b) = (bits(&lanes), bits(&scalar));
    for i in 0..a.len() {
        assert!(
            a[i] == b[i] || (lanes.loss[i].is_nan() && scalar.loss[i].is_nan() && a[i][..2] == b[i][..2]),
            "{what}: cell {i}: lanes {:?} vs scalar {:?}",
            (lanes.x[i], lanes.y[i], lanes.loss[i]),
            (scalar.x[i], scalar.y[i], scalar.loss[i])
        );
    }
    assert_eq!(lanes.div_step, scalar.div_step, "{what}: divergence steps");
    assert_eq!(lanes.conv_step, scalar.conv_step, "{what}: convergence steps");
}

/// Start x over the domain against a log learning rate up to where many trajectories diverge.
fn grid(landscape: &str, optimiser: &str, options: OptionsText) -> Spec {
    let l = LANDSCAPES.iter().find(|l| l.name == landscape).expect("a built-in");
    let d = l.domain;
    spec_with(
        landscape,
        optimiser,
        axis("x0", d[0], d[1], false),
        axis("lr", 1e-3, 1.0, true),
        (13, 11),
        60,
        [0.0, 0.5 * (d[2] + d[3]) + 0.3 * (d[3] - d[2])],
        options,
    )
}

#[test]
fn lanes_equal_the_scalar_twin_for_every_landscape_and_optimiser() {
    let mut diverged = 0usize;
    for l in LANDSCAPES {
        for o in OPTIMISERS {
            let name = if o.name == "newton" { "newton:saddle_free=1,damping=1" } else { o.name };
            let s = grid(l.name, name, OptionsText::default());
            assert_same(&format!("{} + {}", l.name, o.name), &s);
            diverged += cpu::run(&s, &Progress::hidden()).div_step.iter().filter(|&&d| d >= 0).count();
        }
    }
    // The comparison covers diverged lanes (frozen while their block runs on), not only calm ones.
    assert!(diverged > 1000, "only {diverged} diverged cells");
}

#[test]
fn lanes_equal_the_scalar_twin_with_noise_clipping_decay_and_schedules() {
    let schedules = ["step:gamma=0.5,step_size=7", "exp", "inv", "cosine", "warmup_cosine:warmup=5"];
    for (i, schedule) in schedules.iter().enumerate() {
        let options = OptionsText {
            sigma: 0.3,
            seed: 11 + i as u32,
            clip: if i % 2 == 0 { 2.0 } else { 0.0 },
            l2: if i % 2 == 1 { 0.05 } else { 0.0 },
            schedule: Some(schedule.to_string()),
            ..Default::default()
        };
        for (l, o) in [("rosenbrock", "adam"), ("bumpy", "momentum"), ("himmelblau", "lion")] {
            assert_same(&format!("{l} + {o} with {schedule}"), &grid(l, o, options.clone()));
        }
    }
}

#[test]
fn lanes_equal_the_scalar_twin_on_expressions_and_parameter_sweeps() {
    let expr =
        "expr:0.1*(x^2+y^2) + a*sin(x)*cos(y) + exp(-x^2)/(1+y^2) + max(x,y)^2*0.01 + abs(x)^3*0.001; a=1.5";
    let s = spec(
        expr,
        "gd:lr=0.1",
        axis("x0", -6.0, 6.0, false),
        axis("y0", -6.0, 6.0, false),
        (17, 9),
        80,
        [0.0; 2],
    );
    assert_same("expression basins", &s);
    // Newton reads the Hessian, evaluated for the whole block from the expression's trees.
    let z3 = "expr:(x^4 - 6*x^2*y^2 + y^4)/4 - x";
    let s =
        spec(z3, "newton", axis("x0", -1.5, 1.5, false), axis("y0", -1.5, 1.5, false), (19, 7), 40, [0.0; 2]);
    assert_same("Newton on z^3 - 1", &s);
    // lr x k stability map: the landscape parameter varies per lane; most blocks stop early.
    let s = spec(
        "quadratic",
        "momentum:beta=0.9",
        axis("lr", 0.0, 4.0, false),
        axis("kx", 0.1, 10.0, true),
        (70, 5),
        300,
        [1.0, 0.0],
    );
    assert_same("heavy ball over (lr, kx)", &s);
    let out = cpu::run(&s, &Progress::hidden());
    let f = out.diverged_fraction();
    assert!(f > 0.1 && f < 0.9, "diverged fraction {f}");
}

/// Blocks whose lanes have all diverged or settled (a step left iterate and registers the same
/// bit for bit) stop early; the outcome is still the full run's, bit for bit, convergence
/// steps included.
#[test]
fn blocks_that_settle_stop_with_the_full_runs_outcome() {
    // lr = kx = ky = 1: one GD step lands every start exactly on (0, 0), which it never leaves.
    let s = spec(
        "quadratic:kx=1,ky=1",
        "gd:lr=1",
        axis("x0", -2.0, 2.0, false),
        axis("y0", -2.0, 2.0, false),
        (23, 9),
        500,
        [0.0; 2],
    );
    assert_same("GD landing on the minimum", &s);
    let out = cpu::run(&s, &Progress::hidden());
    assert!(out.x.iter().chain(&out.y).all(|&v| v == 0.0), "every trajectory ends at the minimum");
    // Heavy ball and Adam over (lr, kx): some lanes settle once iterate and velocity flush to
    // zero, others oscillate or crawl for the whole run, others diverge.
    for opt in ["momentum:beta=0.5", "adam:lr=0.5", "nesterov:beta=0.3"] {
        let s = spec(
            "quadratic",
            opt,
            axis("lr", 0.0, 3.0, false),
            axis("kx", 0.1, 10.0, true),
            (67, 3),
            700,
            [1.0, 0.5],
        );
        assert_same(opt, &s);
    }
    // Far out on a shallow slope, heavy ball's first steps are below half an ulp of x: the
    // iterate stays the same bit for bit while the velocity builds up, and then it moves. A
    // lane settles only when its registers stand still too.
    let s = spec(
        "quadratic:kx=1e-6,ky=1",
        "momentum:lr=0.001",
        axis("x0", 999.0, 1001.0, false),
        axis("beta", 0.98, 0.99, false),
        (64, 2),
        200,
        [0.0; 2],
    );
    assert_same("heavy ball building up speed", &s);
    let out = cpu::run(&s, &Progress::hidden());
    let starts = s.x.centres();
    for (i, &x) in out.x.iter().enumerate() {
        assert_ne!(x, starts[i % 64], "cell {i} never moved");
    }
    // With clipping and decay (step-independent, but the lanes test for settling only without
    // options): the full run, as before.
    let options = OptionsText { clip: 0.5, l2: 0.01, ..OptionsText::default() };
    let s = spec_with(
        "quadratic",
        "gd",
        axis("lr", 0.0, 3.0, false),
        axis("kx", 0.1, 10.0, true),
        (67, 2),
        400,
        [1.0, 0.5],
        options,
    );
    assert_same("GD with clipping and decay", &s);
}

#[test]
fn steps_run_stop_at_divergence() {
    let s = spec(
        "quadratic",
        "gd",
        axis("lr", 0.0, 4.0, false),
        axis("kx", 1.0, 1.0001, false),
        (8, 1),
        100,
        [1.0, 0.0],
    );
    let out = cpu::run(&s, &Progress::hidden());
    // lr = 0.25 + 0.5 i: cells with lr > 2 diverge, the others run all 100 steps.
    let expected: u64 = out.div_step.iter().map(|&d| if d >= 0 { d as u64 } else { 100 }).sum();
    assert_eq!(out.steps_run(100), expected);
    assert!(out.div_step[4..].iter().all(|&d| d > 0) && out.div_step[..4].iter().all(|&d| d < 0));
}
