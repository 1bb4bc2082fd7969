//! Carries out each subcommand: turns clap's raw values into validated specs through the
//! library, runs them, and prints what a user needs to know on stderr (results go to files or
//! stdout).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};

use downhill::error::Error;
use downhill::figure::{self, ColorBy, Job, Kind, Refinement, Style};
use downhill::gallery;
use downhill::landscape::LANDSCAPES;
use downhill::optimiser::OPTIMISERS;
use downhill::output::OutputSet;
use downhill::param::ParamDef;
use downhill::refine;
use downhill::render::colormap::Cmap;
use downhill::runner::{Backend, BackendChoice};
use downhill::spec::{self, OptionsText, SpecBuilder};

use crate::cli::{BackendArg, ColorArg, Command, FigureArgs, RefineArgs, RunArgs};

fn backend_choice(b: BackendArg) -> BackendChoice {
    match b {
        BackendArg::Auto => BackendChoice::Auto,
        BackendArg::Gpu => BackendChoice::Gpu,
        BackendArg::Cpu => BackendChoice::Cpu,
    }
}

fn open_backend(b: BackendArg) -> Result<Backend, Error> {
    Backend::open(backend_choice(b), &mut |note| eprintln!("downhill: {note}"))
}

fn color(c: ColorArg) -> ColorBy {
    match c {
        ColorArg::Auto => ColorBy::Auto,
        ColorArg::Loss => ColorBy::Loss,
        ColorArg::Conv => ColorBy::Conv,
        ColorArg::Basin => ColorBy::Basin,
    }
}

fn res(figure: &FigureArgs, default: u32) -> Result<(u32, u32), Error> {
    match &figure.res {
        Some(r) => spec::parse_res("--res", r),
        None => Ok((default, default)),
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
    };
}

fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Runs one parsed command.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Basins(a) => {
            let domain = a.domain.as_deref().map(parse_domain).transpose()?;
            let mut b = SpecBuilder::basins(
                &a.landscape,
                &a.optimizer,
                domain,
                res(&a.figure, 512)?,
                a.run.steps.unwrap_or(500),
            )?;
            apply_run(&mut b, &a.run);
            figure_job(Kind::Basins, b, &a.run, &a.figure, &a.refine)
        }
        Command::Stability(a) => {
            let lr = axis_range("--lr", "lr", &a.lr)?;
            let k = axis_range("--k", "kx", &a.k)?;
            let mut b = SpecBuilder::stability(
                &a.optimizer,
                lr,
                k,
                res(&a.figure, 256)?,
                a.run.steps.unwrap_or(1000),
            );
            apply_run(&mut b, &a.run);
            figure_job(Kind::Stability, b, &a.run, &a.figure, &a.refine)
        }
        Command::Sweep(a) => {
            let mut b = SpecBuilder {
                landscape: a.landscape.clone(),
                optimiser: a.optimizer.clone(),
                start: a.start.as_deref().map(|s| spec::parse_point("--start", s)).transpose()?,
                x: spec::parse_axis("--x", &a.x)?,
                y: spec::parse_axis("--y", &a.y)?,
                res: res(&a.figure, 256)?,
                steps: a.run.steps.unwrap_or(1000),
                threshold: 0.0,
                conv_tol: 0.0,
                options: Default::default(),
            };
            apply_run(&mut b, &a.run);
            figure_job(Kind::Sweep, b, &a.run, &a.figure, &a.refine)
        }
        Command::Trace(a) => {
            let start = spec::parse_point("--start", &a.start)?;
            let mut b = SpecBuilder::single(&a.landscape, &a.optimizer, start, a.run.steps.unwrap_or(1000));
            apply_run(&mut b, &a.run);
            let spec = b.build()?;
            show_wgsl(&a.run, &spec)?;
            let mut backend = open_backend(a.run.backend)?;
            let rows = backend.trace(&spec)?;
            let mut csv = String::from("step,x,y,loss\n");
            for (t, r) in rows.iter().enumerate() {
                csv.push_str(&format!("{t},{},{},{}\n", r[0], r[1], r[2]));
            }
            match a.csv {
                Some(path) => {
                    let mut set = OutputSet::new();
                    set.text(&path, &csv)?;
                    set.commit()?;
                    eprintln!(
                        "downhill: {} iterates on {}; wrote {}",
                        rows.len(),
                        backend.describe(),
                        path.display()
                    );
                }
                None => write_stdout(&csv)?,
            }
            Ok(())
        }
        Command::List => write_stdout(&list()),
        Command::Info => {
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
        Command::Gallery(a) => run_gallery(a.out, a.backend),
    }
}

/// Renders the default gallery.
pub fn run_gallery(dir: PathBuf, backend: BackendArg) -> Result<()> {
    let started = std::time::Instant::now();
    let jobs = gallery::jobs(&dir, std::io::stderr().is_terminal())?;
    let mut backend = open_backend(backend)?;
    eprintln!("downhill: rendering {} figures into {} on {}", jobs.len(), dir.display(), backend.describe());
    for job in &jobs {
        let report = figure::run_job(&mut backend, job)
            .with_context(|| format!("rendering {}", job.prefix.display()))?;
        eprintln!("  {}: {}", job.prefix.display(), report.summary);
    }
    eprintln!("downhill: gallery done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Prints the landscape's WGSL piece when `--show-wgsl` asks for it.
fn show_wgsl(run: &RunArgs, spec: &downhill::spec::Spec) -> Result<()> {
    if run.show_wgsl {
        let code = downhill::shader::landscape_source(spec.landscape).unwrap_or_default();
        write_stdout(&code)?;
    }
    Ok(())
}

/// The figure style from the flags.
fn style(fig: &FigureArgs) -> Result<Style, Error> {
    let cmap = Cmap::from_name(&fig.cmap).ok_or_else(|| {
        let names: Vec<&str> = Cmap::ALL.iter().map(|c| c.name()).collect();
        Error::input("--cmap", format!("unknown colour map `{}`; known: {}", fig.cmap, names.join(", ")))
    })?;
    Ok(Style {
        cmap,
        frame: !fig.plain,
        ratio: fig.ratio,
        size: fig.size,
        title: fig.title.clone(),
        contours: !fig.no_contours,
        markers: !fig.no_markers,
    })
}

/// The refinement settings, checked.
fn refinement(a: &RefineArgs, threshold: f64) -> Result<Option<Refinement>, Error> {
    match a.refine {
        None => Ok(None),
        Some(p) if !(p.is_finite() && p > 0.0 && p < 1.0) => {
            Err(Error::input("--refine", format!("precision {p} must be in (0, 1)")))
        }
        Some(p) => Ok(Some(Refinement {
            precision: p,
            steps: a.refine_steps.unwrap_or_else(|| refine::steps_for(p, threshold as f32)),
        })),
    }
}

fn figure_job(
    kind: Kind,
    b: SpecBuilder,
    run: &RunArgs,
    fig: &FigureArgs,
    refine: &RefineArgs,
) -> Result<()> {
    let refine = refinement(refine, run.threshold)?;
    let mut b = b;
    if let Some(z) = &fig.zoom {
        (b.x, b.y) = spec::parse_zoom("--zoom", z)?.apply("--zoom", &b.x, &b.y)?;
    }
    let spec = b.build()?;
    show_wgsl(run, &spec)?;
    let mut backend = open_backend(run.backend)?;
    let job = Job {
        kind,
        spec,
        color: color(fig.color),
        style: style(fig)?,
        prefix: fig.out.clone(),
        raw: true,
        progress: std::io::stderr().is_terminal(),
        command: command_line(),
        refine,
    };
    let report = figure::run_job(&mut backend, &job)?;
    eprintln!("downhill {} on {}: {}", kind.name(), backend.describe(), report.summary);
    let files: Vec<String> = report.files.iter().map(|f| f.display().to_string()).collect();
    eprintln!("wrote {}", files.join(", "));
    Ok(())
}

fn parse_domain(text: &str) -> Result<[f64; 4], Error> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 4 {
        return Err(Error::input("--domain", format!("`{text}` is not XLO:XHI:YLO:YHI")));
    }
    let mut d = [0f64; 4];
    for (v, p) in d.iter_mut().zip(parts) {
        *v = spec::parse_number("--domain", "bound", p)?;
    }
    Ok(d)
}

fn axis_range(flag: &str, param: &str, text: &str) -> Result<spec::AxisText, Error> {
    spec::parse_axis(flag, &format!("{param}:{text}"))
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
