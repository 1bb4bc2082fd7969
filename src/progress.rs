//! Progress indication on stderr for long runs: a bar in trajectory-steps that appears only
//! once a run has taken more than a second, and only when stderr is a terminal.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run may go before its progress bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A thread-safe progress reporter in trajectory-steps.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
}

impl Progress {
    /// A reporter for `total` trajectory-steps; `enabled` false keeps it silent.
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
        Progress { bar, started: Instant::now(), enabled }
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
    }

    /// Records `more` trajectory-steps completed (from any thread).
    pub fn add(&self, more: u64) {
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() > SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.inc(more);
    }

    /// Clears the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
