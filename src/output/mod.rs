//! All output goes through here: data on stdout (tables for people, one JSON object with
//! `--json`), status and progress on stderr, prompts only when stdin is a terminal.

mod progress;

pub use progress::Progress;

use anyhow::Result;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone)]
pub struct Out {
    pub json: bool,
    pub verbosity: Verbosity,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
}

impl Out {
    pub fn new(json: bool, verbosity: Verbosity) -> Self {
        Out {
            json,
            verbosity,
            stderr_tty: std::io::stderr().is_terminal(),
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    /// Writes text for people to stdout: names from servers can hold any character, and a
    /// carriage return or an escape sequence in one must not rewrite the terminal, so every
    /// control character but line breaks and tabs is shown escaped.
    pub fn stdout(&self, text: &str) -> Result<()> {
        Self::write_stdout(&crate::model::printable::terminal(text))
    }

    /// Writes to stdout as it is; a closed pipe surfaces as an io::Error (BrokenPipe) that
    /// main treats as a quiet exit.
    fn write_stdout(text: &str) -> Result<()> {
        let mut o = std::io::stdout().lock();
        o.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            o.write_all(b"\n")?;
        }
        o.flush()?;
        Ok(())
    }

    /// Prints the machine-readable result (only with --json).
    pub fn json(&self, value: &serde_json::Value) -> Result<()> {
        if self.json {
            // serde_json escapes every control character itself.
            Self::write_stdout(&serde_json::to_string(value)?)?;
        }
        Ok(())
    }

    /// Prints a table for people (not with --json).
    pub fn table(&self, t: &Table) -> Result<()> {
        if !self.json {
            self.stdout(&t.to_string())?;
        }
        Ok(())
    }

    /// A line of human output on stdout (not with --json).
    pub fn say(&self, text: &str) -> Result<()> {
        if !self.json {
            self.stdout(text)?;
        }
        Ok(())
    }

    /// A status line on stderr, unless --quiet.
    pub fn status(&self, text: &str) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{}", crate::model::printable::terminal(text));
        }
    }

    /// Asks a yes/no question on the terminal; without a terminal the answer is the `--yes`
    /// flag, so scripts never hang.
    pub fn confirm(&self, question: &str, yes: bool) -> Result<bool> {
        if yes {
            return Ok(true);
        }
        if !self.stdin_tty {
            return Err(crate::error::usage(
                format!("{question} needs confirmation, and stdin is not a terminal"),
                "pass --yes to confirm in scripts",
            ));
        }
        eprint!("{} [y/N] ", crate::model::printable::terminal(question));
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES"))
    }
}

/// Where log lines go (stderr), one line per event whatever the message holds: a line break,
/// carriage return or escape sequence inside a message (a table name, a server's error text)
/// is escaped, so a name cannot forge a log line. Every event arrives in one write.
pub struct LogLines;

impl std::io::Write for LogLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (text.as_ref(), ""),
        };
        let mut err = std::io::stderr().lock();
        err.write_all(crate::model::printable::printable(body).as_bytes())?;
        err.write_all(end.as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// A table with the house style.
pub fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    t
}

/// `1.2 MB`, `340 kB`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// Milliseconds since the epoch as `2026-11-22 10:00:00Z`.
pub fn human_time(ms: Option<u64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) => {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
            let s = humantime::format_rfc3339_seconds(t).to_string();
            s.replace('T', " ")
        }
    }
}

pub fn human_duration(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}.{}s", s, ms % 1000 / 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sizes_and_durations() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
        assert_eq!(human_duration(61_000), "1m01s");
        assert_eq!(human_duration(1_250), "1.2s");
        assert_eq!(human_time(Some(0)), "1970-01-01 00:00:00Z");
    }
}
