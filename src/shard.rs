//! Shard files: what one part of an array job computed, and their merge into the whole grid.
//!
//! A shard file `PREFIX.shard-I-of-N.npz` holds the outcomes of the rows its shard ran (a
//! figure of several maps, frames or panels, is split map by map), which map and row each is
//! (`map`, `rows`), and a JSON description (`meta`, UTF-8 bytes): the figure's recipe and
//! command, and the spec hash that every shard of one figure shares. [`read_all`] checks a set
//! of shard files against each other and assembles every map.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::outcome::Outcomes;
use crate::output::{Array, OutputSet, with_ext};
use crate::tiles::{Computed, RunFolder, Shard, TilePlan};

/// What a shard file says about itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardMeta {
    /// The version of downhill that wrote it.
    pub downhill: String,
    /// [`spec_hash`] of the figure.
    pub spec_hash: String,
    /// 0-based index of the shard.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
    /// Number of maps in the figure (frames times panels).
    pub maps: u32,
    /// Columns of the whole grid.
    pub cols: u32,
    /// Rows of the whole grid.
    pub rows: u32,
    /// Rows per tile of the split: a shard holds whole tiles of this many rows.
    pub rows_per_tile: u32,
    /// The figure's recipe, a TOML `[[figure]]` table.
    pub recipe: String,
    /// The command that renders the whole figure in one run.
    pub command: String,
    /// Seconds this shard's runs took.
    pub run_seconds: f64,
}

/// The spec hash of a figure: SHA-256 over the downhill version and the figure's recipe
/// (TOML), as 16 hex digits. Shards and run folders of one figure share it.
pub fn spec_hash(recipe_toml: &str) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update([0]);
    h.update(recipe_toml.as_bytes());
    h.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// The shard file of `shard` under the output prefix `prefix`.
pub fn path(prefix: &Path, shard: Shard) -> PathBuf {
    with_ext(prefix, &format!("shard-{}.npz", shard.label()))
}

/// Stages the shard file `target`: `tiles` (map index, rows and outcomes, each a band of whole
/// rows of that map) and `meta`.
pub fn stage(
    set: &mut OutputSet,
    target: &Path,
    meta: &ShardMeta,
    tiles: &[(u32, Range<u32>, Outcomes)],
) -> Result<(), Error> {
    let rows: Vec<i32> = tiles.iter().flat_map(|(_, r, _)| r.clone().map(|v| v as i32)).collect();
    let maps: Vec<i32> = tiles.iter().flat_map(|(m, r, _)| r.clone().map(|_| *m as i32)).collect();
    let join = |f: fn(&Outcomes) -> &Vec<f32>| -> Vec<f32> {
        tiles.iter().flat_map(|(_, _, o)| f(o).clone()).collect()
    };
    let joini = |f: fn(&Outcomes) -> &Vec<i32>| -> Vec<i32> {
        tiles.iter().flat_map(|(_, _, o)| f(o).clone()).collect()
    };
    let (x, y, loss) = (join(|o| &o.x), join(|o| &o.y), join(|o| &o.loss));
    let (div, conv) = (joini(|o| &o.div_step), joini(|o| &o.conv_step));
    let computed: Option<u64> = tiles.iter().map(|(_, _, o)| o.steps_computed).sum();
    let computed = [computed.map_or(-1.0, |c| c as f64)];
    let json = serde_json::to_string(meta).expect("shard metadata is plain JSON");
    let shape = vec![rows.len() as u64, meta.cols as u64];
    set.npz(
        target,
        &[
            Array::U8("meta", vec![json.len() as u64], json.as_bytes()),
            Array::I32("map", vec![maps.len() as u64], &maps),
            Array::I32("rows", vec![rows.len() as u64], &rows),
            Array::F32("x", shape.clone(), &x),
            Array::F32("y", shape.clone(), &y),
            Array::F32("loss", shape.clone(), &loss),
            Array::I32("div_step", shape.clone(), &div),
            Array::I32("conv_step", shape, &conv),
            Array::F64("steps_computed", vec![1], &computed),
        ],
    )
}

/// One shard file as read.
struct ShardFile {
    meta: ShardMeta,
    maps: Vec<i32>,
    rows: Vec<i32>,
    out: Outcomes,
}

/// Reads one array of a shard file.
fn array<T: npyz::Deserialize>(
    zip: &mut zip::ZipArchive<std::io::BufReader<std::fs::File>>,
    culprit: &str,
    name: &str,
) -> Result<Vec<T>, Error> {
    let bad = |why: String| Error::input(culprit, format!("not a downhill shard file: {why}"));
    let entry = zip.by_name(&format!("{name}.npy")).map_err(|_| bad(format!("no array `{name}`")))?;
    let npy = npyz::NpyFile::new(entry).map_err(|e| bad(format!("`{name}`: {e}")))?;
    npy.into_vec().map_err(|e| bad(format!("`{name}`: {e}")))
}

/// Reads a shard file: its description, maps and rows, and, with `outcomes`, the outcomes
/// (else an empty grid).
fn read_one(path: &Path, outcomes: bool) -> Result<ShardFile, Error> {
    let culprit = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::input(&culprit, format!("cannot open: {e}")))?;
    // Buffered: the arrays are read a value at a time.
    let mut zip = zip::ZipArchive::new(std::io::BufReader::with_capacity(1 << 20, file))
        .map_err(|e| Error::input(&culprit, format!("not a downhill shard file: {e}")))?;
    let meta_bytes: Vec<u8> = array(&mut zip, &culprit, "meta")?;
    let meta: ShardMeta = serde_json::from_slice(&meta_bytes)
        .map_err(|e| Error::input(&culprit, format!("not a downhill shard file: its description: {e}")))?;
    let maps: Vec<i32> = array(&mut zip, &culprit, "map")?;
    let rows: Vec<i32> = array(&mut zip, &culprit, "rows")?;
    let n = if outcomes { rows.len() * meta.cols as usize } else { 0 };
    if !outcomes {
        let out = Outcomes::zeroed(meta.cols, 0);
        return check_rows(ShardFile { meta, maps, rows, out }, &culprit);
    }
    let out = Outcomes {
        cols: meta.cols,
        rows: rows.len() as u32,
        x: array(&mut zip, &culprit, "x")?,
        y: array(&mut zip, &culprit, "y")?,
        loss: array(&mut zip, &culprit, "loss")?,
        div_step: array(&mut zip, &culprit, "div_step")?,
        conv_step: array(&mut zip, &culprit, "conv_step")?,
        steps_computed: {
            let c: Vec<f64> = array(&mut zip, &culprit, "steps_computed")?;
            c.first().filter(|&&c| c >= 0.0).map(|&c| c as u64)
        },
    };
    let lens = [out.x.len(), out.y.len(), out.loss.len(), out.div_step.len(), out.conv_step.len()];
    if lens.iter().any(|&l| l != n) {
        return Err(Error::input(&culprit, "not a downhill shard file: its arrays do not match its rows"));
    }
    check_rows(ShardFile { meta, maps, rows, out }, &culprit)
}

/// A shard file whose map and row indices lie inside the figure it names.
fn check_rows(f: ShardFile, culprit: &str) -> Result<ShardFile, Error> {
    let outside = |v: &[i32], n: u32| v.iter().any(|&r| r < 0 || r as u32 >= n);
    if f.maps.len() != f.rows.len() || outside(&f.rows, f.meta.rows) || outside(&f.maps, f.meta.maps) {
        return Err(Error::input(culprit, "not a downhill shard file: its arrays do not match its rows"));
    }
    Ok(f)
}

/// Checks a whole array job's shard files against each other without reading their
/// outcomes: one spec hash and shard count for all, every shard present once, every row of
/// every map covered exactly once. Errors name the file or the missing shards. Returns the
/// first file's description.
pub fn survey(paths: &[PathBuf]) -> Result<ShardMeta, Error> {
    let Some(first_path) = paths.first() else {
        return Err(Error::input("merge", "give the shard files to merge"));
    };
    let files: Vec<ShardFile> = paths.iter().map(|p| read_one(p, false)).collect::<Result<_, _>>()?;
    let first = &files[0].meta;
    check_set(&files, paths, first_path)?;
    let mut covered = vec![false; first.maps as usize * first.rows as usize];
    for (f, p) in files.iter().zip(paths) {
        for (&m, &r) in f.maps.iter().zip(&f.rows) {
            if std::mem::replace(&mut covered[m as usize * first.rows as usize + r as usize], true) {
                return Err(Error::input(
                    p.display().to_string(),
                    format!("row {r} of map {m} is in two shard files"),
                ));
            }
        }
    }
    if let Some(i) = covered.iter().position(|c| !c) {
        let (m, r) = (i / first.rows as usize, i % first.rows as usize);
        return Err(Error::input(
            "merge",
            format!("row {r} of map {m} ({} rows each) is in no shard file", first.rows),
        ));
    }
    Ok(first.clone())
}

/// Reads the shard files of a single map ([`survey`]ed) one at a time into `folder` as the
/// tiles of `plan` (the split's own), so that the map can be read back tile by tile without
/// ever being held whole. Returns the shards' run seconds, summed.
pub fn read_into(paths: &[PathBuf], folder: &RunFolder, plan: &TilePlan) -> Result<f64, Error> {
    let mut run_seconds = 0.0;
    for p in paths {
        let f = read_one(p, true)?;
        let cols = f.meta.cols as usize;
        let mut k = 0;
        let mut computed = f.out.steps_computed;
        while k < f.rows.len() {
            // One tile of the split: consecutive rows from a tile's first row to its end.
            let rows = plan.rows_of(f.rows[k] as u32 / plan.rows_per_tile);
            let n = rows.len();
            let whole = rows.start == f.rows[k] as u32
                && k + n <= f.rows.len()
                && f.rows[k..k + n].iter().zip(rows.clone()).all(|(&r, want)| r as u32 == want);
            if !whole {
                return Err(Error::input(
                    p.display().to_string(),
                    "its rows are not whole tiles of the split",
                ));
            }
            let mut band = rows_of(&f.out, k..k + n, cols);
            // The shard's computed steps go with its first tile.
            band.steps_computed = computed.take().or(f.out.steps_computed.map(|_| 0));
            folder.save(&rows, &band)?;
            k += n;
        }
        run_seconds += f.meta.run_seconds;
    }
    Ok(run_seconds)
}

/// Reads a whole array job's shard files ([`survey`]ed first, then one at a time) and
/// assembles every map in memory. Returns the first file's description and the maps in the
/// figure's order, each with the run seconds of its rows (a shard's seconds shared out by
/// cells).
pub fn read_all(paths: &[PathBuf]) -> Result<(ShardMeta, Vec<Computed>), Error> {
    let first = &survey(paths)?;
    let mut maps: Vec<Computed> = (0..first.maps)
        .map(|_| {
            let mut out = Outcomes::zeroed(first.cols, first.rows);
            out.steps_computed = Some(0);
            Computed { out, run_seconds: 0.0 }
        })
        .collect();
    for p in paths {
        let f = read_one(p, true)?;
        let cols = f.meta.cols as usize;
        let per_row = f.meta.run_seconds / f.rows.len().max(1) as f64;
        for (k, (&m, &r)) in f.maps.iter().zip(&f.rows).enumerate() {
            let map = &mut maps[m as usize];
            map.out.put_rows(r as u32, &rows_of(&f.out, k..k + 1, cols));
            map.run_seconds += per_row;
        }
        // A shard counts the steps it computed as a whole: it goes to the first map it ran.
        if let Some(&m) = f.maps.first() {
            let out = &mut maps[m as usize].out;
            out.steps_computed = out.steps_computed.zip(f.out.steps_computed).map(|(a, b)| a + b);
        }
    }
    Ok((first.clone(), maps))
}

/// Checks that shard files belong to one array job: the same spec hash, shard count and maps,
/// every shard once.
fn check_set(files: &[ShardFile], paths: &[PathBuf], first_path: &Path) -> Result<(), Error> {
    let first = &files[0].meta;
    let mut seen = BTreeSet::new();
    for (f, p) in files.iter().zip(paths) {
        let culprit = p.display().to_string();
        if f.meta.spec_hash != first.spec_hash || f.meta.count != first.count || f.meta.maps != first.maps {
            return Err(Error::input(
                &culprit,
                format!(
                    "belongs to another figure or split (spec hash {}, {} shards) than {} (spec hash {}, {} shards)",
                    f.meta.spec_hash,
                    f.meta.count,
                    first_path.display(),
                    first.spec_hash,
                    first.count
                ),
            ));
        }
        if !seen.insert(f.meta.index) {
            return Err(Error::input(
                &culprit,
                format!("shard {}/{} is given twice", f.meta.index + 1, f.meta.count),
            ));
        }
    }
    let missing: Vec<String> = (0..first.count)
        .filter(|i| !seen.contains(i))
        .map(|i| format!("{}/{}", i + 1, first.count))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(8).map(String::as_str).collect();
        let more = if missing.len() > 8 { format!(" and {} more", missing.len() - 8) } else { String::new() };
        return Err(Error::input(
            "merge",
            format!("{} of {} shards missing: {}{more}", missing.len(), first.count, shown.join(", ")),
        ));
    }
    Ok(())
}

/// Rows `k` of a band as a grid of their own (its steps computed not counted: the caller
/// adds the band's total once).
fn rows_of(band: &Outcomes, k: std::ops::Range<usize>, cols: usize) -> Outcomes {
    let r = k.start * cols..k.end * cols;
    Outcomes {
        cols: cols as u32,
        rows: k.len() as u32,
        x: band.x[r.clone()].to_vec(),
        y: band.y[r.clone()].to_vec(),
        loss: band.loss[r.clone()].to_vec(),
        div_step: band.div_step[r.clone()].to_vec(),
        conv_step: band.conv_step[r].to_vec(),
        steps_computed: Some(0),
    }
}
