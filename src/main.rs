//! Entry point: parse arguments, start the runtime, run, map the error to an exit code.

use clap::Parser;
use omsctl::cli::{Cli, commands};
use omsctl::error::{Kind, is_broken_pipe, kind_of};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(&cli);
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Kind::Environment.exit_code());
        }
    };
    let result = runtime.block_on(async move {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(watch_signals(tx));
        commands::run(cli, rx).await
    });
    // Do not wait for connection tasks of an interrupted run.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let (kind, hint) = kind_of(&e);
            use omsctl::model::printable::{printable, terminal};
            // One line: a server's message can quote a name that holds a line break.
            eprintln!("error: {}", printable(&format!("{e:#}")));
            if let Some(h) = &hint {
                eprintln!("hint: {}", terminal(h));
            }
            if kind == Kind::Internal {
                eprintln!("note: this looks like a bug in omsctl; please report it with the output of -v");
            }
            if json {
                let v = serde_json::json!({
                    "type": "error", "kind": kind.as_str(), "exit_code": kind.exit_code(),
                    "message": format!("{e:#}"), "hint": hint,
                });
                println!("{v}");
            }
            ExitCode::from(kind.exit_code())
        }
    }
}

/// First SIGINT/SIGTERM: stop taking work, roll back in-flight chunks, checkpoint, exit 130.
/// A second one exits at once (the checkpoint is already consistent).
async fn watch_signals(tx: tokio::sync::watch::Sender<bool>) {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return,
    };
    for n in 0..2 {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        if n == 0 {
            eprintln!("interrupted: finishing the current step, then stopping (again to exit at once)");
            let _ = tx.send(true);
        } else {
            std::process::exit(130);
        }
    }
}

fn init_logging(cli: &Cli) {
    let level = if cli.quiet {
        tracing::Level::WARN
    } else {
        match cli.verbose {
            0 => tracing::Level::INFO,
            1 => tracing::Level::DEBUG,
            _ => tracing::Level::TRACE,
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(|| omsctl::output::LogLines)
        .with_max_level(level)
        .with_target(cli.verbose > 1)
        // Plain text: LogLines escapes every control character, the colour codes too.
        .with_ansi(false)
        .try_init();
}
