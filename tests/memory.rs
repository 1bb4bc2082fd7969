//! The memory estimate: available memory from cgroup, rlimit and meminfo texts given as
//! fixtures, and the CLI refusing a grid that cannot fit under `ulimit -v` before any compute.

use std::path::Path;

use assert_cmd::Command;
use downhill::memory::{self, Version};
use predicates::str::contains;

const MEMINFO: &str =
    "MemTotal:       24000000 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB\n";

#[test]
fn mem_available_is_read_in_bytes() {
    assert_eq!(memory::mem_available(MEMINFO), Some(2_000_000 * 1024));
    assert_eq!(memory::mem_available("MemTotal: 1 kB\n"), None);
}

#[test]
fn rlimit_as_counts_only_when_set_and_less_the_virtual_size() {
    let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                  Max address space         409600000            unlimited            bytes     \n";
    let status = "Name:\tdownhill\nVmPeak:\t  200000 kB\nVmSize:\t  100000 kB\n";
    assert_eq!(memory::address_space_left(limits, status), Some(409_600_000 - 100_000 * 1024));
    let unlimited = "Max address space         unlimited            unlimited            bytes     \n";
    assert_eq!(memory::address_space_left(unlimited, status), None);
}

#[test]
fn cgroup_limits_less_usage_and_no_limit_is_ignored() {
    assert_eq!(memory::cgroup_remaining("max\n", "123\n", None), None);
    assert_eq!(memory::cgroup_remaining("9223372036854771712\n", "5\n", None), None);
    assert_eq!(memory::cgroup_remaining("1000\n", "400\n", None), Some(600));
    // Inactive page cache can be dropped: it does not count as used (v2 and v1 names).
    assert_eq!(memory::cgroup_remaining("1000\n", "900\n", Some("anon 500\ninactive_file 300\n")), Some(400));
    assert_eq!(memory::cgroup_remaining("1000\n", "900\n", Some("total_inactive_file 100\n")), Some(200));
    assert_eq!(memory::cgroup_remaining("1000\n", "2000\n", None), Some(0));
}

#[test]
fn cgroup_dirs_cover_v2_v1_and_ancestors() {
    let dirs = memory::cgroup_dirs("4:memory:/a/b\n3:cpu:/x\n0::/user.slice/s\n");
    let has = |p: &str, v| dirs.contains(&(Path::new(p).to_path_buf(), v));
    assert!(has("/sys/fs/cgroup/memory/a/b", Version::V1));
    assert!(has("/sys/fs/cgroup/memory/a", Version::V1));
    assert!(has("/sys/fs/cgroup/memory", Version::V1));
    assert!(has("/sys/fs/cgroup/user.slice/s", Version::V2));
    assert!(has("/sys/fs/cgroup/unified/user.slice", Version::V2));
    assert!(!dirs.iter().any(|(p, _)| p.to_string_lossy().contains("/x")));
}

#[test]
fn the_tightest_cgroup_and_rlimit_set_the_available_memory() {
    let files = |p: &Path| -> Option<String> {
        match p.to_str()? {
            "/sys/fs/cgroup/user.slice/s/memory.max" => Some("max\n".into()),
            "/sys/fs/cgroup/user.slice/memory.max" => Some("3000\n".into()),
            "/sys/fs/cgroup/user.slice/memory.current" => Some("1000\n".into()),
            "/sys/fs/cgroup/memory.max" => Some("5000\n".into()),
            "/sys/fs/cgroup/memory.current" => Some("4500\n".into()),
            _ => None,
        }
    };
    let cg = memory::cgroup_allowances("0::/user.slice/s\n", &files);
    assert_eq!(cg, vec![2000, 500]);
    assert_eq!(memory::combine(memory::mem_available(MEMINFO), &cg, None), 500);
    assert_eq!(memory::combine(Some(10_000), &[2000], Some(700)), 700);
}

/// `downhill ARGS` under `ulimit -v KIB`, on the CPU (wgpu reserves much address space).
fn under_ulimit(kib: u32, args: &str) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("downhill");
    let mut c = Command::new("sh");
    c.arg("-c").arg(format!("ulimit -v {kib} && exec '{}' {args} --backend cpu", bin.display()));
    c
}

#[test]
#[cfg(target_os = "linux")]
fn a_grid_too_big_for_the_address_space_is_refused_before_any_compute() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big");
    let started = std::time::Instant::now();
    under_ulimit(400_000, &format!("basins --res 8192 --steps 100000 -o '{}'", out.display()))
        .assert()
        .code(2)
        .stderr(contains("--res: a 8192x8192 grid needs about 1.5 GiB of host memory, more than the"))
        .stderr(contains("GiB available"));
    assert!(started.elapsed().as_secs() < 10, "refused only after {:?}", started.elapsed());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing written");
    under_ulimit(400_000, &format!("basins --res 32 --steps 20 -o '{}'", out.display())).assert().success();
    assert!(dir.path().join("big.png").is_file());
}
