//! The `downhill` command: parses arguments, runs the command, prints errors as one line and
//! exits 2 for bad input (usage errors included), 1 for other failures, 130/143 when
//! interrupted by SIGINT/SIGTERM (see [`downhill::output::handle_signals`]).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;
use downhill::error::{MAX_ECHO_CHARS, shorten_echoes};

fn main() -> ExitCode {
    downhill::timings::start();
    // Mesa's device-select layer probes Wayland and prints XDG_RUNTIME_DIR noise when the
    // instance enables window-system extensions; a compute-only tool has no use for it.
    // SAFETY: set before any other thread exists or any wgpu object is created.
    unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap prints them.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!("downhill: error: {}", usage_line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    if let Err(e) = downhill::output::handle_signals() {
        eprintln!("downhill: warning: {e}; an interrupt may leave temporary files");
    }
    let command = cli.command.unwrap_or(cli::Command::Gallery(cli::GalleryArgs {
        out: "results".into(),
        backend: cli::BackendArg::Auto,
    }));
    let result = commands::run(command);
    if let Some(line) = downhill::timings::report("exit") {
        eprintln!("downhill: {line}");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("downhill: error: {}", message(&e));
            let input = e.chain().any(|c| c.downcast_ref::<downhill::Error>().is_some_and(|d| d.is_input()));
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}

/// The error and its causes joined by `: `, a cause left out where the text before already
/// says it (an I/O error both wrapped and named as the source), long echoed values cut. Only
/// the first line is shortened: later lines (an expression under its caret) stay aligned.
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if text.contains(&s) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&s);
    }
    match text.split_once('\n') {
        Some((first, rest)) => format!("{}\n{rest}", shorten_echoes(first, MAX_ECHO_CHARS)),
        None => shorten_echoes(&text, MAX_ECHO_CHARS),
    }
}

/// clap's usage error as one line: its message and tips, without the usage block.
fn usage_line(rendered: &str) -> String {
    let mut line = String::new();
    for l in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if l.starts_with("Usage:") || l.starts_with("For more information") {
            continue;
        }
        let l = l.strip_prefix("error: ").unwrap_or(l);
        if !line.is_empty() {
            line.push_str(if line.ends_with(':') { " " } else { "; " });
        }
        line.push_str(l);
    }
    if line.contains("'--optimizer <OPTIMIZER>' cannot be used multiple times") {
        line.push_str(
            "; `paths` takes several; maps of several optimizers side by side (panels) come \
             from a figure file: `optimizers = [\"gd\", \"adam\"]` in a [[figure]], then \
             `downhill render FILE`",
        );
    }
    shorten_echoes(&line, 2 * MAX_ECHO_CHARS)
}
