//! A seeded fuzz of the command line and of figure files, run against the built binary.
//!
//! Each case takes a valid tiny run (a 4x4 grid, 3 steps, `--backend cpu`; a few on the GPU
//! when CI requires one) and mutates it: a value swapped for a hostile one (NaN, infinities,
//! zero, huge numbers, degenerate windows, 100 KB strings, non-UTF-8 bytes), a flag dropped,
//! repeated or added; figure files get their fields swapped the same way. Every run must:
//! - exit 0 or 2 (never a panic, 101, or a signal);
//! - on failure, print one `downhill: error:` line first (only an expression's caret
//!   display may follow, indented);
//! - leave no temporaries, and on failure no files at all, in its output folder; on success
//!   a complete set (the PNG and its JSON).
//!
//! The default budget is about 20 s in the test profile. `DOWNHILL_FUZZ_CASES=N` runs N
//! cases per kind instead (e.g. 2000 for a longer run) and `DOWNHILL_FUZZ_SEED=S` another
//! sequence; a failure prints the seed, case and command line to reproduce it.

mod common;

use common::rng::Rng;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Values a mutation may put in place of a flag's value.
const HOSTILE: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0",
    "1e-45",
    "1e308",
    "4294967295",
    "4294967296",
    "",
    " ",
    "x",
    ",",
    ":",
    "::::",
    "1:1:0:1",
    "0:1:2:2",
    "1,nan",
    "0,0",
    "nan,0,1",
    "0,0,1e-12",
    "1e-9",
    "0.5",
    "2",
    "3",
    "4x3",
    "1x0",
    "65537",
    "3:1",
    "lr:0:1",
    "x0:1:1",
    "x0:-1:1:log",
    "y0:-1:1",
    "lr0:0:1:log",
    "gd:lr=nan",
    "adam:beta1=1",
    "expr:x^2 + y^2",
    "expr:(x",
    "expr:x/0",
    "expr:sqrt(x)",
    "step:gamma=0",
    "cosine",
    "bumpy",
    "viridis",
    "nope",
];

/// Flags a mutation may add.
const FLAGS: &[&str] = &[
    "--steps",
    "--res",
    "--tol",
    "--threshold",
    "--noise",
    "--clip",
    "--l2",
    "--seed",
    "--schedule",
    "--domain",
    "--zoom",
    "--refine",
    "--refine-steps",
    "--title",
    "--size",
    "--ratio",
    "--cmap",
    "--precision",
    "--color",
    "--start",
    "--optimizer",
    "--landscape",
    "--lr0",
    "--lr1",
    "--offset",
    "--batch",
    "--x",
    "--y",
];

/// The valid tiny runs mutations start from (the output prefix is added per case).
fn bases() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "basins",
            "--landscape",
            "bumpy",
            "--optimizer",
            "gd",
            "--res",
            "4",
            "--steps",
            "3",
            "--size",
            "64",
        ],
        vec!["stability", "--optimizer", "momentum", "--res", "4", "--steps", "3", "--size", "64"],
        vec![
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
            "4",
            "--steps",
            "3",
            "--size",
            "64",
        ],
        vec![
            "paths",
            "--landscape",
            "bumpy",
            "--optimizer",
            "gd",
            "--optimizer",
            "adam",
            "--start",
            "0.5,0.5",
            "--steps",
            "3",
            "--size",
            "64",
        ],
        vec!["trainability", "--res", "4", "--steps", "3", "--dim", "2", "--width", "3", "--size", "64"],
    ]
}

/// A hostile value: one from the table, a long string, or (on Unix) bytes that are not UTF-8.
fn hostile(rng: &mut Rng) -> OsString {
    match rng.below(20) {
        0 => "9".repeat(100_000).into(),
        1 => {
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStringExt;
                OsString::from_vec(b"bad\xff".to_vec())
            }
            #[cfg(not(unix))]
            {
                "bad".into()
            }
        }
        _ => (*rng.pick(HOSTILE)).into(),
    }
}

/// A mutated command line (without `-o`).
fn mutate(rng: &mut Rng, base: &[&str]) -> Vec<OsString> {
    let mut args: Vec<OsString> = base.iter().map(OsString::from).collect();
    for _ in 0..1 + rng.below(2) {
        let flags: Vec<usize> =
            (1..args.len()).filter(|&i| args[i].to_string_lossy().starts_with("--")).collect();
        match rng.below(4) {
            // Swap one flag's value.
            0 | 1 if !flags.is_empty() => {
                let i = *rng.pick(&flags);
                if i + 1 < args.len() {
                    args[i + 1] = hostile(rng);
                }
            }
            // Drop a flag and its value.
            2 if !flags.is_empty() => {
                let i = *rng.pick(&flags);
                args.drain(i..(i + 2).min(args.len()));
            }
            // Add a flag.
            _ => {
                args.push((*rng.pick(FLAGS)).into());
                args.push(hostile(rng));
            }
        }
    }
    args
}

/// A mutated figure file: a valid tiny figure of some kind with fields set to hostile TOML
/// values; `name` is the figure's name.
fn figure_file(rng: &mut Rng) -> String {
    let kind = *rng.pick(&["basins", "stability", "sweep", "paths", "trainability"]);
    let mut fields: Vec<(String, String)> = vec![
        ("kind".into(), format!("\"{kind}\"")),
        ("res".into(), "4".into()),
        ("steps".into(), "3".into()),
        ("size".into(), "64".into()),
    ];
    match kind {
        "sweep" => fields.extend([("x".into(), "\"x0:-1:1\"".into()), ("y".into(), "\"y0:-1:1\"".into())]),
        "paths" => fields.push(("starts".into(), "[[0.5, 0.5], [-0.5, 0.0]]".into())),
        "trainability" => fields.extend([("dim".into(), "2".into()), ("width".into(), "3".into())]),
        _ => {}
    }
    const FIELDS: &[&str] = &[
        "steps",
        "res",
        "size",
        "ratio",
        "title",
        "tol",
        "threshold",
        "clip",
        "noise",
        "l2",
        "domain",
        "starts",
        "start",
        "zoom",
        "refine",
        "refine_steps",
        "lr0",
        "lr1",
        "offset",
        "batch",
        "optimizer",
        "optimizers",
        "landscape",
        "schedule",
        "x",
        "y",
        "lr",
        "k",
        "animate",
        "frame",
        "precision",
        "bogus",
        "name",
    ];
    const VALUES: &[&str] = &[
        "0",
        "1",
        "3",
        "-1",
        "100000",
        "4294967295",
        "nan",
        "inf",
        "-inf",
        "1e-45",
        "1e308",
        "0.5",
        "true",
        "\"\"",
        "\"x\"",
        "\"4x3\"",
        "\"gd\"",
        "\"adam:lr=nan\"",
        "\"expr:x^2 + y^2\"",
        "\"x0:1:1\"",
        "\"lr:0:1\"",
        "[]",
        "[[0.0, 0.0]]",
        "[1.0, 1.0, 0.0, 1.0]",
        "[0.0, 1.0, 0.0, 1.0]",
        "[0.0, 0.0, nan]",
        "[\"gd\", \"adam\"]",
        "{ param = \"lr\", from = 0.1, to = 0.2, frames = 2 }",
        "{ param = \"zoom\", from = 1.0, to = 0.0, frames = 2 }",
        "\"..\"",
        "\"f32\"",
        "\"f64\"",
    ];
    for _ in 0..1 + rng.below(3) {
        let field = (*rng.pick(FIELDS)).to_string();
        let value = match rng.below(12) {
            0 => format!("\"{}\"", "t".repeat(100_000)),
            _ => (*rng.pick(VALUES)).to_string(),
        };
        fields.retain(|(f, _)| *f != field);
        fields.push((field, value));
    }
    let mut toml = String::from("[[figure]]\n");
    if !fields.iter().any(|(f, _)| f == "name") {
        toml.push_str("name = \"fig\"\n");
    }
    for (f, v) in fields {
        toml.push_str(&format!("{f} = {v}\n"));
    }
    toml
}

/// What one run left behind.
struct Run {
    code: Option<i32>,
    stderr: String,
}

/// Runs the binary with `args` in `dir`, killing it after `limit`.
fn run(args: &[OsString], dir: &Path, limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(args)
        .current_dir(dir)
        .env("NODEVICE_SELECT", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let out = child.wait_with_output().unwrap();
    Run { code: out.status.code(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Checks one run's invariants; `inputs` are the files that were there before.
fn check(what: &str, r: &Run, dir: &Path, inputs: &[&str]) {
    let shown = |s: &str| s.chars().take(600).collect::<String>();
    assert!(matches!(r.code, Some(0) | Some(2)), "{what}: exit {:?}\n{}", r.code, shown(&r.stderr));
    let left = files(dir);
    assert!(!left.iter().any(|f| f.contains("downhill-tmp")), "{what}: temporaries left: {left:?}");
    if r.code == Some(2) {
        let mut lines = r.stderr.lines();
        let first = lines.next().unwrap_or_default();
        assert!(first.starts_with("downhill: error: "), "{what}: {}", shown(&r.stderr));
        assert!(first.chars().count() < 1000, "{what}: a long line: {}", shown(first));
        for l in lines.filter(|l| !l.trim().is_empty()) {
            assert!(l.starts_with(' '), "{what}: more than one line: {}", shown(&r.stderr));
        }
        let new: Vec<&String> = left.iter().filter(|f| !inputs.contains(&f.as_str())).collect();
        assert!(new.is_empty(), "{what}: refused, yet wrote {new:?}");
    } else {
        let pngs = left.iter().filter(|f| f.ends_with(".png")).count();
        let jsons = left.iter().filter(|f| f.ends_with(".json")).count();
        assert!(pngs >= 1 && jsons >= 1, "{what}: an incomplete set: {left:?}");
    }
}

fn cases() -> usize {
    std::env::var("DOWNHILL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn seed() -> u64 {
    std::env::var("DOWNHILL_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x00d0_3411)
}

fn gpu_required() -> bool {
    std::env::var("DOWNHILL_REQUIRE_GPU").is_ok_and(|v| v == "1")
}

#[test]
fn mutated_command_lines_exit_0_or_2_with_one_line_and_no_stray_files() {
    let seed = seed();
    let mut rng = Rng(seed | 1);
    let bases = bases();
    let budget = Duration::from_secs(12);
    let started = Instant::now();
    let (mut n, want) = (0, cases());
    while if want > 0 { n < want } else { started.elapsed() < budget } {
        let base = &bases[n % bases.len()];
        let mut args = mutate(&mut rng, base);
        // A few runs on the GPU when CI has one; the rest on the CPU.
        let backend = if gpu_required() && n % 25 == 0 { "gpu" } else { "cpu" };
        args.extend(["--backend".into(), backend.into(), "-o".into(), "out/fig".into()]);
        let dir = tempfile::tempdir().unwrap();
        let r = run(&args, dir.path(), Duration::from_secs(60));
        let line: String = args
            .iter()
            .map(|a| format!("{:?} ", a.to_string_lossy()))
            .collect::<String>()
            .chars()
            .take(400)
            .collect();
        check(&format!("seed {seed} case {n}: {line}"), &r, dir.path(), &[]);
        n += 1;
    }
    eprintln!("{n} mutated command lines in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn mutated_figure_files_exit_0_or_2_with_one_line_and_no_stray_files() {
    let seed = seed();
    let mut rng = Rng((seed ^ 0x5eed) | 1);
    let budget = Duration::from_secs(10);
    let started = Instant::now();
    let (mut n, want) = (0, cases());
    while if want > 0 { n < want } else { started.elapsed() < budget } {
        let toml = figure_file(&mut rng);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("figs.toml"), &toml).unwrap();
        let backend = if gpu_required() && n % 25 == 0 { "gpu" } else { "cpu" };
        let args: Vec<OsString> =
            ["render", "figs.toml", "--backend", backend, "-o", "out"].iter().map(OsString::from).collect();
        let r = run(&args, dir.path(), Duration::from_secs(60));
        check(&format!("seed {seed} case {n}:\n{toml:.600}"), &r, dir.path(), &["figs.toml"]);
        n += 1;
    }
    eprintln!("{n} mutated figure files in {:.1} s", started.elapsed().as_secs_f64());
}
