//! The f64 path of trainability maps is f64 end to end: data read from `.npz` as float64 stay
//! float64, the training matches an independent f64 computation, the bookkeeping is f64 and the
//! `.npz` statistics come out as float64; the f32 path is unchanged.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use downhill::nn::job::{Source, spec};
use downhill::nn::train::{CellStats, Precision, TrainSpec};
use downhill::nn::{Activation, NetData, Shape, cpu};
use downhill::output::{Array, OutputSet};
use downhill::progress::Progress;
use downhill::spec::{AxisText, Scale};

const SHAPE: Shape = Shape { d: 4, width: 4, n: 20 };

/// Writes `X`, `Y`, `W0`, `W1` (in that order in `arrays`) as float64 to `path`.
fn write_npz(path: &Path, arrays: [&[f64]; 4]) {
    let (n, d, w) = (SHAPE.n as u64, SHAPE.d as u64, SHAPE.width as u64);
    let mut set = OutputSet::new();
    set.npz(
        path,
        &[
            Array::F64("X", vec![n, d], arrays[0]),
            Array::F64("Y", vec![n, 1], arrays[1]),
            Array::F64("W0", vec![d, w], arrays[2]),
            Array::F64("W1", vec![w, 1], arrays[3]),
        ],
    )
    .unwrap();
    set.commit().unwrap();
}

/// Two `.npz` files in `dir`: `exact.npz`, the seeded network nudged by relative amounts of
/// 1e-12 to 7e-9 (no value representable in f32), and `rounded.npz`, its f32 rounding.
fn networks(dir: &Path) -> (PathBuf, PathBuf) {
    let seeded = NetData::from_seed(SHAPE, 3).unwrap();
    let nudge = |v: &[f32], k: f64| -> Vec<f64> {
        v.iter().enumerate().map(|(i, &x)| x as f64 * (1.0 + k * (1.0 + (i % 7) as f64) * 1e-12)).collect()
    };
    let exact =
        [nudge(&seeded.x, 1000.0), nudge(&seeded.y, 1.0), nudge(&seeded.w0, 1000.0), nudge(&seeded.w1, 3.0)];
    let rounded = exact.clone().map(|a| a.iter().map(|&v| v as f32 as f64).collect::<Vec<f64>>());
    assert!(exact.iter().flatten().all(|&v| v as f32 as f64 != v), "every value lies off the f32 grid");
    let (e, r) = (dir.join("exact.npz"), dir.join("rounded.npz"));
    write_npz(&e, [&exact[0], &exact[1], &exact[2], &exact[3]]);
    write_npz(&r, [&rounded[0], &rounded[1], &rounded[2], &rounded[3]]);
    (e, r)
}

fn map(path: &Path, precision: Precision) -> TrainSpec {
    let axis = |p: &str| AxisText { param: p.into(), lo: 0.01, hi: 100.0, scale: Scale::Log };
    spec(
        &Source::Npz(path.to_path_buf()),
        Activation::Tanh,
        &axis("lr0"),
        &axis("lr1"),
        (6, 6),
        30,
        [1.0, 1.0, 0.0],
        (0, 0),
        precision,
    )
    .unwrap()
}

/// The full-batch loss before each of `steps` gradient-descent steps of the mean-field
/// network `tanh(sqrt(2) X W0 / sqrt(d)) W1 / sqrt(width)` with per-layer rates `lr0`, `lr1`,
/// computed directly in f64 from the data as read: the forward pass, the chain rule by hand,
/// and the update, one point and one weight at a time.
fn reference_losses(data: &NetData, lr0: f64, lr1: f64, steps: usize) -> Vec<f64> {
    let Shape { d, width, n } = data.shape;
    let e = &data.exact;
    let (x, y) = (&e.x, &e.y);
    let (mut w0, mut w1) = (e.w0.clone(), e.w1.clone());
    let (sd, sw, r2) = ((d as f64).sqrt(), (width as f64).sqrt(), 2f64.sqrt());
    let mut losses = Vec::new();
    for _ in 0..steps {
        let mut loss = 0.0;
        let (mut g0, mut g1) = (vec![0.0; d * width], vec![0.0; width]);
        for i in 0..n {
            let xi = &x[i * d..(i + 1) * d];
            let z: Vec<f64> =
                (0..width).map(|j| (0..d).map(|k| xi[k] * w0[k * width + j]).sum::<f64>() / sd).collect();
            let h: Vec<f64> = z.iter().map(|&z| (r2 * z).tanh()).collect();
            let out = (0..width).map(|j| h[j] * w1[j]).sum::<f64>() / sw;
            let r = out - y[i];
            loss += r * r / n as f64;
            let dout = 2.0 * r / n as f64;
            for j in 0..width {
                g1[j] += dout * h[j] / sw;
                let dz = dout * w1[j] / sw * r2 * (1.0 - h[j] * h[j]) / sd;
                for k in 0..d {
                    g0[k * width + j] += xi[k] * dz;
                }
            }
        }
        losses.push(loss);
        w0.iter_mut().zip(&g0).for_each(|(w, g)| *w -= lr0 * g);
        w1.iter_mut().zip(&g1).for_each(|(w, g)| *w -= lr1 * g);
    }
    losses
}

#[test]
fn npz_data_off_the_f32_grid_are_trained_in_f64() {
    let dir = tempfile::tempdir().unwrap();
    let (exact, rounded) = networks(dir.path());
    let (s, r) = (map(&exact, Precision::F64), map(&rounded, Precision::F64));
    assert_ne!(s.data.exact, r.data.exact, "the data are kept as read");
    assert_eq!((&s.data.x, &s.data.w0), (&r.data.x, &r.data.w0), "their f32 roundings agree");
    let (a, b) = (cpu::run_f64(&s, &Progress::hidden()), cpu::run_f64(&r, &Progress::hidden()));
    let differ =
        a.stats.iter().zip(&b.stats).filter(|(a, b)| a.loss0 != b.loss0 && a.sum_v != b.sum_v).count();
    assert_eq!(differ, s.cells(), "every cell of the f64 map sees the difference");
    for (a, b) in a.stats.iter().zip(&b.stats) {
        assert!((a.loss0 / b.loss0 - 1.0).abs() < 1e-6, "a small difference: {} vs {}", a.loss0, b.loss0);
    }
}

#[test]
fn the_f64_path_follows_an_independent_f64_computation_to_1e_12() {
    let dir = tempfile::tempdir().unwrap();
    let (exact, rounded) = networks(dir.path());
    let s = map(&exact, Precision::F64);
    let rounded_data = map(&rounded, Precision::F64).data;
    const STEPS: usize = 8;
    for (lr0, lr1) in [(0.5, 0.3), (2.0, 1.0)] {
        let want = reference_losses(&s.data, lr0, lr1, STEPS);
        let off_grid = reference_losses(&rounded_data, lr0, lr1, STEPS);
        for t in 1..=STEPS {
            // A map of `t` steps ends with the loss before step `t - 1`.
            let short = TrainSpec { steps: t as u32, ..s.clone() };
            let got = cpu::train_cell_tally::<f64>(&short, [lr0, lr1, 0.0]);
            assert_eq!(got.div_step, -1, "lr {lr0}, {lr1}: no divergence in {t} steps");
            let rel = |a: f64, b: f64| (a / b - 1.0).abs();
            let loss = got.last_loss;
            assert!(
                rel(loss, want[t - 1]) < 1e-12,
                "lr {lr0}, {lr1} step {}: {loss:e} vs {:e}",
                t - 1,
                want[t - 1]
            );
            let off = rel(loss, off_grid[t - 1]);
            assert!(off > 1e-11, "step {}: the rounded data's loss differs only by {off:e}", t - 1);
            let sum = ratio_sum(&want[..t]);
            assert!(rel(got.sum_v, sum) < 1e-12, "lr {lr0}, {lr1}: sum of ratios {} vs {sum}", got.sum_v);
        }
    }
}

/// The sum of the loss ratios `loss_t / loss_0`, as the bookkeeping adds them.
fn ratio_sum(losses: &[f64]) -> f64 {
    losses.iter().fold(0.0, |s, l| s + l / losses[0])
}

/// `downhill trainability` on `npz`, writing `out`.
fn command(npz: &Path, precision: &str, out: &Path) {
    Command::cargo_bin("downhill")
        .unwrap()
        .env("NODEVICE_SELECT", "1")
        .args(["trainability", "--res", "6", "--steps", "30", "--backend", "cpu", "--precision", precision])
        .arg("--npz")
        .arg(npz)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
}

/// The `.npz` entry `name` of `path`: its dtype descriptor and raw bytes of data.
fn entry(path: &Path, name: &str) -> (String, Vec<u8>) {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut bytes = Vec::new();
    zip.by_name(&format!("{name}.npy")).unwrap().read_to_end(&mut bytes).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let descr = npy.dtype().descr().trim_matches('\'').to_string();
    let len = npy.shape().iter().product::<u64>() as usize;
    let data = bytes[bytes.len() - len * npy.dtype().num_bytes().unwrap()..].to_vec();
    (descr, data)
}

const STATISTICS: [&str; 6] =
    ["value", "loss0", "sum_ratio", "sum_inverse_ratio", "tail_ratio_sum", "last_loss"];

#[test]
fn f64_maps_write_float64_statistics_and_f32_maps_float32() {
    let dir = tempfile::tempdir().unwrap();
    let (exact, _) = networks(dir.path());
    let (wide, narrow) = (dir.path().join("wide"), dir.path().join("narrow"));
    command(&exact, "f64", &wide);
    command(&exact, "f32", &narrow);
    let s = map(&exact, Precision::F64);
    let stats = cpu::run_f64(&s, &Progress::hidden()).stats;
    for name in STATISTICS {
        let (descr, data) = entry(&wide.with_extension("npz"), name);
        assert_eq!(descr, "<f8", "{name} of an f64 map");
        let values: Vec<f64> = data.chunks(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect();
        let want: Vec<f64> = stats
            .iter()
            .map(|c| match name {
                "value" => c.value(30),
                "loss0" => c.loss0,
                "sum_ratio" => c.sum_v,
                "sum_inverse_ratio" => c.sum_inv,
                "tail_ratio_sum" => c.tail,
                _ => c.last_loss,
            })
            .collect();
        assert_eq!(values.len(), want.len());
        for (i, (a, b)) in values.iter().zip(&want).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{name} cell {i}: {a} vs {b}");
        }
        assert_eq!(entry(&narrow.with_extension("npz"), name).0, "<f4", "{name} of an f32 map");
    }
}

/// FNV-1a over 32-bit words.
fn fnv(words: impl IntoIterator<Item = u32>) -> u64 {
    words.into_iter().fold(0xcbf29ce484222325, |h, w| (h ^ w as u64).wrapping_mul(0x100000001b3))
}

#[test]
fn the_f32_path_is_unchanged_by_f64_data_and_by_the_f64_bookkeeping() {
    let dir = tempfile::tempdir().unwrap();
    let (exact, rounded) = networks(dir.path());
    // The f32 path trains the f32 rounding: the same bits from either file, cell by cell the
    // scalar twin's.
    let (s, r) = (map(&exact, Precision::F32), map(&rounded, Precision::F32));
    let bits = |c: &CellStats| bytemuck::cast::<CellStats, [u32; 8]>(*c);
    let (a, b) = (cpu::run(&s, &Progress::hidden()).stats, cpu::run(&r, &Progress::hidden()).stats);
    let (xs, ys) = (s.x.centres_in(s.precision), s.y.centres_in(s.precision));
    for (i, (a, b)) in a.iter().zip(&b).enumerate() {
        assert_eq!(bits(a), bits(b), "cell {i}");
        let p = s.cell_params64(xs[i % 6], ys[i / 6]).map(|v| v as f32);
        assert_eq!(bits(a), bits(&cpu::train_cell(&s, p)), "cell {i}");
    }
    // The command's f32 statistics, recorded before the f64 path kept its own: FNV-1a of the
    // bits of value, loss0, sum_ratio, sum_inverse_ratio, tail_ratio_sum, last_loss and
    // div_step, in that order, of the seeded 4x4 network (seed 3, 20 points), 6x6 cells,
    // 30 steps.
    let out = dir.path().join("seeded");
    Command::cargo_bin("downhill")
        .unwrap()
        .env("NODEVICE_SELECT", "1")
        .args(["trainability", "--dim", "4", "--width", "4", "--data", "20", "--net-seed", "3"])
        .args(["--res", "6", "--steps", "30", "--backend", "cpu"])
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let npz = out.with_extension("npz");
    let words = STATISTICS.iter().chain(&["div_step"]).flat_map(|name| {
        let (_, data) = entry(&npz, name);
        data.chunks(4).map(|b| u32::from_le_bytes(b.try_into().unwrap())).collect::<Vec<u32>>()
    });
    assert_eq!(fnv(words), RECORDED_F32);
}

/// See `the_f32_path_is_unchanged_by_f64_data_and_by_the_f64_bookkeeping`.
const RECORDED_F32: u64 = 0x67fd_91df_d32c_03e0;

#[test]
fn the_f64_lanes_equal_the_f64_scalar_twin_bit_for_bit_bookkeeping_and_all() {
    // 7x5 cells: two full blocks of lanes and a partial one; a full batch and a minibatch.
    let dir = tempfile::tempdir().unwrap();
    let (exact, _) = networks(dir.path());
    for (act, batch) in [(Activation::Tanh, (0, 0)), (Activation::Relu, (6, 9))] {
        let axis = |p: &str| AxisText { param: p.into(), lo: 0.01, hi: 100.0, scale: Scale::Log };
        let s = spec(
            &Source::Npz(exact.clone()),
            act,
            &axis("lr0"),
            &axis("lr1"),
            (7, 5),
            40,
            [1.0, 1.0, 0.0],
            batch,
            Precision::F64,
        )
        .unwrap();
        let lanes = cpu::run_f64(&s, &Progress::hidden()).stats;
        let (xs, ys) = (s.x.centres_in(s.precision), s.y.centres_in(s.precision));
        let diverged = lanes.iter().filter(|c| c.div_step >= 0).count();
        assert!(diverged > 0 && diverged < s.cells(), "{act:?}: {diverged} of 35 diverge");
        for (i, a) in lanes.iter().enumerate() {
            let b = cpu::train_cell_tally::<f64>(&s, s.cell_params64(xs[i % 7], ys[i / 7]));
            let bits = |c: &downhill::nn::train::CellStats64| {
                ([c.loss0, c.sum_v, c.sum_inv, c.tail, c.last_loss].map(f64::to_bits), c.div_step)
            };
            assert_eq!(bits(a), bits(&b), "{act:?} {batch:?} cell {i}: {a:?} vs {b:?}");
        }
    }
}
