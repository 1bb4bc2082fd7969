//! A map run tile by tile: its rows split into bands ([`TilePlan`]), each band run on its own
//! ([`crate::runner::Backend::run_rows`], the same bits as in a whole run), finished bands kept
//! in a run folder beside the outputs so that a killed run resumes where it stopped
//! ([`RunFolder`]), and every N-th band run by one of N shards of an array job ([`Shard`]).

use std::fs;
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use crate::error::Error;
use crate::outcome::Outcomes;
use crate::progress::Progress;
use crate::runner::Backend;
use crate::spec::Spec;

pub use crate::memory::TILE_CELLS;

/// Environment variable overriding the rows per tile (tests and tuning).
pub const TILE_ROWS_ENV: &str = "DOWNHILL_TILE_ROWS";

/// Environment variable, for tests of resumption only: milliseconds to pause after each tile
/// saved to the run folder, so that a test can kill the process part way.
pub const TILE_STALL_ENV: &str = "DOWNHILL_TEST_TILE_STALL_MS";

/// One part of an array job: the `index`-th (0-based) of `count` parts of a grid's tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index.
    pub index: u32,
    /// Number of parts.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` (1-based `I`, as array jobs are usually written by hand).
    pub fn parse(flag: &str, text: &str) -> Result<Shard, Error> {
        let bad = || Error::input(flag, format!("`{text}` is not I/N with 1 <= I <= N (e.g. 3/64)"));
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (i, n): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if i == 0 || n == 0 || i > n {
            return Err(bad());
        }
        Shard::new(flag, i - 1, n)
    }

    /// The shard with 0-based `index` of `count`, checked.
    pub fn new(what: &str, index: u32, count: u32) -> Result<Shard, Error> {
        if count == 0 || count > MAX_SHARDS || index >= count {
            return Err(Error::input(
                what,
                format!("shard {index} (0-based) of {count} is not a part of 1 to {MAX_SHARDS} parts"),
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard an array job's scheduler assigns through the environment, if any: Slurm
    /// (`SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN` of `SLURM_ARRAY_TASK_COUNT`),
    /// Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX` of `shards`, or `DOWNHILL_SHARDS`), AWS
    /// Batch (`AWS_BATCH_JOB_ARRAY_INDEX` of `AWS_BATCH_JOB_ARRAY_SIZE`).
    pub fn from_env(
        env: &dyn Fn(&str) -> Option<String>,
        shards: Option<u32>,
    ) -> Result<Option<Shard>, Error> {
        let num = |name: &str| -> Result<Option<u32>, Error> {
            match env(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| Error::input(name, format!("`{v}` is not a non-negative integer"))),
            }
        };
        let need = |name: &str, what: &str| -> Result<u32, Error> {
            num(name)?.ok_or_else(|| Error::input(name, format!("is not set, so the {what} is unknown")))
        };
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let count = need("SLURM_ARRAY_TASK_COUNT", "number of shards")?;
            let index = id.checked_sub(min).ok_or_else(|| {
                Error::input("SLURM_ARRAY_TASK_ID", format!("{id} is below SLURM_ARRAY_TASK_MIN = {min}"))
            })?;
            return Shard::new("SLURM_ARRAY_TASK_ID", index, count).map(Some);
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let count = match shards {
                Some(n) => n,
                None => need("DOWNHILL_SHARDS", "number of shards (or give --shards N)")?,
            };
            return Shard::new("JOB_COMPLETION_INDEX", index, count).map(Some);
        }
        if let Some(index) = num("AWS_BATCH_JOB_ARRAY_INDEX")? {
            let count = need("AWS_BATCH_JOB_ARRAY_SIZE", "number of shards")?;
            return Shard::new("AWS_BATCH_JOB_ARRAY_INDEX", index, count).map(Some);
        }
        Ok(None)
    }

    /// `I-of-N` with 1-based `I`, as in shard file names.
    pub fn label(&self) -> String {
        format!("{}-of-{}", self.index + 1, self.count)
    }
}

/// How a map figure runs: whole, as one shard of an array job, resumable, or from outcomes
/// an earlier run computed (the merge of an array job's shards). Set from the command line,
/// never from figure files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tiling {
    /// Run only this part of the grid and write a shard file instead of the figure.
    pub shard: Option<Shard>,
    /// Continue from the finished tiles in the run folder.
    pub resume: bool,
    /// Every map's outcomes, already computed (in the order the figure runs its maps: frame
    /// by frame, panel by panel): nothing is run.
    pub merged: Option<Arc<Vec<Computed>>>,
    /// A single map's outcomes, already computed and saved as the tiles of this plan in the
    /// run folder (a merge too large to hold), with the seconds their runs took: nothing is
    /// run, and the map is read back tile by tile.
    pub saved: Option<(TilePlan, f64)>,
}

/// A grid's outcomes computed elsewhere (by the shards of an array job).
#[derive(Clone, Debug, PartialEq)]
pub struct Computed {
    /// The outcomes.
    pub out: Outcomes,
    /// Seconds the runs took, summed.
    pub run_seconds: f64,
}

/// Runs the `tiles` of `plan` for `spec` one after the other, reporting to `progress`, and
/// hands each tile's rows and outcomes to `sink` as it finishes (so only one tile is held
/// twice), with whether it was computed now; with a run folder, a tile already saved there is
/// loaded instead of run. Saving is the sink's: at once where the folder holds the map, through
/// a [`Checkpoint`] where the map is held whole.
pub fn run(
    backend: &mut Backend,
    spec: &Spec,
    (plan, tiles): (&TilePlan, &[u32]),
    folder: Option<&RunFolder>,
    progress: &Progress,
    sink: &mut dyn FnMut(Range<u32>, Outcomes, bool) -> Result<(), Error>,
) -> Result<(), Error> {
    for &t in tiles {
        let rows = plan.rows_of(t);
        match folder.and_then(|f| f.load(&rows, spec.x.cells)) {
            Some(out) => {
                progress.add(out.len() as u64 * spec.steps as u64);
                sink(rows, out, false)?;
            }
            None => {
                let out = backend.run_rows(spec, rows.clone(), progress)?;
                sink(rows, out, true)?;
            }
        }
    }
    Ok(())
}

/// Seconds a map held whole runs before it saves its finished tiles to its run folder for
/// `--resume`: a shorter run is cheaper to run again than to save (W3 at 4096x4096 on the
/// CPU ran in 0.35 s, and 1.18 s saving its 16 tiles).
pub const CHECKPOINT_AFTER_S: f64 = 10.0;
/// Environment variable overriding [`CHECKPOINT_AFTER_S`] (seconds; 0 saves every tile).
pub const CHECKPOINT_ENV: &str = "DOWNHILL_CHECKPOINT_AFTER_S";

/// Saves the finished tiles of a map held whole to its run folder once the run has gone on
/// for [`CHECKPOINT_AFTER_S`]: first every tile finished so far (read from the grid), then
/// each as it finishes.
pub struct Checkpoint<'a> {
    folder: &'a RunFolder,
    started: std::time::Instant,
    after: f64,
    /// Finished tiles not saved yet: their rows and the steps their runner computed.
    unsaved: Vec<(Range<u32>, Option<u64>)>,
}

impl<'a> Checkpoint<'a> {
    /// Starts the clock for a run saving to `folder` after [`CHECKPOINT_AFTER_S`] (or
    /// [`CHECKPOINT_ENV`]).
    pub fn new(folder: &'a RunFolder) -> Checkpoint<'a> {
        let after = std::env::var(CHECKPOINT_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .unwrap_or(CHECKPOINT_AFTER_S);
        Checkpoint::after(folder, after)
    }

    /// Starts the clock for a run saving to `folder` after `seconds`.
    pub fn after(folder: &'a RunFolder, seconds: f64) -> Checkpoint<'a> {
        Checkpoint { folder, started: std::time::Instant::now(), after: seconds, unsaved: Vec::new() }
    }

    /// Notes that the tile of `rows` (whose runner computed `steps_computed` steps) is now in
    /// `grid`, and saves every unsaved tile once the run has gone on long enough.
    pub fn finished(
        &mut self,
        rows: Range<u32>,
        steps_computed: Option<u64>,
        grid: &Outcomes,
    ) -> Result<(), Error> {
        self.unsaved.push((rows, steps_computed));
        if self.started.elapsed().as_secs_f64() < self.after {
            return Ok(());
        }
        for (rows, computed) in self.unsaved.drain(..) {
            let mut band = grid.band(rows.clone());
            band.steps_computed = computed;
            self.folder.save(&rows, &band)?;
        }
        Ok(())
    }
}

/// Most parts an array job may split a map into.
pub const MAX_SHARDS: u32 = 1 << 16;

/// How a map's rows split into tiles: bands of `rows_per_tile` rows from row 0 up, the last
/// one shorter where they do not divide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TilePlan {
    /// Rows of the grid.
    pub rows: u32,
    /// Rows in each tile (but the last).
    pub rows_per_tile: u32,
}

impl TilePlan {
    /// Tiles of about [`TILE_CELLS`] cells for a `cols x rows` grid (or [`TILE_ROWS_ENV`] rows),
    /// at least four per shard where the grid is split into `shards` parts, so that every
    /// part gets tiles from all over the grid and the parts cost about the same.
    pub fn new(cols: u32, rows: u32, shards: u32) -> TilePlan {
        let by_cells = (TILE_CELLS / cols.max(1) as u64).clamp(1, rows.max(1) as u64) as u32;
        let by_shards = rows.div_ceil(4 * shards.max(1)).max(1);
        let env = std::env::var(TILE_ROWS_ENV).ok().and_then(|v| v.parse::<u32>().ok()).filter(|&r| r > 0);
        let rows_per_tile = env.unwrap_or(if shards > 1 { by_cells.min(by_shards) } else { by_cells });
        TilePlan { rows, rows_per_tile }
    }

    /// Number of tiles.
    pub fn tiles(&self) -> u32 {
        self.rows.div_ceil(self.rows_per_tile)
    }

    /// Whether a map of this plan with `cols` columns, in a figure of `maps` maps, streams from
    /// its run folder instead of being held whole: the figure's only map, of more than one row
    /// and more than one tile, too large to hold ([`crate::memory::streams`], whose byte
    /// estimate `memory::map_bytes` follows the same rule).
    pub fn streams(&self, cols: u32, maps: usize) -> bool {
        self.tiles() > 1 && crate::memory::streams(cols, self.rows, maps.try_into().unwrap_or(u32::MAX))
    }

    /// The rows of tile `t`.
    pub fn rows_of(&self, t: u32) -> Range<u32> {
        let start = t * self.rows_per_tile;
        start..(start + self.rows_per_tile).min(self.rows)
    }

    /// The tiles of `shard`, every `count`-th from its index (all tiles without a shard).
    pub fn tiles_of(&self, shard: Option<Shard>) -> Vec<u32> {
        let (index, count) = shard.map_or((0, 1), |s| (s.index, s.count));
        (index..self.tiles()).step_by(count as usize).collect()
    }
}

/// Finished tiles of a run in progress, in the folder `PREFIX.run` beside its outputs: a file
/// `spec` naming the run's spec hash, and one file per finished tile. Removed once the run's
/// outputs are written.
pub struct RunFolder {
    dir: PathBuf,
}

/// First bytes of a tile file.
const TILE_MAGIC: &[u8; 8] = b"DHTILE1\n";

impl RunFolder {
    /// The run folder of outputs under `prefix`.
    pub fn path(prefix: &Path) -> PathBuf {
        crate::output::with_ext(prefix, "run")
    }

    /// Opens the run folder of `prefix` for a run whose spec hashes to `hash`. With `resume`,
    /// an existing folder must hold the same spec (else an error naming the folder) and its
    /// tiles are kept; without, any earlier folder is emptied.
    pub fn open(prefix: &Path, hash: &str, resume: bool) -> Result<RunFolder, Error> {
        let dir = RunFolder::path(prefix);
        let io = |e: std::io::Error| Error::Write { path: dir.clone(), source: e };
        let spec_file = dir.join("spec");
        if dir.exists() {
            let same = fs::read_to_string(&spec_file).is_ok_and(|s| s.trim() == hash);
            if resume && !same {
                return Err(Error::input(
                    "--resume",
                    format!("`{}` holds the tiles of another figure (its spec hash differs)", dir.display()),
                ));
            }
            if !resume {
                fs::remove_dir_all(&dir).map_err(io)?;
            }
        }
        fs::create_dir_all(&dir).map_err(io)?;
        fs::write(&spec_file, format!("{hash}\n")).map_err(io)?;
        Ok(RunFolder { dir })
    }

    fn tile_path(&self, rows: &Range<u32>) -> PathBuf {
        self.dir.join(format!("rows-{}-{}.tile", rows.start, rows.end))
    }

    /// The saved outcomes of the tile covering `rows` of a grid with `cols` columns, if that
    /// tile finished (a damaged file counts as not finished).
    pub fn load(&self, rows: &Range<u32>, cols: u32) -> Option<Outcomes> {
        let mut band = Outcomes::default();
        self.load_into(rows, cols, &mut band).then_some(band)
    }

    /// [`RunFolder::load`] into `band`, reusing its buffers (a pass over a streamed map reads
    /// every tile; a fresh buffer per tile costs its pages anew): whether the tile was whole.
    pub fn load_into(&self, rows: &Range<u32>, cols: u32, band: &mut Outcomes) -> bool {
        let Ok(file) = fs::File::open(self.tile_path(rows)) else { return false };
        let len = file.metadata().map_or(0, |m| m.len());
        read_tile(std::io::BufReader::with_capacity(1 << 16, file), len, (cols, rows.len() as u32), band)
    }

    /// Saves a finished tile's outcomes (atomically: written beside, then renamed).
    pub fn save(&self, rows: &Range<u32>, out: &Outcomes) -> Result<(), Error> {
        let path = self.tile_path(rows);
        let tmp = path.with_extension(format!("{}.part", std::process::id()));
        fs::File::create(&tmp)
            .and_then(|f| {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
                write_tile(&mut w, out)?;
                w.flush()
            })
            .and_then(|()| fs::rename(&tmp, &path))
            .map_err(|e| Error::Write { path: path.clone(), source: e })?;
        if let Some(ms) = std::env::var(TILE_STALL_ENV).ok().and_then(|v| v.parse().ok()) {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        Ok(())
    }

    /// How many of `plan`'s tiles (for a grid of `cols` columns) are saved here, by the size of
    /// their files (a damaged one is run again when [`RunFolder::load`] refuses it).
    pub fn finished(&self, plan: &TilePlan, cols: u32) -> usize {
        let whole = |t: u32| {
            let rows = plan.rows_of(t);
            let bytes = tile_bytes(cols as u64 * rows.len() as u64);
            fs::metadata(self.tile_path(&rows)).is_ok_and(|m| m.len() == bytes)
        };
        (0..plan.tiles()).filter(|&t| whole(t)).count()
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the run folder of outputs under `prefix`, if there is one (the run's outputs
    /// are written).
    pub fn remove_under(prefix: &Path) {
        let _ = fs::remove_dir_all(RunFolder::path(prefix));
    }
}

/// Bytes of a tile file of `cells` cells ([`write_tile`]): a 24-byte header, then 20 bytes a cell.
fn tile_bytes(cells: u64) -> u64 {
    24 + 20 * cells
}

/// Writes a tile's outcomes: magic, columns, rows, steps computed (`u64::MAX` where not
/// counted), then x, y, loss (f32) and div_step, conv_step (i32), little-endian.
fn write_tile(w: &mut dyn Write, out: &Outcomes) -> std::io::Result<()> {
    w.write_all(TILE_MAGIC)?;
    w.write_all(&out.cols.to_le_bytes())?;
    w.write_all(&out.rows.to_le_bytes())?;
    w.write_all(&out.steps_computed.unwrap_or(u64::MAX).to_le_bytes())?;
    for v in [&out.x, &out.y, &out.loss] {
        crate::output::write_le(w, v, f32::to_le_bytes)?;
    }
    for v in [&out.div_step, &out.conv_step] {
        crate::output::write_le(w, v, i32::to_le_bytes)?;
    }
    Ok(())
}

/// [`write_tile`] backwards, from `r` holding `len` bytes, into `band`'s buffers; false
/// unless they are a whole tile of `cols x rows`.
fn read_tile(mut r: impl Read, len: u64, (cols, rows): (u32, u32), band: &mut Outcomes) -> bool {
    let n = cols as usize * rows as usize;
    let mut head = [0u8; 24];
    if len != tile_bytes(n as u64) || r.read_exact(&mut head).is_err() || &head[..8] != TILE_MAGIC {
        return false;
    }
    let word = |at: usize| u32::from_le_bytes(head[at..at + 4].try_into().expect("4 bytes"));
    if word(8) != cols || word(12) != rows {
        return false;
    }
    let computed = u64::from_le_bytes(head[16..24].try_into().expect("8 bytes"));
    (band.cols, band.rows) = (cols, rows);
    band.steps_computed = (computed != u64::MAX).then_some(computed);
    // Straight into the buffers, then (on big-endian hosts only) each word from little-endian.
    let mut read = |words: &mut [u32]| {
        r.read_exact(bytemuck::cast_slice_mut(words))
            .map(|()| words.iter_mut().for_each(|w| *w = u32::from_le(*w)))
    };
    let mut ok = true;
    for v in [&mut band.x, &mut band.y, &mut band.loss] {
        v.resize(n, 0.0);
        ok = ok && read(bytemuck::cast_slice_mut(v)).is_ok();
    }
    for v in [&mut band.div_step, &mut band.conv_step] {
        v.resize(n, 0);
        ok = ok && read(bytemuck::cast_slice_mut(v)).is_ok();
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_one_based_and_refuse_nonsense() {
        assert_eq!(Shard::parse("--shard", "3/64").unwrap(), Shard { index: 2, count: 64 });
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", "-1/4"] {
            assert!(Shard::parse("--shard", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn schedulers_name_the_shard_through_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "13"),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ]);
        assert_eq!(Shard::from_env(&slurm, None).unwrap(), Some(Shard { index: 3, count: 8 }));
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0")]);
        assert_eq!(Shard::from_env(&k8s, Some(4)).unwrap(), Some(Shard { index: 0, count: 4 }));
        assert!(Shard::from_env(&k8s, None).is_err(), "Kubernetes needs the count");
        let aws = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "5"), ("AWS_BATCH_JOB_ARRAY_SIZE", "6")]);
        assert_eq!(Shard::from_env(&aws, None).unwrap(), Some(Shard { index: 5, count: 6 }));
        assert_eq!(Shard::from_env(&env(&[]), None).unwrap(), None);
    }

    #[test]
    fn shards_cover_every_tile_once_and_interleave() {
        let plan = TilePlan { rows: 103, rows_per_tile: 5 };
        let mut seen: Vec<u32> =
            (0..4).flat_map(|i| plan.tiles_of(Some(Shard { index: i, count: 4 }))).collect();
        seen.sort();
        assert_eq!(seen, (0..plan.tiles()).collect::<Vec<_>>());
        assert_eq!(plan.rows_of(plan.tiles() - 1), 100..103);
        assert_eq!(plan.tiles_of(Some(Shard { index: 1, count: 4 }))[..3], [1, 5, 9]);
    }

    /// A grid of 3 columns and 4 rows whose cells hold their index.
    fn numbered() -> Outcomes {
        let mut out = Outcomes::zeroed(3, 4);
        for i in 0..12 {
            out.x[i] = i as f32;
            out.div_step[i] = i as i32;
        }
        out
    }

    #[test]
    fn a_checkpoint_saves_nothing_early_then_every_finished_tile_with_its_count() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("fig");
        let folder = RunFolder::open(&prefix, "hash", false).unwrap();
        let grid = numbered();
        let mut late = Checkpoint::after(&folder, 3600.0);
        late.finished(0..2, Some(7), &grid).unwrap();
        assert!(folder.load(&(0..2), 3).is_none(), "a quick run saves nothing");

        let mut now = Checkpoint::after(&folder, 0.0);
        now.unsaved = late.unsaved;
        now.finished(2..4, None, &grid).unwrap();
        let first = folder.load(&(0..2), 3).expect("the earlier tile, saved from the grid");
        assert_eq!((first.x[5], first.div_step[5], first.steps_computed), (5.0, 5, Some(7)));
        let second = folder.load(&(2..4), 3).expect("the tile just finished");
        assert_eq!((second.x[0], second.div_step[5], second.steps_computed), (6.0, 11, None));
        assert!(now.unsaved.is_empty());
    }

    #[test]
    fn tiles_round_trip_and_refuse_damaged_files() {
        let out = Outcomes {
            cols: 2,
            rows: 1,
            x: vec![1.0, f32::NAN],
            y: vec![-0.0, 3.5],
            loss: vec![f32::INFINITY, 2.0],
            div_step: vec![-1, 7],
            conv_step: vec![4, -1],
            steps_computed: Some(99),
        };
        let mut b = Vec::new();
        write_tile(&mut b, &out).unwrap();
        let decode = |b: &[u8], cols, rows| {
            let mut band = Outcomes::default();
            read_tile(b, b.len() as u64, (cols, rows), &mut band).then_some(band)
        };
        let back = decode(&b, 2, 1).unwrap();
        assert_eq!(back.x[0], 1.0);
        assert!(back.x[1].is_nan());
        assert_eq!(
            (back.div_step, back.conv_step, back.steps_computed),
            (out.div_step, out.conv_step, Some(99))
        );
        assert!(decode(&b[..b.len() - 1], 2, 1).is_none());
        assert!(decode(&b, 1, 2).is_none());
    }
}
