//! Figures for posts: the shipped gallery file renders entry by entry, figure files report the
//! figure and field at fault, every PNG carries the recipe that re-renders it, panels share
//! one frame and animations have one frame per value.

mod common;

use std::path::Path;

use assert_cmd::Command;
use downhill::batch;
use downhill::gallery;
use downhill::recipe::{self, Recipe, RecipeKind, Res};
use downhill::runner::{Backend, BackendChoice};
use predicates::prelude::*;
use predicates::str::contains;

fn downhill() -> Command {
    let mut c = Command::cargo_bin("downhill").unwrap();
    c.env("NODEVICE_SELECT", "1");
    c
}

/// The run backend: the GPU (a missing adapter fails the test), or `auto` when the run opted
/// out with `DOWNHILL_SKIP_GPU=1`.
fn backend() -> &'static str {
    common::gpu_backend()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A gallery entry cut down to a tiny grid, few steps, a small image and two frames.
fn tiny(r: &Recipe) -> Recipe {
    let mut r = r.clone();
    r.steps = Some(r.steps.unwrap_or(100).min(40));
    r.size = Some(48);
    if r.kind != RecipeKind::Paths {
        r.res = Some(Res::Square(12));
    }
    if let Some(a) = &mut r.animate {
        a.frames = 2;
    }
    if r.refine.is_some() {
        r.refine = Some(1e-2);
        r.refine_steps = Some(200);
    }
    r
}

#[test]
fn every_gallery_entry_parses_and_renders_at_a_tiny_size() {
    let file = gallery::figures().expect("the shipped gallery parses");
    assert!(file.figure.len() >= 8);
    let dir = tempfile::tempdir().unwrap();
    let mut cpu = Backend::open(BackendChoice::Cpu, &mut |_| {}).unwrap();
    for r in &file.figure {
        let small = tiny(r);
        let plan = small.plan(dir.path(), "test", false).unwrap_or_else(|e| panic!("{}: {e}", r.name));
        let report = batch::run_plan(&mut cpu, &plan).unwrap_or_else(|e| panic!("{}: {e}", r.name));
        let png = dir.path().join(format!("{}.png", r.name));
        assert!(report.files.contains(&png), "{}: {:?}", r.name, report.files);
        image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", r.name));
        assert_eq!(recipe::from_png(&png).unwrap(), small, "{}: the PNG carries its recipe", r.name);
        assert!(dir.path().join(format!("{}.json", r.name)).is_file());
        if r.kind == RecipeKind::Paths {
            assert!(dir.path().join(format!("{}.loss.png", r.name)).is_file());
        }
    }
    // The README shows every figure with its entry.
    let readme = batch::readme(&file, gallery::PATH);
    for r in &file.figure {
        assert!(
            readme.contains(&format!("![{0}]({0}.png)", r.name))
                && readme.contains(&format!("name = \"{}\"", r.name))
        );
    }
}

#[test]
fn the_gallery_covers_the_figures_a_post_needs() {
    let file = gallery::figures().unwrap();
    let has = |pred: &dyn Fn(&Recipe) -> bool| file.figure.iter().any(pred);
    let opts = |r: &Recipe| r.optimisers().unwrap().join(" ");
    assert!(
        has(&|r| r.kind == RecipeKind::Paths && r.landscape.as_deref() == Some("ravine")),
        "ravine paths"
    );
    assert!(
        has(&|r| r.kind == RecipeKind::Paths && r.landscape.as_deref() == Some("saddle")),
        "saddle escape"
    );
    assert!(has(&|r| r.kind == RecipeKind::Paths && opts(r).matches("gd:lr=").count() >= 4), "lr sweep");
    assert!(has(&|r| r.kind == RecipeKind::Basins && r.optimisers().unwrap().len() == 3), "basins x3");
    assert!(has(&|r| r.kind == RecipeKind::Stability && opts(r) == "gd"), "GD lr-k map");
    assert!(has(&|r| r.kind == RecipeKind::Stability && opts(r).starts_with("momentum")), "heavy ball");
    assert!(has(&|r| opts(r).contains("bias_correction=0")), "Adam without bias correction");
    assert!(has(&|r| r.animate.is_some()), "an animation");
    assert!(has(&|r| r.kind == RecipeKind::Trainability), "a trainability map");
}

#[test]
fn a_png_renders_again_from_its_own_recipe() {
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args([
            "basins",
            "--optimizer",
            "momentum:lr=0.05",
            "--res",
            "16",
            "--steps",
            "30",
            "--cmap",
            "magma",
        ])
        .args(["--backend", backend(), "-o"])
        .arg(dir.path().join("a/fig"))
        .assert()
        .success();
    let first = dir.path().join("a/fig.png");
    let r = recipe::from_png(&first).unwrap();
    assert_eq!(r.optimizer.as_deref(), Some("momentum:lr=0.05"));
    assert_eq!((r.steps, r.cmap.map(|c| c.name())), (Some(30), Some("magma")));
    downhill()
        .arg("render")
        .arg(&first)
        .args(["--backend", backend(), "-o"])
        .arg(dir.path().join("b"))
        .assert()
        .success();
    let again = dir.path().join("b/fig.png");
    let (a, b) = (image::open(&first).unwrap().to_rgb8(), image::open(&again).unwrap().to_rgb8());
    assert_eq!(a.dimensions(), b.dimensions());
    assert!(a.pixels().zip(b.pixels()).all(|(p, q)| p == q), "re-rendered pixels differ");
}

#[test]
fn panels_share_one_frame_and_animations_have_a_frame_per_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("figs.toml");
    std::fs::write(
        &file,
        r#"
[[figure]]
name = "three"
kind = "basins"
optimizers = ["gd:lr=0.1", "momentum:lr=0.05", "adam:lr=0.1"]
res = 16
steps = 30

[[figure]]
name = "anim"
kind = "stability"
optimizer = "momentum"
res = 8
steps = 30
animate = { param = "beta", from = 0.0, to = 0.9, frames = 3 }
"#,
    )
    .unwrap();
    downhill().arg("render").arg(&file).args(["--backend", backend(), "--readme"]).assert().success();
    let meta = json(&dir.path().join("three.json"));
    assert_eq!(meta["image"]["panels"].as_array().unwrap().len(), 3);
    assert_eq!(meta["maps"].as_array().unwrap().len(), 3);
    for k in 1..=3 {
        assert!(dir.path().join(format!("three.panel{k}.basins.csv")).is_file());
    }
    let decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(dir.path().join("anim.png")).unwrap()));
    let reader = decoder.read_info().unwrap();
    assert_eq!(reader.info().animation_control.map(|a| a.num_frames), Some(3));
    let anim = json(&dir.path().join("anim.json"));
    assert_eq!(anim["animate"]["values"], serde_json::json!([0.0, 0.45, 0.9]));
    assert!(std::fs::read_to_string(dir.path().join("README.md")).unwrap().contains("![anim](anim.png)"));
}

#[test]
fn broken_figure_files_name_the_figure_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[[figure]]\nname = \"a\"\nstepz = 3\n", "unknown field `stepz`", "did you mean `steps`"),
        ("[[figure]]\nname = \"a\"\noptimizer = \"adamm\"\n", "figure `a`: optimizer", "did you mean `adam`"),
        ("[[figure]]\nname = \"a\"\nkind = \"sweep\"\nx = \"lr:0:4\"\n", "figure `a`: y", "both axes"),
        ("[[figure]]\nname = \"a\"\n[[figure]]\nname = \"a\"\n", "figure `a`: name", "two figures"),
        ("[[figure]]\nname = \"a\"\nres = 0\n", "figure `a`: res", ""),
        ("[[figure]]\nname = \"../up\"\n", "figure `../up`: name", "relative path"),
        ("[[figure]\nname = \"a\"\n", "figs.toml", "line 1"),
        ("", "figs.toml", "no [[figure]]"),
    ];
    for (text, culprit, says) in cases {
        let file = dir.path().join("figs.toml");
        std::fs::write(&file, text).unwrap();
        downhill().arg("render").arg(&file).args(["--backend", "cpu"]).assert().code(2).stderr(
            contains(culprit).and(contains(says)).and(predicate::function(|s: &str| s.lines().count() == 1)),
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 1, "{text}: wrote {left:?}");
    }
    // A PNG without a recipe, and a missing file.
    let png = dir.path().join("plain.png");
    image::RgbImage::new(4, 4).save(&png).unwrap();
    downhill().arg("render").arg(&png).assert().code(2).stderr(contains("carries no downhill recipe"));
    downhill()
        .arg("render")
        .arg(dir.path().join("nope.toml"))
        .assert()
        .code(2)
        .stderr(contains("cannot read"));
}

#[test]
fn path_figures_write_paths_loss_curves_and_every_iterate() {
    let dir = tempfile::tempdir().unwrap();
    downhill()
        .args(["paths", "--landscape", "ravine", "--optimizer", "gd:lr=0.01", "--optimizer", "adam:lr=0.05"])
        .args(["--start=-1.5,2.5", "--start", "1.5,2", "--steps", "50", "--backend", backend(), "-o"])
        .arg(dir.path().join("p"))
        .assert()
        .success()
        .stderr(contains("4 paths x 50 steps"));
    let csv = std::fs::read_to_string(dir.path().join("p.csv")).unwrap();
    assert!(csv.starts_with("optimizer,start_x,start_y,step,x,y,loss,sharpness,preconditioned_sharpness\n"));
    assert!(dir.path().join("p.sharpness.png").exists(), "the sharpness panel");
    assert_eq!(csv.lines().count(), 1 + 4 * 51, "every iterate from step 0");
    let meta = json(&dir.path().join("p.json"));
    assert_eq!(meta["paths"].as_array().unwrap().len(), 4);
    // The start marker sits at its data coordinates: (-1.5, 2.5) on the [-2, 2] x [-1, 3] window.
    let p = &meta["image"]["plot"];
    let get = |k: &str| p[k].as_u64().unwrap() as f64;
    let (x, y) = (get("left") + 0.125 * get("width"), get("top") + 0.125 * get("height"));
    let img = image::open(dir.path().join("p.png")).unwrap().to_rgb8();
    assert_eq!(img.get_pixel(x as u32, y as u32).0, [255, 255, 255], "start ring centre");
    assert!(image::open(dir.path().join("p.loss.png")).is_ok());
}
