//! The `downhill` command as a black box: help, list, info, tiny runs of every subcommand, and
//! each class of bad input with the one-line message and exit code 2 it must produce, leaving
//! no output files behind.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn downhill() -> Command {
    let mut c = Command::cargo_bin("downhill").unwrap();
    c.env("NODEVICE_SELECT", "1");
    c
}

/// The run backend for tiny CLI runs: the GPU (a missing adapter fails the test), or `auto`
/// when the run opted out with `DOWNHILL_SKIP_GPU=1`.
fn backend() -> &'static str {
    common::gpu_backend()
}

#[test]
fn help_names_every_command() {
    let out = downhill().arg("--help").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for cmd in [
        "basins",
        "stability",
        "sweep",
        "trace",
        "paths",
        "trainability",
        "render",
        "list",
        "info",
        "gallery",
        "merge",
    ] {
        assert!(text.contains(cmd), "help lacks {cmd}: {text}");
    }
}

/// The defaults `--help` states in words are the ones planning applies
/// (`downhill::recipe::defaults`), which also feed clap's `[default: ...]`.
#[test]
fn help_states_the_defaults_planning_applies() {
    use downhill::recipe::defaults as d;
    let out = downhill().args(["basins", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).replace('\n', " ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for phrase in [
        format!("basins and paths {}; stability, sweep and trace {}", d::BASINS_STEPS, d::MAP_STEPS),
        format!("basins {}; stability, sweep and trainability {}", d::BASINS_RES, d::MAP_RES),
        format!("[default: {}]", d::LANDSCAPE),
        format!("[default: {}]", d::OPTIMIZER),
    ] {
        assert!(text.contains(&phrase), "`{phrase}` not in: {text}");
    }
}

/// Each command's `--help` offers only the flags that do something for it.
#[test]
fn help_offers_only_flags_that_apply() {
    let help = |cmd: &str| {
        let out = downhill().args([cmd, "--help"]).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout).to_string()
    };
    let basins = help("basins");
    for flag in ["--no-contours", "--no-markers", "--color", "--plain"] {
        assert!(basins.contains(flag), "basins lacks {flag}");
    }
    for cmd in ["stability", "sweep", "paths", "trainability"] {
        let text = help(cmd);
        for flag in ["--no-contours", "--no-markers"] {
            assert!(!text.contains(flag), "{cmd} offers {flag}, which does nothing there");
        }
    }
    let train = help("trainability");
    assert!(!train.contains("--color"), "trainability maps colour by class");
    assert!(train.contains("--plain") && train.contains("--cmap"));
}

#[test]
fn list_shows_landscapes_optimisers_and_defaults() {
    downhill()
        .arg("list")
        .assert()
        .success()
        .stdout(contains("rosenbrock").and(contains("b ")).and(contains("100")))
        .stdout(contains("adam").and(contains("beta2")).and(contains("0.999")))
        .stdout(contains("bias_correction"))
        .stdout(
            contains("ackley").and(contains("newton")).and(contains("warmup_cosine")).and(contains("sigma")),
        )
        .stdout(contains("expr:"));
}

#[test]
fn info_names_the_adapter_or_says_there_is_none() {
    let out = downhill().arg("info").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        assert!(stdout.contains("adapter") && stdout.contains("max storage binding"), "{stdout}");
    } else {
        assert!(backend() == "auto", "no adapter and DOWNHILL_SKIP_GPU is not 1: {stderr}");
        assert!(stderr.contains("no GPU adapter"), "{stderr}");
    }
}

#[test]
fn sweep_writes_png_npz_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("sub/adam_rosen");
    downhill()
        .args(["sweep", "--landscape", "rosenbrock:b=100", "--optimizer", "adam:lr=0.01"])
        .args(["--x", "x0:-2:2", "--y", "y0:-1:3", "--res", "12x8", "--steps", "50", "--backend", backend()])
        .arg("-o")
        .arg(&prefix)
        .assert()
        .success()
        .stderr(contains("12x8 trajectories x 50 steps"));
    for ext in ["png", "npz", "json"] {
        assert!(dir.path().join(format!("sub/adam_rosen.{ext}")).is_file(), "missing .{ext}");
    }
    let img = image::open(dir.path().join("sub/adam_rosen.png")).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("sub/adam_rosen.json")).unwrap())
            .unwrap();
    let plot = &meta["image"]["plot"];
    assert_eq!(
        (img.width() as u64, img.height() as u64),
        (meta["image"]["width"].as_u64().unwrap(), meta["image"]["height"].as_u64().unwrap())
    );
    assert_eq!(
        plot["width"].as_u64().unwrap() * 8,
        plot["height"].as_u64().unwrap() * 12,
        "one square block per cell"
    );
    assert!(img.width() > plot["width"].as_u64().unwrap() as u32, "framed: axes and key around the plot");
    assert_eq!(meta["axes"]["x"]["param"], "x0");
    assert_eq!(meta["parameters"]["b"], 100.0);
    assert_eq!(meta["steps"], 50);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn npz_arrays_have_the_documented_names_shapes_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("eta_k");
    downhill()
        .args([
            "sweep",
            "--landscape",
            "quadratic",
            "--optimizer",
            "gd",
            "--x",
            "lr:0:4",
            "--y",
            "kx:0.1:10:log",
        ])
        .args(["--start", "1,0", "--res", "6x4", "--steps", "100", "--backend", backend(), "-o"])
        .arg(&prefix)
        .assert()
        .success();
    let file = std::fs::File::open(dir.path().join("eta_k.npz")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    names.sort();
    let mut expected: Vec<String> =
        ["x", "y", "loss", "diverged", "div_step", "conv_step", "basin", "axis_x", "axis_y"]
            .iter()
            .map(|n| format!("{n}.npy"))
            .collect();
    expected.sort();
    assert_eq!(names, expected);
    let mut read = |name: &str| {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(&format!("{name}.npy")).unwrap(), &mut bytes).unwrap();
        npyz::NpyFile::new(std::io::Cursor::new(bytes)).unwrap()
    };
    let loss = read("loss");
    assert_eq!(loss.shape(), &[4, 6]);
    assert_eq!(loss.header().dtype().descr(), "'<f4'");
    let div = read("diverged");
    assert_eq!(div.header().dtype().descr(), "'|b1'");
    let steps = read("div_step");
    assert_eq!(steps.header().dtype().descr(), "'<i4'");
    let ax: Vec<f32> = read("axis_x").into_vec().unwrap();
    assert_eq!(
        ax,
        vec![1.0 / 3.0, 1.0, 5.0 / 3.0, 7.0 / 3.0, 3.0, 11.0 / 3.0]
            .into_iter()
            .map(|v: f64| v as f32)
            .collect::<Vec<_>>()
    );
    let flags: Vec<bool> = read("diverged").into_vec().unwrap();
    // Row 0 is k ~ 0.18: lr*k < 2 everywhere; the top row (k ~ 5.6) diverges for lr > 0.36.
    assert!(!flags[..6].iter().any(|&d| d), "bottom row must be stable: {flags:?}");
    assert!(flags[18..].iter().skip(1).all(|&d| d), "top row must diverge past lr = 2/k: {flags:?}");
}

#[test]
fn stability_reports_the_boundary_against_theory() {
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args([
            "stability",
            "--optimizer",
            "momentum:beta=0.9",
            "--res",
            "32",
            "--steps",
            "1500",
            "--backend",
            backend(),
            "-o",
        ])
        .arg(dir.path().join("stab"))
        .assert()
        .success()
        .stderr(contains("lr = 2(1+beta)/k"));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("stab.json")).unwrap()).unwrap();
    assert_eq!(meta["analytic_boundary"]["formula"], "lr = 2(1+beta)/k");
    let rows = meta["boundary"].as_array().unwrap();
    assert_eq!(rows.len(), 32);
    // A row has no measured boundary (null) only where theory puts it above the swept window,
    // beyond every boundary that was measured.
    let top = rows.iter().filter_map(|r| r["measured"].as_f64()).fold(0f64, f64::max);
    let mut measured = 0;
    for r in rows {
        match r["cells_off"].as_f64() {
            Some(off) => {
                assert!(off.abs() <= 1.0, "boundary {off} cells off theory: {r}");
                measured += 1;
            }
            None => assert!(
                r["cells_off"].is_null() && r["measured"].is_null() && r["analytic"].as_f64().unwrap() > top,
                "row without a measured boundary though theory puts one in the window: {r}"
            ),
        }
    }
    assert!(measured >= 16, "only {measured} of 32 rows measured a boundary");
    // The stable/diverging boundary is a smooth curve: box-counting dimension near 1.
    let d = meta["boundary_dimension"]["dimension"].as_f64().unwrap();
    assert!((d - 1.0).abs() < 0.15, "dimension {d}");
}

#[test]
fn stability_refine_writes_the_boundary_table() {
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args(["stability", "--res", "8", "--steps", "200", "--refine", "1e-3", "--backend", backend(), "-o"])
        .arg(dir.path().join("r"))
        .assert()
        .success()
        .stderr(contains("refined").and(contains("worst relative error vs theory")));
    let csv = std::fs::read_to_string(dir.path().join("r.boundary.csv")).unwrap();
    assert!(csv.starts_with("kx,edge,lr_stable,lr_diverged,lr_critical,lr_analytic,rel_error\n"), "{csv}");
    assert_eq!(csv.lines().count(), 9);
    // A row without an error found no diverging learning rate: its boundary lies above the window.
    let mut refined = 0;
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 7, "{line}");
        if f[6].is_empty() {
            assert!(f[3].is_empty() && f[4].is_empty() && !f[5].is_empty(), "no rel_error: {line}");
        } else {
            let e: f64 = f[6].parse().unwrap();
            assert!(e.abs() <= 1e-3, "{csv}");
            refined += 1;
        }
    }
    assert!(refined >= 4, "only {refined} of 8 rows refined: {csv}");
}

#[test]
fn basins_on_the_cpu_backend() {
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args([
            "basins",
            "--landscape",
            "himmelblau",
            "--optimizer",
            "gd:lr=0.01",
            "--res",
            "16",
            "--steps",
            "200",
        ])
        .args(["--backend", "cpu", "-o"])
        .arg(dir.path().join("h"))
        .assert()
        .success()
        .stderr(contains("on cpu"));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("h.json")).unwrap()).unwrap();
    let shares = meta["basins"].as_array().unwrap();
    assert_eq!(shares.len(), 6, "four minima, `diverged` and `not converged`");
    // Every cell is in one basin or diverged; `not converged` overlaps the basins.
    let total: f64 = shares[..5].iter().map(|s| s["fraction"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9);
    let csv = std::fs::read_to_string(dir.path().join("h.basins.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "header and six rows: {csv}");
    assert!(csv.starts_with("label,kind,x,y,fraction,converged_fraction,mean_steps,median_steps\n"), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("\"(3.00, 2.00)\",minimum,3,2,")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("\"not converged\",not converged,,,")), "{csv}");
}

/// The `backend` and `adapter` a tiny `basins` run under `--backend auto` records.
fn auto_backend_of(landscape: &str) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args(["basins", "--landscape", landscape, "--optimizer", "gd", "--res", "8", "--steps", "20"])
        .args(["--backend", "auto", "-o"])
        .arg(dir.path().join("a"))
        .assert()
        .success();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("a.json")).unwrap()).unwrap();
    (meta["backend"].as_str().unwrap().to_string(), meta["adapter"].clone())
}

#[test]
fn auto_without_a_hardware_gpu_runs_built_ins_on_the_cpu_and_expressions_on_the_software_adapter() {
    if downhill::gpu::hardware_gpu_possible() {
        eprintln!("this machine may have a hardware GPU: `auto` probes it, nothing to check here");
        return;
    }
    let (backend, adapter) = auto_backend_of("himmelblau");
    assert!(
        backend.starts_with("cpu (") && backend.ends_with("(auto: no hardware GPU on this machine)"),
        "{backend}"
    );
    assert!(adapter.is_null(), "no adapter was opened for a built-in landscape: {adapter}");
    let (backend, adapter) = auto_backend_of("expr:x^2 + y^2");
    if common::gpu_skipped() {
        assert!(backend.starts_with("gpu: ") || backend.starts_with("cpu ("), "{backend}");
    } else {
        assert!(backend.starts_with("gpu: "), "expression landscapes go to the software adapter: {backend}");
        assert_eq!(adapter["device_type"], "Cpu", "{adapter}");
    }
}

#[test]
fn trace_writes_one_row_per_step_on_both_backends_and_they_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs: Vec<Vec<[f64; 3]>> = Vec::new();
    for b in ["cpu", backend()] {
        let csv = dir.path().join(format!("trace_{b}.csv"));
        downhill()
            .args([
                "trace",
                "--landscape",
                "rosenbrock",
                "--optimizer",
                "gd:lr=0.001",
                "--start",
                "-1.5,1.5",
                "--steps",
                "200",
            ])
            .args(["--backend", b, "--csv"])
            .arg(&csv)
            .assert()
            .success();
        let text = std::fs::read_to_string(&csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "step,x,y,loss,sharpness");
        assert_eq!(lines.len(), 202);
        assert!(lines[1].starts_with("0,-1.5,1.5,"), "{}", lines[1]);
        assert!(lines[201].starts_with("200,"));
        let rows = lines[1..].iter().enumerate().map(|(t, l)| {
            let v: Vec<f64> = l.split(',').map(|f| f.parse().unwrap()).collect();
            assert_eq!(v[0], t as f64, "{b}: {l}");
            [v[1], v[2], v[3]]
        });
        runs.push(rows.collect());
    }
    // Slow GD in rosenbrock's valley is not chaotic: the backends differ only by f32 rounding
    // (FMA contraction), which stays far below 1e-4 over 200 steps.
    for (t, (c, g)) in runs[0].iter().zip(&runs[1]).enumerate() {
        for k in 0..3 {
            assert!(
                (c[k] - g[k]).abs() <= 1e-4 * (1.0 + c[k].abs()),
                "step {t}: cpu {c:?}, {} {g:?}",
                backend()
            );
        }
    }
    // The trajectory moved, so agreeing is not trivial.
    assert!((runs[0][200][0] - runs[0][0][0]).abs() > 0.1, "{:?}", runs[0][200]);
}

#[test]
fn trace_to_stdout_stops_at_divergence() {
    downhill()
        .args([
            "trace",
            "--landscape",
            "quadratic",
            "--optimizer",
            "gd:lr=3",
            "--start",
            "1,0",
            "--steps",
            "100",
            "--backend",
            "cpu",
        ])
        .assert()
        .success()
        // x_t = (-2)^t: |x| first exceeds 1e6 at t = 20 (2^20 = 1048576, written 1.048576e6).
        .stdout(contains("\n20,1.048576e6,0,").and(contains("\n21,").not()));
}

/// Runs a command that must fail with exit code 2, a one-line message naming `culprit` and
/// containing `says`, and no output files.
fn rejects(args: &[&str], culprit: &str, says: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = downhill().args(args).arg("-o").arg(dir.path().join("never")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: not one line: {stderr}");
    assert!(stderr.contains(culprit) && stderr.contains(says), "{args:?}: {stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{args:?} wrote files");
}

#[test]
fn bad_input_gets_one_clear_line_and_exit_code_2() {
    // A valid tiny sweep with one flag's value replaced or added.
    let sweep = |flag: &'static str, value: &'static str| {
        let mut v = vec![
            "sweep",
            "--landscape",
            "rosenbrock",
            "--optimizer",
            "adam",
            "--x",
            "x0:-2:2",
            "--y",
            "y0:-1:3",
            "--res",
            "8",
            "--backend",
            "cpu",
        ];
        match v.iter().position(|a| *a == flag) {
            Some(i) => v[i + 1] = value,
            None => v.extend([flag, value]),
        }
        v
    };
    rejects(
        &["basins", "--landscape", "rosenbruck", "--res", "8"],
        "--landscape",
        "did you mean `rosenbrock`",
    );
    rejects(&["basins", "--optimizer", "adamm", "--res", "8"], "--optimizer", "did you mean `adam`");
    rejects(
        &["basins", "--optimizer", "adam:betta1=0.5", "--res", "8"],
        "--optimizer",
        "did you mean `beta1`",
    );
    rejects(&["basins", "--optimizer", "momentum:beta=1.5", "--res", "8"], "--optimizer", "in [0, 1)");
    rejects(&["basins", "--optimizer", "gd:lr=inf", "--res", "8"], "--optimizer", "not finite");
    rejects(&["basins", "--optimizer", "gd:lr=abc", "--res", "8"], "--optimizer", "not a number");
    rejects(&sweep("--x", "x0:2:-2"), "--x", "must be below");
    rejects(&sweep("--y", "lr:0:1:log"), "--y", "log axis needs bounds > 0");
    rejects(&sweep("--x", "lrr:0:1"), "--x", "did you mean `lr`");
    rejects(&sweep("--y", "x0:0:1"), "--y", "both axes");
    rejects(&sweep("--res", "0"), "--res", "at least one cell");
    // A grid too big for host memory is refused by the memory check, whose threshold depends
    // on the machine (a large one accepts it): it is tested where the limit can be set, with
    // the memory check itself, not here.
    rejects(&sweep("--steps", "0"), "--steps", "at least 1");
    rejects(&sweep("--threshold", "-1"), "--threshold", "> 0");
    rejects(&sweep("--start", "1,nan"), "--start", "not finite");
    rejects(&sweep("--schedule", "stepp"), "--schedule", "did you mean `step`");
    rejects(&sweep("--schedule", "step:gama=0.5"), "--schedule", "did you mean `gamma`");
    rejects(&sweep("--schedule", "exp:gamma=0"), "--schedule", "> 0");
    rejects(&sweep("--noise", "-1"), "--noise", ">= 0");
    rejects(&sweep("--clip", "nan"), "--clip", "finite");
    rejects(&["stability", "--lr", "4:0", "--res", "8"], "--lr", "must be below");
    rejects(&["stability", "--refine", "2", "--res", "8"], "--refine", "(0, 1)");
    rejects(&["basins", "--domain", "-2:2:1", "--res", "8"], "--domain", "XLO:XHI:YLO:YHI");
    rejects(&["basins", "--zoom=1,2", "--res", "8"], "--zoom", "CX,CY,SPAN");
    rejects(&["basins", "--zoom=1,2,-1", "--res", "8"], "--zoom", "must be positive");
    rejects(&["stability", "--zoom=2,-1,0.5", "--res", "8"], "--zoom", "log axis `kx` must be positive");
    rejects(&["basins", "--zoom=0.3,0,1e-9", "--res", "8"], "--x", "finer than f32 resolves");
}

#[test]
fn unknown_flags_are_usage_errors() {
    downhill().args(["basins", "--bogus"]).assert().code(2).stderr(contains("--bogus"));
    downhill()
        .args(["basins", "--box-count", "boxes", "--res", "8"])
        .assert()
        .code(2)
        .stderr(contains("--box-count").and(contains("cells, blocks")));
}

/// Every map's JSON reports its fractality next to the boundary's box-counting dimension,
/// which records how it marked and counted the boundary (`--box-count`).
#[test]
fn every_map_reports_its_fractality_and_the_box_count_method() {
    let dir = tempfile::tempdir().unwrap();
    let json = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(format!("{name}.json"))).unwrap())
            .unwrap()
    };
    downhill()
        .args([
            "basins",
            "--landscape",
            "himmelblau",
            "--res",
            "64",
            "--steps",
            "200",
            "--box-count",
            "blocks",
        ])
        .args(["--backend", "cpu", "-o"])
        .arg(dir.path().join("b"))
        .assert()
        .success()
        .stderr(contains("2x2 blocks").and(contains("Sbb")).and(contains("not Wada")));
    let b = json("b");
    assert_eq!(b["boundary_dimension"]["method"], "blocks");
    assert_eq!(b["boundary_dimension"]["box_sizes"][0], 2);
    let u = &b["uncertainty_exponent"];
    let (alpha, d) = (u["alpha"].as_f64().unwrap(), u["dimension"].as_f64().unwrap());
    assert!((alpha + d - 2.0).abs() < 1e-12 && u["eps_range"] == serde_json::json!([1, 16]), "{u}");
    assert_eq!(b["basin_entropy"]["box"], 5);
    assert!(b["basin_entropy"]["sbb"].as_f64().unwrap() < std::f64::consts::LN_2);
    assert_eq!(
        (&b["wada"]["method"], &b["wada"]["wada"], &b["wada"]["basins"]),
        (&"merging".into(), &false.into(), &4.into())
    );
    // A stability map: the default `cells`, and two classes (diverged or not), never Wada.
    downhill()
        .args(["stability", "--res", "16", "--steps", "50", "--backend", "cpu", "-o"])
        .arg(dir.path().join("s"))
        .assert()
        .success();
    let s = json("s");
    assert_eq!(s["boundary_dimension"]["method"], "cells");
    assert!(s["basin_entropy"]["sb"].as_f64().unwrap() > 0.0, "{s}");
    assert_eq!(s["wada"]["wada"], false);
    assert!(s["wada"]["reason"].as_str().unwrap().contains("at least three"), "{}", s["wada"]);
    // A trainability map: trains or not, measured the same way.
    downhill()
        .args([
            "trainability",
            "--res",
            "16",
            "--steps",
            "20",
            "--dim",
            "2",
            "--width",
            "2",
            "--box-count",
            "blocks",
        ])
        .args(["--backend", "cpu", "-o"])
        .arg(dir.path().join("t"))
        .assert()
        .success();
    let t = json("t");
    assert_eq!(t["wada"]["method"], "merging", "{t}");
    assert!(t.get("basin_entropy").is_some() && t.get("uncertainty_exponent").is_some(), "{t}");
    if !t["boundary_dimension"].is_null() {
        assert_eq!(t["boundary_dimension"]["method"], "blocks");
    }
}

#[test]
fn bad_expressions_point_at_the_column_and_exit_2() {
    let long = format!("expr:{}", "x+".repeat(3000) + "x");
    let cases: [(&str, &str); 6] = [
        ("expr:(x + y", "unbalanced `(`"),
        ("expr:x + y)", "unbalanced `)`"),
        ("expr:sinn(x)", "did you mean `sin`"),
        ("expr:x^2 +", "trailing operator"),
        ("expr:", "empty"),
        (&long, "more than the 4096 allowed"),
    ];
    for (landscape, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = downhill()
            .args(["basins", "--landscape", landscape, "--res", "4", "--backend", "cpu", "-o"])
            .arg(dir.path().join("never"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{landscape:.40}: {stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.contains("--landscape") && first.contains(says), "{landscape:.40}: {stderr}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
    // A parse error shows the expression with a caret under the culprit.
    downhill()
        .args(["trace", "--landscape", "expr:x^2 + $y", "--optimizer", "gd", "--start", "1,1"])
        .assert()
        .code(2)
        .stderr(contains("column 7").and(contains("    x^2 + $y\n          ^")));
}

#[test]
fn show_wgsl_prints_the_generated_piece() {
    downhill()
        .args(["trace", "--landscape", "expr:a*x^2 + y^2; a=3", "--optimizer", "gd", "--start", "1,1"])
        .args(["--steps", "2", "--backend", "cpu", "--show-wgsl"])
        .assert()
        .success()
        .stdout(
            contains("fn grad(p: vec2<f32>, c: vec4<f32>)")
                .and(contains("c.x"))
                .and(contains("step,x,y,loss")),
        );
}

#[test]
fn basins_label_the_minima_of_the_window_swept() {
    // bumpy written out: its default expression domain is [-2, 2]^2 (two minima), but over
    // [-6, 6]^2 the map must label all six.
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args(["basins", "--landscape", "expr:0.1*(x^2 + y^2) + sin(x)*sin(y)", "--domain=-6:6:-6:6"])
        .args(["--optimizer", "gd:lr=0.1", "--res", "8", "--steps", "10", "--backend", "cpu", "-o"])
        .arg(dir.path().join("b"))
        .assert()
        .success();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let attractors = meta["attractors"].as_array().unwrap();
    assert_eq!(attractors.iter().filter(|a| a["found"] == false).count(), 6, "{attractors:?}");
}

#[test]
fn zoom_narrows_both_axes_around_the_centre() {
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args(["stability", "--zoom", "2,1,0.5", "--res", "8", "--steps", "50", "--backend", backend(), "-o"])
        .arg(dir.path().join("z"))
        .assert()
        .success();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("z.json")).unwrap()).unwrap();
    let bounds = |a: &str| (meta["axes"][a]["lo"].as_f64().unwrap(), meta["axes"][a]["hi"].as_f64().unwrap());
    // lr: 0..4 (linear) becomes 1.75..2.25; kx: 0.1..10 (two decades, log) shrinks by the
    // same factor 8 to a quarter decade around 1.
    let ((xlo, xhi), (ylo, yhi)) = (bounds("x"), bounds("y"));
    assert!((xlo - 1.75).abs() < 1e-12 && (xhi - 2.25).abs() < 1e-12, "{xlo} {xhi}");
    assert!(
        (ylo - 10f64.powf(-0.125)).abs() < 1e-12 && (yhi - 10f64.powf(0.125)).abs() < 1e-12,
        "{ylo} {yhi}"
    );
}

/// The plot rectangle `[left, top, width, height]` and pixels per cell from a figure's JSON.
fn plot_rect(json: &std::path::Path) -> ([u32; 4], u32) {
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let p = &meta["image"]["plot"];
    let get = |k: &str| p[k].as_u64().unwrap() as u32;
    (
        [get("left"), get("top"), get("width"), get("height")],
        meta["image"]["pixels_per_cell"][0].as_u64().unwrap() as u32,
    )
}

#[test]
fn overlays_land_on_the_pixels_of_their_coordinates() {
    // GD's analytic boundary lr = 2/k passes through (lr 2, k 1): the middle of a map with
    // lr in 0..4 and k in 0.1..10 (log), drawn in white.
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args(["stability", "--res", "32", "--steps", "100", "--backend", backend(), "-o"])
        .arg(dir.path().join("s"))
        .assert()
        .success();
    let ([left, top, w, h], _) = plot_rect(&dir.path().join("s.json"));
    let img = image::open(dir.path().join("s.png")).unwrap().to_rgb8();
    let (cx, cy) = (left + w / 2, top + h / 2);
    let white =
        (cx - 2..=cx + 2).any(|x| (cy - 2..=cy + 2).any(|y| img.get_pixel(x, y).0 == [255, 255, 255]));
    assert!(white, "no boundary pixel near ({cx}, {cy})");
    // Far from the curve (lr 0.5, k 0.2 is stable; lr 3.5, k 8 diverged) there is none.
    assert_ne!(img.get_pixel(left + w / 8, top + h * 7 / 8).0, [255, 255, 255]);

    // Basin maps ring every minimum: bumpy's (-1.30, 1.30) on the default [-6, 6]^2 window.
    downhill()
        .args(["basins", "--res", "48", "--steps", "20", "--backend", backend(), "-o"])
        .arg(dir.path().join("b"))
        .assert()
        .success();
    let ([left, top, w, h], _) = plot_rect(&dir.path().join("b.json"));
    let img = image::open(dir.path().join("b.png")).unwrap().to_rgb8();
    let px = |x: f64, y: f64| {
        (left + ((x + 6.0) / 12.0 * w as f64) as u32, top + ((6.0 - y) / 12.0 * h as f64) as u32)
    };
    let (mx, my) = px(-1.2977, 1.2977);
    assert_eq!(img.get_pixel(mx, my).0, [255, 255, 255], "ring centre at ({mx}, {my})");
}

#[test]
fn basin_legends_have_an_entry_per_basin() {
    use downhill::render::colormap;
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args([
            "basins",
            "--optimizer",
            "gd:lr=0.1",
            "--res",
            "32",
            "--steps",
            "200",
            "--backend",
            backend(),
            "-o",
        ])
        .arg(dir.path().join("b"))
        .assert()
        .success();
    let ([left, _, w, _], _) = plot_rect(&dir.path().join("b.json"));
    let img = image::open(dir.path().join("b.png")).unwrap().to_rgb8();
    let csv = std::fs::read_to_string(dir.path().join("b.basins.csv")).unwrap();
    let basins: Vec<usize> = csv
        .lines()
        .skip(1)
        .enumerate()
        .filter(|(_, l)| l.contains(",minimum,") || l.contains(",attractor,"))
        // fraction is the fourth field from the end (labels contain commas).
        .filter(|(_, l)| l.rsplit(',').nth(3).unwrap().parse::<f64>().unwrap() > 0.0)
        .map(|(k, _)| k)
        .collect();
    assert!(basins.len() >= 4, "{csv}");
    for k in basins {
        let swatch = colormap::category(k);
        let found = img.enumerate_pixels().any(|(x, _, p)| x > left + w && p.0 == swatch);
        assert!(found, "no legend swatch for basin {k}");
    }
}

/// Names of the entries of `dir`, sorted.
fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn inputs_refused_up_front_name_the_flag_and_the_range() {
    let paths = |extra: &[&'static str]| {
        let mut v = vec!["paths", "--landscape", "bumpy", "--optimizer", "gd", "--start", "0,0"];
        v.extend(["--steps", "3", "--size", "64", "--backend", "cpu"]);
        v.extend(extra);
        v
    };
    for tol in ["nan", "inf", "-1"] {
        rejects(&paths(&["--tol", tol]), "--tol", ">= 0");
    }
    rejects(&paths(&["--domain", "1:1:0:1"]), "--domain", "window 1:1 is empty");
    rejects(&["basins", "--domain", "0:1:2:2", "--res", "4"], "--domain", "window 2:2 is empty");
    rejects(
        &["stability", "--res", "4", "--refine", "--refine-steps", "0"],
        "--refine-steps",
        "1 to 2000000",
    );
    rejects(&["stability", "--res", "4", "--refine", "1e-45"], "--refine", "finer than f32 resolves");
    let nn = |extra: &[&'static str]| {
        let mut v = vec!["trainability", "--res", "4", "--backend", "cpu"];
        v.extend(extra);
        v
    };
    rejects(&nn(&["--steps", "4294967295"]), "--steps", "1 to 100000000");
    rejects(&nn(&["--steps", "3", "--batch", "100000"]), "--batch", "more than the 272 data points");
    let title = "t".repeat(300);
    let title: &'static str = Box::leak(title.into_boxed_str());
    rejects(&["basins", "--res", "4", "--title", title], "--title", "at most 200");
}

#[test]
fn messages_name_the_right_flag_once_and_cut_long_values() {
    // The output-layer rate is named, without an internal vector.
    let nn = ["trainability", "--res", "4", "--steps", "3", "--backend", "cpu", "--lr1", "nan"];
    let dir = tempfile::tempdir().unwrap();
    let out = downhill().args(nn).arg("-o").arg(dir.path().join("t")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--lr1") && !stderr.contains("--lr0") && !stderr.contains('['), "{stderr}");
    // `-o .` names -o (there is no --name flag).
    let out = downhill().args(["basins", "--res", "4", "-o", "."]).current_dir(dir.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--out") && !stderr.contains("--name"), "{stderr}");
    // A 100 KB bad value is echoed cut to 80 characters.
    let huge = "7".repeat(100_000);
    let out = downhill().args(["basins", "--res", &huge, "-o"]).arg(dir.path().join("h")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.len() < 300 && stderr.contains('…'), "{}", &stderr[..stderr.len().min(400)]);
    // An OS error is printed once, not once more as its own cause.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let out = downhill()
        .args(["basins", "--res", "4", "--steps", "3", "--backend", "cpu", "-o"])
        .arg(dir.path().join("file/sub/x"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("os error").count(), 1, "{stderr}");
    // A usage error is one line too.
    let out = downhill().args(["basins", "--rse", "4"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), stderr.trim().lines().count()), (Some(2), 1), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_non_utf8_prefix_is_refused_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join(std::ffi::OsStr::from_bytes(b"bad\xff"));
    let commands: [&[&str]; 5] = [
        &["basins", "--res", "4", "--steps", "3"],
        &["stability", "--res", "4", "--steps", "3"],
        &[
            "sweep",
            "--landscape",
            "bumpy",
            "--optimizer",
            "gd",
            "--x",
            "x0:-1:1",
            "--y",
            "y0:-1:1",
            "--res",
            "4",
        ],
        &["paths", "--landscape", "bumpy", "--optimizer", "gd", "--start", "0,0", "--steps", "3"],
        &["trainability", "--res", "4", "--steps", "3"],
    ];
    for args in commands {
        let out = downhill().args(args).args(["--backend", "cpu", "-o"]).arg(&prefix).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("--out") && stderr.contains("UTF-8"), "{args:?}: {stderr}");
        assert!(entries(dir.path()).is_empty(), "{args:?} wrote files");
    }
}

#[test]
fn the_recorded_command_pastes_back_into_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("it's here");
    downhill()
        .args(["basins", "--landscape", "expr:x^2 + y^2", "--res", "4", "--steps", "3", "--backend", "cpu"])
        .arg("-o")
        .arg(&prefix)
        .assert()
        .success();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("it's here.json")).unwrap()).unwrap();
    let command = meta["command"].as_str().unwrap();
    let words = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("for a in {command}; do :; done; set -- {command}; printf '%s\\n' \"$@\""))
        .output()
        .unwrap();
    let words = String::from_utf8(words.stdout).unwrap();
    let words: Vec<&str> = words.lines().collect();
    assert!(words.contains(&"expr:x^2 + y^2"), "{command}: {words:?}");
    assert!(words.contains(&prefix.to_str().unwrap()), "{command}: {words:?}");
}

#[test]
fn a_directory_in_the_way_leaves_no_partial_set_and_no_temporaries() {
    for occupied in ["x.json", "x.npz", "x.png"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(occupied)).unwrap();
        let out = downhill()
            .args(["basins", "--res", "4", "--steps", "3", "--backend", "cpu", "-o"])
            .arg(dir.path().join("x"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{occupied}: {stderr}");
        assert!(stderr.contains(occupied) && stderr.contains("directory is in the way"), "{stderr}");
        assert_eq!(entries(dir.path()), [occupied], "{occupied}");
    }
}

/// Runs a tiny basin map in `dir` that pauses after each staged file, signals it once a
/// temporary exists, and returns its exit code.
#[cfg(unix)]
fn interrupted_run(dir: &std::path::Path, signal: &str) -> Option<i32> {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(["basins", "--res", "4", "--steps", "3", "--backend", "cpu", "-o"])
        .arg(dir.join("x"))
        .env(downhill::output::STALL_ENV, "3000")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !entries(dir).iter().any(|n| n.ends_with(".downhill-tmp")) {
        assert!(started.elapsed().as_secs() < 60, "no temporary appeared");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let killed = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted"), "{stderr}");
    out.status.code()
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_in_the_write_phase_remove_the_temporaries() {
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(interrupted_run(dir.path(), signal), Some(code), "{signal}");
        assert!(entries(dir.path()).is_empty(), "{signal}: {:?}", entries(dir.path()));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_one_line_without_zip_noise_or_temporaries() {
    // Files above 40 KiB fail with EFBIG (SIGXFSZ ignored): the PNG fits, the .npz does not.
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_downhill");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 40; exec \"$0\" basins --res 64 --steps 3 --size 64 --backend cpu -o \"$1\"")
        .arg(bin)
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("x.npz") && stderr.contains("File too large"), "{stderr}");
    assert!(!stderr.contains("ZipWriter"), "{stderr}");
    assert_eq!(stderr.matches("os error").count(), 1, "{stderr}");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

/// Renders `toml` as a figure file; asserts exit code 2, one line naming `culprit` and
/// containing `says`, and nothing written.
fn file_rejects(toml: &str, culprit: &str, says: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("figs.toml");
    std::fs::write(&file, toml).unwrap();
    let out = downhill().arg("render").arg(&file).args(["--backend", "cpu"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{toml}: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{toml}: {stderr}");
    assert!(stderr.contains(culprit) && stderr.contains(says), "{toml}: {stderr}");
    assert_eq!(entries(dir.path()), ["figs.toml"], "{toml}");
}

#[test]
fn figure_files_get_the_command_lines_checks_before_anything_is_written() {
    let good = "[[figure]]\nname = \"a\"\nres = 4\nsteps = 3\n";
    let paths = |field: &str| {
        format!(
            "{good}\n[[figure]]\nname = \"p\"\nkind = \"paths\"\nsize = 64\nsteps = 3\nstarts = [[0.0, 0.0]]\n{field}\n"
        )
    };
    file_rejects(
        &paths("steps = 0").replace("steps = 3\nstarts", "starts"),
        "figure `p`: steps",
        "at least 1",
    );
    file_rejects(&paths("clip = nan"), "figure `p`: clip", "finite");
    file_rejects(&paths("").replace("starts = [[0.0, 0.0]]", "starts = []"), "figure `p`: starts", "empty");
    file_rejects(&paths("tol = -1.0"), "figure `p`: tol", ">= 0");
    file_rejects(&paths("domain = [1.0, 1.0, 0.0, 1.0]"), "figure `p`: domain", "empty");
    file_rejects(&paths("size = 100000").replace("size = 64\n", ""), "figure `p`: size", "16 to 8192");
    file_rejects(&paths("ratio = 9"), "figure `p`: ratio", "1 to 4");
    file_rejects(
        &paths("box_count = \"blocks\""),
        "figure `p`: box-count",
        "does not apply to a path figure",
    );
    file_rejects(&format!("{good}box_count = \"boxes\"\n"), "figs.toml", "unknown variant `boxes`");
    file_rejects(
        &format!("{}title = \"{}\"\n", good, "t".repeat(100_000)),
        "figure `a`: title",
        "at most 200",
    );
    file_rejects(&format!("{good}refine_steps = 0\nrefine = 0.01\n"), "figure `a`: refine-steps", "1 to");
    file_rejects(&format!("{good}kind = \"trainability\"\nlr1 = nan\n"), "figure `a`: lr1", "finite");
    let long = "n".repeat(300);
    file_rejects(&good.replace("name = \"a\"", &format!("name = \"{long}\"")), ": name", "at most 200 bytes");
}

#[test]
fn a_png_recipe_gets_the_same_checks_as_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("bad.png");
    let recipe =
        "[[figure]]\nname = \"p\"\nkind = \"paths\"\nsteps = 3\nstarts = [[0.0, 0.0]]\nsize = 100000\n";
    let mut set = downhill::output::OutputSet::new();
    let img = image::RgbImage::new(4, 4);
    set.png(&png, &img, &[(downhill::recipe::RECIPE_KEY, recipe.to_string())]).unwrap();
    set.commit().unwrap();
    let out = downhill().arg("render").arg(&png).args(["--backend", "cpu"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("figure `p`: size") && stderr.contains("16 to 8192"), "{stderr}");
    assert_eq!(entries(dir.path()), ["bad.png"]);
}

#[test]
fn trace_takes_an_output_prefix_like_every_other_command() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("t");
    downhill()
        .args(["trace", "--landscape", "bumpy", "--optimizer", "gd", "--start", "1,1", "--steps", "3"])
        .args(["--backend", "cpu", "-o"])
        .arg(&prefix)
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    assert!(text.starts_with("step,x,y,loss,sharpness\n0,1,1,") && text.lines().count() == 5, "{text}");
}
