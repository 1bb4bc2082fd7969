//! Where a command's wall time goes, phase by phase: with `DOWNHILL_TIMINGS=1` the command
//! prints one line on stderr at its end, e.g. `downhill: timings: start-up 0.004 s, adapter
//! 0.000 s, run 0.36 s, analysis 0.21 s, ...`. Each phase is the time since the phase before
//! it (the first since [`start`]); a phase met more than once (several maps, several figures)
//! is summed. Off by default, when it costs one relaxed load per phase.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Environment variable that turns the timings on (`1`).
pub const TIMINGS_ENV: &str = "DOWNHILL_TIMINGS";

static ENABLED: AtomicBool = AtomicBool::new(false);
static LAPS: Mutex<Option<Laps>> = Mutex::new(None);

/// The phases so far, in the order first met, and when the last one ended.
struct Laps {
    last: Instant,
    phases: Vec<(&'static str, f64)>,
}

/// Starts the clock (from the first line of `main`) if [`TIMINGS_ENV`] is `1`.
pub fn start() {
    if std::env::var(TIMINGS_ENV).is_ok_and(|v| v.trim() == "1") {
        *LAPS.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Laps { last: Instant::now(), phases: Vec::new() });
        ENABLED.store(true, Ordering::Relaxed);
    }
}

/// Ends the phase `name`: the time since the last phase ended is added to it.
pub fn lap(name: &'static str) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let mut guard = LAPS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(laps) = guard.as_mut() {
        let now = Instant::now();
        let seconds = now.duration_since(laps.last).as_secs_f64();
        laps.last = now;
        match laps.phases.iter_mut().find(|(n, _)| *n == name) {
            Some((_, s)) => *s += seconds,
            None => laps.phases.push((name, seconds)),
        }
    }
}

/// The timings line (ending the phase `last` first), or `None` when the timings are off.
pub fn report(last: &'static str) -> Option<String> {
    lap(last);
    let guard = LAPS.lock().unwrap_or_else(|e| e.into_inner());
    let laps = guard.as_ref()?;
    let total: f64 = laps.phases.iter().map(|(_, s)| s).sum();
    let parts: Vec<String> = laps.phases.iter().map(|(n, s)| format!("{n} {s:.3} s")).collect();
    Some(format!("timings: {} (total {total:.3} s)", parts.join(", ")))
}
