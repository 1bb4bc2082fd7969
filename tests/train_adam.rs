//! `downhill train --optimizer adam`: the Adam trainer against a hand-written f64 Adam, the
//! preconditioned sharpness against a dense `P^-1 H`, the command's Adam outputs and its
//! refusals, and gradient descent's outputs unchanged by `--optimizer gd`.

use assert_cmd::Command;
use downhill::nn::adam::{Adam, AdamSpec};
use downhill::nn::build::Source;
use downhill::nn::job::spec;
use downhill::nn::sharpness::{Net, Scaled, top_eigenvalue};
use downhill::nn::single::{self, Optimizer};
use downhill::nn::train::{Precision, TrainSpec};
use downhill::nn::{Activation, NetData, Shape, loss_grad};
use downhill::spec::{AxisText, Scale};
use predicates::str::contains;

const ADAM: AdamSpec = AdamSpec { lr: 0.05, beta1: 0.9, beta2: 0.99, eps: 1e-8, bias_correction: true };

/// A tiny network's single-run spec (2 inputs, 3 hidden units, 5 points) in f64.
fn tiny(steps: u32) -> TrainSpec {
    let axis = |p: &str| AxisText { param: p.into(), lo: 0.0, hi: 1.0, scale: Scale::Lin };
    let source = Source::Seed(Shape { d: 2, width: 3, n: 5 }, 3);
    let (x, y) = (axis("offset"), axis("lr"));
    spec(&source, Activation::Tanh, &x, &y, (1, 1), steps, [0.0, 0.0, 0.0], (0, 0), Precision::F64).unwrap()
}

/// The full-batch gradient at `w` (`W0` then `W1`), from the definition.
fn grad(data: &NetData, w: &[f64]) -> Vec<f64> {
    let split = data.shape.d * data.shape.width;
    let (mut g0, mut g1) = (vec![0.0; split], vec![0.0; w.len() - split]);
    loss_grad(data, Activation::Tanh, &w[..split], &w[split..], &mut g0, &mut g1);
    g0.into_iter().chain(g1).collect()
}

/// Adam by hand in f64 (Kingma & Ba): the weights after each of `steps` updates from the
/// initial weights, and the preconditioner `P = (1 - beta1^t) (sqrt(v_hat) + eps)` of each.
fn hand_adam(data: &NetData, steps: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut w: Vec<f64> = data.exact.w0.iter().chain(&data.exact.w1).copied().collect();
    let (mut m, mut v) = (vec![0.0; w.len()], vec![0.0; w.len()]);
    let (mut weights, mut ps) = (vec![w.clone()], Vec::new());
    for t in 1..=steps as i32 {
        let g = grad(data, &w);
        let (c1, c2) = (1.0 - ADAM.beta1.powi(t), 1.0 - ADAM.beta2.powi(t));
        let mut p = Vec::new();
        for i in 0..w.len() {
            m[i] = ADAM.beta1 * m[i] + (1.0 - ADAM.beta1) * g[i];
            v[i] = ADAM.beta2 * v[i] + (1.0 - ADAM.beta2) * g[i] * g[i];
            let (mh, vh) = (m[i] / c1, v[i] / c2);
            w[i] -= ADAM.lr * mh / (vh.sqrt() + ADAM.eps);
            p.push(c1 * (vh.sqrt() + ADAM.eps));
        }
        weights.push(w.clone());
        ps.push(p);
    }
    (weights, ps)
}

#[test]
fn adam_trainer_first_two_updates_match_a_hand_written_adam() {
    let s = tiny(3);
    let p = s.data.shape.params();
    let mut adam = Adam::<f64>::new(&ADAM, p, 1);
    let mut seen = Vec::new();
    downhill::nn::scalar::train_with::<f64>(&s, 0.0, &mut adam, |_, w0, w1, _| {
        seen.push(w0.iter().chain(w1).copied().collect::<Vec<f64>>());
    });
    let (want, ps) = hand_adam(&s.data, 2);
    assert_eq!(seen.len(), 3);
    for t in 0..3 {
        for (i, (a, b)) in seen[t].iter().zip(&want[t]).enumerate() {
            assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "step {t} weight {i}: {a} vs {b}");
        }
    }
    // The weights moved, by about lr each (Adam's first step is lr * sign(g)).
    let moved = seen[1].iter().zip(&seen[0]).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!((moved - ADAM.lr).abs() < 1e-6, "{moved}");
    // The kept preconditioners are the hand-written ones.
    for (t, kept) in &adam.kept {
        for (a, b) in kept.iter().zip(&ps[*t as usize]) {
            assert!((a - b).abs() <= 1e-12 * b.abs(), "step {t}: P {a} vs {b}");
        }
    }
}

/// The top eigenvalue of the dense `P^-1 H` by power iteration, shifted so that the top
/// algebraic eigenvalue dominates (its eigenvalues are real: it is similar to a symmetric
/// matrix).
fn dense_top(h: &[Vec<f64>], p: &[f64]) -> f64 {
    let n = p.len();
    let a: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| h[i][j] / p[i]).collect()).collect();
    let shift = a.iter().map(|r| r.iter().map(|v| v.abs()).sum::<f64>()).fold(0.0, f64::max);
    let mut v = vec![1.0; n];
    let mut top = 0.0;
    for _ in 0..50000 {
        let av: Vec<f64> =
            (0..n).map(|i| (0..n).map(|j| a[i][j] * v[j]).sum::<f64>() + shift * v[i]).collect();
        top = av.iter().zip(&v).map(|(x, y)| x * y).sum::<f64>() / v.iter().map(|x| x * x).sum::<f64>();
        let norm = av.iter().map(|x| x * x).sum::<f64>().sqrt();
        v = av.iter().map(|x| x / norm).collect();
    }
    top - shift
}

#[test]
fn preconditioned_sharpness_is_the_top_eigenvalue_of_a_dense_p_inverse_h() {
    let s = tiny(4);
    let run = single::run(&s, &Optimizer::Adam(ADAM), 1);
    let (weights, ps) = hand_adam(&s.data, 2);
    let net = Net { shape: s.data.shape, data: &s.data.exact, act: Activation::Tanh };
    let n = net.params();
    for t in [0usize, 1] {
        // H column by column from Hessian-vector products.
        let h: Vec<Vec<f64>> = (0..n)
            .map(|j| {
                let e: Vec<f64> = (0..n).map(|i| (i == j) as u8 as f64).collect();
                let mut col = vec![0.0; n];
                net.hvp(&weights[t], &e, &mut col);
                col
            })
            .collect();
        // `h` holds columns; H is symmetric, so its rows too.
        let want = dense_top(&h, &ps[t]);
        let got = run.rows[t].scaled.unwrap();
        assert!((got - want).abs() < 1e-6 * want.abs(), "step {t}: {got} vs {want}");
        // The same through the operator directly.
        let inv: Vec<f64> = ps[t].iter().map(|v| 1.0 / v).collect();
        let d = Scaled::diagonal(&net, &inv);
        let mut scratch = vec![0.0; n];
        let lanczos = top_eigenvalue(n, |v, out| d.apply(&weights[t], v, out, &mut scratch));
        assert!((lanczos - want).abs() < 1e-6 * want.abs(), "step {t}: {lanczos} vs {want}");
    }
}

fn downhill() -> Command {
    Command::cargo_bin("downhill").unwrap()
}

const TINY: [&str; 9] = ["train", "--dim", "3", "--width", "3", "--data", "6", "--steps", "20"];

#[test]
fn train_with_adam_writes_the_preconditioned_sharpness_against_its_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("a");
    downhill()
        .args(TINY)
        .args(["--sharpness-every", "5", "--optimizer", "adam:lr=0.02", "-o"])
        .arg(&prefix)
        .assert()
        .success()
        .stderr(contains("preconditioned sharpness").and(contains("(2+2β1)/((1−β1)lr) = 1900")));
    let csv = std::fs::read_to_string(prefix.with_extension("csv")).unwrap();
    assert_eq!(csv.lines().next(), Some("step,loss,sharpness,preconditioned_sharpness"));
    assert_eq!(csv.lines().filter(|l| !l.ends_with(",,")).count(), 1 + 5, "steps 0, 5, 10, 15, 19");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(prefix.with_extension("json")).unwrap()).unwrap();
    assert_eq!(meta["optimizer"], "adam:lr=0.02,beta1=0.9,beta2=0.999,eps=1e-8,bias_correction=1");
    assert!((meta["threshold_preconditioned"].as_f64().unwrap() - 38.0 / 0.02).abs() < 1e-9);
    assert!(meta["final_preconditioned_sharpness"].as_f64().unwrap() > 0.0);
    assert!(meta.get("lr0").is_none() && meta.get("final_lr_scaled_sharpness").is_none());
    // The figure file renders the same run.
    let file = dir.path().join("f.toml");
    std::fs::write(
        &file,
        "[[figure]]\nname = \"f\"\nkind = \"train\"\ndim = 3\nwidth = 3\ndata = 6\nsteps = 20\n\
         sharpness_every = 5\noptimizer = \"adam:lr=0.02\"\n",
    )
    .unwrap();
    downhill().arg("render").arg(&file).arg("-o").arg(dir.path()).assert().success();
    assert_eq!(std::fs::read_to_string(dir.path().join("f.csv")).unwrap(), csv);
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn train_refuses_other_optimisers_and_layer_rates_beside_adam() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("t");
    for (args, culprit, words) in [
        (&["--optimizer", "momentum"][..], "--optimizer", "`train` takes `gd`"),
        (&["--optimizer", "adam", "--lr0", "0.1"][..], "--lr0", "Adam's learning rate is its `lr`"),
        (&["--optimizer", "adam:lr=0.1", "--lr1", "0.1"][..], "--lr1", "adam:lr="),
        (&["--optimizer", "gd:lr=0.1"][..], "--optimizer", "--lr0 and --lr1"),
        (&["--optimizer", "adam:beta3=1"][..], "--optimizer", "no parameter `beta3`"),
        (&["--optimizer", "adamm"][..], "--optimizer", "unknown optimizer"),
    ] {
        let out = downhill().args(TINY).args(args).arg("-o").arg(&prefix).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(culprit) && err.contains(words), "{args:?}: {err}");
    }
    // The same in a figure file.
    let file = dir.path().join("f.toml");
    std::fs::write(&file, "[[figure]]\nname = \"f\"\nkind = \"train\"\noptimizer = \"adam\"\nlr0 = 1\n")
        .unwrap();
    downhill().arg("render").arg(&file).arg("-o").arg(dir.path()).assert().code(2).stderr(contains("lr0"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the figure file");
}

#[test]
fn train_with_optimizer_gd_writes_what_train_without_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a/x"), dir.path().join("b/x"));
    downhill().args(TINY).args(["--lr0", "0.5", "-o"]).arg(&a).assert().success();
    downhill().args(TINY).args(["--lr0", "0.5", "--optimizer", "gd", "-o"]).arg(&b).assert().success();
    let csv = |p: &std::path::Path| std::fs::read(p.with_extension("csv")).unwrap();
    assert!(csv(&a) == csv(&b), "the CSV differs");
    // The PNGs differ only in the command their text records.
    let pixels = |p: &std::path::Path| image::open(p.with_extension("png")).unwrap().to_rgba8().into_raw();
    assert!(pixels(&a) == pixels(&b), "the image differs");
}
