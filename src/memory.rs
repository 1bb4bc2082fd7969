//! How much host memory a run needs and how much the process may still take, so that grids
//! that cannot fit are refused before any compute starts.
//!
//! What it does not do: watch memory while a run goes on, or budget GPU memory (the GPU
//! runner works in tiles bounded by the adapter's buffer limits, so device memory does not
//! grow with the grid; only the host-side outcome arrays, images and outputs do).
//!
//! # Where the constants come from
//!
//! Peak resident memory (max RSS from `/usr/bin/time -v`) of real runs, reproduced by
//! `benches/memory.sh` (20 steps; the slope between two grid sizes, so the fixed cost of the
//! binary, wgpu and the fonts drops out). Bytes per cell, 1024² over 512² cells on the CPU,
//! 2048² over 1024² on the GPU (lavapipe, whose device memory is host memory):
//!
//! | run                                   | max RSS CPU 1024² | CPU B/cell | max RSS GPU 2048² | GPU B/cell |
//! |---------------------------------------|------------------:|-----------:|------------------:|-----------:|
//! | `basins` (+ .npz, labels, image)      |            82 MiB |         76 |           551 MiB |         91 |
//! | `sweep --refine 1e-2`                 |            82 MiB |         75 |           522 MiB |         81 |
//! | `stability --refine 1e-2`             |            82 MiB |         75 |           522 MiB |         81 |
//! | `render`, 4-frame `animate` stability |           151 MiB |        130 |           820 MiB |        157 |
//! | `trainability` (16x16 net)            |            79 MiB |         71 |    see below      |   see below|
//!
//! One map held at once costs 75-91 B/cell (outcome arrays, the row-major readback, the
//! labels, the RGBA image at one or more pixels per cell, the .npz buffers and, on the GPU,
//! the readback of each tile), and each further map held for an animation or a multi-panel
//! figure about 18-22 B/cell (its outcome arrays and labels; images and buffers are made one
//! frame at a time).
//!
//! Large maps separate the two parts. Maps now run in tiles, so the GPU readback no longer
//! grows with the grid, and a grid wider than `heatmap::MAX_SIDE` cells is drawn at several
//! cells per pixel. Default basin maps at 100 steps on the CPU measured 3.39 GB at 8192² (a
//! picture of 8192² pixels) and 4.59 GB at 12288² (6144² pixels); solved for both, a cell's
//! data costs 24 B and a picture's pixel 26 B. Since then a figure's only map of more than one
//! tile that would take more than a quarter of the memory available ([`streams`]) streams from its run folder, holding its labels (4 B a cell) rather than its outcomes,
//! and contour lines are drawn a strip at a time: 1.04 GB at 8192² and 1.83 GB at 16384² (both
//! with 8192² pixels), so such a map costs 4 B a cell and a pixel about 11 B. The constants
//! below round the measurements up by a half or more, for allocator slack, `Vec` growth and
//! the GPU path's measured 91 B/cell at one pixel per cell. Refinement probes a few cells per row and adds
//! nothing measurable. The GPU trainability path holds each cell's weights and residuals
//! (about 3 KB per cell at the defaults: 3044 B/cell measured from 128² to 256²) but only for
//! one tile of at most 65536 cells, a fixed cost (about 190 MiB at the defaults) rather than a
//! per-cell one; beyond it a cell costs what it costs on the CPU.
//!
//! # Available memory
//!
//! The least of: `MemAvailable` from `/proc/meminfo`; for the process's cgroup and each of
//! its ancestors, the limit minus the usage (v2 `memory.max` - `memory.current`, v1
//! `memory.limit_in_bytes` - `memory.usage_in_bytes`, page cache that can be dropped,
//! `inactive_file`, not counted as used; no limit, `max`, is ignored); and `RLIMIT_AS` minus
//! the current virtual size (`/proc/self/limits`, `/proc/self/status` `VmSize`) when that
//! limit is set. Off Linux, or where none of these can be read, [`FALLBACK_BYTES`].

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Host bytes per cell of the first map a run holds, for its data: outcomes, labels, analysis
/// and the raw outputs (measured 24, see the module docs).
pub const FIRST_MAP_BYTES_PER_CELL: u64 = 40;
/// Host bytes per cell of a map that streams from its run folder (a figure's only map, of more
/// than one tile and more than one row, too large to hold whole: see [`streams`]): its basin
/// labels and boundary measures (measured 4).
pub const STREAMED_BYTES_PER_CELL: u64 = 8;
/// Host bytes per heatmap pixel of the first map (measured 10 to 12): the picture, its frame
/// and the PNG encoding. A grid with more than [`crate::render::heatmap::MAX_SIDE`] cells
/// along a side is drawn one pixel per several cells, so the picture stops growing there.
pub const IMAGE_BYTES_PER_PIXEL: u64 = 16;
/// Cells per tile of a map run in tiles (see `crate::tiles`): about 20 MB of outcomes, a few
/// seconds of work on a CPU at the least.
pub const TILE_CELLS: u64 = 1 << 20;
/// Host bytes per cell of every further map held at once (animation frames, panels;
/// measured 18-22, see the module docs).
pub const EXTRA_MAP_BYTES_PER_CELL: u64 = 28;
/// Memory assumed available where it cannot be read (off Linux), in bytes.
pub const FALLBACK_BYTES: u64 = 8 << 30;

const GIB: f64 = (1u64 << 30) as f64;

/// Environment variable: a figure's only map of more cells than this streams from its run
/// folder (see [`streams`]); unset, the memory available decides.
pub const STREAM_CELLS_ENV: &str = "DOWNHILL_STREAM_CELLS";

/// Host bytes needed to hold `maps` maps of `cols` x `rows` cells at once (saturating): every
/// cell's data (little for a single map that streams from its run folder, see [`streams`]),
/// and the first map's picture at one pixel per cell, or at most
/// [`crate::render::heatmap::MAX_SIDE`] pixels a side.
pub fn map_bytes(cols: u32, rows: u32, maps: u32) -> u64 {
    map_bytes_with(cols, rows, maps, stream_cells())
}

/// [`map_bytes`] where a single map of more than `stream_cells` cells streams.
fn map_bytes_with(cols: u32, rows: u32, maps: u32, stream_cells: u64) -> u64 {
    let cells = cols as u64 * rows as u64;
    let (w, h) = crate::render::heatmap::Zoom::for_grid(cols, rows, 1).pixels(cols, rows);
    let pixels = w as u64 * h as u64;
    // `tiles::TilePlan::streams`' rule, at the default tile size.
    let per_cell = if cells > TILE_CELLS && streams_with(cols, rows, maps, stream_cells) {
        STREAMED_BYTES_PER_CELL
    } else {
        FIRST_MAP_BYTES_PER_CELL
            .saturating_add(EXTRA_MAP_BYTES_PER_CELL.saturating_mul(maps.saturating_sub(1) as u64))
    };
    cells.saturating_mul(per_cell).saturating_add(pixels.saturating_mul(IMAGE_BYTES_PER_PIXEL))
}

/// Whether a figure's only map (`maps == 1`) of `cols` x `rows` cells, more than one row,
/// streams from its run folder (its analysis, picture and `.npz` reading it back a tile at a
/// time, holding only its labels) instead of being held whole. It streams where holding it
/// whole would take more than a quarter of the host memory available now ([`stream_cells`];
/// [`STREAM_CELLS_ENV`] sets the cell count instead). Holding a map is somewhat faster where
/// it fits comfortably (a 8192x8192 basin map, 100 steps: 14.3 s held in 2.4 GB, 16.6 s
/// streamed in 1.1 GB); beyond that streaming costs little time and much less memory
/// (16384x16384: 62 s in 1.8 GB streamed, 67 s in 7.3 GB held).
pub fn streams(cols: u32, rows: u32, maps: u32) -> bool {
    streams_with(cols, rows, maps, stream_cells())
}

/// [`streams`] where a single map of more than `stream_cells` cells streams.
fn streams_with(cols: u32, rows: u32, maps: u32, stream_cells: u64) -> bool {
    maps == 1 && rows > 1 && cols as u64 * rows as u64 > stream_cells
}

/// Most cells a figure's only map may have and still be held whole: [`STREAM_CELLS_ENV`],
/// else as many as [`FIRST_MAP_BYTES_PER_CELL`] each (with their picture, at most
/// [`crate::render::heatmap::MAX_SIDE`] pixels a side) fit in a quarter of the memory
/// available.
pub fn stream_cells() -> u64 {
    if let Some(cells) = std::env::var(STREAM_CELLS_ENV).ok().and_then(|v| v.trim().parse::<u64>().ok()) {
        return cells;
    }
    let side = crate::render::heatmap::MAX_SIDE as u64;
    let picture = side * side * IMAGE_BYTES_PER_PIXEL;
    (available() / 4).saturating_sub(picture) / FIRST_MAP_BYTES_PER_CELL
}

/// Refuses `maps` maps of `cols` x `rows` cells that would not fit in the memory available
/// now, naming `flag` (`--res`, `--animate`, a figure field) and both sizes in GiB.
pub fn check_maps(flag: &str, cols: u32, rows: u32, maps: u32) -> Result<(), Error> {
    let what = if maps > 1 {
        format!("{maps} maps of {cols}x{rows} cells")
    } else {
        format!("a {cols}x{rows} grid")
    };
    check(flag, &what, map_bytes(cols, rows, maps), available())
}

/// Refuses `need` bytes for `what` (e.g. "a 512x512 grid") when more than `have` bytes.
pub fn check(flag: &str, what: &str, need: u64, have: u64) -> Result<(), Error> {
    if need > have {
        return Err(Error::input(
            flag,
            format!(
                "{what} needs about {:.1} GiB of host memory, more than the {:.1} GiB available; use fewer cells",
                need as f64 / GIB,
                have as f64 / GIB
            ),
        ));
    }
    Ok(())
}

/// Host memory this process may still take, in bytes (see the module docs).
pub fn available() -> u64 {
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let proc = Path::new("/proc");
    let meminfo = read(&proc.join("meminfo")).as_deref().and_then(mem_available);
    let cgroups = read(&proc.join("self/cgroup")).map(|t| cgroup_allowances(&t, &read)).unwrap_or_default();
    let rlimit = match (read(&proc.join("self/limits")), read(&proc.join("self/status"))) {
        (Some(limits), Some(status)) => address_space_left(&limits, &status),
        _ => None,
    };
    combine(meminfo, &cgroups, rlimit)
}

/// The least of the readings, [`FALLBACK_BYTES`] where there are none.
pub fn combine(meminfo: Option<u64>, cgroups: &[u64], rlimit: Option<u64>) -> u64 {
    meminfo.into_iter().chain(cgroups.iter().copied()).chain(rlimit).min().unwrap_or(FALLBACK_BYTES)
}

/// `MemAvailable` from the text of `/proc/meminfo`, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    kib_field(meminfo, "MemAvailable:")
}

/// The value of a `Name:   123 kB` line, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// What `RLIMIT_AS` still allows, in bytes: the soft limit from the text of
/// `/proc/self/limits` minus `VmSize` from `/proc/self/status`; `None` when unlimited.
pub fn address_space_left(limits: &str, status: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max address space"))?;
    let soft = line["Max address space".len()..].split_whitespace().next()?;
    let limit: u64 = soft.parse().ok()?; // "unlimited" does not parse: no limit
    let used = kib_field(status, "VmSize:").unwrap_or(0);
    Some(limit.saturating_sub(used))
}

/// A cgroup's remaining allowance in bytes from the text of its limit file (`memory.max` or
/// `memory.limit_in_bytes`), its usage file (`memory.current` or `memory.usage_in_bytes`) and,
/// where readable, its `memory.stat` (page cache on the inactive list is reclaimable and not
/// counted as used). `None` when there is no limit (`max`, or v1's near-`u64::MAX`).
pub fn cgroup_remaining(limit: &str, usage: &str, stat: Option<&str>) -> Option<u64> {
    let limit: u64 = limit.trim().parse().ok()?;
    if limit >= 1 << 60 {
        return None;
    }
    let usage: u64 = usage.trim().parse().unwrap_or(0);
    let cache =
        stat.and_then(|s| stat_field(s, "total_inactive_file").or_else(|| stat_field(s, "inactive_file")));
    Some(limit.saturating_sub(usage.saturating_sub(cache.unwrap_or(0))))
}

/// A `name value` line of `memory.stat`.
fn stat_field(stat: &str, name: &str) -> Option<u64> {
    stat.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        if k == name { v.trim().parse().ok() } else { None }
    })
}

/// The cgroup directories whose memory limits apply to this process, innermost first, from
/// the text of `/proc/self/cgroup`: the v2 entry (`0::/path`) under `/sys/fs/cgroup` and
/// `/sys/fs/cgroup/unified`, the v1 `memory` entry under `/sys/fs/cgroup/memory`, each with
/// its ancestors up to the mount point (a container often sees its own cgroup as the root).
pub fn cgroup_dirs(proc_cgroup: &str) -> Vec<(PathBuf, Version)> {
    let mut dirs = Vec::new();
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (roots, version): (&[&str], Version) = if controllers.is_empty() {
            (&["/sys/fs/cgroup", "/sys/fs/cgroup/unified"], Version::V2)
        } else if controllers.split(',').any(|c| c == "memory") {
            (&["/sys/fs/cgroup/memory"], Version::V1)
        } else {
            continue;
        };
        for root in roots {
            let mut rel = Path::new(path.trim_start_matches('/'));
            loop {
                dirs.push((Path::new(root).join(rel), version));
                match rel.parent() {
                    Some(p) => rel = p,
                    None => break,
                }
            }
        }
    }
    dirs
}

/// Which cgroup interface a directory belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// cgroup v1: `memory.limit_in_bytes`, `memory.usage_in_bytes`.
    V1,
    /// cgroup v2: `memory.max`, `memory.current`.
    V2,
}

/// The remaining allowance of every limited cgroup in [`cgroup_dirs`], read through `read`
/// (which returns `None` for a file that does not exist).
pub fn cgroup_allowances(proc_cgroup: &str, read: &dyn Fn(&Path) -> Option<String>) -> Vec<u64> {
    cgroup_dirs(proc_cgroup)
        .into_iter()
        .filter_map(|(dir, version)| {
            let (limit, usage) = match version {
                Version::V1 => ("memory.limit_in_bytes", "memory.usage_in_bytes"),
                Version::V2 => ("memory.max", "memory.current"),
            };
            let limit = read(&dir.join(limit))?;
            let usage = read(&dir.join(usage)).unwrap_or_default();
            let stat = read(&dir.join("memory.stat"));
            cgroup_remaining(&limit, &usage, stat.as_deref())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_bytes_grow_with_cells_and_maps_and_saturate() {
        let picture = 1000 * IMAGE_BYTES_PER_PIXEL;
        assert_eq!(map_bytes(40, 25, 1), 1000 * FIRST_MAP_BYTES_PER_CELL + picture);
        assert_eq!(
            map_bytes(40, 25, 3),
            1000 * (FIRST_MAP_BYTES_PER_CELL + 2 * EXTRA_MAP_BYTES_PER_CELL) + picture
        );
        assert_eq!(map_bytes(u32::MAX, u32::MAX, u32::MAX), u64::MAX);
    }

    #[test]
    fn large_single_maps_stream_and_their_picture_stops_growing() {
        let side = crate::render::heatmap::MAX_SIDE as u64;
        let (big, bigger) = (map_bytes_with(16384, 16384, 1, 0), map_bytes_with(32768, 32768, 1, 0));
        assert_eq!(big, 16384 * 16384 * STREAMED_BYTES_PER_CELL + side * side * IMAGE_BYTES_PER_PIXEL);
        assert_eq!(bigger - big, (32768 * 32768 - 16384 * 16384) * STREAMED_BYTES_PER_CELL);
        // Held whole where the memory allows.
        assert_eq!(
            map_bytes_with(16384, 16384, 1, 1 << 30) - side * side * IMAGE_BYTES_PER_PIXEL,
            16384 * 16384 * FIRST_MAP_BYTES_PER_CELL
        );
        // Frames of an animation are held whole.
        assert_eq!(
            map_bytes_with(16384, 16384, 2, 0) - side * side * IMAGE_BYTES_PER_PIXEL,
            16384 * 16384 * 68
        );
    }

    #[test]
    fn refusal_names_the_flag_and_both_sizes_in_gib() {
        let e = check("--res", "a 16384x16384 grid", 24 << 30, 3 << 29).unwrap_err();
        assert!(e.is_input());
        assert_eq!(
            e.to_string(),
            "--res: a 16384x16384 grid needs about 24.0 GiB of host memory, more than the 1.5 GiB available; use fewer cells"
        );
        assert!(check("--res", "x", 10, 10).is_ok());
    }

    #[test]
    fn the_least_reading_wins() {
        assert_eq!(combine(Some(10), &[7, 9], Some(8)), 7);
        assert_eq!(combine(Some(10), &[], None), 10);
        assert_eq!(combine(None, &[], None), FALLBACK_BYTES);
    }
}
