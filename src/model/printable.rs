//! Names and texts that come from a server or a project file (a table called
//! `a⏎CREATE DATABASE pwned;#` is legal), made safe for the places omsctl writes them as
//! *text*: a terminal or log line, a SQL comment, a Markdown table cell, a file name.
//!
//! Quoting names for SQL that a server parses is each engine's own (`quote`, `ident`); this
//! module is for everything around it. The rule: a character that can end a line, move the
//! cursor or change the direction of what follows (C0/C1 controls, DEL, the Unicode line and
//! paragraph separators, bidirectional overrides) is written as an escape (`\n`, `\u{1b}`),
//! so that a name can never end a comment, forge a log line or rearrange a terminal.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not be written raw into a line of text.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' // line / paragraph separator
                | '\u{200e}' | '\u{200f}' // left-to-right / right-to-left mark
                | '\u{202a}'..='\u{202e}' // embeddings and overrides
                | '\u{2066}'..='\u{2069}' // isolates
                | '\u{feff}' // zero-width no-break space (byte-order mark)
        )
}

/// `s` with every unsafe character escaped; borrowed when there is none (the common case).
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` for a terminal or a log file: like [`printable`], but line breaks and tabs stay (the
/// text is laid out in lines on purpose: tables, multi-line server messages). Carriage
/// returns, escape sequences and the rest are escaped, so nothing can overwrite what is shown.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| unsafe_char(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for part in s.split_inclusive(['\n', '\t']) {
        let (body, sep) = match part.char_indices().last() {
            Some((i, c)) if c == '\n' || c == '\t' => (&part[..i], Some(c)),
            _ => (part, None),
        };
        out.push_str(&printable(body));
        if let Some(c) = sep {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Displays a string with [`printable`]: `format!("{}", Printable(name))`.
pub struct Printable<'a>(pub &'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(self.0))
    }
}

/// Text for the inside of a SQL comment of any engine: one line (`--` and `#` comments end at
/// a line break, PostgreSQL's also at a carriage return), and no `*/` (which would end a block
/// comment).
pub fn sql_comment(s: &str) -> String {
    printable(s).replace("*/", "*\\/")
}

/// Text for a cell of a Markdown table: one line, `|` escaped, no HTML.
pub fn markdown_cell(s: &str) -> String {
    printable(s)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A file name part for `s`: letters, digits, `.`, `-` and `_` (others become `_`), not
/// starting with `.`, at most `max` bytes (names of 64 four-byte characters exist). Callers
/// keep names distinct with a prefix of their own (a sequence number).
pub fn file_stem(s: &str, max: usize) -> String {
    let safe: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    let mut cut = max.min(safe.len());
    while !safe.is_char_boundary(cut) {
        cut -= 1;
    }
    safe[..cut].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\nCREATE DATABASE pwned;#\r\u{1b}[2J\u{85}\u{2028}\u{202e}x*/--$$";

    #[test]
    fn printable_text_has_no_line_breaks_or_terminal_controls() {
        let p = printable(HOSTILE);
        assert!(!p.chars().any(unsafe_char), "{p}");
        assert_eq!(p.lines().count(), 1);
        assert!(p.starts_with("a\\nCREATE DATABASE pwned;#\\r\\u{1b}[2J\\u{85}\\u{2028}\\u{202e}x"));
        assert!(matches!(printable("plain_name.ü"), Cow::Borrowed(_)));
        // Escaping is idempotent: escaped text has nothing left to escape.
        assert_eq!(printable(&p), p);
    }

    #[test]
    fn terminal_text_keeps_its_lines_and_tabs_only() {
        assert_eq!(terminal("a\tb\nc\rd\u{1b}[2J"), "a\tb\nc\\rd\\u{1b}[2J");
        assert!(matches!(terminal("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_sql_comment_cannot_be_ended_by_the_text_it_holds() {
        let c = sql_comment(HOSTILE);
        assert!(!c.contains('\n') && !c.contains('\r') && !c.contains("*/"), "{c}");
    }

    #[test]
    fn a_markdown_cell_cannot_start_a_new_cell_or_row() {
        let c = markdown_cell("a|b\n| x | y |<script>");
        assert_eq!(c, "a\\|b\\n\\| x \\| y \\|&lt;script&gt;");
    }

    #[test]
    fn file_stems_are_safe_and_bounded() {
        assert_eq!(file_stem("table:db.t", 100), "table_db.t");
        assert_eq!(file_stem("a\nb/../c", 100), "a_b_.._c");
        let s = file_stem(&"ü".repeat(200), 121);
        assert_eq!(s.len(), 120);
        assert!(!file_stem("..x", 100).starts_with('.'));
    }
}
