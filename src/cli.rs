//! Command-line syntax (clap only). Values stay as typed here; `commands` turns them into
//! validated specs through the library's parsers.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use downhill::picture::Format;

/// Millions of optimiser trajectories at once on 2-D loss landscapes, on the GPU.
///
/// With no command, renders the default gallery into `results/`.
#[derive(Parser, Debug)]
#[command(name = "downhill", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: `gallery`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Basin-of-attraction map: one trajectory per start point over the landscape's plane.
    Basins(BasinsArgs),
    /// Stability map: learning rate against curvature k on the quadratic 0.5*k*x^2 from x0 = 1.
    Stability(StabilityArgs),
    /// Any two parameters as the grid's axes.
    Sweep(SweepArgs),
    /// One trajectory, every iterate written as CSV (step,x,y,loss).
    Trace(TraceArgs),
    /// Paths of several optimizers over a contour map of the landscape, and their loss curves.
    Paths(PathsArgs),
    /// Trainability map: a tiny neural network trained by gradient descent in every cell of a
    /// grid of per-layer learning rates, coloured by whether and how fast it trains.
    Trainability(TrainabilityArgs),
    /// One trainability network trained by full-batch gradient descent on the CPU: its loss and
    /// sharpness (largest Hessian eigenvalue) against step, with the stability line 2/lr (the
    /// edge of stability).
    Train(TrainArgs),
    /// Landscapes and optimizers with their parameters and defaults.
    List,
    /// The GPU adapter downhill would use, its backend and limits.
    Info,
    /// Render every figure of a figure file (TOML), or a figure again from its PNG.
    Render(RenderArgs),
    /// Render the default gallery (results/gallery.toml) and its README.
    Gallery(GalleryArgs),
    /// Merge the shard files of an array job (`--shard I/N`) into what a single run writes.
    Merge(MergeArgs),
}

/// Where to run.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendArg {
    /// The GPU if an adapter exists, else the CPU.
    Auto,
    /// The GPU (an error if there is none).
    Gpu,
    /// The CPU reference implementation.
    Cpu,
}

/// What colours the cells.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorArg {
    /// Basins for `basins`, loss otherwise.
    Auto,
    /// log10 of the final loss above the minimum.
    Loss,
    /// Steps to converge.
    Conv,
    /// Attractor reached (known minimum or found cluster), shaded by steps to converge.
    Basin,
}

/// Settings shared by every run.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Optimizer steps per trajectory [default: basins and paths 500; stability, sweep and
    /// trace 1000].
    #[arg(long)]
    pub steps: Option<u32>,
    /// A trajectory has diverged once |x| or |y| exceeds this (or is not finite).
    #[arg(long, default_value_t = downhill::recipe::defaults::THRESHOLD, allow_negative_numbers = true)]
    pub threshold: f64,
    /// A trajectory has converged at the first step from which its gradient norm stays at most this
    /// (or at most what f32 resolves at its iterate, where that is more: `conv_floor` in the JSON).
    #[arg(long, default_value_t = downhill::recipe::defaults::TOL, allow_negative_numbers = true)]
    pub tol: f64,
    /// Where to run.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// Stochastic gradients: add Gaussian noise of this standard deviation to each gradient
    /// component (reproducible from --seed).
    #[arg(long, value_name = "SIGMA", default_value_t = 0.0, allow_negative_numbers = true)]
    pub noise: f64,
    /// Seed of the gradient noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u32,
    /// Clip each gradient to this norm (0 = off).
    #[arg(long, value_name = "NORM", default_value_t = 0.0, allow_negative_numbers = true)]
    pub clip: f64,
    /// Coupled L2 weight decay: the optimiser sees g + l2 * x (0 = off).
    #[arg(long, value_name = "L2", default_value_t = 0.0, allow_negative_numbers = true)]
    pub l2: f64,
    /// Learning-rate schedule: constant, step, exp, inv, cosine or warmup_cosine, optionally
    /// with gamma, step_size, warmup, horizon, e.g. step:gamma=0.5,step_size=100.
    #[arg(long)]
    pub schedule: Option<String>,
    /// Arithmetic: f32 (default; GPU or CPU) or f64 (on the CPU: for zooms deeper than f32
    /// resolves).
    #[arg(long, value_enum)]
    pub precision: Option<downhill::spec::Precision>,
    /// Print the WGSL landscape piece that runs (useful for expr: landscapes) to stdout.
    #[arg(long)]
    pub show_wgsl: bool,
}

impl RunArgs {
    /// The settings of a run that takes no landscape options (a trainability map, one
    /// network): the defaults, with `steps`, `backend` and `precision`.
    pub fn plain(
        steps: Option<u32>,
        backend: BackendArg,
        precision: Option<downhill::spec::Precision>,
    ) -> Self {
        RunArgs {
            steps,
            threshold: downhill::recipe::defaults::THRESHOLD,
            tol: downhill::recipe::defaults::TOL,
            backend,
            noise: 0.0,
            seed: 0,
            clip: 0.0,
            l2: 0.0,
            schedule: None,
            show_wgsl: false,
            precision,
        }
    }
}

/// Settings shared by every figure.
#[derive(Args, Debug, Clone)]
pub struct FigureArgs {
    /// Output prefix: writes PREFIX.png, PREFIX.npz and PREFIX.json.
    #[arg(short = 'o', long = "out", value_name = "PREFIX")]
    pub out: PathBuf,
    /// Grid cells: N (square) or COLSxROWS [default: basins 512; stability, sweep and
    /// trainability 256].
    #[arg(long)]
    pub res: Option<String>,
    #[command(flatten)]
    pub style: StyleArgs,
    /// Zoom into the map: CX,CY,SPAN puts the window's centre at (CX, CY) in parameter units
    /// and makes the x window SPAN wide (decades on a log axis); the y window shrinks by the
    /// same factor.
    #[arg(long, allow_hyphen_values = true, value_name = "CX,CY,SPAN")]
    pub zoom: Option<String>,
    /// How the boundary's box-counting dimension (JSON `boundary_dimension`) marks and counts
    /// it: cells (default), blocks, or paper (the default under `--convention paper`).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub box_count: Option<downhill::analysis::fractal::BoxCount>,
}

/// Boundary refinement, shared by the map commands.
#[derive(Args, Debug, Clone)]
pub struct RefineArgs {
    /// Refine every row's boundary (where divergence starts along the x axis; on basin maps
    /// both edges of the region of starts that does not diverge) by rounds of probes on the
    /// backend to this relative precision (1e-4 if given without a value); writes
    /// PREFIX.boundary.csv.
    #[arg(long, value_name = "PRECISION", num_args = 0..=1, default_missing_value = "1e-4")]
    pub refine: Option<f64>,
    /// Steps per refinement probe (default: twice what a relative excess of PRECISION needs
    /// to reach the divergence threshold).
    #[arg(long, value_name = "N")]
    pub refine_steps: Option<u32>,
}

/// How a figure looks, shared by every command that draws one.
#[derive(Args, Debug, Clone)]
pub struct StyleArgs {
    /// Colour map for continuous colourings: viridis, magma, inferno, plasma, cividis
    /// (perceptually uniform sequential), rdbu, puor, spectral (diverging), sinebow (cyclic).
    /// Default: viridis (rdbu for trainability maps, spectral under `--convention paper`).
    #[arg(long)]
    pub cmap: Option<String>,
    /// Write the bare heatmap, without title, axes and key.
    #[arg(long)]
    pub plain: bool,
    /// Pixel density: 2 doubles every length (plot, text, lines) for high-density screens.
    #[arg(long, default_value_t = downhill::plan::Style::default().ratio, value_parser = clap::value_parser!(u32).range(
        *downhill::recipe::RATIOS.start() as i64..=*downhill::recipe::RATIOS.end() as i64))]
    pub ratio: u32,
    /// The plot's longer side is at least this many pixels (whole pixels per cell, at most 16
    /// per cell).
    #[arg(long, default_value_t = downhill::plan::Style::default().size, value_parser = clap::value_parser!(u32).range(
        *downhill::recipe::SIZES.start() as i64..=*downhill::recipe::SIZES.end() as i64))]
    pub size: u32,
    /// Title over the plot (default: optimiser, landscape and steps; at most 200 characters).
    #[arg(long)]
    pub title: Option<String>,
    /// Image file format: png, or svg (PREFIX.svg: text, axes, keys, lines and markers as
    /// vectors, heatmaps embedded as pixels; not for animations).
    #[arg(long, value_name = "FORMAT", default_value = downhill::plan::Style::default().format.name(),
        value_parser = format_parser())]
    pub format: Format,
}

/// Parses `--format`: the names of [`Format::ALL`].
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Format::ALL.map(Format::name))
        .map(|name| Format::from_name(&name).expect("clap admits only the formats' names"))
}

/// What a basin map draws over its cells (only `basins` has these flags).
#[derive(Args, Debug, Clone)]
pub struct OverlayArgs {
    /// No contour lines of the landscape.
    #[arg(long)]
    pub no_contours: bool,
    /// No rings on the attractors.
    #[arg(long)]
    pub no_markers: bool,
}

/// How map cells are coloured (the maps of 2-D landscapes; trainability maps colour by class).
#[derive(Args, Debug, Clone)]
pub struct ColourArgs {
    /// What colours the cells.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Splitting a map across the tasks of an array job, and resuming long runs.
#[derive(Args, Debug, Clone)]
pub struct TileArgs {
    /// Run only the I-th of N interleaved parts of the grid (1-based, e.g. 3/64) and write
    /// PREFIX.shard-I-of-N.npz for `downhill merge`. Without it, an array job's environment
    /// names the part: Slurm (SLURM_ARRAY_TASK_ID), Kubernetes Indexed Jobs
    /// (JOB_COMPLETION_INDEX, with --shards), AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Number of parts where the scheduler gives only the index (Kubernetes Indexed Jobs);
    /// also DOWNHILL_SHARDS.
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
    /// Continue a stopped run (killed, crashed, device lost) from the finished tiles it kept in
    /// PREFIX.run/, computing only the rest; the outputs equal an uninterrupted run's.
    #[arg(long)]
    pub resume: bool,
}

/// `downhill merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shard files (PREFIX.shard-I-of-N.npz), all N of them.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output prefix: writes what the single run would (PREFIX.png, PREFIX.npz, PREFIX.json).
    #[arg(short = 'o', long = "out", value_name = "PREFIX")]
    pub out: PathBuf,
    /// Where to run what the figure computes after its map (boundary refinement).
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
}

/// `downhill basins`.
#[derive(Args, Debug)]
pub struct BasinsArgs {
    /// Landscape, as NAME or NAME:key=value,...
    #[arg(long, default_value = downhill::recipe::defaults::LANDSCAPE)]
    pub landscape: String,
    /// Optimizer, as NAME or NAME:key=value,...
    #[arg(long, visible_alias = "optimiser", default_value = downhill::recipe::defaults::OPTIMIZER)]
    pub optimizer: String,
    /// Start-point domain XLO:XHI:YLO:YHI (default: the landscape's own).
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    #[command(flatten)]
    pub refine: RefineArgs,
    #[command(flatten)]
    pub tiles: TileArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub colour: ColourArgs,
    #[command(flatten)]
    pub overlay: OverlayArgs,
}

/// `downhill stability`.
#[derive(Args, Debug)]
pub struct StabilityArgs {
    /// Optimizer, as NAME or NAME:key=value,...
    #[arg(long, visible_alias = "optimiser", default_value = downhill::recipe::defaults::OPTIMIZER)]
    pub optimizer: String,
    /// Learning-rate axis LO:HI[:log].
    #[arg(long, default_value = downhill::recipe::defaults::STABILITY_LR)]
    pub lr: String,
    /// Curvature axis LO:HI[:log].
    #[arg(long, default_value = downhill::recipe::defaults::STABILITY_K)]
    pub k: String,
    #[command(flatten)]
    pub refine: RefineArgs,
    #[command(flatten)]
    pub tiles: TileArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub colour: ColourArgs,
}

/// `downhill sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Landscape, as NAME or NAME:key=value,...
    #[arg(long)]
    pub landscape: String,
    /// Optimizer, as NAME or NAME:key=value,...
    #[arg(long, visible_alias = "optimiser")]
    pub optimizer: String,
    /// Column axis PARAM:LO:HI[:log], e.g. x0:-2:2 or lr:0:4.
    #[arg(long, allow_hyphen_values = true)]
    pub x: String,
    /// Row axis PARAM:LO:HI[:log], e.g. y0:-1:3 or kx:0.1:10:log.
    #[arg(long, allow_hyphen_values = true)]
    pub y: String,
    /// Start point X,Y for the coordinates that are not axes.
    #[arg(long, allow_hyphen_values = true)]
    pub start: Option<String>,
    #[command(flatten)]
    pub refine: RefineArgs,
    #[command(flatten)]
    pub tiles: TileArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub figure: FigureArgs,
    #[command(flatten)]
    pub colour: ColourArgs,
}

/// `downhill trace`.
#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Landscape, as NAME or NAME:key=value,...
    #[arg(long)]
    pub landscape: String,
    /// Optimizer, as NAME or NAME:key=value,...
    #[arg(long, visible_alias = "optimiser")]
    pub optimizer: String,
    /// Start point X,Y.
    #[arg(long, allow_hyphen_values = true)]
    pub start: String,
    /// Output prefix, as for every other command: writes PREFIX.csv.
    #[arg(short = 'o', long = "out", value_name = "PREFIX", conflicts_with = "csv")]
    pub out: Option<PathBuf>,
    /// CSV file to write (default, without -o either: standard output).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `downhill paths`.
#[derive(Args, Debug)]
pub struct PathsArgs {
    /// Landscape, as NAME or NAME:key=value,...
    #[arg(long)]
    pub landscape: String,
    /// Optimizer, as NAME or NAME:key=value,...; repeat for several (one colour each).
    #[arg(long = "optimizer", visible_alias = "optimiser", required = true)]
    pub optimizers: Vec<String>,
    /// Start point X,Y; repeat for several (every optimizer runs from each).
    #[arg(long = "start", required = true, allow_hyphen_values = true)]
    pub starts: Vec<String>,
    /// Window XLO:XHI:YLO:YHI (default: the landscape's own domain).
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    /// Output prefix: writes PREFIX.png, PREFIX.loss.png, PREFIX.csv and PREFIX.json.
    #[arg(short = 'o', long = "out", value_name = "PREFIX")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub style: StyleArgs,
}

/// `downhill render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    /// A figure file (TOML with [[figure]] tables), or a PNG written by downhill (it carries
    /// the entry that made it).
    pub file: PathBuf,
    /// Directory to write into (default: the file's own directory).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Render only the figure with this name (repeat for several).
    #[arg(long)]
    pub only: Vec<String>,
    /// Also write README.md showing every figure with its entry.
    #[arg(long)]
    pub readme: bool,
    /// For the tasks of an array job (1-based, e.g. 3/16): render only every N-th figure from
    /// the I-th; with one map figure (or --only NAME), write the I-th of N shard files of that
    /// figure (its frames, panels or tiles) for `downhill merge`. Without it, the job's
    /// environment names the part (as for `basins --shard`).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Number of parts where the scheduler gives only the index (Kubernetes Indexed Jobs).
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
    /// Write every figure's image in this format (png or svg), whatever its entry says.
    #[arg(long, value_name = "FORMAT", value_parser = format_parser())]
    pub format: Option<Format>,
    /// Where to run.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
}

/// The network of `trainability` and `train`: its shape, data and initial weights.
#[derive(Args, Debug)]
pub struct NetworkArgs {
    /// Hidden nonlinearity: tanh (tanh(sqrt(2) z)), relu (sqrt(2) max(z, 0)) or identity.
    #[arg(long, default_value = downhill::recipe::defaults::ACTIVATION)]
    pub activation: String,
    /// Input dimension d (default 16).
    #[arg(long)]
    pub dim: Option<usize>,
    /// Hidden width (default 16).
    #[arg(long)]
    pub width: Option<usize>,
    /// Number of data points (default: the number of parameters, d*width + width).
    #[arg(long)]
    pub data: Option<usize>,
    /// Seed of the data and the initial weights (all standard normal).
    #[arg(long)]
    pub net_seed: Option<u32>,
    /// Read the data and initial weights from an .npz file (arrays X, Y, W0, W1) instead.
    #[arg(long)]
    pub npz: Option<PathBuf>,
}

/// `downhill trainability`.
#[derive(Args, Debug)]
pub struct TrainabilityArgs {
    #[command(flatten)]
    pub net: NetworkArgs,
    /// Column axis PARAM:LO:HI[:log], PARAM one of lr0, lr1, lr (both layers), offset
    /// (default lr0:0.01:100:log).
    #[arg(long, allow_hyphen_values = true)]
    pub x: Option<String>,
    /// Row axis (default lr1:0.01:100:log).
    #[arg(long, allow_hyphen_values = true)]
    pub y: Option<String>,
    /// Input-layer learning rate where no axis sets it (default 1).
    #[arg(long)]
    pub lr0: Option<f64>,
    /// Output-layer learning rate where no axis sets it (default 1).
    #[arg(long)]
    pub lr1: Option<f64>,
    /// Offset added to every initial input-layer weight where no axis sets it (default 0).
    #[arg(long, allow_hyphen_values = true)]
    pub offset: Option<f64>,
    /// Minibatch size of the gradient (default: the full batch; the loss is always measured
    /// on the full batch).
    #[arg(long)]
    pub batch: Option<u32>,
    /// Seed of the minibatch positions.
    #[arg(long)]
    pub batch_seed: Option<u32>,
    /// Gradient-descent steps per cell [default: 500].
    #[arg(long)]
    pub steps: Option<u32>,
    /// GPU kernel layout: invocation (one invocation per network), workgroup (one workgroup
    /// of 64 per network; at most 544 parameters and 512 data points) or unit (one invocation
    /// per hidden unit, weights in registers, compiled per network shape; the data, padded,
    /// at most 64 KiB). Default: unit where the data fit it, else invocation.
    #[arg(long, value_enum)]
    pub layout: Option<downhill::nn::train::Layout>,
    /// Arithmetic: f32 (default, GPU or CPU) or f64 (CPU only; learning rates, weights and
    /// arithmetic in f64, for zooms deeper than f32 resolves).
    #[arg(long, value_enum)]
    pub precision: Option<downhill::nn::train::Precision>,
    /// Whose conventions: ours (default) or paper (Sohl-Dickstein's notebook). Under paper
    /// the readout is phi(Z) W1 / width, mapped exactly onto ours as (lr0, lr1, W1) ->
    /// (lr0, lr1 / width, W1 / sqrt(width)); every cell trains all steps with its loss ratio
    /// capped at 1e6 (a non-finite loss makes it NaN); the offset is added to W0 before every
    /// step; cells are coloured by their CDF within each class on Spectral; and
    /// --box-count defaults to paper (porespy's box count, median local slope). Ours stays
    /// the default: its readout scales both layers alike, and stopping at the cap is what
    /// makes large maps fast.
    #[arg(long, value_enum)]
    pub convention: Option<downhill::nn::train::Convention>,
    /// Where to run.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    #[command(flatten)]
    pub figure: FigureArgs,
}

/// `downhill train`: gradient descent with per-layer rates, or Adam.
#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub net: NetworkArgs,
    /// The optimiser: gd (default; its rates are --lr0 and --lr1) or
    /// adam:lr=..,beta1=..,beta2=..,eps=..,bias_correction=.. (Adam's defaults as everywhere:
    /// lr 0.01, beta1 0.9, beta2 0.999, eps 1e-8, bias correction on). With Adam the chart
    /// adds the preconditioned sharpness against (2 + 2 beta1) / ((1 - beta1) lr).
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Input-layer learning rate of gd [default: 1].
    #[arg(long, allow_negative_numbers = true)]
    pub lr0: Option<f64>,
    /// Output-layer learning rate of gd [default: 1].
    #[arg(long, allow_negative_numbers = true)]
    pub lr1: Option<f64>,
    /// Minibatch size of the gradient (default: the full batch; the loss and the sharpness are
    /// always of the full batch).
    #[arg(long)]
    pub batch: Option<u32>,
    /// Seed of the minibatch positions.
    #[arg(long)]
    pub batch_seed: Option<u32>,
    /// Training steps.
    #[arg(long, default_value_t = 1000)]
    pub steps: u32,
    /// Steps between sharpness measurements (each is two Lanczos runs on exact Hessian-vector
    /// products).
    #[arg(long, default_value_t = downhill::train_figure::DEFAULT_EVERY)]
    pub sharpness_every: u32,
    /// Arithmetic of the training: f32 (default, the map's CPU twin) or f64. The sharpness is
    /// always computed in f64.
    #[arg(long, value_enum)]
    pub precision: Option<downhill::nn::train::Precision>,
    /// Width of each chart, pixels.
    #[arg(long, default_value_t = 720)]
    pub size: u32,
    /// Output prefix: writes PREFIX.png, PREFIX.csv and PREFIX.json.
    #[arg(short = 'o', long = "out", value_name = "PREFIX")]
    pub out: PathBuf,
}

/// `downhill gallery`.
#[derive(Args, Debug)]
pub struct GalleryArgs {
    /// Directory to write into.
    #[arg(short = 'o', long = "out", default_value = "results")]
    pub out: PathBuf,
    /// Where to run.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
}
