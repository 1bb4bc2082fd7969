//! The `downhill` command: parses arguments, runs the command, prints errors as one line and
//! exits 2 for bad input, 1 for other failures.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Mesa's device-select layer probes Wayland and prints XDG_RUNTIME_DIR noise when the
    // instance enables window-system extensions; a compute-only tool has no use for it.
    // SAFETY: set before any other thread exists or any wgpu object is created.
    unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    let cli = cli::Cli::parse();
    let command = cli.command.unwrap_or(cli::Command::Gallery(cli::GalleryArgs {
        out: "results".into(),
        backend: cli::BackendArg::Auto,
    }));
    match commands::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("downhill: error: {e:#}");
            let input = e.chain().any(|c| c.downcast_ref::<downhill::Error>().is_some_and(|d| d.is_input()));
            ExitCode::from(if input { 2 } else { 1 })
        }
    }
}
