//! `--convention paper` (Sohl-Dickstein's notebook): the readout mapping against an independent
//! f64 reference of the notebook's network, the train-all-steps flag on every twin and the
//! GPU, the cap, the notebook's colouring and its box count on known shapes, and the command.

mod common;

use assert_cmd::Command;
use downhill::analysis::fractal;
use downhill::nn::job::{Source, spec};
use downhill::nn::map;
use downhill::nn::train::{CellStats, Convention, Precision, Tally, TrainSpec};
use downhill::nn::{Activation, NetData, Shape, cpu};
use downhill::progress::Progress;
use downhill::spec::{AxisText, Scale};

const SMALL: Shape = Shape { d: 4, width: 4, n: 20 };

fn axis(param: &str, lo: f64, hi: f64, scale: Scale) -> AxisText {
    AxisText { param: param.into(), lo, hi, scale }
}

fn paper_map(
    act: Activation,
    x: AxisText,
    y: AxisText,
    res: u32,
    steps: u32,
    precision: Precision,
) -> TrainSpec {
    spec(&Source::Seed(SMALL, 3), act, &x, &y, (res, res), steps, [1.0, 1.0, 0.5], (0, 0), precision)
        .unwrap()
        .in_convention(Convention::Paper)
}

/// The notebook's network and step, written out in f64 from its code: `Z = X W0 / sqrt(d)`,
/// output `phi(Z) W1 / sqrt(width) / sqrt(width)`, loss the mean squared error; before every
/// step the offset is added to `W0` (`paraminit_vs_lr`), then `W -= lr * grad`. Returns the
/// losses before each step.
fn notebook_losses(
    data: &NetData,
    act: Activation,
    [lr0, lr1, offset]: [f64; 3],
    steps: usize,
    drift: bool,
) -> Vec<f64> {
    let (d, w, n) = (data.shape.d, data.shape.width, data.shape.n);
    let e = &data.exact;
    let (mut w0, mut w1) = (e.w0.clone(), e.w1.clone());
    let phi = |z: f64| -> (f64, f64) {
        match act {
            Activation::Tanh => {
                let t = (2f64.sqrt() * z).tanh();
                (t, 2f64.sqrt() * (1.0 - t * t))
            }
            Activation::Relu => {
                if z > 0.0 {
                    (2f64.sqrt() * z, 2f64.sqrt())
                } else {
                    (0.0, 0.0)
                }
            }
            Activation::Identity => (z, 1.0),
        }
    };
    let mut losses = Vec::new();
    for t in 0..steps {
        if drift || t == 0 {
            w0.iter_mut().for_each(|v| *v += offset);
        }
        let (mut g0, mut g1, mut loss) = (vec![0.0; d * w], vec![0.0; w], 0.0);
        for i in 0..n {
            let x = &e.x[i * d..(i + 1) * d];
            let z: Vec<f64> = (0..w)
                .map(|j| (0..d).map(|k| x[k] * w0[k * w + j]).sum::<f64>() / (d as f64).sqrt())
                .collect();
            let h: Vec<(f64, f64)> = z.iter().map(|&z| phi(z)).collect();
            let out = (0..w).map(|j| h[j].0 * w1[j]).sum::<f64>() / w as f64;
            let r = out - e.y[i];
            loss += r * r / n as f64;
            let dout = 2.0 * r / n as f64 / w as f64;
            for j in 0..w {
                g1[j] += dout * h[j].0;
                let dz = dout * w1[j] * h[j].1 / (d as f64).sqrt();
                for k in 0..d {
                    g0[k * w + j] += dz * x[k];
                }
            }
        }
        losses.push(loss);
        w0.iter_mut().zip(&g0).for_each(|(v, g)| *v -= lr0 * g);
        w1.iter_mut().zip(&g1).for_each(|(v, g)| *v -= lr1 * g);
    }
    losses
}

#[test]
fn the_paper_readout_maps_exactly_onto_ours() {
    // The notebook's W1 and lr1 (readout / width) on our kernels as W1 / sqrt(width) and
    // lr1 / width: every loss the same as the notebook's network computes, to rounding.
    let data = NetData::from_seed(SMALL, 3).unwrap();
    let lin = |p: &str| axis(p, 0.1, 2.0, Scale::Lin);
    for act in Activation::ALL {
        for (x, y, params, drift) in [
            (lin("lr0"), lin("lr1"), [0.7, 3.0, 0.0], false),
            (lin("offset"), lin("lr"), [0.4, 0.4, 0.05], true),
        ] {
            let s = spec(
                &Source::Seed(SMALL, 3),
                act,
                &x,
                &y,
                (1, 1),
                1,
                [1.0, 1.0, 0.0],
                (0, 0),
                Precision::F64,
            )
            .unwrap()
            .in_convention(Convention::Paper);
            let want = notebook_losses(&data, act, params, 30, drift);
            for steps in [1usize, 2, 7, 30] {
                let s = TrainSpec { steps: steps as u32, ..s.clone() };
                let p = [params[0], params[1] * s.convention.lr1_scale(4), params[2]];
                let got = cpu::train_cell_tally::<f64>(&s, p);
                let (a, b) = (got.last_loss, want[steps - 1]);
                assert!((a / b - 1.0).abs() < 1e-12, "{act:?} drift {drift} step {steps}: {a} vs {b}");
            }
        }
    }
}

/// Every cell's bookkeeping from the scalar twin, with the parameters the kernels take.
fn scalar_map(s: &TrainSpec) -> Vec<CellStats> {
    let (xs, ys) = (s.x.centres_in(s.precision), s.y.centres_in(s.precision));
    let cols = s.x.cells as usize;
    (0..s.cells())
        .map(|i| match s.precision {
            Precision::F32 => cpu::train_cell(s, s.kernel_params::<f32>(xs[i % cols], ys[i / cols])),
            Precision::F64 => cpu::train_cell_f64(s, s.kernel_params::<f64>(xs[i % cols], ys[i / cols])),
        })
        .collect()
}

#[test]
fn under_the_paper_convention_the_lanes_equal_the_scalar_twin_bit_for_bit() {
    let bits = |s: &CellStats| bytemuck::cast::<CellStats, [u32; 8]>(*s);
    let log = |p: &str| axis(p, 0.01, 1000.0, Scale::Log);
    for (act, x, precision) in [
        (Activation::Tanh, log("lr0"), Precision::F32),
        (Activation::Relu, log("lr0"), Precision::F64),
        (Activation::Tanh, axis("offset", -1.0, 1.0, Scale::Lin), Precision::F32),
    ] {
        let y = if x.param == "offset" { log("lr") } else { log("lr1") };
        let s = paper_map(act, x, y, 6, 80, precision);
        let lanes = cpu::run(&s, &Progress::hidden()).stats;
        let scalar = scalar_map(&s);
        assert!(scalar.iter().any(|c| c.trains(80)) && scalar.iter().any(|c| !c.trains(80)), "{act:?}");
        for (i, (a, b)) in lanes.iter().zip(&scalar).enumerate() {
            assert_eq!(bits(a), bits(b), "{act:?} {precision:?} cell {i}: {a:?} vs {b:?}");
        }
    }
}

#[test]
fn under_the_paper_convention_the_gpu_agrees_with_the_twin() {
    let Some(mut gpu) = common::gpu() else { return };
    use downhill::nn::train::Layout;
    let log = |p: &str| axis(p, 0.01, 1000.0, Scale::Log);
    for layout in [Layout::Invocation, Layout::Workgroup, Layout::Unit] {
        let mut s = paper_map(Activation::Tanh, log("lr0"), log("lr1"), 16, 60, Precision::F32);
        s.layout = layout;
        let c = cpu::run(&s, &Progress::hidden());
        let g = gpu.train(&s, &Progress::hidden()).unwrap();
        let mut agree = 0;
        for (a, b) in c.stats.iter().zip(&g.stats) {
            assert!((a.loss0 / b.loss0 - 1.0).abs() < 1e-5, "{layout:?}: {} vs {}", a.loss0, b.loss0);
            assert_eq!(a.flags, b.flags, "{layout:?}: a non-finite loss on one side only");
            agree += (a.trains(60) == b.trains(60)) as usize;
        }
        // Rounding may move a cell on the boundary, nothing more.
        assert!(agree >= c.stats.len() - 8, "{layout:?}: {agree} of {} agree", c.stats.len());
        assert!(c.stats.iter().any(|s| s.trains(60)) && c.stats.iter().any(|s| !s.trains(60)));
    }
}

#[test]
fn a_cell_that_passes_the_cap_and_converges_trains_under_the_paper_convention_only() {
    // Loss ratio 1, then 2e6 (past the cap), then back down to 0.1 for the rest of 40 steps.
    let losses: Vec<f32> = (0..40)
        .map(|t| match t {
            0 => 1.0,
            1 => 2e6,
            _ => 0.1,
        })
        .collect();
    let run = |c: Convention| {
        let mut tally = Tally::<f32>::default();
        for (t, &l) in losses.iter().enumerate() {
            if !tally.record_in(c, t as u32, 40, l) {
                break;
            }
        }
        tally
    };
    let (ours, paper) = (run(Convention::Ours), run(Convention::Paper));
    assert!(!ours.trains(40) && ours.div_step == 1);
    assert!(paper.trains(40) && paper.div_step == -1);
    // The capped ratio counts 1e6: -(1 + 1e6 + 38 * 0.1).
    assert!((paper.value(40) / -(1.0 + 1e6 + 3.8) - 1.0).abs() < 1e-5, "{}", paper.value(40));
    // A non-finite loss stops the run with a NaN value, as the notebook's arithmetic gives.
    let mut nan = Tally::<f32>::default();
    assert!(nan.record_in(Convention::Paper, 0, 40, 1.0));
    assert!(!nan.record_in(Convention::Paper, 1, 40, f32::INFINITY));
    assert!(nan.value(40).is_nan() && !nan.trains(40) && nan.div_step == 1);
}

#[test]
fn the_cdf_colouring_is_monotone_within_each_class() {
    let mut rng = common::rng::Rng(5);
    let mut values: Vec<f64> = (0..500).map(|_| rng.below(2001) as f64 - 1000.0).collect();
    values.extend([values[3], values[4], f64::NAN]);
    let pos = map::cdf_positions(&values);
    assert!(pos.last().unwrap().is_nan());
    let mut cells: Vec<(f64, f64)> =
        values.iter().zip(&pos).filter(|(v, _)| !v.is_nan()).map(|(&v, &p)| (v, p)).collect();
    cells.sort_by(|a, b| a.0.total_cmp(&b.0));
    for w in cells.windows(2) {
        // A larger value (slower training, or slower divergence) never sits further from the
        // class's slow end: positions fall as values rise, within and across the classes.
        assert!(w[1].1 <= w[0].1, "{w:?}");
        if w[0].0 == w[1].0 {
            assert_eq!(w[0].1, w[1].1);
        }
    }
    for (v, p) in cells {
        let range = if v < 0.0 { 0.625..=1.0 } else { 0.0..=0.375 };
        assert!(range.contains(&p), "{v} at {p}");
    }
    assert_eq!(map::cdf_positions(&[-3.0, -1.0, 2.0, 5.0]), vec![1.0, 0.625, 0.375, 0.0]);
}

#[test]
fn the_paper_box_count_gives_known_dimensions() {
    assert_eq!(fractal::porespy_sizes(255, 255), vec![10, 14, 20, 29, 42, 60, 86, 124, 177, 254]);
    assert_eq!(fractal::porespy_sizes(511, 600), vec![10, 15, 23, 37, 57, 88, 137, 213, 330, 511]);
    // numpy.gradient(log N, log s) on an uneven grid.
    let (f, x) = ([100f64, 60.0, 30.0, 20.0, 9.0].map(f64::ln), [10f64, 14.0, 20.0, 29.0, 41.0].map(f64::ln));
    let want = [
        -1.5181806050199,
        -1.7245732207284235,
        -1.5260098747997288,
        -1.7200083456452218,
        -2.3059846779738518,
    ];
    for (g, w) in fractal::numpy_gradient(&f, &x).iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{g} vs {w}");
    }
    let n = 512u32;
    let line: Vec<bool> = (0..n * n).map(|i| i % n == i / n).collect();
    let d = fractal::porespy_boxcount(&line, n, n).unwrap();
    assert!((d.dimension - 1.0).abs() < 0.05 && d.method == fractal::BoxCount::Paper, "{d:?}");
    let sierpinski: Vec<bool> = (0..n * n).map(|i| (i % n) & !(i / n) == 0).collect();
    let d = fractal::porespy_boxcount(&sierpinski, n, n).unwrap();
    assert!((d.dimension - 3f64.ln() / 2f64.ln()).abs() < 0.1, "{d:?}");
    // porespy counts the boxes holding both marked and unmarked cells, on sizes that are not
    // powers of two: 1.65 at 512 cells, against log 3 / log 2 = 1.585.
    assert!((d.fit.unwrap() - 3f64.ln() / 2f64.ln()).abs() < 0.1, "{d:?}");
    // Sign changes over 2x2 blocks; a NaN in a block hides the edge, as in the notebook.
    let values = [-1.0, 2.0, 3.0, -1.0, 2.0, f64::NAN];
    assert_eq!(fractal::sign_edges(&values, 3, 2), vec![true, false]);
}

#[test]
fn the_command_records_the_convention_and_refuses_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let mut cmd = Command::cargo_bin("downhill").unwrap();
    cmd.env("NODEVICE_SELECT", "1")
        .args(["trainability", "--dim", "4", "--width", "4", "--res", "24", "--steps", "30"])
        .args(["--x", "lr0:0.1:1000:log", "--y", "lr1:0.1:1000:log", "--convention", "paper"])
        .args(["--backend", "cpu", "-o"])
        .arg(&out)
        .assert()
        .success();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.with_extension("json")).unwrap()).unwrap();
    assert_eq!(meta["convention"]["name"], "paper");
    assert_eq!(meta["image"]["cmap"], "spectral");
    assert_eq!(meta["boundary_dimension"]["method"], "paper", "{}", meta["boundary_dimension"]);
    let mut cmd = Command::cargo_bin("downhill").unwrap();
    cmd.env("NODEVICE_SELECT", "1")
        .args(["trainability", "--convention", "notebook", "--res", "8", "-o"])
        .arg(dir.path().join("bad"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--convention"));
    assert!(!dir.path().join("bad.png").exists());
}
