//! Behaviour against closed-form truth, on the CPU twin and on the GPU: gradient descent on a
//! quadratic follows `x_t = (1 - lr k)^t x_0`, and the measured stability boundaries of GD,
//! heavy ball and Nesterov match `lr = 2/k`, `2(1+beta)/k` and `2(1+beta)/((1+2beta)k)`.

mod common;

use common::{axis, spec};
use downhill::analysis::boundary;
use downhill::cpu;
use downhill::outcome::Outcomes;
use downhill::progress::Progress;
use downhill::spec::Spec;

/// Checks every cell's final x against the closed form in f64, to f32 rounding.
fn assert_gd_closed_form(s: &Spec, out: &Outcomes, who: &str) {
    let lrs = s.x.centres();
    let ks = s.y.centres();
    for r in 0..out.rows {
        for c in 0..out.cols {
            let (lr, k) = (lrs[c as usize] as f64, ks[r as usize] as f64);
            let expect = (1.0 - lr * k).powi(s.steps as i32);
            let got = out.x[out.index(r, c)] as f64;
            // Each step rounds once or twice in f32: relative error grows about linearly in t.
            let tol = 4.0 * s.steps as f64 * f32::EPSILON as f64 * expect.abs() + 1e-30;
            assert!(
                (got - expect).abs() <= tol,
                "{who}: lr={lr} k={k}: x_{} = {got}, closed form {expect}",
                s.steps
            );
        }
    }
}

fn gd_grid() -> Spec {
    // Starts at (1, 0) on 0.5*k*x^2 (ky = 0); lr*k stays in (0, 2) so nothing diverges.
    spec(
        "quadratic:ky=0",
        "gd",
        axis("lr", 0.0, 1.0, false),
        axis("kx", 0.1, 1.9, false),
        (16, 16),
        25,
        [1.0, 0.0],
    )
}

#[test]
fn gd_on_a_quadratic_follows_the_closed_form_on_the_cpu() {
    let s = gd_grid();
    assert_gd_closed_form(&s, &cpu::run(&s, &Progress::hidden()), "cpu");
}

#[test]
fn gd_on_a_quadratic_follows_the_closed_form_on_the_gpu() {
    let Some(mut gpu) = common::gpu() else { return };
    let s = gd_grid();
    assert_gd_closed_form(&s, &gpu.run(&s, &Progress::hidden()).unwrap(), "gpu");
}

#[test]
fn gd_trace_follows_the_closed_form_step_by_step() {
    let s = spec(
        "quadratic:kx=2,ky=0.5",
        "gd:lr=0.3",
        axis("x0", 0.0, 2.0, false),
        axis("y0", 0.0, 1.0, false),
        (1, 1),
        40,
        [0.0, 0.0],
    );
    let check = |rows: &[[f32; 3]], who: &str| {
        assert_eq!(rows.len(), 41, "{who}: one row per iterate 0..=40");
        for (t, r) in rows.iter().enumerate() {
            let ex = 1.0 * (1.0f64 - 0.3 * 2.0).powi(t as i32);
            let ey = 0.5 * (1.0f64 - 0.3 * 0.5).powi(t as i32);
            let tol = |e: f64| 4.0 * (t as f64 + 1.0) * f32::EPSILON as f64 * e.abs();
            assert!(
                (r[0] as f64 - ex).abs() <= tol(ex) && (r[1] as f64 - ey).abs() <= tol(ey),
                "{who} step {t}: {r:?} vs ({ex}, {ey})"
            );
            let loss = 0.5 * (2.0 * ex * ex + 0.5 * ey * ey);
            assert!((r[2] as f64 - loss).abs() <= 1e-5 * loss.max(1e-30) + 1e-30, "{who} loss at step {t}");
        }
    };
    check(&cpu::trace(&s), "cpu");
    if let Some(mut gpu) = common::gpu() {
        check(&gpu.trace(&s).unwrap(), "gpu");
    }
}

/// A 64x64 stability map: lr in [0, 4] against k in [0.1, 10] (log), 2000 steps from x0 = 1.
fn stability(optimiser: &str) -> Spec {
    spec(
        "quadratic:ky=0",
        optimiser,
        axis("lr", 0.0, 4.0, false),
        axis("kx", 0.1, 10.0, true),
        (64, 64),
        2000,
        [1.0, 0.0],
    )
}

fn assert_boundary_within_one_cell(s: &Spec, out: &Outcomes, who: &str) {
    let theory = boundary::analytic(s).expect("the optimiser has a known boundary");
    let rows = boundary::compare(s, out, Some(&theory)).unwrap();
    let mut checked = 0;
    let cell = (s.x.hi - s.x.lo) / s.x.cells as f64;
    for r in &rows {
        let a = r.analytic.unwrap();
        // Within the last cell the only centre above the boundary may exceed it by so little
        // that no step budget shows the divergence; such rows are checked by the else branch.
        if a < s.x.hi - cell {
            let off = r
                .cells_off
                .unwrap_or_else(|| panic!("{who}: k={} has no diverged cell; theory says lr*={a}", r.y));
            assert!(
                off.abs() <= 1.0,
                "{who}: k={}: measured lr*={:?}, theory {a} ({off:.2} cells off)",
                r.y,
                r.measured
            );
            checked += 1;
        } else {
            assert!(
                r.measured.is_none_or(|m| m >= a - cell),
                "{who}: k={} diverged at {:?}, theory {a}",
                r.y,
                r.measured
            );
        }
    }
    assert!(checked > 20, "{who}: only {checked} rows had the boundary inside the map");
}

#[test]
fn measured_stability_boundaries_match_theory_on_the_cpu() {
    for opt in ["gd", "momentum:beta=0.9", "momentum:beta=0.5", "nesterov:beta=0.9"] {
        let s = stability(opt);
        assert_boundary_within_one_cell(&s, &cpu::run(&s, &Progress::hidden()), &format!("cpu {opt}"));
    }
}

#[test]
fn measured_stability_boundaries_match_theory_on_the_gpu() {
    let Some(mut gpu) = common::gpu() else { return };
    for opt in ["gd", "momentum:beta=0.9", "nesterov:beta=0.9"] {
        let s = stability(opt);
        assert_boundary_within_one_cell(
            &s,
            &gpu.run(&s, &Progress::hidden()).unwrap(),
            &format!("gpu {opt}"),
        );
    }
}

#[test]
fn converged_trajectories_reach_exact_zero_instead_of_lingering_in_subnormals() {
    // x_t = 0.9^t decays through the subnormal range near t = 830; without flushing, x - 0.1x
    // rounds back to the smallest subnormal forever (and runs 10-100x slower on CPUs).
    let s = spec(
        "quadratic:kx=1,ky=1",
        "gd:lr=0.1",
        axis("x0", 0.5, 1.5, false),
        axis("y0", -1.5, -0.5, false),
        (2, 2),
        1500,
        [0.0, 0.0],
    );
    let check = |out: &Outcomes, who: &str| {
        assert!(out.x.iter().chain(&out.y).all(|&v| v == 0.0), "{who}: {:?} {:?}", out.x, out.y);
    };
    check(&cpu::run(&s, &Progress::hidden()), "cpu");
    if let Some(mut gpu) = common::gpu() {
        check(&gpu.run(&s, &Progress::hidden()).unwrap(), "gpu");
    }
}

#[test]
fn gd_started_on_ackleys_kink_stays_there_on_both_backends() {
    let s = spec(
        "ackley",
        "gd:lr=0.1",
        axis("x0", -1.0, 1.0, false),
        axis("y0", -1.0, 1.0, false),
        (1, 1),
        50,
        [0.0, 0.0],
    );
    let check = |rows: &[[f32; 3]], who: &str| {
        assert!(rows.iter().all(|r| r[0] == 0.0 && r[1] == 0.0), "{who} left the origin: {:?}", rows.last());
    };
    check(&cpu::trace(&s), "cpu");
    if let Some(mut gpu) = common::gpu() {
        check(&gpu.trace(&s).unwrap(), "gpu");
    }
}

/// A run longer than one dispatch's loop limit on lavapipe (65535 iterations) takes every step:
/// GD at lr 1e-5 on 0.5 x^2 for 100000 steps ends at (1 - 1e-5)^100000 = 0.368 on both backends.
#[test]
fn long_runs_take_every_step_on_both_backends() {
    let s = spec(
        "quadratic:ky=0",
        "gd:lr=0.00001",
        axis("x0", 0.5, 1.5, false),
        axis("y0", -0.5, 0.5, false),
        (1, 1),
        100_000,
        [1.0, 0.0],
    );
    let want = (1.0f64 - 1e-5).powi(100_000);
    let check = |out: &Outcomes, who: &str| {
        assert!((out.x[0] as f64 / want - 1.0).abs() < 1e-3, "{who}: x = {}, closed form {want}", out.x[0]);
    };
    check(&cpu::run(&s, &Progress::hidden()), "cpu");
    if let Some(mut gpu) = common::gpu() {
        check(&gpu.run(&s, &Progress::hidden()).unwrap(), "gpu");
    }
}

/// Refines a 16x16 map's boundary to 1e-3 and checks every bracketed row against theory.
fn assert_refined(backend: &mut downhill::runner::Backend, s: &Spec, who: &str) {
    use downhill::refine;
    let out = backend.run(s, &Progress::hidden()).unwrap();
    let theory = boundary::analytic(s);
    let rows =
        refine::refine(backend, s, &out, 1e-3, refine::steps_for(1e-3, 1e6), theory.as_ref(), false).unwrap();
    let what = format!("{who} {} over {}", s.optimiser.name, s.y.param);
    let mut checked = 0;
    for r in &rows {
        if let (Some(low), Some(high), Some(err)) = (r.stable, r.diverged, r.rel_error) {
            assert!(high - low <= 1e-3 * high, "{what}={}: bracket [{low}, {high}] too wide", r.y);
            assert!(err.abs() <= 1e-3, "{what}={}: refined {:?}, theory {:?}", r.y, r.critical, r.analytic);
            checked += 1;
        }
    }
    assert!(checked >= 8, "{what}: only {checked} rows refined");
}

/// The refined boundaries of GD, heavy ball and Nesterov over (lr, k), and of heavy ball over
/// (lr, beta) at k = 1, where it is `lr = 2(1+beta)`.
fn refined_cases() -> Vec<Spec> {
    let lr_k = |opt: &str| {
        spec(
            "quadratic:ky=0",
            opt,
            axis("lr", 0.0, 4.0, false),
            axis("kx", 0.1, 10.0, true),
            (16, 16),
            500,
            [1.0, 0.0],
        )
    };
    let lr_beta = spec(
        "quadratic:ky=0",
        "momentum",
        axis("lr", 0.0, 4.2, false),
        axis("beta", 0.0, 0.99, false),
        (16, 16),
        500,
        [1.0, 0.0],
    );
    vec![lr_k("gd"), lr_k("momentum:beta=0.9"), lr_k("nesterov:beta=0.5"), lr_beta]
}

#[test]
fn refined_boundaries_match_theory_to_the_requested_precision() {
    use downhill::runner::{Backend, BackendChoice};
    let mut cpu_backend = Backend::open(BackendChoice::Cpu, &mut |_| {}).unwrap();
    for s in refined_cases() {
        assert_refined(&mut cpu_backend, &s, "cpu");
    }
    if let Some(gpu) = common::gpu() {
        let mut gpu_backend = Backend::Gpu(Box::new(gpu));
        for s in refined_cases() {
            assert_refined(&mut gpu_backend, &s, "gpu");
        }
    }
}

/// GD on `x^4 + y^4` (lr 0.1) converges from a start exactly when `|x0|, |y0| < 1/sqrt(2 lr)`:
/// there `|1 - 4 lr x^2| < 1` shrinks every coordinate, and at that edge `x -> -x` is a
/// repelling 2-cycle. The refined edges of the start region on a basin map find it.
#[test]
fn refined_start_region_of_gd_on_a_quartic_matches_its_two_cycle() {
    use downhill::refine::{self, Edge};
    use downhill::runner::{Backend, BackendChoice};
    let edge = 1.0 / (2.0f64 * 0.1).sqrt();
    let s = spec(
        "expr:x^4 + y^4",
        "gd:lr=0.1",
        axis("x0", -3.0, 3.0, false),
        axis("y0", -3.0, 3.0, false),
        (16, 16),
        100,
        [0.0, 0.0],
    );
    let mut backends = vec![("cpu", Backend::open(BackendChoice::Cpu, &mut |_| {}).unwrap())];
    if let Some(gpu) = common::gpu() {
        backends.push(("gpu", Backend::Gpu(Box::new(gpu))));
    }
    for (who, mut backend) in backends {
        let out = backend.run(&s, &Progress::hidden()).unwrap();
        let rows = refine::refine(&mut backend, &s, &out, 1e-5, 300, None, false).unwrap();
        let inside = s.y.centres().iter().filter(|y| (y.abs() as f64) < edge).count();
        let found: Vec<_> = rows.iter().filter(|r| r.critical.is_some()).collect();
        assert_eq!(found.len(), 2 * inside, "{who}: two edges per row inside the square");
        for r in found {
            let c = r.critical.unwrap();
            let want = if r.edge == Edge::First { -edge } else { edge };
            assert!((c / want - 1.0).abs() < 1e-5, "{who} y0={}: edge at {c}, expected {want}", r.y);
        }
    }
}

/// Newton's method for the roots of z^3 - 1 as an optimiser run: the Newton step on
/// `Re(z^4/4 - z)` is exactly `z - f(z)/f'(z)` (its gradient is `conj f`, its Hessian acts as
/// multiplication by `f'`), and the three roots are saddles of that landscape.
const NEWTON_Z3: &str = "expr:(x^4 - 6*x^2*y^2 + y^4)/4 - x";

/// The root of z^3 - 1 (index k of e^{2 pi i k/3}) that Newton's method reaches from `z`,
/// by complex arithmetic in f64, written independently of the tool.
fn newton_root(mut re: f64, mut im: f64) -> Option<usize> {
    for _ in 0..200 {
        // z - (z^3 - 1) / (3 z^2) = (2 z^3 + 1) / (3 z^2)
        let (z2r, z2i) = (re * re - im * im, 2.0 * re * im);
        let (z3r, z3i) = (z2r * re - z2i * im, z2r * im + z2i * re);
        let (nr, ni) = (2.0 * z3r + 1.0, 2.0 * z3i);
        let (dr, di) = (3.0 * z2r, 3.0 * z2i);
        let d = dr * dr + di * di;
        if d == 0.0 {
            return None;
        }
        (re, im) = ((nr * dr + ni * di) / d, (ni * dr - nr * di) / d);
    }
    (0..3).find(|&k| {
        let t = k as f64 * std::f64::consts::TAU / 3.0;
        (re - t.cos()).hypot(im - t.sin()) < 1e-6
    })
}

/// The tool finds the three roots as attractors by itself, labels the start points as the
/// independent f64 iteration does, and measures the Julia set's box-counting dimension.
fn assert_newton_fractal(out: &Outcomes, s: &Spec, who: &str) {
    use downhill::analysis::{basins, fractal};
    let params = s.landscape_params64();
    let found = basins::attractors(out, Vec::new(), 4e-3, |p| s.landscape.loss64(p, params)).unwrap();
    assert_eq!(found.len(), 3, "{who}: attractors {found:?}");
    let root_of: Vec<usize> =
        found.iter().map(|a| newton_root(a.at[0], a.at[1]).expect("an attractor is a root")).collect();
    let labels = basins::label(out, &found);
    let (xs, ys) = (s.x.centres(), s.y.centres());
    let mut truth = Vec::with_capacity(out.len());
    let mut agree = 0;
    for r in 0..out.rows {
        for c in 0..out.cols {
            let i = out.index(r, c);
            let t = newton_root(xs[c as usize] as f64, ys[r as usize] as f64);
            agree += (t == Some(root_of[labels[i] as usize])) as usize;
            truth.push(t.map_or(-1, |k| k as i32));
        }
    }
    let share = agree as f64 / out.len() as f64;
    assert!(share > 0.99, "{who}: only {share} of the cells agree with the f64 iteration");
    let dim = |labels: &[i32]| {
        let edge = fractal::boundary(labels, out.cols, out.rows);
        fractal::box_counting(&edge, out.cols, out.rows, 1).unwrap().dimension
    };
    let (measured, reference) = (dim(&labels), dim(&truth));
    assert!((1.40..1.56).contains(&measured), "{who}: dimension {measured}");
    assert!((measured - reference).abs() < 0.02, "{who}: {measured} vs f64 reference {reference}");
    assert_newton_basins_are_wada(&labels, out.cols, out.rows, who);
}

/// Newton's basins for z^3 - 1 are Wada (every boundary point borders all three basins),
/// with a boundary basin entropy above ln 2 and an uncertainty dimension well above 1.
fn assert_newton_basins_are_wada(labels: &[i32], cols: u32, rows: u32, who: &str) {
    use downhill::analysis::fractality::Fractality;
    let f = Fractality::measure(labels, cols, rows);
    assert!(f.wada.wada && f.wada.basins == 3 && f.wada.r <= 3, "{who}: {:?}", f.wada);
    let e = f.basin_entropy.unwrap();
    assert!(e.fractal() && e.sbb.unwrap() > 0.70, "{who}: {e:?}");
    let u = f.uncertainty_exponent.unwrap();
    assert!((1.35..1.6).contains(&u.dimension) && u.std_error < 0.05, "{who}: {u:?}");
}

/// Gradient descent's basins on Himmelblau's function have smooth boundaries: uncertainty
/// dimension near 1, boundary basin entropy below ln 2, and not Wada (the four basins meet in
/// pairs along curves, and all four only near the central maximum).
#[test]
fn gd_basins_of_himmelblau_are_smooth_and_not_wada() {
    use downhill::analysis::basins;
    use downhill::analysis::fractality::Fractality;
    let s = spec(
        "himmelblau",
        "gd:lr=0.01",
        axis("x0", -5.0, 5.0, false),
        axis("y0", -5.0, 5.0, false),
        (128, 128),
        300,
        [0.0, 0.0],
    );
    let out = cpu::run(&s, &Progress::hidden());
    let known = s.landscape.minima_in(s.landscape_params64(), s.basin_domain());
    let found =
        basins::attractors(&out, known, 1e-2, |p| s.landscape.loss64(p, s.landscape_params64())).unwrap();
    let labels = basins::label(&out, &found);
    let f = Fractality::measure(&labels, out.cols, out.rows);
    let u = f.uncertainty_exponent.unwrap();
    assert!((u.dimension - 1.0).abs() < 0.15, "{u:?}");
    let e = f.basin_entropy.unwrap();
    assert!(!e.fractal() && e.sbb.unwrap() < 0.6, "{e:?}");
    assert!(!f.wada.wada && f.wada.basins == 4 && f.wada.shared_fraction < 0.3, "{:?}", f.wada);
}

#[test]
fn newtons_basins_for_z_cubed_minus_one_are_a_fractal_on_both_backends() {
    let s = spec(
        NEWTON_Z3,
        "newton",
        axis("x0", -2.0, 2.0, false),
        axis("y0", -2.0, 2.0, false),
        (256, 256),
        100,
        [0.0, 0.0],
    );
    assert_newton_fractal(&cpu::run(&s, &Progress::hidden()), &s, "cpu");
    if let Some(mut gpu) = common::gpu() {
        assert_newton_fractal(&gpu.run(&s, &Progress::hidden()).unwrap(), &s, "gpu");
    }
}

/// The f64 path: on an ordinary window it labels Newton's basins as the f32 twin does; on a
/// window a billionth wide, which f32 cannot resolve (refused), it runs with distinct f64 cell
/// centres; an explicit GPU backend refuses f64 by name.
#[test]
fn f64_runs_match_f32_and_zoom_past_its_resolution() {
    use downhill::analysis::basins;
    use downhill::spec::{OptionsText, Precision};
    let f64_options = OptionsText { precision: Precision::F64, ..Default::default() };
    let window = (axis("x0", -2.0, 2.0, false), axis("y0", -2.0, 2.0, false));
    let s32 = spec(NEWTON_Z3, "newton", window.0.clone(), window.1.clone(), (64, 64), 100, [0.0, 0.0]);
    let s64 = common::spec_with(
        NEWTON_Z3,
        "newton",
        window.0,
        window.1,
        (64, 64),
        100,
        [0.0, 0.0],
        f64_options.clone(),
    );
    let (a, b) = (cpu::run(&s32, &Progress::hidden()), cpu::run(&s64, &Progress::hidden()));
    let found = basins::attractors(&a, Vec::new(), 4e-3, |_| 0.0).unwrap();
    let (la, lb) = (basins::label(&a, &found), basins::label(&b, &found));
    let agree = la.iter().zip(&lb).filter(|(x, y)| x == y).count() as f64 / la.len() as f64;
    assert!(agree > 0.99, "f32 and f64 labels agree on {agree}");

    // Past f32: a window 1e-9 wide on the boundary of Newton's basins still shows all three.
    let (cx, cy) = (-0.79, -0.09059999949416886);
    let mut z = downhill::spec::SpecBuilder {
        landscape: NEWTON_Z3.into(),
        optimiser: "newton".into(),
        start: None,
        x: axis("x0", cx - 5e-10, cx + 5e-10, false),
        y: axis("y0", cy - 5e-10, cy + 5e-10, false),
        res: (32, 32),
        steps: 300,
        threshold: 1e30,
        conv_tol: 1e-4,
        options: f64_options.clone(),
    };
    let zs = z.build().unwrap();
    let zout = cpu::run(&zs, &Progress::hidden());
    let zfound = basins::attractors(&zout, Vec::new(), 4e-3, |_| 0.0).unwrap();
    assert_eq!(zfound.len(), 3, "all three roots meet in the deep window: {zfound:?}");
    z.options.precision = Precision::F32;
    assert!(z.build().unwrap_err().to_string().contains("finer than f32 resolves"));

    let deep = (axis("x0", 0.3, 0.3 + 1e-9, false), axis("y0", 0.5, 0.5 + 1e-9, false));
    let builder = |options: OptionsText| downhill::spec::SpecBuilder {
        landscape: "bumpy".into(),
        optimiser: "gd:lr=0.1".into(),
        start: None,
        x: deep.0.clone(),
        y: deep.1.clone(),
        res: (8, 8),
        steps: 50,
        threshold: 1e6,
        conv_tol: 1e-4,
        options,
    };
    let err = builder(OptionsText::default()).build().unwrap_err().to_string();
    assert!(err.contains("--x") && err.contains("--precision f64"), "{err}");
    let s = builder(f64_options).build().unwrap();
    let xs = s.x.centres_in(Precision::F64);
    assert!(xs.windows(2).all(|w| (w[1] - w[0] - 1.25e-10).abs() < 1e-15), "{xs:?}");
    let out = cpu::run(&s, &Progress::hidden());
    // A window that small lies in one basin: every start ends at the same minimum.
    assert!(out.div_step.iter().all(|&d| d < 0));
    assert!(
        out.x.iter().zip(&out.y).all(|(x, y)| (x - out.x[0]).abs() < 1e-3 && (y - out.y[0]).abs() < 1e-3)
    );
    if let Some(gpu) = common::gpu() {
        let mut backend = downhill::runner::Backend::Gpu(Box::new(gpu));
        let err = backend.run(&s, &Progress::hidden()).unwrap_err().to_string();
        assert!(err.contains("--precision"), "{err}");
    }
}

/// Heavy ball on `0.5 k x^2` from x = 1, iterated in f64: every iterate's gradient `k x_t`,
/// `t = 0..=steps`.
fn heavy_ball_gradients(lr: f64, k: f64, beta: f64, steps: u32) -> Vec<f64> {
    let (mut x, mut v) = (1.0f64, 0.0f64);
    let mut g = vec![k * x];
    for _ in 0..steps {
        v = beta * v + k * x;
        x -= lr * v;
        g.push(k * x);
    }
    g
}

fn ringing_grid() -> Spec {
    // Complex roots for most cells: |x_t| rings down as beta^(t/2), passing near zero on the
    // way, so the gradient dips below the tolerance long before it stays there.
    spec(
        "quadratic:ky=0",
        "momentum:beta=0.9",
        axis("lr", 0.05, 1.5, false),
        axis("kx", 0.5, 2.0, false),
        (12, 12),
        300,
        [1.0, 0.0],
    )
}

/// A cell has converged at the first step from which its gradient stays within the tolerance
/// (not at the first zero crossing of a ringing trajectory): checked against the f64 iteration
/// on every cell whose gradients stay clear of the tolerance by 1% (f32 rounding cannot move
/// the answer there).
fn assert_converged_where_it_stays(s: &Spec, out: &Outcomes, who: &str) {
    let tol = 1e-4;
    let (lrs, ks) = (s.x.centres(), s.y.centres());
    let (mut checked, mut early_dips) = (0, 0);
    for r in 0..out.rows {
        for c in 0..out.cols {
            let g = heavy_ball_gradients(lrs[c as usize] as f64, ks[r as usize] as f64, 0.9, s.steps);
            if g.iter().any(|v| (v.abs() / tol - 1.0).abs() < 0.01) {
                continue;
            }
            let stays = g.iter().rposition(|v| v.abs() > tol).map_or(0, |last| last + 1);
            let expect = if stays < g.len() { stays as i32 } else { -1 };
            let first_dip = g.iter().position(|v| v.abs() <= tol).map_or(-1, |t| t as i32);
            early_dips += usize::from(first_dip >= 0 && first_dip < expect);
            checked += 1;
            let got = out.conv_step[out.index(r, c)];
            assert_eq!(got, expect, "{who}: lr={} k={}: conv_step", lrs[c as usize], ks[r as usize]);
        }
    }
    assert!(checked > 100, "{who}: only {checked} cells clear of the tolerance");
    assert!(early_dips > 10, "{who}: only {early_dips} cells dip below the tolerance early");
}

#[test]
fn a_ringing_trajectory_converges_where_it_stays_within_the_tolerance_on_the_cpu() {
    let s = ringing_grid();
    assert_converged_where_it_stays(&s, &cpu::run(&s, &Progress::hidden()), "cpu");
}

#[test]
fn a_ringing_trajectory_converges_where_it_stays_within_the_tolerance_on_the_gpu() {
    let Some(mut gpu) = common::gpu() else { return };
    let s = ringing_grid();
    assert_converged_where_it_stays(&s, &gpu.run(&s, &Progress::hidden()).unwrap(), "gpu");
}

/// GD (lr = 0.002, below 2/397) from starts around rastrigin's outer minimum near
/// `(4.97, 4.97)`, where the curvature is 397 and no f32 iterate has a gradient below `1e-4`.
fn rastrigin_outer_ring() -> Spec {
    spec(
        "rastrigin",
        "gd:lr=0.002",
        axis("x0", 4.55, 5.45, false),
        axis("y0", 4.55, 5.45, false),
        (16, 16),
        500,
        [0.0, 0.0],
    )
}

/// Every cell ends within a few units in the last place of the minimum it heads for (checked
/// against that minimum in f64, found by Newton's method on the f64 twin), and counts as
/// converged; without the floor, the same f32 run calls cells not converged.
fn assert_outer_ring_converged(s: &Spec, out: &Outcomes, who: &str) {
    let c = s.landscape_params64();
    let minima = s.landscape.minima_in(c, [4.5, 5.5, 4.5, 5.5]);
    assert_eq!(minima.len(), 1, "one minimum in the window: {minima:?}");
    let at = minima[0].at;
    for i in 0..out.len() {
        assert!(!out.diverged(i), "{who}: cell {i} diverged");
        let off = (out.x[i] as f64 - at[0]).abs().max((out.y[i] as f64 - at[1]).abs());
        assert!(off <= 4.0 * f32::EPSILON as f64 * at[0], "{who}: cell {i} ends {off} from {at:?}");
        assert!(out.conv_step[i] >= 0, "{who}: cell {i} at ({}, {}) not converged", out.x[i], out.y[i]);
    }
}

#[test]
fn rastrigins_outer_minima_count_as_converged_within_f32_resolution_on_both_backends() {
    let s = rastrigin_outer_ring();
    assert!(s.conv_floor > 0.0, "rastrigin has a convergence floor");
    assert_outer_ring_converged(&s, &cpu::run(&s, &Progress::hidden()), "cpu");
    let mut without = s.clone();
    without.conv_floor = 0.0;
    let strict = cpu::run(&without, &Progress::hidden());
    let missed = strict.conv_step.iter().filter(|&&c| c < 0).count();
    assert!(missed > 0, "without the floor every cell converges too: the test shows nothing");
    if let Some(mut gpu) = common::gpu() {
        assert_outer_ring_converged(&s, &gpu.run(&s, &Progress::hidden()).unwrap(), "gpu");
    }
}

#[test]
fn the_convergence_floor_never_changes_a_verdict_on_a_quadratic() {
    // A strict minimum at the origin (ky = 1), curvature up to 10: f32 resolves any tolerance
    // there, so the floor is 0; and even a floor of ten units in the last place times the
    // largest curvature changes no cell's outcome, since |g| = k|x| always exceeds it.
    let s = spec(
        "quadratic:ky=1",
        "momentum:beta=0.9",
        axis("lr", 0.0, 4.0, false),
        axis("kx", 0.1, 10.0, true),
        (24, 24),
        400,
        [1.0, 0.5],
    );
    assert_eq!(s.conv_floor, 0.0, "a minimum at the origin needs no floor");
    let mut forced = s.clone();
    forced.conv_floor = 10.0 * f32::EPSILON * 10.0;
    let (a, b) = (cpu::run(&s, &Progress::hidden()), cpu::run(&forced, &Progress::hidden()));
    assert_eq!(a.conv_step, b.conv_step);
    assert_eq!(a.div_step, b.div_step);
    assert!(a.conv_step.iter().any(|&c| c > 0), "some cells converge");
}
