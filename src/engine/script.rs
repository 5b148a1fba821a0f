//! Splitting a SQL script (an editable DDL file) into statements without being fooled by its
//! contents: a line that looks like a comment or a separator inside a quoted name, a string or
//! a dollar-quoted body is part of that name, string or body. Each engine describes its own
//! quoting with a [`Syntax`]; this module only scans.

/// How an engine's SQL text quotes and comments, as far as finding statement boundaries needs.
#[derive(Debug, Clone, Copy)]
pub struct Syntax {
    /// `\` escapes the next character inside `'…'` (and `"…"` strings): MySQL without
    /// `NO_BACKSLASH_ESCAPES`. PostgreSQL does this only in `E'…'`, always.
    pub backslash_escapes: bool,
    /// `"…"` is a string (MySQL without `ANSI_QUOTES`) rather than an identifier. Either way
    /// it is skipped as one token; this only decides whether backslashes escape inside it.
    pub double_quoted_strings: bool,
    /// `` `…` `` quotes identifiers (MySQL family).
    pub backtick_identifiers: bool,
    /// `$tag$…$tag$` bodies (PostgreSQL).
    pub dollar_quotes: bool,
    /// `E'…'` strings with backslash escapes (PostgreSQL).
    pub e_strings: bool,
    /// `q'[…]'` strings (Oracle).
    pub q_quotes: bool,
    /// `#` starts a comment (MySQL).
    pub hash_comments: bool,
    /// `--` starts a comment only when followed by a space, a tab or a line end (MySQL);
    /// otherwise always.
    pub dash_comment_needs_space: bool,
    /// `/* /* */ */` nests (PostgreSQL).
    pub nested_block_comments: bool,
}

/// The statements of `text`: the pieces between lines that hold only the comment `marker`
/// (outside any quote), each without its leading and trailing whole-line comments, blank
/// lines and final `;`. Pieces left empty are dropped.
pub fn statements(text: &str, syntax: &Syntax, marker: &str) -> Vec<String> {
    let lines = scan_lines(text, syntax);
    let mut out = Vec::new();
    let mut piece: Vec<&Line> = Vec::new();
    for line in &lines {
        if line.comment_only && text[line.start..line.end].trim() == marker {
            out.extend(statement(text, &piece));
            piece.clear();
        } else {
            piece.push(line);
        }
    }
    out.extend(statement(text, &piece));
    out
}

#[derive(Debug)]
struct Line {
    start: usize,
    end: usize,
    /// The line starts outside any quote and holds nothing but blanks and one line comment.
    comment_only: bool,
    /// The line starts outside any quote and holds only blanks.
    blank: bool,
}

fn statement(text: &str, lines: &[&Line]) -> Option<String> {
    let skip = |l: &&&Line| l.comment_only || l.blank;
    let first = lines.iter().position(|l| !skip(&l))?;
    let last = lines.iter().rposition(|l| !skip(&l))?;
    let body = text[lines[first].start..lines[last].end].trim();
    let body = body.trim_end_matches(';').trim_end();
    (!body.is_empty()).then(|| body.to_string())
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Normal,
    /// Inside a quote closed by this byte; `escapes`: a backslash escapes the next byte.
    Quote {
        close: u8,
        escapes: bool,
    },
    LineComment,
    Block(u32),
    Dollar(String),
    /// Oracle `q'X…Y'`: closed by `Y'`.
    QQuote(u8),
}

/// Splits `text` into lines and says, for each, whether it is a whole-line comment or blank
/// outside every quote.
fn scan_lines(text: &str, syn: &Syntax) -> Vec<Line> {
    let b = text.as_bytes();
    let mut lines = Vec::new();
    let mut state = State::Normal;
    let mut line_start = 0;
    let mut line_starts_normal = true;
    // Whether the current line, so far, has held only blanks (outside quotes).
    let mut only_blanks = true;
    let mut comment_only = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            if state == State::LineComment {
                state = State::Normal;
            }
            lines.push(Line {
                start: line_start,
                end: i,
                comment_only: line_starts_normal && comment_only,
                blank: line_starts_normal && only_blanks && !comment_only,
            });
            line_start = i + 1;
            line_starts_normal = state == State::Normal;
            only_blanks = true;
            comment_only = false;
            i += 1;
            continue;
        }
        match &state {
            State::Normal => {
                let next = b.get(i + 1).copied();
                let starts_dash_comment = c == b'-'
                    && next == Some(b'-')
                    && (!syn.dash_comment_needs_space
                        || matches!(b.get(i + 2), None | Some(b' ' | b'\t' | b'\r' | b'\n')));
                if starts_dash_comment || (syn.hash_comments && c == b'#') {
                    comment_only = only_blanks;
                    state = State::LineComment;
                } else if c == b'/' && next == Some(b'*') {
                    state = State::Block(1);
                    only_blanks = false;
                    i += 1;
                } else if c == b'\'' {
                    state = State::Quote {
                        close: b'\'',
                        escapes: syn.backslash_escapes,
                    };
                    only_blanks = false;
                } else if c == b'"' {
                    state = State::Quote {
                        close: b'"',
                        escapes: syn.backslash_escapes && syn.double_quoted_strings,
                    };
                    only_blanks = false;
                } else if c == b'`' && syn.backtick_identifiers {
                    state = State::Quote {
                        close: b'`',
                        escapes: false,
                    };
                    only_blanks = false;
                } else if syn.e_strings && (c == b'E' || c == b'e') && next == Some(b'\'') && !prev_is_word(b, i) {
                    state = State::Quote {
                        close: b'\'',
                        escapes: true,
                    };
                    only_blanks = false;
                    i += 1;
                } else if syn.q_quotes
                    && (c == b'q' || c == b'Q')
                    && next == Some(b'\'')
                    && !prev_is_word(b, i)
                    && let Some(&open) = b.get(i + 2)
                {
                    state = State::QQuote(match open {
                        b'[' => b']',
                        b'{' => b'}',
                        b'<' => b'>',
                        b'(' => b')',
                        o => o,
                    });
                    only_blanks = false;
                    i += 2;
                } else if syn.dollar_quotes
                    && c == b'$'
                    && !prev_is_word(b, i)
                    && let Some(tag) = dollar_tag(&b[i..])
                {
                    i += tag.len() - 1;
                    state = State::Dollar(tag);
                    only_blanks = false;
                } else if !c.is_ascii_whitespace() {
                    only_blanks = false;
                }
            }
            State::Quote { close, escapes } => {
                if *escapes && c == b'\\' {
                    i += 1; // the escaped byte (never a line break we must see: it stays inside)
                    if b.get(i) == Some(&b'\n') {
                        // An escaped line break is still a line of the file.
                        continue;
                    }
                } else if c == *close {
                    if b.get(i + 1) == Some(close) {
                        i += 1; // doubled quote
                    } else {
                        state = State::Normal;
                    }
                }
            }
            State::LineComment => {}
            State::Block(depth) => {
                let depth = *depth;
                if c == b'*' && b.get(i + 1) == Some(&b'/') {
                    state = if depth > 1 {
                        State::Block(depth - 1)
                    } else {
                        State::Normal
                    };
                    i += 1;
                } else if syn.nested_block_comments && c == b'/' && b.get(i + 1) == Some(&b'*') {
                    state = State::Block(depth + 1);
                    i += 1;
                }
            }
            State::Dollar(tag) => {
                if b[i..].starts_with(tag.as_bytes()) {
                    i += tag.len() - 1;
                    state = State::Normal;
                }
            }
            State::QQuote(close) => {
                if c == *close && b.get(i + 1) == Some(&b'\'') {
                    i += 1;
                    state = State::Normal;
                }
            }
        }
        i += 1;
    }
    if line_start < b.len() {
        lines.push(Line {
            start: line_start,
            end: b.len(),
            comment_only: line_starts_normal && comment_only,
            blank: line_starts_normal && only_blanks && !comment_only,
        });
    }
    lines
}

fn prev_is_word(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] >= 0x80)
}

/// `$tag$` at the start of `b` (tag: letters, digits, `_`, not starting with a digit).
fn dollar_tag(b: &[u8]) -> Option<String> {
    let end = b[1..].iter().position(|&c| c == b'$')? + 1;
    let tag = &b[1..end];
    let ok = tag.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
        && !tag.first().is_some_and(u8::is_ascii_digit);
    ok.then(|| String::from_utf8_lossy(&b[..=end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARK: &str = "-- omsctl:next-statement";

    const MYSQL: Syntax = Syntax {
        backslash_escapes: true,
        double_quoted_strings: true,
        backtick_identifiers: true,
        dollar_quotes: false,
        e_strings: false,
        q_quotes: false,
        hash_comments: true,
        dash_comment_needs_space: true,
        nested_block_comments: false,
    };

    const PG: Syntax = Syntax {
        backslash_escapes: false,
        double_quoted_strings: false,
        backtick_identifiers: false,
        dollar_quotes: true,
        e_strings: true,
        q_quotes: false,
        hash_comments: false,
        dash_comment_needs_space: false,
        nested_block_comments: true,
    };

    #[test]
    fn header_comments_and_separators_split_plain_statements() {
        let text = "-- omsctl DDL for x\nCREATE TABLE a (id int);\n-- omsctl:next-statement\n\n-- a note\nCREATE INDEX i ON a (id)\n-- trailing note\n";
        assert_eq!(
            statements(text, &MYSQL, MARK),
            vec!["CREATE TABLE a (id int)", "CREATE INDEX i ON a (id)"]
        );
    }

    #[test]
    fn a_name_holding_a_line_break_and_sql_stays_one_statement() {
        let text =
            "-- header\nCREATE TABLE `d`.`a\n-- omsctl:next-statement\nCREATE DATABASE pwned;#` (\n  `x\n-- y` int\n)";
        let s = statements(text, &MYSQL, MARK);
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(s[0].contains("pwned;#` ("), "{}", s[0]);
        assert!(s[0].contains("`x\n-- y` int"), "{}", s[0]);
        let pg = "CREATE TABLE \"d\".\"a\n-- omsctl:next-statement\n--\" (\"$$\n-- c\" int)";
        assert_eq!(statements(pg, &PG, MARK), vec![pg.to_string()]);
    }

    #[test]
    fn strings_escapes_and_bodies_are_skipped_by_each_dialects_rules() {
        // MySQL: a backslash-escaped quote does not end the string.
        let m = "CREATE TABLE t (c int COMMENT 'it\\'s\n-- omsctl:next-statement\nDROP TABLE x')";
        assert_eq!(statements(m, &MYSQL, MARK).len(), 1);
        // PostgreSQL: it does (standard strings), so what follows is SQL again.
        let p = "COMMENT ON TABLE t IS 'a\\';\n-- omsctl:next-statement\nSELECT 1";
        assert_eq!(
            statements(p, &PG, MARK),
            vec!["COMMENT ON TABLE t IS 'a\\'", "SELECT 1"]
        );
        // PostgreSQL dollar bodies and E'' strings.
        let d = "CREATE FUNCTION f() AS $body$\n-- omsctl:next-statement\n$body$ LANGUAGE sql;\n-- omsctl:next-statement\nSELECT E'\\'\n-- omsctl:next-statement\n'";
        let s = statements(d, &PG, MARK);
        assert_eq!(s.len(), 2, "{s:?}");
        // MySQL: `--x` is not a comment, so a quote after it opens a string.
        let n = "SELECT 1--'\n-- omsctl:next-statement\n'";
        assert_eq!(statements(n, &MYSQL, MARK).len(), 1);
        // Block comments hide quotes.
        let b = "SELECT /* it's */ 1;\n-- omsctl:next-statement\nSELECT 2";
        assert_eq!(statements(b, &MYSQL, MARK), vec!["SELECT /* it's */ 1", "SELECT 2"]);
    }

    #[test]
    fn a_file_of_comments_only_has_no_statement() {
        assert!(statements("-- all commented out\n# too\n\n", &MYSQL, MARK).is_empty());
        assert!(statements("", &PG, MARK).is_empty());
    }
}
