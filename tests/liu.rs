//! Liu (2024)'s 1-D learning-rate sweeps through the CLI: a one-row map draws as a profile of
//! the loss and reports the crossing-count dimension, a map over roughness writes one
//! dimension per row, and one-row maps (only they) take up to 2^20 + 1 columns.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

fn downhill() -> Command {
    let mut c = Command::cargo_bin("downhill").unwrap();
    c.env("NODEVICE_SELECT", "1");
    c
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_one_row_lr_sweep_draws_a_loss_profile_and_reports_its_crossing_dimension() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("exp1");
    downhill()
        .args(["sweep", "--landscape", "liu:roughness=20,wavelength=0.1", "--optimizer", "gd"])
        .args(["--x", "lr:0:1.5", "--y", "roughness:20", "--start", "1,0", "--res", "4097x1"])
        .args(["--steps", "300", "--threshold", "1e4", "--backend", "cpu", "-o"])
        .arg(&prefix)
        .assert()
        .success()
        .stderr(contains("crossing dimension"));
    let meta = json(&dir.path().join("exp1.json"));
    let c = &meta["crossing_dimension"];
    assert_eq!(c["intervals"].as_array().unwrap().len(), 13, "{c}");
    assert_eq!(c["intervals"][12], 4096);
    assert!(c["dimension"].is_f64() && !c["resolutions"].as_array().unwrap().is_empty(), "{c}");
    assert!(c.get("rows").is_none());
    assert!(meta["title"].as_str().unwrap().contains("at roughness = 20, 4097 cells"), "{}", meta["title"]);
    // A profile at the default size, not a strip a pixel per cell wide.
    let img = image::open(dir.path().join("exp1.png")).unwrap();
    assert!(img.width() < 2500 && img.height() > img.width() / 4, "{}x{}", img.width(), img.height());
}

#[test]
fn a_sweep_over_roughness_writes_one_crossing_dimension_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("rough");
    downhill()
        .args(["sweep", "--landscape", "liu:wavelength=0.1", "--optimizer", "gd"])
        .args(["--x", "lr:0:1.5", "--y", "roughness:0.001:20:log", "--start", "5,0", "--res", "1025x4"])
        .args(["--steps", "300", "--threshold", "1e4", "--backend", "cpu", "-o"])
        .arg(&prefix)
        .assert()
        .success();
    let csv = std::fs::read_to_string(dir.path().join("rough.crossing.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "roughness,dimension,std_error");
    assert_eq!(lines.len(), 5, "{csv}");
    // The two lowest rows (roughness 0.0034 and 0.041) are convex: one edge, dimension 0.
    for line in &lines[1..3] {
        assert_eq!(line.split(',').nth(1), Some("0"), "{csv}");
    }
    let rows = json(&dir.path().join("rough.json"))["crossing_dimension"]["rows"].clone();
    assert_eq!(rows.as_array().unwrap().len(), 4);
    assert!((rows[0]["y"].as_f64().unwrap() - 0.00343).abs() < 1e-4, "{}", rows[0]);
}

#[test]
fn only_one_row_maps_take_up_to_two_to_the_twenty_plus_one_columns() {
    for (res, says) in
        [("1048578x1", "1048577 allowed in a one-row map"), ("65537x2", "65536 allowed per axis")]
    {
        let dir = tempfile::tempdir().unwrap();
        downhill()
            .args([
                "sweep",
                "--landscape",
                "liu",
                "--optimizer",
                "gd",
                "--x",
                "lr:0:1.5",
                "--y",
                "roughness:20",
            ])
            .args(["--res", res, "--backend", "cpu", "-o"])
            .arg(dir.path().join("no"))
            .assert()
            .code(2)
            .stderr(contains("--res").and(contains(says)));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{res}: output left behind");
    }
}
