//! Trainability maps: the network's gradient against finite differences (f64), the f32 twin
//! against the f64 reference, the GPU against the twin, a small map with both classes, data
//! brought in from `.npz`, and the command line.

mod common;

use std::sync::Arc;

use assert_cmd::Command;
use downhill::nn::job::{Source, spec};
use downhill::nn::train::{CellStats, Precision, TrainOutcomes, TrainSpec};
use downhill::nn::{Activation, NetData, Shape, cpu, loss_grad};
use downhill::output::{Array, OutputSet};
use downhill::progress::Progress;
use downhill::spec::AxisText;
use npyz::WriterBuilder;
use predicates::prelude::*;
use predicates::str::contains;

const SMALL: Shape = Shape { d: 4, width: 4, n: 20 };

fn axis(param: &str, lo: f64, hi: f64) -> AxisText {
    AxisText { param: param.into(), lo, hi, scale: downhill::spec::Scale::Log }
}

fn small_map(act: Activation, res: u32, steps: u32, batch: (u32, u32)) -> TrainSpec {
    let source = Source::Seed(SMALL, 3);
    spec(
        &source,
        act,
        &axis("lr0", 0.01, 100.0),
        &axis("lr1", 0.01, 100.0),
        (res, res),
        steps,
        [1.0, 1.0, 0.0],
        batch,
        Default::default(),
    )
    .unwrap()
}

#[test]
fn gradients_match_finite_differences_for_every_activation() {
    let data = NetData::from_seed(Shape { d: 3, width: 4, n: 5 }, 7).unwrap();
    for act in Activation::ALL {
        // ReLU's kink: move the weights off any exactly-zero pre-activation by using them as drawn.
        let w0: Vec<f64> = data.w0.iter().map(|&v| v as f64).collect();
        let w1: Vec<f64> = data.w1.iter().map(|&v| v as f64).collect();
        let (mut g0, mut g1) = (vec![0.0; w0.len()], vec![0.0; w1.len()]);
        loss_grad(&data, act, &w0, &w1, &mut g0, &mut g1);
        let loss = |w0: &[f64], w1: &[f64]| {
            let (mut a, mut b) = (vec![0.0; w0.len()], vec![0.0; w1.len()]);
            loss_grad(&data, act, w0, w1, &mut a, &mut b)
        };
        let h = 1e-6;
        for k in 0..w0.len() {
            let (mut up, mut down) = (w0.clone(), w0.clone());
            up[k] += h;
            down[k] -= h;
            let fd = (loss(&up, &w1) - loss(&down, &w1)) / (2.0 * h);
            assert!((fd - g0[k]).abs() <= 1e-6 * (1.0 + fd.abs()), "{act:?} W0[{k}]: {fd} vs {}", g0[k]);
        }
        for j in 0..w1.len() {
            let (mut up, mut down) = (w1.clone(), w1.clone());
            up[j] += h;
            down[j] -= h;
            let fd = (loss(&w0, &up) - loss(&w0, &down)) / (2.0 * h);
            assert!((fd - g1[j]).abs() <= 1e-6 * (1.0 + fd.abs()), "{act:?} W1[{j}]: {fd} vs {}", g1[j]);
        }
    }
}

#[test]
fn the_f32_twin_takes_the_reference_gradient_step() {
    // Loss before and after one step of the twin against the f64 reference with its gradient.
    let data = Arc::new(NetData::from_seed(Shape { d: 5, width: 6, n: 9 }, 1).unwrap());
    for act in Activation::ALL {
        let s = TrainSpec {
            data: data.clone(),
            activation: act,
            x: small_map(act, 2, 2, (0, 0)).x,
            y: small_map(act, 2, 2, (0, 0)).y,
            steps: 2,
            base: [0.3, 0.2, 0.0],
            batch: 0,
            batch_seed: 0,
            layout: Default::default(),
            precision: Default::default(),
            convention: Default::default(),
        };
        let stats = cpu::train_cell(&s, [0.3, 0.2, 0.0]);
        let w0: Vec<f64> = data.w0.iter().map(|&v| v as f64).collect();
        let w1: Vec<f64> = data.w1.iter().map(|&v| v as f64).collect();
        let (mut g0, mut g1) = (vec![0.0; w0.len()], vec![0.0; w1.len()]);
        let l0 = loss_grad(&data, act, &w0, &w1, &mut g0, &mut g1);
        let s0: Vec<f64> = w0.iter().zip(&g0).map(|(w, g)| w - 0.3 * g).collect();
        let s1: Vec<f64> = w1.iter().zip(&g1).map(|(w, g)| w - 0.2 * g).collect();
        let l1 = loss_grad(&data, act, &s0, &s1, &mut g0, &mut g1);
        assert!((stats.loss0 as f64 / l0 - 1.0).abs() < 1e-5, "{act:?}: {} vs {l0}", stats.loss0);
        assert!((stats.last_loss as f64 / l1 - 1.0).abs() < 1e-4, "{act:?}: {} vs {l1}", stats.last_loss);
    }
}

/// Every cell's bookkeeping from the scalar twin (`train_cell`, or `train_cell_f64` for f64
/// maps), cell by cell.
fn scalar_map(s: &TrainSpec) -> Vec<CellStats> {
    let (xs, ys) = (s.x.centres_in(s.precision), s.y.centres_in(s.precision));
    let cols = s.x.cells as usize;
    (0..s.cells())
        .map(|i| {
            let p = s.cell_params64(xs[i % cols], ys[i / cols]);
            match s.precision {
                Precision::F32 => cpu::train_cell(s, p.map(|v| v as f32)),
                Precision::F64 => cpu::train_cell_f64(s, p),
            }
        })
        .collect()
}

#[test]
fn the_lanes_equal_the_scalar_twin_bit_for_bit() {
    // 7x5 cells: two full blocks of lanes and a partial one; both classes in every case.
    let bits = |s: &CellStats| bytemuck::cast::<CellStats, [u32; 8]>(*s);
    let cases = Activation::ALL
        .into_iter()
        .flat_map(|act| [((0, 0), Precision::F32), ((6, 9), Precision::F32)].map(|b| (act, b)))
        .chain([(Activation::Tanh, ((0, 0), Precision::F64)), (Activation::Relu, ((6, 9), Precision::F64))]);
    for (act, (batch, precision)) in cases {
        let s = spec(
            &Source::Seed(SMALL, 3),
            act,
            &axis("lr0", 0.01, 100.0),
            &axis("lr1", 0.01, 100.0),
            (7, 5),
            60,
            [1.0, 1.0, 0.0],
            batch,
            precision,
        )
        .unwrap();
        let lanes = cpu::run(&s, &Progress::hidden()).stats;
        let scalar = scalar_map(&s);
        let diverged = scalar.iter().filter(|c| c.div_step >= 0).count();
        assert!(diverged > 0 && diverged < s.cells(), "{act:?} {batch:?}: {diverged} of 35 diverge");
        for (i, (a, b)) in lanes.iter().zip(&scalar).enumerate() {
            assert_eq!(bits(a), bits(b), "{act:?} batch {batch:?} {precision:?} cell {i}: {a:?} vs {b:?}");
        }
    }
}

#[test]
fn the_rates_count_the_steps_run_up_to_divergence() {
    // A network that diverges at step 3 of 10 ran 4 loss evaluations and 3 updates; one that
    // never diverges ran all 10 and 9 updates.
    let mut stopped = CellStats { div_step: -1, ..Default::default() };
    for (t, loss) in [1.0, 0.5, 0.7, f32::INFINITY].into_iter().enumerate() {
        stopped.record(t as u32, 10, loss);
    }
    assert_eq!((stopped.div_step, stopped.steps_run(10)), (3, 4));
    let trained = CellStats { div_step: -1, ..Default::default() };
    let out = TrainOutcomes { cols: 2, rows: 1, stats: vec![stopped, trained] };
    assert_eq!((out.steps_run(10), out.updates_run(10)), (14, 12));
}

/// Cells whose 3x3 neighbourhood all share their class.
fn interior(out: &TrainOutcomes, trains: &[bool]) -> Vec<usize> {
    let (c, r) = (out.cols as i64, out.rows as i64);
    (0..trains.len())
        .filter(|&i| {
            let (x, y) = (i as i64 % c, i as i64 / c);
            (-1..=1).all(|dy| {
                (-1..=1).all(|dx| {
                    let (nx, ny) = (x + dx, y + dy);
                    !(0..c).contains(&nx)
                        || !(0..r).contains(&ny)
                        || trains[(ny * c + nx) as usize] == trains[i]
                })
            })
        })
        .collect()
}

#[test]
fn the_gpu_agrees_with_the_twin() {
    let Some(mut gpu) = common::gpu() else { return };
    use downhill::nn::train::Layout;
    let cases = [
        (Activation::Tanh, (0, 0), Layout::Invocation),
        (Activation::Relu, (0, 0), Layout::Invocation),
        (Activation::Tanh, (6, 9), Layout::Invocation),
        (Activation::Tanh, (0, 0), Layout::Workgroup),
        (Activation::Relu, (6, 9), Layout::Workgroup),
        (Activation::Tanh, (0, 0), Layout::Unit),
        (Activation::Relu, (0, 0), Layout::Unit),
        (Activation::Tanh, (6, 9), Layout::Unit),
    ];
    for (act, batch, layout) in cases {
        let mut s = small_map(act, 16, 60, batch);
        s.layout = layout;
        let c = cpu::run(&s, &Progress::hidden());
        let g = gpu.train(&s, &Progress::hidden()).unwrap();
        let (tc, tg): (Vec<bool>, Vec<bool>) =
            (c.stats.iter().map(|x| x.trains(60)).collect(), g.stats.iter().map(|x| x.trains(60)).collect());
        for (a, b) in c.stats.iter().zip(&g.stats) {
            assert!(
                (a.loss0 / b.loss0 - 1.0).abs() < 1e-5,
                "{act:?} {layout:?}: loss0 {} vs {}",
                a.loss0,
                b.loss0
            );
        }
        let inside = interior(&c, &tc);
        assert!(inside.len() > 100);
        let disagree = inside.iter().filter(|&&i| tc[i] != tg[i]).count();
        assert_eq!(disagree, 0, "{act:?} batch {batch:?} {layout:?}: {disagree} interior cells change class");
    }
}

/// The GPU's refusal of a 2x2 map of a network of `shape` in `layout`, or `None` without a GPU.
fn refusal(shape: Shape, layout: downhill::nn::train::Layout) -> Option<String> {
    let mut gpu = common::gpu()?;
    let mut s = spec(
        &Source::Seed(shape, 0),
        Activation::Tanh,
        &axis("lr0", 0.01, 1.0),
        &axis("lr1", 0.01, 1.0),
        (2, 2),
        5,
        [1.0, 1.0, 0.0],
        (0, 0),
        Default::default(),
    )
    .unwrap();
    s.layout = layout;
    Some(gpu.train(&s, &Progress::hidden()).unwrap_err().to_string())
}

#[test]
fn the_workgroup_layout_refuses_networks_too_big_for_workgroup_memory() {
    let shape = Shape { d: 32, width: 32, n: 40 };
    let Some(err) = refusal(shape, downhill::nn::train::Layout::Workgroup) else { return };
    assert!(err.contains("--layout") && err.contains("544 parameters"), "{err}");
}

#[test]
fn the_unit_layout_agrees_with_the_twin_on_a_ragged_shape_and_tile() {
    // d = 3 pads the last vec4 of each W0 column, width 24 puts 3 networks in a workgroup of 72,
    // 21 points make a ragged last chunk, and 7 x 5 cells leave the last workgroup part-empty;
    // under both conventions (the paper's adds the offset again at every step).
    use downhill::nn::train::{Convention, Layout};
    let Some(mut gpu) = common::gpu() else { return };
    let base = spec(
        &Source::Seed(Shape { d: 3, width: 24, n: 21 }, 5),
        Activation::Tanh,
        &axis("lr0", 0.01, 100.0),
        &AxisText { param: "offset".into(), lo: -1.0, hi: 1.0, scale: downhill::spec::Scale::Lin },
        (7, 5),
        30,
        [1.0, 1.0, 0.0],
        (0, 0),
        Default::default(),
    )
    .unwrap();
    for convention in [Convention::Ours, Convention::Paper] {
        let mut s = base.clone().in_convention(convention);
        s.layout = Layout::Unit;
        let c = cpu::run(&s, &Progress::hidden());
        let g = gpu.train(&s, &Progress::hidden()).unwrap();
        // Sums in another order: rounding, which the largest learning rates amplify over 30
        // steps (the workgroup layout's last losses differ as much, up to 2e-2, on the same cells).
        let mut close = 0;
        for (i, (a, b)) in c.stats.iter().zip(&g.stats).enumerate() {
            let what = format!("{convention:?} cell {i}: {a:?} vs {b:?}");
            assert!((a.loss0 / b.loss0 - 1.0).abs() < 1e-5, "{what}");
            assert_eq!(a.div_step, b.div_step, "{what}");
            if a.div_step < 0 {
                let err = (a.last_loss / b.last_loss - 1.0).abs();
                assert!(err < 5e-2, "{what}");
                close += (err < 1e-5) as usize;
            }
        }
        let trained = c.stats.iter().filter(|s| s.div_step < 0).count();
        assert!(close * 10 >= trained * 8, "{convention:?}: {close} of {trained} within 1e-5");
    }
}

#[test]
fn the_unit_layout_refuses_data_beyond_its_uniform_buffer() {
    let shape = Shape { d: 64, width: 4, n: 300 };
    let Some(err) = refusal(shape, downhill::nn::train::Layout::Unit) else { return };
    assert!(err.contains("--layout") && err.contains("uniform buffer"), "{err}");
}

#[test]
fn a_small_map_trains_at_small_learning_rates_and_diverges_at_large_ones() {
    let s = small_map(Activation::Tanh, 24, 100, (0, 0));
    let out = cpu::run(&s, &Progress::hidden());
    let trains: Vec<bool> = out.stats.iter().map(|x| x.trains(100)).collect();
    let share = trains.iter().filter(|&&t| t).count() as f64 / trains.len() as f64;
    assert!((0.2..0.9).contains(&share), "trained share {share}");
    let at = |fx: f64, fy: f64| ((fy * 24.0) as usize) * 24 + (fx * 24.0) as usize;
    // lr0 = lr1 = 0.3 (two fifths up each log axis) trains; lr1 = 100 (the top row) diverges.
    assert!(trains[at(0.37, 0.37)]);
    assert!((0..24).all(|c| !trains[23 * 24 + c]), "the top row diverges");
}

#[test]
fn cell_values_are_the_sums_of_loss_ratios_computed_by_hand() {
    // Loss sequences of 4 steps (all in the tail), with their ratios to the first loss.
    let value = |losses: &[f32]| {
        let mut c = CellStats { div_step: -1, ..Default::default() };
        for (t, &loss) in losses.iter().enumerate() {
            if !c.record(t as u32, 4, loss) {
                break;
            }
        }
        (c.trains(4), c.value(4))
    };
    // Halving: ratios 1, 1/2, 1/4, 1/8 (tail mean 0.47) train; minus their sum.
    let (trains, v) = value(&[2.0, 1.0, 0.5, 0.25]);
    assert!(trains && (v + 1.875).abs() < 1e-6, "{trains} {v}");
    // Doubling: ratios 1, 2, 4, 8 do not train; plus the sum of 1, 1/2, 1/4, 1/8.
    let (trains, v) = value(&[1.0, 2.0, 4.0, 8.0]);
    assert!(!trains && (v - 1.875).abs() < 1e-6, "{trains} {v}");
    // Flat within the tail but above 1 on average: 1, 1.2, 0.9, 1.1 (mean 1.05) does not train.
    let (trains, v) = value(&[10.0, 12.0, 9.0, 11.0]);
    let inv = 1.0 + 1.0 / 1.2 + 1.0 / 0.9 + 1.0 / 1.1;
    assert!(!trains && (v - inv).abs() < 1e-5, "{trains} {v} vs {inv}");
    // A loss that overflows at step 2 counts the cap (1e6) for steps 2 and 3.
    let (trains, v) = value(&[1.0, 2.0, f32::INFINITY]);
    assert!(!trains && (v - (1.5 + 2e-6)).abs() < 1e-6, "{trains} {v}");
}

#[test]
fn data_from_npz_reproduces_the_seeded_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = NetData::from_seed(SMALL, 3).unwrap();
    let path = dir.path().join("net.npz");
    let (n, d, w) = (SMALL.n as u64, SMALL.d as u64, SMALL.width as u64);
    let mut set = OutputSet::new();
    set.npz(
        &path,
        &[
            Array::F32("X", vec![n, d], &data.x),
            Array::F32("Y", vec![n, 1], &data.y),
            Array::F32("W0", vec![d, w], &data.w0),
            Array::F32("W1", vec![w, 1], &data.w1),
        ],
    )
    .unwrap();
    set.commit().unwrap();
    assert_eq!(NetData::from_npz(&path).unwrap(), data);

    // numpy.savez_compressed writes deflated float64 entries: read those too.
    let packed = dir.path().join("packed.npz");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&packed).unwrap());
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let arrays: [(&str, Vec<u64>, &[f32]); 4] = [
            ("X", vec![n, d], &data.x),
            ("Y", vec![n], &data.y),
            ("W0", vec![d, w], &data.w0),
            ("W1", vec![w], &data.w1),
        ];
        for (name, shape, values) in arrays {
            zip.start_file(format!("{name}.npy"), opts).unwrap();
            let mut npy =
                npyz::WriteOptions::new().default_dtype().shape(&shape).writer(&mut zip).begin_nd().unwrap();
            npy.extend(values.iter().map(|&v| v as f64)).unwrap();
            npy.finish().unwrap();
        }
        zip.finish().unwrap();
    }
    assert_eq!(NetData::from_npz(&packed).unwrap(), data);
    let seeded = small_map(Activation::Tanh, 6, 30, (0, 0));
    let loaded = spec(
        &Source::Npz(path.clone()),
        Activation::Tanh,
        &axis("lr0", 0.01, 100.0),
        &axis("lr1", 0.01, 100.0),
        (6, 6),
        30,
        [1.0, 1.0, 0.0],
        (0, 0),
        Default::default(),
    )
    .unwrap();
    assert_eq!(cpu::run(&seeded, &Progress::hidden()), cpu::run(&loaded, &Progress::hidden()));

    // A file whose shapes do not fit is refused with the shapes named.
    let bad = dir.path().join("bad.npz");
    let mut set = OutputSet::new();
    set.npz(
        &bad,
        &[
            Array::F32("X", vec![n, d], &data.x),
            Array::F32("Y", vec![n], &data.y),
            Array::F32("W0", vec![w, d + 1], &vec![0.0; (w * (d + 1)) as usize]),
            Array::F32("W1", vec![w], &data.w1),
        ],
    )
    .unwrap();
    set.commit().unwrap();
    let err = NetData::from_npz(&bad).unwrap_err().to_string();
    assert!(err.contains("shapes do not fit"), "{err}");
}

/// `downhill trainability` on a 4x4 network with `args`, writing `out`.
fn trainability_cmd(args: &[&str], out: &std::path::Path) -> assert_cmd::assert::Assert {
    let mut cmd = Command::cargo_bin("downhill").unwrap();
    cmd.env("NODEVICE_SELECT", "1")
        .args(["trainability", "--dim", "4", "--width", "4"])
        .args(args)
        .arg("-o")
        .arg(out)
        .assert()
}

#[test]
fn the_command_writes_the_map_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    trainability_cmd(&["--res", "8", "--steps", "20", "--backend", "cpu"], &dir.path().join("t"))
        .success()
        .stderr(contains("8x8 networks x 20 steps").and(contains("FLOP/s")));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("t.json")).unwrap()).unwrap();
    assert_eq!(meta["network"]["parameters"], 20);
    let run = meta["steps_run"].as_u64().unwrap();
    assert!(run > 64 && run <= 64 * 20 && meta["updates_run"].as_u64() == Some(run - 64), "{run}");
    assert!(dir.path().join("t.npz").is_file() && dir.path().join("t.png").is_file());
    for (args, culprit, says) in [
        (vec!["--activation", "tanhh"], "--activation", "did you mean `tanh`"),
        (vec!["--x", "lr2:0.1:1:log"], "--x", "not a trainability axis"),
        (vec!["--data", "70000"], "--data", "1 to 65536"),
        (vec!["--y", "lr0:0.1:1:log"], "--y", "already the x axis"),
        (vec!["--color", "loss"], "--color", "unexpected argument"),
        (vec!["--layout", "warp"], "--layout", "possible values: invocation, workgroup, unit"),
    ] {
        let mut all = args.clone();
        all.extend(["--res", "4", "--steps", "5", "--backend", "cpu"]);
        trainability_cmd(&all, &dir.path().join("bad")).code(2).stderr(contains(culprit).and(contains(says)));
        assert!(!dir.path().join("bad.png").exists());
    }
}

#[test]
fn a_zoom_animation_narrows_the_window_by_a_fixed_factor_per_frame() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("z.toml");
    std::fs::write(
        &file,
        "[[figure]]\nname = \"zoom\"\nkind = \"trainability\"\ndim = 4\nwidth = 4\nres = 8\nsteps = 20\n\
         zoom = [0.3, 3.0, 2.0]\nanimate = { param = \"zoom\", from = 1, to = 16, frames = 3, log = true }\n",
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("downhill").unwrap();
    cmd.env("NODEVICE_SELECT", "1").arg("render").arg(&file).args(["--backend", "cpu"]).assert().success();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("zoom.json")).unwrap()).unwrap();
    let frames = meta["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 3);
    let decades = |f: &serde_json::Value| {
        let x = &f["axes"]["x"];
        (x["hi"].as_f64().unwrap() / x["lo"].as_f64().unwrap()).log10()
    };
    for (k, f) in frames.iter().enumerate() {
        let want = 2.0 / 4f64.powi(k as i32);
        assert!((decades(f) - want).abs() < 1e-9, "frame {k}: {} decades, want {want}", decades(f));
        let x = &f["axes"]["x"];
        let centre = (x["hi"].as_f64().unwrap() * x["lo"].as_f64().unwrap()).sqrt();
        assert!((centre - 0.3).abs() < 1e-9, "frame {k} centred at {centre}");
    }
    let decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(dir.path().join("zoom.png")).unwrap()));
    assert_eq!(decoder.read_info().unwrap().info().animation_control.map(|a| a.num_frames), Some(3));
}

#[test]
fn f64_maps_zoom_deeper_than_f32_resolves_on_the_cpu() {
    // At ordinary zoom the f64 path classifies like the f32 twin.
    let mut s64 = small_map(Activation::Tanh, 16, 60, (0, 0));
    s64.precision = Precision::F64;
    let (a, b) = (
        cpu::run(&small_map(Activation::Tanh, 16, 60, (0, 0)), &Progress::hidden()),
        cpu::run(&s64, &Progress::hidden()),
    );
    let ta: Vec<bool> = a.stats.iter().map(|x| x.trains(60)).collect();
    let tb: Vec<bool> = b.stats.iter().map(|x| x.trains(60)).collect();
    assert!(interior(&a, &ta).iter().all(|&i| ta[i] == tb[i]));

    // A window a billionth of a decade wide: f32 refuses it and points at f64; f64 runs it
    // with distinct learning rates in every column.
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &str| {
        let mut all = vec!["--res", "8", "--steps", "10", "--zoom", "0.3,3,1e-9"];
        all.extend(extra);
        trainability_cmd(&all, &dir.path().join(out))
    };
    run(&["--backend", "cpu"], "f32").code(2).stderr(contains("--x").and(contains("--precision f64")));
    run(&["--backend", "cpu", "--precision", "f64"], "f64").success();
    let npz = dir.path().join("f64.npz");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&npz).unwrap()).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name("axis_x.npy").unwrap(), &mut bytes).unwrap();
    let xs: Vec<f64> = npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap();
    assert!(xs.windows(2).all(|w| w[1] > w[0]), "{xs:?}");
    assert!((xs[0] / 0.3 - 1.0).abs() < 1e-8);
    // An explicit GPU backend refuses f64 maps by name.
    if common::gpu().is_some() {
        run(&["--backend", "gpu", "--precision", "f64"], "gpu").code(2).stderr(contains("--precision"));
    }
}
