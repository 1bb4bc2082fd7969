//! Vector figures (`--format svg`): the same layout as the PNG (size, text, text_fits), text
//! as `<text>`, lines as polylines, only heatmaps embedded as pictures; bad formats and
//! animations refused with one line naming the flag, nothing written.
//!
//! Tiny grids on the CPU backend: these are about the picture, not the kernels.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use assert_cmd::Command;
use downhill::render::frame::{self, AxisFrame, ColourBar, Frame, Key};
use downhill::render::scene::{Mark, Scene};
use downhill::render::svg;

fn downhill() -> Command {
    let mut c = Command::cargo_bin("downhill").unwrap();
    c.env("NODEVICE_SELECT", "1");
    c
}

/// Runs `args` on the CPU with `-o DIR/NAME`, then again as SVG with `-o DIR/NAME_svg`.
fn run_both(dir: &Path, name: &str, args: &[&str]) {
    for (suffix, format) in [("", "png"), ("_svg", "svg")] {
        downhill()
            .args(args)
            .args(["--backend", "cpu", "--format", format, "-o"])
            .arg(dir.join(format!("{name}{suffix}")))
            .assert()
            .success();
    }
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What a test reads from an SVG document.
struct Svg {
    view_box: String,
    size: (String, String),
    texts: Vec<String>,
    images: usize,
    lines: usize,
    circles: usize,
}

fn parse(path: &Path) -> Svg {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let named = |n: &str| root.descendants().filter(|d| d.tag_name().name() == n).count();
    let texts: Vec<String> = root
        .descendants()
        .filter(|d| d.tag_name().name() == "text")
        .map(|t| {
            assert!(t.attribute("font-family").unwrap().contains("DejaVu Sans"));
            t.text().unwrap_or("").to_string()
        })
        .collect();
    Svg {
        view_box: root.attribute("viewBox").unwrap().to_string(),
        size: (root.attribute("width").unwrap().into(), root.attribute("height").unwrap().into()),
        texts,
        images: named("image"),
        lines: named("polyline") + named("path"),
        circles: named("circle"),
    }
}

/// The SVG's view box and size are the PNG's pixels.
fn same_size(svg: &Svg, png: &Path) {
    let (w, h) = image::image_dimensions(png).unwrap();
    assert_eq!(svg.view_box, format!("0 0 {w} {h}"));
    assert_eq!(svg.size, (w.to_string(), h.to_string()));
}

fn has(svg: &Svg, text: &str) -> bool {
    svg.texts.iter().any(|t| t == text)
}

#[test]
fn a_basin_map_in_svg_has_the_pngs_size_text_and_one_heatmap() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["basins", "--landscape", "himmelblau", "--res", "16", "--steps", "60", "--size", "64"];
    run_both(dir.path(), "b", &args);
    let png_meta = json(&dir.path().join("b.json"));
    let svg_meta = json(&dir.path().join("b_svg.json"));
    assert!(!dir.path().join("b_svg.png").exists());
    let svg = parse(&dir.path().join("b_svg.svg"));
    same_size(&svg, &dir.path().join("b.png"));
    assert_eq!(svg_meta["image"]["file"], "b_svg.svg");
    assert_eq!(svg_meta["image"]["format"], "svg");
    assert_eq!(png_meta["image"]["format"], "png");
    assert_eq!(svg_meta["image"]["text_fits"], png_meta["image"]["text_fits"]);
    assert_eq!(svg_meta["image"]["width"], png_meta["image"]["width"]);
    // The data outputs are written as before.
    assert!(dir.path().join("b_svg.npz").is_file());
    assert!(has(&svg, svg_meta["title"].as_str().unwrap()), "{:?}", svg.texts);
    for a in svg_meta["attractors"].as_array().unwrap() {
        let label = a["label"].as_str().unwrap();
        assert!(has(&svg, label), "legend entry {label} missing: {:?}", svg.texts);
    }
    assert!(has(&svg, "x₀") && has(&svg, "y₀"));
    assert_eq!(svg.images, 1, "the heatmap, and nothing else, is a picture");
    // The attractors' rings are vector discs over the heatmap.
    assert!(svg.circles >= 1);
}

#[test]
fn a_stability_map_in_svg_keeps_its_ticks_bar_and_theory_curve_as_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["stability", "--res", "16", "--steps", "40", "--size", "96"];
    run_both(dir.path(), "s", &args);
    let svg = parse(&dir.path().join("s_svg.svg"));
    same_size(&svg, &dir.path().join("s.png"));
    // The log k axis's decades, the colour bar's title, decades and swatch.
    for label in
        ["0.1", "1", "10", "curvature k", "learning rate η", "steps to converge", "not converged in 40"]
    {
        assert!(has(&svg, label), "{label} missing: {:?}", svg.texts);
    }
    assert!(svg.texts.iter().any(|t| t.starts_with("theory: ")), "{:?}", svg.texts);
    assert_eq!(svg.images, 1);
    // The analytic boundary is a polyline over the map.
    assert!(svg.lines >= 1);
}

#[test]
fn paths_and_loss_charts_in_svg_are_polylines_with_no_picture_on_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "paths",
        "--landscape",
        "bowl",
        "--optimizer",
        "gd:lr=0.1",
        "--optimizer",
        "momentum:lr=0.05",
        "--start",
        "-1.5,1",
        "--steps",
        "30",
        "--size",
        "96",
    ];
    run_both(dir.path(), "p", &args);
    let meta = json(&dir.path().join("p_svg.json"));
    assert_eq!(meta["image"]["file"], "p_svg.svg");
    assert_eq!(meta["image"]["loss_file"], "p_svg.loss.svg");
    assert!(dir.path().join("p_svg.csv").is_file());
    let map = parse(&dir.path().join("p_svg.svg"));
    same_size(&map, &dir.path().join("p.png"));
    assert_eq!(map.images, 1, "the landscape under the paths");
    assert!(map.lines >= 2, "one polyline per path at least");
    assert_eq!(map.circles, 4, "a start and an end marker per path");
    assert!(map.texts.iter().any(|t| t.starts_with("gd (lr=0.1")), "{:?}", map.texts);
    assert!(map.texts.iter().any(|t| t.starts_with("momentum (lr=0.05")));
    let chart = parse(&dir.path().join("p_svg.loss.svg"));
    same_size(&chart, &dir.path().join("p.loss.png"));
    assert_eq!(chart.images, 0, "a line chart is all vectors");
    assert!(chart.lines >= 2);
    assert!(has(&chart, "step") && has(&chart, "gd (lr=0.1)"));
    assert!(chart.texts.iter().any(|t| t.starts_with("loss on bowl")));
}

/// Every piece of text in a scene, nested scenes included.
fn texts_of(scene: &Scene, out: &mut Vec<String>) {
    for m in &scene.marks {
        match m {
            Mark::Text(t) => out.push(t.text.clone()),
            Mark::Scene { scene, .. } => texts_of(scene, out),
            _ => {}
        }
    }
}

#[test]
fn every_text_of_a_framed_layout_is_an_svg_text_element() {
    let axis = |title: &str, lo, hi, log| AxisFrame { title: title.into(), lo, hi, log };
    let bar = ColourBar {
        title: "final loss − minimum".into(),
        scale: axis("", 1e-6, 1.0, true),
        colour: Arc::new(|v: f64| [(v * 255.0) as u8, 0, 0]),
        swatches: vec![([200, 0, 0], "diverged <at once> & \"soon\"".into())],
    };
    let legend = Key::Legend {
        entries: vec![([0, 0, 255], "gd (lr=0.1)".into()), ([0, 255, 0], "adam".into())],
        notes: vec!["○ start   ● end".into()],
    };
    for key in [Key::Bar(bar), legend] {
        let f = Frame {
            title: "a <title> & more".into(),
            x: axis("x₀", -2.0, 2.0, false),
            y: axis("curvature k", 0.1, 10.0, true),
            key,
            ratio: 1,
        };
        let framed = frame::compose(Scene::picture(image::RgbImage::new(120, 90)), &f);
        let mut expected = Vec::new();
        texts_of(&framed.scene, &mut expected);
        assert!(expected.len() > 10, "{expected:?}");
        let doc = svg::document(&framed.scene, &[("downhill-recipe", "name = \"x\"".into())]);
        let parsed = roxmltree::Document::parse(&doc).unwrap();
        let found: HashSet<String> = parsed
            .descendants()
            .filter(|d| d.tag_name().name() == "text")
            .map(|t| t.text().unwrap_or("").to_string())
            .collect();
        for t in &expected {
            assert!(found.contains(t), "{t} missing from {found:?}");
        }
        let size = format!("0 0 {} {}", framed.scene.width, framed.scene.height);
        assert_eq!(parsed.root_element().attribute("viewBox"), Some(size.as_str()));
        let (w, h) = framed.scene.raster().dimensions();
        assert_eq!((w, h), (framed.scene.width, framed.scene.height));
    }
}

#[test]
fn a_bad_format_is_one_line_naming_the_flag_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = downhill()
        .args(["basins", "--res", "8", "--format", "pdf", "--backend", "cpu", "-o"])
        .arg(dir.path().join("x"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("--format") && stderr.contains("svg"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_animation_refuses_svg_with_one_line_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("anim.toml");
    let entry = "[[figure]]\nname = \"anim\"\nres = 8\nsteps = 20\nsize = 32\n\
                 animate = { param = \"lr\", from = 0.05, to = 0.1, frames = 2 }\n";
    std::fs::write(&file, format!("{entry}format = \"svg\"\n")).unwrap();
    let out = downhill().arg("render").arg(&file).args(["--backend", "cpu"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("format") && stderr.contains("animat"), "{stderr}");
    // The same refusal from `render --format svg` over an entry that does not ask for it.
    std::fs::write(&file, entry).unwrap();
    let out =
        downhill().arg("render").arg(&file).args(["--backend", "cpu", "--format", "svg"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("format"), "{stderr}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["anim.toml"]);
}
