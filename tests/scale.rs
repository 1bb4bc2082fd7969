//! Maps in parts: shards of an array job (by flag and by the scheduler's environment) merged
//! into exactly what a single run writes, a killed run resumed to the same outputs, and
//! merges of incomplete or mixed shard sets refused with the culprit named.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;

/// A small basin map with a non-trivial basin structure (four minima, a fractal-free
/// boundary): 40 rows, so 4 shards get several tiles each.
const MAP: [&str; 8] = ["basins", "--landscape", "himmelblau", "--res", "40x40", "--steps", "150", "-o"];

fn downhill(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("downhill").unwrap();
    c.env("NODEVICE_SELECT", "1").current_dir(dir);
    for v in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "DOWNHILL_SHARDS"] {
        c.env_remove(v);
    }
    c
}

/// The map's arguments with `-o fig` and the backend the GPU tests use.
fn map_args() -> Vec<&'static str> {
    let mut a = MAP.to_vec();
    a.extend(["fig", "--backend", common::gpu_backend()]);
    a
}

/// PNG, npz and basin CSV of `fig` in both folders are the same bytes.
fn assert_same_outputs(a: &Path, b: &Path) {
    for ext in ["png", "npz", "basins.csv"] {
        let (x, y) = (
            std::fs::read(a.join(format!("fig.{ext}"))).unwrap(),
            std::fs::read(b.join(format!("fig.{ext}"))).unwrap(),
        );
        assert!(x == y, "fig.{ext} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn four_shards_by_flag_and_by_slurm_merge_into_the_single_run() {
    let root = tempfile::tempdir().unwrap();
    let [single, shards, merged] = ["single", "shards", "merged"].map(|d| root.path().join(d));
    for d in [&single, &shards, &merged] {
        std::fs::create_dir(d).unwrap();
    }
    downhill(&single).args(map_args()).assert().success();
    // Shards 1 and 3 by flag; 2 and 4 as Slurm array tasks 11 and 13 of an array from 10.
    for i in [1, 3] {
        downhill(&shards).args(map_args()).args(["--shard", &format!("{i}/4")]).assert().success();
    }
    for id in ["11", "13"] {
        downhill(&shards)
            .args(map_args())
            .env("SLURM_ARRAY_TASK_ID", id)
            .env("SLURM_ARRAY_TASK_MIN", "10")
            .env("SLURM_ARRAY_TASK_COUNT", "4")
            .assert()
            .success()
            .stderr(contains(format!("shard {}/4", id.parse::<u32>().unwrap() - 9)));
    }
    let files: Vec<String> = (1..=4).map(|i| format!("../shards/fig.shard-{i}-of-4.npz")).collect();
    assert!(!shards.join("fig.png").exists(), "a shard writes only its shard file");
    downhill(&merged).arg("merge").args(&files).args(["-o", "fig"]).assert().success();
    assert_same_outputs(&single, &merged);
    // A map of several tiles too large to hold (here: of more than no cells) is merged
    // through the run folder, never held whole.
    let streamed = root.path().join("streamed");
    std::fs::create_dir(&streamed).unwrap();
    downhill(&streamed)
        .arg("merge")
        .args(&files)
        .args(["-o", "fig"])
        .env("DOWNHILL_TILE_ROWS", "8")
        .env("DOWNHILL_STREAM_CELLS", "0")
        .assert()
        .success()
        .stderr(contains("tile by tile through fig.run"));
    assert_same_outputs(&single, &streamed);
    assert!(!streamed.join("fig.run").exists(), "the run folder goes once the outputs are written");
}

#[test]
fn a_killed_run_resumes_to_the_outputs_of_an_uninterrupted_one() {
    let root = tempfile::tempdir().unwrap();
    let [whole, killed] = ["whole", "killed"].map(|d| root.path().join(d));
    for d in [&whole, &killed] {
        std::fs::create_dir(d).unwrap();
    }
    // 10 tiles of 4 rows, held whole (and too quick to save any).
    downhill(&whole).args(map_args()).env("DOWNHILL_TILE_ROWS", "4").assert().success();
    assert!(!whole.join("fig.run").exists(), "the run folder goes once the outputs are written");

    let bin = assert_cmd::cargo::cargo_bin("downhill");
    let mut child = std::process::Command::new(bin)
        .args(map_args())
        .current_dir(&killed)
        .env("NODEVICE_SELECT", "1")
        .env("DOWNHILL_TILE_ROWS", "4")
        .env("DOWNHILL_CHECKPOINT_AFTER_S", "0")
        .env("DOWNHILL_TEST_TILE_STALL_MS", "400")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let tiles = |dir: &Path| {
        std::fs::read_dir(dir.join("fig.run"))
            .map(|d| {
                d.filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "tile")).count()
            })
            .unwrap_or(0)
    };
    let started = Instant::now();
    while tiles(&killed) < 3 {
        assert!(started.elapsed() < Duration::from_secs(120), "no tiles saved");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = tiles(&killed);
    assert!(kept < 10 && !killed.join("fig.png").exists(), "killed part way ({kept} tiles)");

    // Resumed streaming from the run folder, which the killed run filled holding the map.
    downhill(&killed)
        .args(map_args())
        .args(["--resume"])
        .env("DOWNHILL_TILE_ROWS", "4")
        .env("DOWNHILL_STREAM_CELLS", "0")
        .assert()
        .success()
        .stderr(contains(format!("resuming from {kept} of 10 tiles")));
    assert_same_outputs(&whole, &killed);
    assert!(!killed.join("fig.run").exists());
}

#[test]
fn merges_of_missing_twice_given_or_foreign_shards_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 1..=4 {
        downhill(d).args(MAP).args(["fig", "--shard", &format!("{i}/4")]).assert().success();
    }
    // Another figure (more steps): its own spec hash.
    let mut other = MAP.to_vec();
    other[6] = "151";
    downhill(d).args(other).args(["other", "--shard", "2/4"]).assert().success();

    let merge = |files: &[&str]| downhill(d).arg("merge").args(files).args(["-o", "out"]).assert().code(2);
    merge(&["fig.shard-1-of-4.npz", "fig.shard-3-of-4.npz"])
        .stderr(contains("2 of 4 shards missing: 2/4, 4/4"));
    merge(&["fig.shard-1-of-4.npz", "fig.shard-1-of-4.npz", "fig.shard-2-of-4.npz"])
        .stderr(contains("shard 1/4 is given twice"));
    merge(&[
        "fig.shard-1-of-4.npz",
        "other.shard-2-of-4.npz",
        "fig.shard-3-of-4.npz",
        "fig.shard-4-of-4.npz",
    ])
    .stderr(contains("other.shard-2-of-4.npz").and(contains("another figure")));
    merge(&["fig.png.missing"]).stderr(contains("fig.png.missing"));
    assert!(!d.join("out.png").exists(), "a refused merge writes nothing");

    // A run folder of another figure is not resumed.
    std::fs::create_dir(d.join("fig.run")).unwrap();
    std::fs::write(d.join("fig.run/spec"), "0123456789abcdef\n").unwrap();
    downhill(d).args(MAP).args(["fig", "--resume"]).assert().code(2).stderr(contains("fig.run"));
    downhill(d).args(MAP).args(["fig", "--shard", "5/4"]).assert().code(2).stderr(contains("--shard"));
}

#[test]
fn render_shards_split_a_figure_file_figure_by_figure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let figure =
        |name: &str| format!("[[figure]]\nname = \"{name}\"\nkind = \"basins\"\nres = 8\nsteps = 5\n\n");
    std::fs::write(d.join("f.toml"), ["a", "b", "c"].map(figure).concat()).unwrap();
    downhill(d).args(["render", "f.toml", "--shard", "2/2", "--backend", "cpu"]).assert().success();
    let written: Vec<bool> = ["a", "b", "c"].map(|n| d.join(format!("{n}.png")).exists()).to_vec();
    assert_eq!(written, [false, true, false]);
    downhill(d)
        .args(["render", "f.toml", "--backend", "cpu"])
        .env("JOB_COMPLETION_INDEX", "0")
        .env("DOWNHILL_SHARDS", "2")
        .assert()
        .success();
    assert!(d.join("a.png").exists() && d.join("c.png").exists());
}

#[test]
fn an_animation_split_map_by_map_merges_into_the_single_run() {
    let root = tempfile::tempdir().unwrap();
    let [single, shards, merged] = ["single", "shards", "merged"].map(|d| root.path().join(d));
    for d in [&single, &shards, &merged] {
        std::fs::create_dir(d).unwrap();
    }
    let figure = "[[figure]]\nname = \"beta\"\nkind = \"stability\"\noptimizer = \"momentum\"\nres = 16\n\
                  steps = 100\nanimate = { param = \"beta\", from = 0.0, to = 0.9, frames = 4 }\n";
    std::fs::write(root.path().join("f.toml"), figure).unwrap();
    let render = |dir: &Path| {
        let mut c = downhill(dir);
        c.args(["render", "../f.toml", "-o", ".", "--backend", "cpu"]);
        c
    };
    render(&single).assert().success();
    // Three shards of four frames: the first takes frames 1 and 4.
    for i in 1..=3 {
        render(&shards).args(["--shard", &format!("{i}/3")]).assert().success();
    }
    assert!(!shards.join("beta.png").exists(), "a shard writes only its shard file");
    let files: Vec<String> = (1..=3).map(|i| format!("../shards/beta.shard-{i}-of-3.npz")).collect();
    downhill(&merged).arg("merge").args(&files).args(["-o", "beta"]).assert().success();
    let (a, b) =
        (std::fs::read(single.join("beta.png")).unwrap(), std::fs::read(merged.join("beta.png")).unwrap());
    assert!(a == b, "the merged animation differs from the single run's");

    // A figure that is not a map runs whole.
    let paths = "[[figure]]\nname = \"p\"\nkind = \"paths\"\nsteps = 10\n";
    std::fs::write(root.path().join("p.toml"), paths).unwrap();
    downhill(&shards)
        .args(["render", "../p.toml", "--shard", "1/2", "--backend", "cpu"])
        .assert()
        .code(2)
        .stderr(contains("--shard").and(contains("not a map")));
}
