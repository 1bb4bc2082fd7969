//! Edge of stability: the 2x2 sharpness against closed-form Hessians, Adam's preconditioned
//! sharpness, GD's 2/lr threshold against an independent run, the network's Hessian-vector
//! products against a finite-difference Hessian, Lanczos on known matrices, and the `train`
//! command's outputs and errors.

use assert_cmd::Command;
use downhill::nn::sharpness::{Net, Scaled, top_eigenvalue};
use downhill::nn::{Activation, NetData, Shape, loss_grad};
use downhill::sharpness::{self, along};
use downhill::spec::SpecBuilder;
use predicates::prelude::*;
use predicates::str::contains;

fn spec(landscape: &str, optimiser: &str, start: [f64; 2], steps: u32) -> downhill::spec::Spec {
    SpecBuilder::single(landscape, optimiser, start, steps).build().unwrap()
}

#[test]
fn quadratic_sharpness_is_k_at_every_step() {
    let s = spec("quadratic:kx=3,ky=7", "gd:lr=0.1", [1.5, -1.0], 50);
    let points = downhill::cpu::trace(&s);
    let sharp = along(&s, &points);
    assert_eq!(sharp.len(), 51);
    assert!(sharp.iter().all(|v| v.raw == 7.0 && v.preconditioned.is_none()), "{:?}", &sharp[..3]);
    // Rotated: the largest eigenvalue is k whatever the angle.
    let s = spec("rotated:k=5,cond=10,angle=30", "gd:lr=0.05", [1.0, 1.0], 20);
    for v in along(&s, &downhill::cpu::trace(&s)) {
        assert!((v.raw - 5.0).abs() < 1e-12, "{}", v.raw);
    }
}

#[test]
fn rosenbrock_sharpness_matches_its_closed_form_hessian() {
    let s = spec("rosenbrock", "gd:lr=0.001", [-1.5, 2.0], 30);
    let points = downhill::cpu::trace(&s);
    let b = 100.0f64;
    for (q, v) in points.iter().zip(along(&s, &points)) {
        let (x, y) = (q[0] as f64, q[1] as f64);
        // f = (a - x)^2 + b (y - x^2)^2.
        let (hxx, hxy, hyy) = (2.0 - 4.0 * b * (y - x * x) + 8.0 * b * x * x, -4.0 * b * x, 2.0 * b);
        let top = 0.5 * (hxx + hyy) + (0.25 * (hxx - hyy).powi(2) + hxy * hxy).sqrt();
        assert!((v.raw - top).abs() <= 1e-9 * top.abs(), "at ({x}, {y}): {} vs {top}", v.raw);
    }
}

#[test]
fn adam_preconditioned_sharpness_follows_cohen_et_al() {
    // Step 0: v_hat = g^2, so P = (1 - beta1) (|g| + eps) per coordinate, and on a diagonal
    // quadratic P^-1 H = diag(k / (0.1 |k x0|)) = 1 / (0.1 |x0|).
    let s = spec("quadratic:kx=10,ky=1", "adam:lr=0.05", [1.5, 0.5], 5);
    let sharp = along(&s, &downhill::cpu::trace(&s));
    let want = (1.0 / (0.1 * 1.5f64)).max(1.0 / (0.1 * 0.5));
    let got = sharp[0].preconditioned.unwrap();
    assert!((got - want).abs() < 1e-5 * want, "{got} vs {want}");
    let t = sharpness::threshold(&s).unwrap();
    assert!(t.preconditioned && (t.value - 38.0 / 0.05).abs() < 1e-3, "{t:?}");
}

#[test]
fn gd_beyond_two_over_sharpness_diverges() {
    // On 0.5 k x^2 the sharpness is k everywhere; GD multiplies x by 1 - lr k each step, so it
    // diverges exactly when k > 2/lr. The run (the CPU twin) is the independent truth.
    for (lr, diverges) in [(0.18, false), (0.198, false), (0.202, true), (0.25, true)] {
        let s = spec("quadratic:kx=10,ky=1", &format!("gd:lr={lr}"), [1.0, 1.0], 400);
        let points = downhill::cpu::trace(&s);
        let sharp = along(&s, &points)[0].raw;
        let bound = sharpness::threshold(&s).unwrap().value;
        let end = points.last().unwrap();
        let ran_away = points.len() < 401 || !end[0].is_finite() || end[0].abs() > 1.0;
        assert_eq!(ran_away, diverges, "lr {lr}: end {end:?}");
        assert_eq!(sharp > bound, diverges, "lr {lr}: sharpness {sharp}, 2/lr {bound}");
    }
}

/// The full Hessian of a network's loss by central differences of its exact gradient.
fn fd_hessian(data: &NetData, act: Activation, w: &[f64]) -> Vec<Vec<f64>> {
    let split = data.shape.d * data.shape.width;
    let grad = |w: &[f64]| {
        let (mut g0, mut g1) = (vec![0.0; split], vec![0.0; w.len() - split]);
        loss_grad(data, act, &w[..split], &w[split..], &mut g0, &mut g1);
        g0.into_iter().chain(g1).collect::<Vec<f64>>()
    };
    let h = 1e-5;
    (0..w.len())
        .map(|k| {
            let (mut up, mut down) = (w.to_vec(), w.to_vec());
            up[k] += h;
            down[k] -= h;
            grad(&up).iter().zip(grad(&down)).map(|(a, b)| (a - b) / (2.0 * h)).collect()
        })
        .collect()
}

#[test]
fn hessian_vector_products_match_a_finite_difference_hessian() {
    let data = NetData::from_seed(Shape { d: 3, width: 4, n: 6 }, 5).unwrap();
    let w: Vec<f64> = data.exact.w0.iter().chain(&data.exact.w1).map(|v| v + 0.1).collect();
    let p = w.len();
    for act in Activation::ALL {
        let net = Net { shape: data.shape, data: &data.exact, act };
        let hess = fd_hessian(&data, act, &w);
        for seed in 0..3u32 {
            let v: Vec<f64> = (0..p).map(|i| ((i as u32 * 7 + seed * 13) % 11) as f64 / 5.0 - 1.0).collect();
            let mut hv = vec![0.0; p];
            net.hvp(&w, &v, &mut hv);
            for i in 0..p {
                let fd: f64 = (0..p).map(|j| hess[j][i] * v[j]).sum();
                assert!(
                    (hv[i] - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "{act:?} entry {i}: {} vs {fd}",
                    hv[i]
                );
            }
        }
    }
}

/// A symmetric matrix with eigenvalues `eig`: `Q diag(eig) Q^T`, `Q` a Householder reflection.
fn known(eig: &[f64]) -> Vec<Vec<f64>> {
    let n = eig.len();
    let u: Vec<f64> = (0..n).map(|i| 1.0 + i as f64 * 0.3).collect();
    let uu: f64 = u.iter().map(|x| x * x).sum();
    let q = |i: usize, j: usize| (i == j) as u8 as f64 - 2.0 * u[i] * u[j] / uu;
    (0..n).map(|i| (0..n).map(|j| (0..n).map(|k| q(i, k) * eig[k] * q(j, k)).sum()).collect()).collect()
}

#[test]
fn lanczos_finds_the_largest_eigenvalue_of_known_matrices() {
    // The largest algebraic eigenvalue, not the largest in magnitude (-40 here).
    let eig: Vec<f64> = (0..30).map(|i| if i == 3 { -40.0 } else { i as f64 * 0.5 }).collect();
    for (m, want) in [(known(&eig), 14.5), (known(&[2.0, 2.0, -1.0]), 2.0), (known(&[-3.0, -5.0]), -3.0)] {
        let n = m.len();
        let top = top_eigenvalue(n, |v, out| {
            for i in 0..n {
                out[i] = (0..n).map(|j| m[i][j] * v[j]).sum();
            }
        });
        assert!((top - want).abs() < 1e-8 * want.abs().max(1.0), "{top} vs {want}");
    }
}

#[test]
fn network_sharpness_is_the_top_eigenvalue_of_the_fd_hessian_and_scales_with_the_rates() {
    let data = NetData::from_seed(Shape { d: 3, width: 3, n: 8 }, 2).unwrap();
    let w: Vec<f64> = data.exact.w0.iter().chain(&data.exact.w1).copied().collect();
    let net = Net { shape: data.shape, data: &data.exact, act: Activation::Tanh };
    let p = w.len();
    let lanczos = top_eigenvalue(p, |v, out| net.hvp(&w, v, out));
    // Independent: power iteration on the finite-difference Hessian shifted to be positive.
    let hess = fd_hessian(&data, Activation::Tanh, &w);
    let shift = hess.iter().map(|r| r.iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max);
    let mut v = vec![1.0; p];
    let mut top = 0.0;
    for _ in 0..20000 {
        let hv: Vec<f64> =
            (0..p).map(|i| (0..p).map(|j| hess[i][j] * v[j]).sum::<f64>() + shift * v[i]).collect();
        let norm = hv.iter().map(|x| x * x).sum::<f64>().sqrt();
        top = hv.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() / v.iter().map(|x| x * x).sum::<f64>();
        v = hv.iter().map(|x| x / norm).collect();
    }
    let power = top - shift;
    assert!((lanczos - power).abs() < 1e-5 * power.abs(), "{lanczos} vs {power}");
    // Equal rates: the scaled sharpness is lr times the sharpness.
    let mut scratch = vec![0.0; p];
    let scaled = Scaled::per_layer(&net, [0.3, 0.3]);
    let s = top_eigenvalue(p, |v, out| scaled.apply(&w, v, out, &mut scratch));
    assert!((s - 0.3 * lanczos).abs() < 1e-9 * lanczos, "{s} vs {}", 0.3 * lanczos);
}

fn downhill() -> Command {
    Command::cargo_bin("downhill").unwrap()
}

#[test]
fn train_writes_csv_png_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("t");
    downhill()
        .args(["train", "--dim", "4", "--width", "4", "--steps", "30", "--sharpness-every", "7"])
        .args(["--lr0", "0.5", "--lr1", "0.5", "-o"])
        .arg(&prefix)
        .assert()
        .success()
        .stderr(contains("30 steps").and(contains("2/lr = 4")));
    let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "step,loss,sharpness,lr_scaled_sharpness");
    assert_eq!(lines.len(), 31);
    // Measured at 0, 7, 14, 21, 28 and the last step, 29.
    let measured: Vec<u32> = lines[1..]
        .iter()
        .filter(|l| !l.ends_with(",,"))
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(measured, [0, 7, 14, 21, 28, 29]);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("t.json")).unwrap()).unwrap();
    assert_eq!(meta["figure"], "train");
    assert_eq!(meta["threshold_sharpness"], 4.0);
    assert!(meta["final_sharpness"].as_f64().unwrap() > 0.0);
    let png = image::open(dir.path().join("t.png")).unwrap();
    assert!(png.width() > 700 && png.height() > 500);
}

#[test]
fn a_figure_file_renders_a_train_figure_the_command_line_renders_alike() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("eos.toml");
    std::fs::write(
        &file,
        "[[figure]]\nname = \"eos\"\nkind = \"train\"\ndim = 4\nwidth = 4\nsteps = 30\n\
         sharpness_every = 7\nlr0 = 0.5\nlr1 = 0.5\n",
    )
    .unwrap();
    downhill().arg("render").arg(&file).arg("-o").arg(dir.path()).assert().success();
    let cli = dir.path().join("cli");
    downhill()
        .args(["train", "--dim", "4", "--width", "4", "--steps", "30", "--sharpness-every", "7"])
        .args(["--lr0", "0.5", "--lr1", "0.5", "-o"])
        .arg(&cli)
        .assert()
        .success();
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    assert_eq!(read(&dir.path().join("eos.csv")), read(&cli.with_extension("csv")));
    // The PNG carries its recipe: rendering it again gives the same run.
    let again = dir.path().join("again");
    downhill().arg("render").arg(dir.path().join("eos.png")).arg("-o").arg(&again).assert().success();
    assert_eq!(read(&again.join("eos.csv")), read(&dir.path().join("eos.csv")));
    // A map's field names its culprit and writes nothing.
    std::fs::write(&file, "[[figure]]\nname = \"bad\"\nkind = \"train\"\nres = 64\n").unwrap();
    downhill()
        .arg("render")
        .arg(&file)
        .arg("-o")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("res: does not apply to a single network"));
    assert!(!dir.path().join("bad.png").exists());
}

#[test]
fn train_rejects_bad_input_with_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("t");
    for (args, culprit) in [
        (&["--lr0", "-1"][..], "--lr0"),
        (&["--sharpness-every", "0"][..], "--sharpness-every"),
        (&["--activation", "tahn"][..], "--activation"),
        (&["--steps", "0"][..], "--steps"),
        (&["--batch", "100"][..], "--batch"),
    ] {
        let out = downhill()
            .args(["train", "--dim", "2", "--width", "2", "--data", "4"])
            .args(args)
            .arg("-o")
            .arg(&prefix)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(culprit), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
