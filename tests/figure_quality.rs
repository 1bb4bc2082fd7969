//! What a reader checks on every figure, checked on figures made to stress it: all text lands
//! inside the image, no legend label repeats, the loss chart's y range covers the losses it
//! plots, the title names every hyperparameter that is not a default, and a map whose cells
//! all look alike says why.
//!
//! Tiny grids on the CPU backend: these are about the picture, not the kernels.

use std::path::Path;

use assert_cmd::Command;

fn downhill() -> Command {
    let mut c = Command::cargo_bin("downhill").unwrap();
    c.env("NODEVICE_SELECT", "1");
    c
}

/// Runs `args` with `-o DIR/NAME` on the CPU; its stderr and its JSON.
fn run(dir: &Path, name: &str, args: &[&str]) -> (String, serde_json::Value) {
    let out = downhill().args(args).args(["--backend", "cpu", "-o"]).arg(dir.join(name)).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    (stderr, serde_json::from_str(&text).unwrap())
}

#[test]
fn text_stays_inside_the_image_however_the_figure_is_sized() {
    let dir = tempfile::tempdir().unwrap();
    let long_title = "a title that goes on ".repeat(9);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        // The smallest plot, with a colour bar and its swatches.
        (
            "small",
            vec![
                "sweep",
                "--landscape",
                "rosenbrock",
                "--optimizer",
                "gd:lr=0.001",
                "--x",
                "x0:-2:2",
                "--y",
                "y0:-1:3",
                "--res",
                "8",
                "--steps",
                "20",
                "--size",
                "16",
            ],
        ),
        // Dense text: a high pixel ratio.
        ("ratio", vec!["stability", "--res", "8", "--steps", "30", "--ratio", "3", "--size", "64"]),
        // A 200-character title over a small plot.
        ("title", vec!["basins", "--res", "8", "--steps", "20", "--size", "32", "--title", &long_title]),
        // Deep-zoom ticks (an offset and a scaled value) in f64.
        (
            "zoom",
            vec![
                "basins",
                "--landscape",
                "himmelblau",
                "--res",
                "8",
                "--steps",
                "20",
                "--precision",
                "f64",
                "--zoom=3.0000001,2.0000001,1e-9",
            ],
        ),
        // A long legend: rastrigin's 121 minima, cut to a count of the rest.
        (
            "legend",
            vec!["basins", "--landscape", "rastrigin", "--res", "24", "--steps", "50", "--size", "48"],
        ),
        // Panels side by side.
        (
            "panels",
            vec![
                "paths",
                "--landscape",
                "himmelblau",
                "--optimizer",
                "gd:lr=0.01",
                "--optimizer",
                "momentum:lr=0.01,beta=0.9",
                "--optimizer",
                "adam:lr=0.1",
                "--start=-4,4",
                "--steps",
                "30",
                "--size",
                "64",
            ],
        ),
        (
            "nn",
            vec!["trainability", "--dim", "2", "--width", "2", "--res", "6", "--steps", "10", "--size", "16"],
        ),
    ];
    for (name, args) in cases {
        let (stderr, meta) = run(dir.path(), name, &args);
        assert_eq!(meta["image"]["text_fits"], true, "{name}: text runs off the image; {stderr}");
        assert!(!stderr.contains("runs off the image"), "{name}: {stderr}");
    }
}

#[test]
fn no_legend_label_repeats() {
    let dir = tempfile::tempdir().unwrap();
    // A monkey saddle: every trajectory that does not diverge creeps to the same degenerate
    // stationary point from several directions.
    for (name, landscape) in
        [("monkey", "expr:x^3 - 3*x*y^2"), ("rastrigin", "rastrigin"), ("himmelblau", "himmelblau")]
    {
        let (_, meta) = run(
            dir.path(),
            name,
            &[
                "basins",
                "--landscape",
                landscape,
                "--optimizer",
                "gd:lr=0.01",
                "--res",
                "20",
                "--steps",
                "200",
            ],
        );
        let labels: Vec<&str> =
            meta["attractors"].as_array().unwrap().iter().map(|a| a["label"].as_str().unwrap()).collect();
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), labels.len(), "{name}: repeated labels in {labels:?}");
    }
}

#[test]
fn the_loss_charts_y_range_covers_the_losses_it_plots() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A landscape with minima in view: log axis of the loss above the lowest.
        ("bounded", "himmelblau", "--start=-1,-1", "--domain=-6:6:-6:6"),
        // One without (a saddle): the loss itself, over the part inside the window.
        ("unbounded", "saddle", "--start=-1.5,0.001", "--domain=-2:2:-2:2"),
    ];
    for (name, landscape, start, domain) in cases {
        let (_, meta) = run(
            dir.path(),
            name,
            &[
                "paths",
                "--landscape",
                landscape,
                "--optimizer",
                "gd:lr=0.01",
                "--optimizer",
                "momentum:lr=0.01,beta=0.9",
                start,
                domain,
                "--steps",
                "60",
            ],
        );
        let axis = &meta["loss_axis"];
        let (lo, hi, log) = (axis["lo"].as_f64().unwrap(), axis["hi"].as_f64().unwrap(), axis["log"] == true);
        assert!(lo < hi, "{name}: {axis}");
        let floor = meta["loss_floor"].as_f64();
        assert_eq!(log, floor.is_some(), "{name}: a log axis exactly where there is a minimum in view");
        let w: Vec<f64> = meta["window"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let csv = std::fs::read_to_string(dir.path().join(format!("{name}.csv"))).unwrap();
        let mut plotted = 0;
        for line in csv.lines().skip(1) {
            let f: Vec<&str> = line.rsplitn(4, ',').collect();
            let (loss, y, x): (f64, f64, f64) =
                (f[0].parse().unwrap(), f[1].parse().unwrap(), f[2].parse().unwrap());
            let inside = x >= w[0] && x <= w[1] && y >= w[2] && y <= w[3];
            if !loss.is_finite() || !inside {
                continue;
            }
            let v = match floor {
                Some(m) => (loss - m).max(1e-12),
                None => loss,
            };
            assert!(v >= lo && v <= hi, "{name}: {v} (at {x}, {y}) outside the chart's {lo}..{hi}");
            plotted += 1;
        }
        assert!(plotted > 60, "{name}: {plotted} points checked");
    }
}

#[test]
fn titles_name_every_hyperparameter_that_is_not_a_default() {
    let dir = tempfile::tempdir().unwrap();
    let (_, meta) = run(
        dir.path(),
        "t",
        &[
            "basins",
            "--landscape",
            "quadratic:kx=3",
            "--optimizer",
            "momentum:lr=0.02,beta=0.95",
            "--res",
            "6",
            "--steps",
            "40",
            "--noise",
            "0.1",
            "--schedule",
            "step:gamma=0.5,step_size=10",
        ],
    );
    let title = meta["title"].as_str().unwrap();
    for part in
        ["quadratic", "kx=3", "momentum", "lr=0.02", "beta=0.95", "40 steps", "0.1", "step", "gamma=0.5"]
    {
        assert!(title.contains(part), "`{part}` missing from the title `{title}`");
    }
    // A sweep over a parameter leaves it out of the title: the axis says it.
    let (_, meta) = run(
        dir.path(),
        "s",
        &[
            "sweep",
            "--landscape",
            "quadratic",
            "--optimizer",
            "momentum:beta=0.8",
            "--x",
            "lr:0:1",
            "--y",
            "beta:0:0.9",
            "--start",
            "1,1",
            "--res",
            "6",
            "--steps",
            "20",
        ],
    );
    let title = meta["title"].as_str().unwrap();
    assert!(!title.contains("beta=0.8"), "the swept beta is not a fixed value: `{title}`");
}

#[test]
fn a_map_whose_cells_all_look_alike_says_why() {
    let dir = tempfile::tempdir().unwrap();
    // Every trajectory starts at the minimum.
    let (stderr, _) = run(
        dir.path(),
        "still",
        &[
            "sweep",
            "--landscape",
            "quadratic",
            "--optimizer",
            "gd",
            "--x",
            "lr:0:1",
            "--y",
            "kx:0.5:2",
            "--start",
            "0,0",
            "--res",
            "6",
            "--steps",
            "10",
        ],
    );
    assert!(stderr.contains("warning") && stderr.contains("stationary point"), "{stderr}");
    // Every trajectory diverges.
    let (stderr, _) = run(
        dir.path(),
        "gone",
        &[
            "sweep",
            "--landscape",
            "quadratic",
            "--optimizer",
            "gd",
            "--x",
            "lr:3:4",
            "--y",
            "kx:1:2",
            "--start",
            "1,1",
            "--res",
            "6",
            "--steps",
            "200",
        ],
    );
    assert!(stderr.contains("warning") && stderr.contains("every trajectory diverged"), "{stderr}");
}

/// The box of a piece of horizontal text: left, top, right, bottom (pixels).
fn text_box(t: &downhill::render::scene::Text) -> [f32; 4] {
    use downhill::render::text::{self, Align};
    let w = text::width(&t.text, t.size);
    let left = match t.align {
        Align::Left => t.x,
        Align::Centre => t.x - w / 2.0,
        Align::Right => t.x - w,
    };
    [left, t.y, left + w, t.y + text::line_height(t.size)]
}

#[test]
fn tick_labels_and_key_entries_do_not_overlap_at_the_smallest_plot_size() {
    use downhill::render::frame::{self, AxisFrame, ColourBar, Frame, Key};
    use downhill::render::scene::{Mark, Scene};
    let axis = |title: &str, lo, hi, log| AxisFrame { title: title.into(), lo, hi, log };
    let bar = |scale: AxisFrame| {
        Key::Bar(ColourBar {
            title: "steps to converge".into(),
            scale,
            colour: std::sync::Arc::new(|_| [0, 0, 0]),
            swatches: vec![([128; 3], "not converged in 20".into()), ([200, 0, 0], "diverged".into())],
        })
    };
    let keys = [
        bar(axis("", 1.0, 1000.0, true)),
        bar(axis("", 1e-12, 1.0, true)),
        bar(axis("", -3.5, 12.25, false)),
        Key::Legend {
            entries: vec![([0, 0, 255], "(3.00, 2.00)".into()), ([0, 255, 0], "diverged".into())],
            notes: vec!["darker: slower to converge".into()],
        },
    ];
    // The plot sides `--size 16` gives: a square and the flattest paths window.
    for (pw, ph) in [(16, 16), (16, 40), (40, 16)] {
        for key in keys.clone() {
            for (x, y) in [
                (axis("x₀", -2.0, 2.0, false), axis("y₀", -1.0, 3.0, false)),
                (axis("learning rate η", 0.0, 4.0, false), axis("curvature k", 0.1, 10.0, true)),
                (axis("x₀", -1234.5, 5678.25, false), axis("y₀", 1e-6, 1e3, true)),
            ] {
                let f = Frame { title: "t".into(), x, y, key: key.clone(), ratio: 1 };
                let plot = Scene::blank(pw, ph, [255; 3]);
                let framed = frame::compose(plot, &f);
                let boxes: Vec<(String, [f32; 4])> = framed
                    .scene
                    .marks
                    .iter()
                    .filter_map(|m| match m {
                        Mark::Text(t) if !t.upwards => Some((t.text.clone(), text_box(t))),
                        _ => None,
                    })
                    .collect();
                for (i, (a, ba)) in boxes.iter().enumerate() {
                    for (b, bb) in &boxes[i + 1..] {
                        let apart = ba[2] <= bb[0] || bb[2] <= ba[0] || ba[3] <= bb[1] || bb[3] <= ba[1];
                        assert!(apart, "{pw}x{ph}: `{a}` {ba:?} overlaps `{b}` {bb:?}");
                    }
                }
            }
        }
    }
}
