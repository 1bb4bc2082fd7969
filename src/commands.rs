//! Carries out each subcommand: turns clap's raw values into validated specs through the
//! library, runs them, and prints what a user needs to know on stderr (results go to files or
//! stdout).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use downhill::batch;
use downhill::error::Error;
use downhill::figure::ColorBy;
use downhill::fmt::{num, num32};
use downhill::gallery;
use downhill::landscape::LANDSCAPES;
use downhill::optimiser::OPTIMISERS;
use downhill::output::OutputSet;
use downhill::param::ParamDef;
use downhill::plan::Style;
use downhill::recipe::{self, FigureFile, Recipe, RecipeKind, Res};
use downhill::render::colormap::Cmap;
use downhill::runner::{Backend, BackendChoice};
use downhill::spec::{self, OptionsText, SpecBuilder};

use downhill::tiles::{RunFolder, Shard, TilePlan, Tiling};

use crate::cli::{
    BackendArg, ColorArg, Command, FigureArgs, MergeArgs, PathsArgs, RefineArgs, RenderArgs, RunArgs,
    StyleArgs, TileArgs, TraceArgs, TrainArgs, TrainabilityArgs,
};

fn backend_choice(b: BackendArg) -> BackendChoice {
    match b {
        BackendArg::Auto => BackendChoice::Auto,
        BackendArg::Gpu => BackendChoice::Gpu,
        BackendArg::Cpu => BackendChoice::Cpu,
    }
}

fn open_backend(b: BackendArg) -> Result<Backend, Error> {
    downhill::timings::lap("start-up");
    let backend = Backend::open(backend_choice(b), &mut |note| eprintln!("downhill: {note}"));
    downhill::timings::lap("adapter");
    backend
}

fn color(c: ColorArg) -> ColorBy {
    match c {
        ColorArg::Auto => ColorBy::Auto,
        ColorArg::Loss => ColorBy::Loss,
        ColorArg::Conv => ColorBy::Conv,
        ColorArg::Basin => ColorBy::Basin,
    }
}

fn apply_run(b: &mut SpecBuilder, run: &RunArgs) {
    b.threshold = run.threshold;
    b.conv_tol = run.tol;
    b.options = OptionsText {
        sigma: run.noise,
        seed: run.seed,
        clip: run.clip,
        l2: run.l2,
        schedule: run.schedule.clone(),
        precision: run.precision.unwrap_or_default(),
    };
}

/// The command line that ran, as a POSIX shell would take it back: each argument single-quoted
/// where it needs to be; arguments that are not UTF-8 are recorded lossily. The flags that only
/// say how a map is split or resumed (`--shard`, `--shards`, `--resume`) are left out: the
/// figure is the one the command without them writes.
fn command_line() -> String {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut kept = Vec::with_capacity(args.len());
    let mut skip_value = false;
    for a in args {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        match a.as_str() {
            "--shard" | "--shards" => skip_value = true,
            "--resume" => {}
            _ if a.starts_with("--shard=") || a.starts_with("--shards=") => {}
            _ => kept.push(shell_quote(&a)),
        }
    }
    kept.join(" ")
}

/// The shard to run, from `--shard` or else the array job's environment, and whether to
/// resume.
fn tiling(t: &TileArgs) -> Result<Tiling, Error> {
    let shard = shard_of(t.shard.as_deref(), t.shards)?;
    if shard.is_some() && t.resume {
        return Err(Error::input("--resume", "applies to whole runs; a shard that stopped runs again"));
    }
    Ok(Tiling { shard, resume: t.resume, ..Tiling::default() })
}

/// The part of an array job to run: `--shard I/N`, else the scheduler's environment.
fn shard_of(flag: Option<&str>, shards: Option<u32>) -> Result<Option<Shard>, Error> {
    match flag {
        Some(text) => Shard::parse("--shard", text).map(Some),
        None => {
            let shards = shards.or(std::env::var("DOWNHILL_SHARDS").ok().and_then(|v| v.trim().parse().ok()));
            Shard::from_env(&|k| std::env::var(k).ok(), shards)
        }
    }
}

/// `downhill merge`: checks the shard files against each other, assembles the grid, and
/// renders the figure of the command the shards came from, as a single run would.
fn run_merge(a: MergeArgs) -> Result<()> {
    let meta = downhill::shard::survey(&a.files)?;
    let culprit = a.files[0].display().to_string();
    let mut file = recipe::parse_file(&culprit, &meta.recipe)?;
    let mut r = file.figure.remove(0);
    r.name = check_prefix("--out", &a.out)?;
    let dir = a.out.parent().map(PathBuf::from).unwrap_or_default();
    // A single map of more than one tile too large to hold goes through the run folder, one
    // shard file at a time, and is never held whole; other figures are assembled in memory.
    let split = TilePlan { rows: meta.rows, rows_per_tile: meta.rows_per_tile };
    r.tiling = if TilePlan::new(meta.cols, meta.rows, 1).streams(meta.cols, meta.maps as usize) {
        let folder = RunFolder::open(&dir.join(&r.name), &downhill::shard::spec_hash(&r.to_toml()), false)?;
        eprintln!(
            "downhill: merging {} shard files tile by tile through {}",
            a.files.len(),
            folder.dir().display()
        );
        let seconds = downhill::shard::read_into(&a.files, &folder, &split)?;
        Tiling { saved: Some((split, seconds)), ..Tiling::default() }
    } else {
        let (_, computed) = downhill::shard::read_all(&a.files)?;
        Tiling { merged: Some(std::sync::Arc::new(computed)), ..Tiling::default() }
    };
    let plan = r.plan(&dir, &meta.command, std::io::stderr().is_terminal())?;
    let mut backend = open_backend(a.backend)?;
    let report = batch::run_plan(&mut backend, &plan)?;
    eprintln!("downhill merge of {} shard files: {}", a.files.len(), report.summary);
    let files: Vec<String> = report.files.iter().map(|f| f.display().to_string()).collect();
    eprintln!("wrote {}", files.join(", "));
    Ok(())
}

/// `text` as one POSIX shell word: as is when it has only characters no shell treats
/// specially, else in single quotes (a quote inside as `'\''`).
pub fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./,:=+@%^".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Checks an output prefix from the command line (`-o`): UTF-8 (the name is recorded in
/// the figure), and naming a file prefix rather than a directory.
fn check_prefix(flag: &str, out: &Path) -> Result<String, Error> {
    let Some(text) = out.to_str() else {
        return Err(Error::input(
            flag,
            format!(
                "`{}` is not valid UTF-8; output names are recorded in the figures",
                out.to_string_lossy()
            ),
        ));
    };
    let name = match out.file_name() {
        Some(n) if !text.ends_with(std::path::is_separator) => {
            let n = n.to_string_lossy().into_owned();
            recipe::check_name(&n).map_err(|e| match e {
                Error::Input { message, .. } => Error::input(flag, message),
                other => other,
            })?;
            n
        }
        _ => {
            return Err(Error::input(
                flag,
                format!(
                    "`{text}` names a directory; give a prefix such as `{}` (writes basins.png, basins.json, ...)",
                    Path::new(text).join("basins").display()
                ),
            ));
        }
    };
    Ok(name)
}

/// Runs one parsed command.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Basins(a) => {
            let mut r = map_recipe(RecipeKind::Basins, &a.figure, a.colour.color, &a.run, &a.refine)?;
            r.tiling = tiling(&a.tiles)?;
            let d = Style::default();
            r.contours = chosen(!a.overlay.no_contours, d.contours);
            r.markers = chosen(!a.overlay.no_markers, d.markers);
            r.landscape = Some(a.landscape.clone());
            r.optimizer = Some(a.optimizer.clone());
            r.domain = a.domain.as_deref().map(parse_domain).transpose()?;
            render_one(&r, &a.figure.out, &a.run)
        }
        Command::Stability(a) => {
            let mut r = map_recipe(RecipeKind::Stability, &a.figure, a.colour.color, &a.run, &a.refine)?;
            r.tiling = tiling(&a.tiles)?;
            r.optimizer = Some(a.optimizer.clone());
            r.lr = Some(a.lr.clone());
            r.k = Some(a.k.clone());
            render_one(&r, &a.figure.out, &a.run)
        }
        Command::Sweep(a) => {
            let mut r = map_recipe(RecipeKind::Sweep, &a.figure, a.colour.color, &a.run, &a.refine)?;
            r.tiling = tiling(&a.tiles)?;
            r.landscape = Some(a.landscape.clone());
            r.optimizer = Some(a.optimizer.clone());
            r.x = Some(a.x.clone());
            r.y = Some(a.y.clone());
            r.start = a.start.as_deref().map(|s| spec::parse_point("--start", s)).transpose()?;
            render_one(&r, &a.figure.out, &a.run)
        }
        Command::Render(a) => run_render(a),
        Command::Trainability(a) => run_trainability(a),
        Command::Trace(a) => run_trace(a),
        Command::Train(a) => run_train(a),
        Command::Paths(a) => run_paths(a),
        Command::List => write_stdout(&list()),
        Command::Info => run_info(),
        Command::Gallery(a) => run_gallery(a.out, a.backend),
        Command::Merge(a) => run_merge(a),
    }
}

/// `downhill trainability`.
fn run_trainability(a: TrainabilityArgs) -> Result<()> {
    let run = RunArgs::plain(a.steps, a.backend, a.precision);
    // Coloured by class and speed: no --color.
    let mut r = map_recipe(
        RecipeKind::Trainability,
        &a.figure,
        ColorArg::Auto,
        &run,
        &RefineArgs { refine: None, refine_steps: None },
    )?;
    r.activation = Some(downhill::nn::Activation::from_name(&a.net.activation)?);
    (r.dim, r.width, r.data, r.net_seed) = (a.net.dim, a.net.width, a.net.data, a.net.net_seed);
    r.npz = a.net.npz.as_ref().map(|p| utf8("--npz", p)).transpose()?;
    (r.x, r.y) = (a.x.clone(), a.y.clone());
    (r.lr0, r.lr1, r.offset, r.batch, r.batch_seed) = (a.lr0, a.lr1, a.offset, a.batch, a.batch_seed);
    (r.precision, r.layout, r.convention) = (a.precision, a.layout, a.convention);
    render_one(&r, &a.figure.out, &run)
}

/// `downhill train`: one network's loss and sharpness against step, through a `train` recipe.
fn run_train(a: TrainArgs) -> Result<()> {
    let net = &a.net;
    let mut r = Recipe { kind: RecipeKind::Train, ..Recipe::default() };
    r.activation = Some(downhill::nn::Activation::from_name(&net.activation)?);
    (r.dim, r.width, r.data, r.net_seed) = (net.dim, net.width, net.data, net.net_seed);
    r.npz = net.npz.as_ref().map(|p| utf8("--npz", p)).transpose()?;
    // Gradient descent records its rates (default 1 each) in the figure's recipe; Adam takes
    // its own, and the recipe refuses --lr0/--lr1 given beside it.
    let gd = a.optimizer.as_deref().is_none_or(|o| o.trim() == "gd");
    let rate = |v: Option<f64>| if gd { Some(v.unwrap_or(1.0)) } else { v };
    let optimizer = if gd { None } else { a.optimizer.clone() };
    (r.optimizer, r.lr0, r.lr1) = (optimizer, rate(a.lr0), rate(a.lr1));
    (r.steps, r.sharpness_every) = (Some(a.steps), Some(a.sharpness_every));
    (r.batch, r.batch_seed, r.precision, r.size) = (a.batch, a.batch_seed, a.precision, Some(a.size));
    // One network trains on the CPU whatever the machine has.
    let run = RunArgs::plain(Some(a.steps), BackendArg::Cpu, a.precision);
    render_one(&r, &a.out, &run)
}

/// `downhill trace`: one trajectory's iterates as CSV, to a file or stdout.
fn run_trace(a: TraceArgs) -> Result<()> {
    let start = spec::parse_point("--start", &a.start)?;
    let mut b = SpecBuilder::single(
        &a.landscape,
        &a.optimizer,
        start,
        a.run.steps.unwrap_or(downhill::recipe::defaults::MAP_STEPS),
    );
    apply_run(&mut b, &a.run);
    let spec = b.build()?;
    show_wgsl(&a.run, &spec)?;
    let need = (spec.steps as u64 + 1) * downhill::paths::TRACE_ROW_BYTES;
    downhill::memory::check("--steps", "the trace", need, downhill::memory::available())?;
    let mut backend = open_backend(a.run.backend)?;
    let rows = backend.trace(&spec)?;
    let csv = trace_csv(&spec, &rows);
    let target = a.csv.or_else(|| a.out.map(|p| downhill::output::with_ext(&p, "csv")));
    match target {
        Some(path) => {
            downhill::output::check_target(&path)?;
            let mut set = OutputSet::new();
            set.text(&path, &csv)?;
            set.commit()?;
            eprintln!(
                "downhill: {} iterates on {}; wrote {}",
                rows.len(),
                backend.describe_trace(spec.precision),
                path.display()
            );
        }
        None => write_stdout(&csv)?,
    }
    Ok(())
}

/// A trace's CSV: `step,x,y,loss,sharpness` per iterate, and `preconditioned_sharpness` for
/// optimisers with a diagonal preconditioner (see [`downhill::sharpness`]).
fn trace_csv(spec: &spec::Spec, rows: &[[f32; 3]]) -> String {
    let sharp = downhill::sharpness::along(spec, rows);
    let preconditioned = sharp.first().is_some_and(|s| s.preconditioned.is_some());
    let mut csv = String::from("step,x,y,loss,sharpness");
    csv.push_str(if preconditioned { ",preconditioned_sharpness\n" } else { "\n" });
    for (t, (r, s)) in rows.iter().zip(&sharp).enumerate() {
        csv.push_str(&format!("{t},{},{},{},{}", num32(r[0]), num32(r[1]), num32(r[2]), num(s.raw)));
        if let Some(p) = s.preconditioned {
            csv.push_str(&format!(",{}", num(p)));
        }
        csv.push('\n');
    }
    csv
}

/// `downhill paths`.
fn run_paths(a: PathsArgs) -> Result<()> {
    let starts =
        a.starts.iter().map(|s| spec::parse_point("--start", s)).collect::<Result<Vec<_>, Error>>()?;
    let mut r = Recipe {
        kind: RecipeKind::Paths,
        landscape: Some(a.landscape.clone()),
        optimizers: Some(a.optimizers.clone()),
        starts: Some(starts),
        domain: a.domain.as_deref().map(parse_domain).transpose()?,
        ..Default::default()
    };
    apply_run_and_style(&mut r, &a.run, &a.style)?;
    render_one(&r, &a.out, &a.run)
}

/// `downhill info`: the adapter the GPU backend would use.
fn run_info() -> Result<()> {
    let backend = open_backend(BackendArg::Gpu)?;
    let s = backend.adapter().expect("the GPU backend has an adapter");
    let text = format!(
        "adapter      {}\nbackend      {}\ndevice type  {}\ndriver       {}\nmax storage binding  {} bytes\nmax buffer           {} bytes\nmax workgroups/dim   {}\nmax invocations/wg   {}\nshader f64           {}\n",
        s.name,
        s.backend,
        s.device_type,
        s.driver,
        s.max_storage_buffer_binding_size,
        s.max_buffer_size,
        s.max_compute_workgroups_per_dimension,
        s.max_compute_invocations_per_workgroup,
        s.shader_f64
    );
    write_stdout(&text)
}

/// Renders the default gallery into `dir` and writes its README there.
pub fn run_gallery(dir: PathBuf, backend: BackendArg) -> Result<()> {
    let file = gallery::figures()?;
    render_file(&file, gallery::PATH, &dir, backend, true)?;
    // The README written beside the figures links to the figure file: write it there too
    // (byte for byte the same where the folder is the repository's results/).
    let mut set = OutputSet::new();
    set.text(&dir.join("gallery.toml"), gallery::FILE)?;
    set.commit()?;
    eprintln!(
        "downhill: the figure file is {}; `downhill render` it to render again",
        dir.join("gallery.toml").display()
    );
    Ok(())
}

/// `n figure(s)` in words.
fn figures(n: usize) -> String {
    if n == 1 { "1 figure".into() } else { format!("{n} figures") }
}

/// `downhill render`: a figure file, or a PNG's embedded recipe.
fn run_render(a: RenderArgs) -> Result<()> {
    let name = a.file.display().to_string();
    let is_png = a.file.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let mut file = if is_png {
        FigureFile { figure: vec![recipe::from_png(&a.file)?] }
    } else {
        let text =
            std::fs::read_to_string(&a.file).map_err(|e| Error::input(&name, format!("cannot read: {e}")))?;
        recipe::parse_file(&name, &text)?
    };
    if !a.only.is_empty() {
        for only in &a.only {
            if !file.figure.iter().any(|r| &r.name == only) {
                let names: Vec<&str> = file.figure.iter().map(|r| r.name.as_str()).collect();
                let hint = downhill::error::did_you_mean(only, names.iter().copied());
                return Err(
                    Error::input("--only", format!("no figure named `{only}` in {name}{hint}")).into()
                );
            }
        }
        file.figure.retain(|r| a.only.contains(&r.name));
    }
    if let Some(s) = shard_of(a.shard.as_deref(), a.shards)? {
        shard_figures(&mut file, s, a.readme)?;
    }
    if let Some(f) = a.format {
        for r in &mut file.figure {
            r.format = Some(f);
        }
    }
    let dir = match &a.out {
        Some(d) => d.clone(),
        None => a.file.parent().map(PathBuf::from).unwrap_or_default(),
    };
    render_file(&file, &name, &dir, a.backend, a.readme)
}

/// Narrows a figure file to shard `s`: a file of one map figure splits that figure (its
/// frames and panels, or a single map's tiles) into shard files for `downhill merge`; a file of
/// several figures renders every `count`-th figure.
fn shard_figures(file: &mut FigureFile, s: Shard, readme: bool) -> Result<(), Error> {
    if readme {
        return Err(Error::input("--readme", "write the README in a run of the whole file, not of a shard"));
    }
    if let [only] = file.figure.as_mut_slice() {
        if !matches!(only.kind, RecipeKind::Basins | RecipeKind::Stability | RecipeKind::Sweep) {
            return Err(Error::input(
                "--shard",
                format!(
                    "figure `{}` is not a map and runs whole; shard a file of several figures",
                    only.name
                ),
            ));
        }
        only.tiling.shard = Some(s);
        return Ok(());
    }
    let mut k = 0u32;
    file.figure.retain(|_| {
        k += 1;
        (k - 1) % s.count == s.index
    });
    eprintln!(
        "downhill: shard {}/{} renders {} of the file's figures",
        s.index + 1,
        s.count,
        file.figure.len()
    );
    Ok(())
}

/// Checks every figure of `file`, then renders them in order on one backend; with `readme`,
/// writes `dir/README.md` showing each figure with its entry.
fn render_file(file: &FigureFile, name: &str, dir: &Path, backend: BackendArg, readme: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let progress = std::io::stderr().is_terminal();
    let command = format!("downhill render {}", shell_quote(name));
    let plans = batch::plan_all(file, name, dir, &command, progress)?;
    let mut backend = open_backend(backend)?;
    let folder = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    eprintln!(
        "downhill: rendering {} into {} on {}",
        figures(plans.len()),
        folder.display(),
        backend.describe_batch()
    );
    for (r, plan) in file.figure.iter().zip(&plans) {
        let t = std::time::Instant::now();
        let report =
            batch::run_plan(&mut backend, plan).with_context(|| format!("rendering figure `{}`", r.name))?;
        eprintln!("  {} ({:.1} s): {}", r.name, t.elapsed().as_secs_f64(), report.summary);
    }
    if readme {
        let mut set = OutputSet::new();
        set.text(&dir.join("README.md"), &batch::readme(file, name))?;
        set.commit()?;
    }
    eprintln!("downhill: {} done in {:.1} s", figures(plans.len()), started.elapsed().as_secs_f64());
    Ok(())
}

/// `Some(v)` where `v` differs from the default, so recipes carry only what was chosen.
fn chosen<T: PartialEq>(v: T, default: T) -> Option<T> {
    (v != default).then_some(v)
}

/// Copies the run settings and the style flags into a recipe.
fn apply_run_and_style(r: &mut Recipe, run: &RunArgs, st: &StyleArgs) -> Result<(), Error> {
    r.steps = run.steps;
    r.threshold = chosen(run.threshold, downhill::recipe::defaults::THRESHOLD);
    r.tol = chosen(run.tol, downhill::recipe::defaults::TOL);
    r.noise = chosen(run.noise, 0.0);
    r.seed = chosen(run.seed, 0);
    r.clip = chosen(run.clip, 0.0);
    r.l2 = chosen(run.l2, 0.0);
    r.schedule = run.schedule.clone();
    r.precision = run.precision;
    r.cmap = match &st.cmap {
        None => None,
        Some(name) => Some(Cmap::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Cmap::ALL.iter().map(|c| c.name()).collect();
            Error::input("--cmap", format!("unknown colour map `{name}`; known: {}", names.join(", ")))
        })?),
    };
    let d = Style::default();
    r.frame = chosen(!st.plain, d.frame);
    r.ratio = chosen(st.ratio, d.ratio);
    r.size = chosen(st.size, d.size);
    r.title = st.title.clone();
    r.format = chosen(st.format, d.format);
    Ok(())
}

/// The recipe fields every map command shares.
fn map_recipe(
    kind: RecipeKind,
    fig: &FigureArgs,
    colour: ColorArg,
    run: &RunArgs,
    refine: &RefineArgs,
) -> Result<Recipe, Error> {
    let mut r = Recipe {
        kind,
        res: fig.res.clone().map(Res::Text),
        color: chosen(color(colour), ColorBy::Auto),
        refine: refine.refine,
        refine_steps: refine.refine_steps,
        zoom: fig
            .zoom
            .as_deref()
            .map(|z| spec::parse_zoom("--zoom", z).map(|z| [z.centre[0], z.centre[1], z.span]))
            .transpose()?,
        raw: Some(true),
        box_count: fig.box_count,
        ..Default::default()
    };
    apply_run_and_style(&mut r, run, &fig.style)?;
    Ok(r)
}

/// Renders one recipe from the command line into `out` (a prefix: directory and name).
fn render_one(r: &Recipe, out: &Path, run: &RunArgs) -> Result<()> {
    let mut r = r.clone();
    r.name = check_prefix("--out", out)?;
    let dir = out.parent().map(PathBuf::from).unwrap_or_default();
    let plan = r.plan(&dir, &command_line(), std::io::stderr().is_terminal())?;
    if let Some(spec) = plan.map_spec() {
        show_wgsl(run, spec)?;
    }
    let mut backend = open_backend(run.backend)?;
    let report = batch::run_plan(&mut backend, &plan)?;
    let what = match r.kind {
        RecipeKind::Basins => "basins",
        RecipeKind::Stability => "stability",
        RecipeKind::Sweep => "sweep",
        RecipeKind::Paths => "paths",
        RecipeKind::Trainability => "trainability",
        RecipeKind::Train => "train",
    };
    let on = plan.backend_line(&backend);
    eprintln!("downhill {what} on {on}: {}", report.summary);
    let files: Vec<String> = report.files.iter().map(|f| f.display().to_string()).collect();
    eprintln!("wrote {}", files.join(", "));
    Ok(())
}

/// A path given on the command line as the UTF-8 text a figure records, or an error naming
/// `flag`.
fn utf8(flag: &str, p: &Path) -> Result<String, Error> {
    p.to_str().map(str::to_string).ok_or_else(|| {
        Error::input(
            flag,
            format!("`{}` is not valid UTF-8; it is recorded in the figure", p.to_string_lossy()),
        )
    })
}

/// Prints the landscape's WGSL piece when `--show-wgsl` asks for it.
fn show_wgsl(run: &RunArgs, spec: &downhill::spec::Spec) -> Result<()> {
    if run.show_wgsl {
        let code = downhill::shader::landscape_source(spec.landscape).unwrap_or_default();
        write_stdout(&code)?;
    }
    Ok(())
}

fn parse_domain(text: &str) -> Result<[f64; 4], Error> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 4 {
        return Err(Error::input("--domain", format!("`{text}` is not XLO:XHI:YLO:YHI")));
    }
    let mut d = [0f64; 4];
    for (v, p) in d.iter_mut().zip(parts) {
        *v = downhill::number::parse_number("--domain", "bound", p)?;
    }
    Ok(d)
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to standard output"),
    }
}

fn params_text(params: &[ParamDef]) -> String {
    if params.is_empty() {
        return "      (no parameters)\n".into();
    }
    params
        .iter()
        .map(|p| {
            format!(
                "      {:<16} default {:<8} {}; {}\n",
                p.name,
                number(p.default),
                p.domain.describe(),
                p.doc
            )
        })
        .collect()
}

/// A default value as people write it: `1e-8`, not `0.00000001`.
fn number(v: f32) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e6) { format!("{v:e}") } else { v.to_string() }
}

fn list() -> String {
    let mut s = String::from("Landscapes (--landscape NAME:key=value,...):\n");
    for l in LANDSCAPES {
        let d = l.domain;
        s.push_str(&format!(
            "  {:<12} f = {}\n      domain x0 in [{}, {}], y0 in [{}, {}]\n",
            l.name, l.formula, d[0], d[1], d[2], d[3]
        ));
        s.push_str(&params_text(l.params));
    }
    s.push_str("\nOptimizers (--optimizer NAME:key=value,...):\n");
    for o in OPTIMISERS {
        s.push_str(&format!("  {:<12} {}\n", o.name, o.rule));
        s.push_str(&params_text(o.params));
    }
    s.push_str(
        "\nExpression landscapes (--landscape 'expr:EXPRESSION; name=value, ...'):\n  \
         x, y, up to 4 named parameters, numbers, pi, e; + - * / ^ and parentheses;\n  ",
    );
    let funcs: Vec<&str> = downhill::expr::Func::USER.iter().map(|(n, _, _)| *n).collect();
    s.push_str(&format!("functions {}; e.g. expr:a*x^2 + sin(3*y); a=0.5\n", funcs.join(" ")));
    s.push_str(
        "\nOptions for every optimizer (--noise, --seed, --clip, --l2, --schedule NAME:key=value,...):\n",
    );
    s.push_str(&params_text(downhill::options::PARAMS));
    let schedules: Vec<&str> = downhill::options::Schedule::ALL.iter().map(|(_, n, _)| *n).collect();
    s.push_str(&format!("      schedules: {}\n", schedules.join(", ")));
    s.push_str("\nAxes (--x/--y PARAM:LO:HI[:log]): x0, y0, or any parameter above.\n");
    s
}
