//! Progress indication on stderr for long runs: a bar in trajectory-steps that appears only
//! once a run has taken more than a second, and only when stderr is a terminal; and, on any
//! stderr, one warning when a run's measured pace says it will go on for long.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run may go before its progress bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A run whose measured pace says it has longer than this to go gets a warning.
const WARN_BEYOND: Duration = Duration::from_secs(600);

/// How long a run goes before its pace is judged.
const JUDGE_AFTER: Duration = Duration::from_secs(5);

/// A thread-safe progress reporter in trajectory-steps.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
    label: String,
    /// Set once the pace warning has been given, or when it is not wanted.
    warned: AtomicBool,
}

impl Progress {
    /// A reporter for `total` trajectory-steps; `enabled` false keeps the bar away (the pace
    /// warning, on stderr, still speaks).
    pub fn new(total: u64, label: &str, enabled: bool) -> Self {
        Self::counting(total, label, "trajectory-steps", enabled)
    }

    /// A reporter for `total` of `unit` (its rate is shown in `unit`/s, e.g. network-steps/s).
    pub fn counting(total: u64, label: &str, unit: &'static str, enabled: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}% {rate} eta {eta}")
                .expect("the template is valid")
                .with_key("rate", move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.2e} {unit}/s", state.per_sec());
                })
                .progress_chars("=> "),
        );
        bar.set_message(label.to_string());
        Progress {
            bar,
            started: Instant::now(),
            enabled,
            label: label.to_string(),
            warned: AtomicBool::new(false),
        }
    }

    /// This reporter without the pace warning, for work whose total is only an upper bound
    /// (the pace would overstate what is left).
    pub fn without_pace_warning(self) -> Self {
        self.warned.store(true, Ordering::Relaxed);
        self
    }

    /// A reporter that never draws.
    pub fn hidden() -> Self {
        Self::new(0, "", false)
    }

    /// Records that `done` trajectory-steps are complete.
    pub fn set(&self, done: u64) {
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() > SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.set_position(done);
        self.judge_pace();
    }

    /// Records `more` trajectory-steps completed (from any thread).
    pub fn add(&self, more: u64) {
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() > SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.inc(more);
        self.judge_pace();
    }

    /// Warns once, after [`JUDGE_AFTER`], when the pace so far says the run has more than
    /// [`WARN_BEYOND`] to go, and how to stop it.
    fn judge_pace(&self) {
        let elapsed = self.started.elapsed();
        if elapsed < JUDGE_AFTER || self.warned.load(Ordering::Relaxed) {
            return;
        }
        let (done, total) = (self.bar.position(), self.bar.length().unwrap_or(0));
        if done == 0 || done >= total {
            return;
        }
        let left = elapsed.as_secs_f64() * (total - done) as f64 / done as f64;
        if left > WARN_BEYOND.as_secs_f64() && !self.warned.swap(true, Ordering::Relaxed) {
            let line = format!(
                "downhill: {}: {:.1}% done after {:.0} s; at this pace about {} more \
                 (Ctrl-C stops it and writes nothing)",
                self.label,
                100.0 * done as f64 / total as f64,
                elapsed.as_secs_f64(),
                duration_words(left)
            );
            if self.bar.is_hidden() { eprintln!("{line}") } else { self.bar.println(line) }
        }
    }

    /// Clears the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `seconds` in words to two units: `3 h 40 min`, `25 min`, `2 days 4 h`.
fn duration_words(seconds: f64) -> String {
    let minutes = (seconds / 60.0).round() as u64;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, h) => format!("{h} h {mins} min"),
        (d, h) => format!("{d} day{} {h} h", if d == 1 { "" } else { "s" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_two_units() {
        assert_eq!(duration_words(25.0 * 60.0), "25 min");
        assert_eq!(duration_words(3.0 * 3600.0 + 40.0 * 60.0), "3 h 40 min");
        assert_eq!(duration_words(52.0 * 3600.0), "2 days 4 h");
        assert_eq!(duration_words(25.0 * 3600.0), "1 day 1 h");
    }
}
