//! SQL_REDO / SQL_UNDO statements: the parser that reads what LogMiner writes into [`Dml`] and
//! [`RedoValue`]s.

use crate::model::catalog::TableId;

/// A value as LogMiner writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum RedoValue {
    Null,
    /// A quoted literal: `''` undone, `||` pieces joined, UNISTR decoded.
    Str(String),
    /// An unquoted number, sign included, as written.
    Number(String),
    /// `NAME(args)` with NAME upper-cased. A bare keyword (`BINARY_FLOAT_NAN`) has no args; a
    /// negated one is `-` applied to it.
    Func {
        name: String,
        args: Vec<RedoValue>,
    },
    /// `Unsupported Type`: LogMiner cannot render the column's value.
    Unsupported,
}

/// One SQL_REDO or SQL_UNDO statement. Column names are as the dictionary spells them; the
/// ROWID predicate LogMiner adds is dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum Dml {
    Insert {
        table: TableId,
        values: Vec<(String, RedoValue)>,
    },
    Update {
        table: TableId,
        set: Vec<(String, RedoValue)>,
        filter: Vec<(String, RedoValue)>,
    },
    Delete {
        table: TableId,
        filter: Vec<(String, RedoValue)>,
    },
}

impl Dml {
    pub fn table(&self) -> &TableId {
        match self {
            Dml::Insert { table, .. } | Dml::Update { table, .. } | Dml::Delete { table, .. } => table,
        }
    }

    /// Keeps only the columns `keep` accepts, e.g. to drop `exclude_columns` before [`row_change`].
    ///
    /// [`row_change`]: super::row_change
    pub fn retain_columns(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let mut retain = |v: &mut Vec<(String, RedoValue)>| v.retain(|(c, _)| keep(c));
        match self {
            Dml::Insert { values, .. } => retain(values),
            Dml::Update { set, filter, .. } => {
                retain(set);
                retain(filter);
            }
            Dml::Delete { filter, .. } => retain(filter),
        }
    }

    pub(super) fn verb(&self) -> &'static str {
        match self {
            Dml::Insert { .. } => "INSERT",
            Dml::Update { .. } => "UPDATE",
            Dml::Delete { .. } => "DELETE",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// `"quoted"`, with `""` undone.
    Ident(String),
    /// Unquoted identifier or keyword, as written.
    Word(String),
    Str(String),
    Num(String),
    Sym(char),
    Concat,
}

/// Splits SQL into tokens with their byte offsets.
pub(super) fn lex(sql: &str) -> Result<Vec<(usize, Tok)>, String> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let start = i;
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                let (text, end) = quoted(sql, i)?;
                i = end;
                if c == b'\'' { Tok::Str(text) } else { Tok::Ident(text) }
            }
            b'|' if b.get(i + 1) == Some(&b'|') => {
                i += 2;
                Tok::Concat
            }
            b'0'..=b'9' => {
                i = number_end(b, i);
                Tok::Num(sql[start..i].to_string())
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(b, i);
                Tok::Num(sql[start..i].to_string())
            }
            b'(' | b')' | b',' | b'.' | b'=' | b';' | b'-' | b'+' => {
                i += 1;
                Tok::Sym(c as char)
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while b
                    .get(i)
                    .is_some_and(|&x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'$' | b'#'))
                {
                    i += 1;
                }
                Tok::Word(sql[start..i].to_string())
            }
            _ => return Err(format!("unexpected character at byte {i}: {}", near(sql, i))),
        };
        out.push((start, tok));
    }
    Ok(out)
}

/// A `'…'` or `"…"` token starting at `start`: its text with doubled quotes undone, and the
/// offset after it.
fn quoted(sql: &str, start: usize) -> Result<(String, usize), String> {
    let b = sql.as_bytes();
    let q = b[start];
    let mut text = String::new();
    let mut seg = start + 1;
    loop {
        let Some(j) = b[seg..].iter().position(|&x| x == q).map(|j| seg + j) else {
            return Err(format!(
                "the quote at byte {start} is never closed (a CSF continuation row missing?): {}",
                near(sql, start)
            ));
        };
        text.push_str(&sql[seg..j]);
        if b.get(j + 1) == Some(&q) {
            text.push(q as char);
            seg = j + 2;
        } else {
            return Ok((text, j + 1));
        }
    }
}

/// The end of a number starting at `i`: digits, a fraction, an exponent.
fn number_end(b: &[u8], mut i: usize) -> usize {
    let digits = |b: &[u8], mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(b, i);
    if b.get(i) == Some(&b'.') {
        i = digits(b, i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if b.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(b, i + 1 + sign);
        }
    }
    i
}

/// Up to 80 characters of `sql` around byte `pos`, for error messages.
pub(super) fn near(sql: &str, pos: usize) -> String {
    let mut start = pos.saturating_sub(20).min(sql.len());
    while !sql.is_char_boundary(start) {
        start -= 1;
    }
    let rest = &sql[start..];
    let end = rest.char_indices().nth(80).map_or(rest.len(), |(i, _)| i);
    let head = if start > 0 { "…" } else { "" };
    let tail = if end < rest.len() { "…" } else { "" };
    format!("`{head}{}{tail}`", &rest[..end])
}

pub(super) fn clip(s: &str) -> String {
    near(s, 0)
}

struct Parser<'a> {
    sql: &'a str,
    toks: Vec<(usize, Tok)>,
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(_, t)| t)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|(_, t)| t.clone());
        self.i += 1;
        t
    }

    fn error(&self, expected: &str) -> String {
        let (pos, found) = match self.toks.get(self.i) {
            Some((p, t)) => (*p, format!("{t:?}")),
            None => (self.sql.len(), "the end".to_string()),
        };
        let found = if found.chars().count() > 40 {
            format!("{}…", found.chars().take(40).collect::<String>())
        } else {
            found
        };
        format!(
            "expected {expected} at byte {pos}, found {found}: {}",
            near(self.sql, pos)
        )
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn keyword(&mut self, kw: &str) -> Result<(), String> {
        if self.is_keyword(kw) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(kw))
        }
    }

    fn eat(&mut self, sym: char) -> bool {
        if self.peek() == Some(&Tok::Sym(sym)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: char) -> Result<(), String> {
        if self.eat(sym) {
            Ok(())
        } else {
            Err(self.error(&format!("`{sym}`")))
        }
    }

    /// A quoted identifier as is, an unquoted one upper-cased (as Oracle stores it).
    fn ident(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.i += 1;
                Ok(s)
            }
            Some(Tok::Word(w)) => {
                let s = w.to_ascii_uppercase();
                self.i += 1;
                Ok(s)
            }
            _ => Err(self.error("an identifier")),
        }
    }

    fn table(&mut self) -> Result<TableId, String> {
        let owner = self.ident()?;
        if !self.eat('.') {
            return Err(self.error("`.` and a table name (LogMiner qualifies tables with their owner)"));
        }
        Ok(TableId::new(owner, self.ident()?))
    }

    /// A value: a term, or string terms joined with `||`.
    fn value(&mut self) -> Result<RedoValue, String> {
        let first = self.term()?;
        if self.peek() != Some(&Tok::Concat) {
            return Ok(first);
        }
        let mut text = String::new();
        let mut piece = first;
        loop {
            match piece {
                RedoValue::Str(s) => text.push_str(&s),
                // Oracle: 'a' || NULL is 'a'.
                RedoValue::Null => {}
                _ => return Err(self.error("string literals around `||`")),
            }
            if self.peek() != Some(&Tok::Concat) {
                return Ok(RedoValue::Str(text));
            }
            self.i += 1;
            piece = self.term()?;
        }
    }

    fn term(&mut self) -> Result<RedoValue, String> {
        let at = self.i;
        match self.bump() {
            Some(Tok::Str(s)) => Ok(RedoValue::Str(s)),
            Some(Tok::Num(n)) => Ok(RedoValue::Number(n)),
            Some(Tok::Sym(sign @ ('-' | '+'))) => match self.bump() {
                Some(Tok::Num(n)) if sign == '-' => Ok(RedoValue::Number(format!("-{n}"))),
                Some(Tok::Num(n)) => Ok(RedoValue::Number(n)),
                Some(Tok::Word(_)) if sign == '-' => {
                    self.i -= 1;
                    let inner = self.term()?;
                    Ok(RedoValue::Func {
                        name: "-".into(),
                        args: vec![inner],
                    })
                }
                _ => {
                    self.i -= 1;
                    Err(self.error("a number after the sign"))
                }
            },
            Some(Tok::Word(w)) => {
                let name = w.to_ascii_uppercase();
                if name == "NULL" {
                    return Ok(RedoValue::Null);
                }
                if name == "UNSUPPORTED" && self.is_keyword("TYPE") {
                    self.i += 1;
                    return Ok(RedoValue::Unsupported);
                }
                if !self.eat('(') {
                    return Ok(RedoValue::Func { name, args: vec![] });
                }
                let mut args = Vec::new();
                if !self.eat(')') {
                    loop {
                        args.push(self.value()?);
                        if self.eat(')') {
                            break;
                        }
                        self.expect(',')?;
                    }
                }
                if name == "UNISTR" {
                    return match args.as_slice() {
                        [RedoValue::Str(s)] => unistr(s).map(RedoValue::Str).map_err(|e| {
                            let pos = self.toks.get(at).map_or(0, |(p, _)| *p);
                            format!("{e}: {}", near(self.sql, pos))
                        }),
                        _ => {
                            self.i = at;
                            Err(self.error("UNISTR with one string argument"))
                        }
                    };
                }
                Ok(RedoValue::Func { name, args })
            }
            _ => {
                self.i = at;
                Err(self.error("a value"))
            }
        }
    }

    /// `"A" = v and "B" IS NULL and ROWID = '…'`, ROWID left out.
    fn predicates(&mut self) -> Result<Vec<(String, RedoValue)>, String> {
        let mut out = Vec::new();
        loop {
            if self.is_keyword("ROWID") {
                self.i += 1;
                self.expect('=')?;
                self.value()?;
            } else {
                let column = self.ident()?;
                if self.eat('=') {
                    out.push((column, self.value()?));
                } else if self.is_keyword("IS") {
                    self.i += 1;
                    self.keyword("NULL")?;
                    out.push((column, RedoValue::Null));
                } else {
                    return Err(self.error("`=` or IS NULL"));
                }
            }
            if !self.is_keyword("AND") {
                return Ok(out);
            }
            self.i += 1;
        }
    }

    fn assignments(&mut self) -> Result<Vec<(String, RedoValue)>, String> {
        let mut out = Vec::new();
        loop {
            let column = self.ident()?;
            self.expect('=')?;
            out.push((column, self.value()?));
            if !self.eat(',') {
                return Ok(out);
            }
        }
    }

    fn where_clause(&mut self) -> Result<Vec<(String, RedoValue)>, String> {
        if self.is_keyword("WHERE") {
            self.i += 1;
            self.predicates()
        } else {
            Ok(Vec::new())
        }
    }

    fn insert(&mut self) -> Result<Dml, String> {
        self.keyword("INTO")?;
        let table = self.table()?;
        self.expect('(')?;
        let mut columns = vec![self.ident()?];
        while self.eat(',') {
            columns.push(self.ident()?);
        }
        self.expect(')')?;
        self.keyword("VALUES")?;
        self.expect('(')?;
        let mut values = vec![self.value()?];
        while self.eat(',') {
            values.push(self.value()?);
        }
        self.expect(')')?;
        if values.len() != columns.len() {
            return Err(format!(
                "{} columns but {} values: {}",
                columns.len(),
                values.len(),
                clip(self.sql)
            ));
        }
        Ok(Dml::Insert {
            table,
            values: columns.into_iter().zip(values).collect(),
        })
    }
}

/// Parses one SQL_REDO or SQL_UNDO DML statement (the trailing `;` is optional).
pub fn parse_dml(sql: &str) -> Result<Dml, String> {
    parse(sql).map_err(|e| format!("cannot parse LogMiner SQL: {e}"))
}

pub(super) fn parse(sql: &str) -> Result<Dml, String> {
    let mut p = Parser {
        sql,
        toks: lex(sql)?,
        i: 0,
    };
    let dml = if p.is_keyword("INSERT") {
        p.i += 1;
        p.insert()?
    } else if p.is_keyword("UPDATE") {
        p.i += 1;
        let table = p.table()?;
        p.keyword("SET")?;
        let set = p.assignments()?;
        let filter = p.where_clause()?;
        Dml::Update { table, set, filter }
    } else if p.is_keyword("DELETE") {
        p.i += 1;
        p.keyword("FROM")?;
        let table = p.table()?;
        let filter = p.where_clause()?;
        Dml::Delete { table, filter }
    } else {
        return Err(p.error("INSERT, UPDATE or DELETE"));
    };
    p.eat(';');
    if p.peek().is_some() {
        return Err(p.error("the end of the statement"));
    }
    Ok(dml)
}

/// Decodes UNISTR's argument: `\XXXX` is a UTF-16 code unit (surrogate pairs combine), `\\` a
/// backslash, anything else itself.
fn unistr(s: &str) -> Result<String, String> {
    let mut units: Vec<u16> = Vec::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
            continue;
        }
        let rest = chars.as_str();
        if let Some(after) = rest.strip_prefix('\\') {
            units.push(u16::from(b'\\'));
            chars = after.chars();
            continue;
        }
        let hex = rest.get(..4).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(unit) = hex.and_then(|h| u16::from_str_radix(h, 16).ok()) else {
            return Err(format!(
                "UNISTR escape `\\{}` is not four hex digits",
                rest.chars().take(4).collect::<String>()
            ));
        };
        units.push(unit);
        chars = rest[4..].chars();
    }
    String::from_utf16(&units).map_err(|_| "UNISTR holds an unpaired UTF-16 surrogate".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::oracle::logminer::test_support::{emp, literal, s};

    fn n(v: &str) -> RedoValue {
        RedoValue::Number(v.into())
    }

    fn f(name: &str, args: Vec<RedoValue>) -> RedoValue {
        RedoValue::Func {
            name: name.into(),
            args,
        }
    }

    fn pairs(p: &[(&str, RedoValue)]) -> Vec<(String, RedoValue)> {
        p.iter().map(|(c, v)| (c.to_string(), v.clone())).collect()
    }

    // ----- parsing --------------------------------------------------------------------------

    #[test]
    fn inserts_updates_and_deletes_parse_as_the_oracle_docs_show_them() {
        let ins = "insert into \"HR\".\"JOBS\"(\"JOB_ID\",\"JOB_TITLE\",\"MIN_SALARY\",\"MAX_SALARY\") \
                   values ('IT_WT','Technical Writer','4000','11000');";
        assert_eq!(
            parse_dml(ins),
            Ok(Dml::Insert {
                table: TableId::new("HR", "JOBS"),
                values: pairs(&[
                    ("JOB_ID", s("IT_WT")),
                    ("JOB_TITLE", s("Technical Writer")),
                    ("MIN_SALARY", s("4000")),
                    ("MAX_SALARY", s("11000")),
                ]),
            })
        );
        let upd = "update \"OE\".\"PRODUCT_INFORMATION\" set \"WARRANTY_PERIOD\" = TO_YMINTERVAL('+05-00'), \
                   \"LIST_PRICE\" = NULL where \"PRODUCT_ID\" = '3399' and \"WARRANTY_PERIOD\" = \
                   TO_YMINTERVAL('+02-00') and ROWID = 'AAAHTKAABAAAY9mAAB';";
        assert_eq!(
            parse_dml(upd),
            Ok(Dml::Update {
                table: TableId::new("OE", "PRODUCT_INFORMATION"),
                set: pairs(&[
                    ("WARRANTY_PERIOD", f("TO_YMINTERVAL", vec![s("+05-00")])),
                    ("LIST_PRICE", RedoValue::Null),
                ]),
                filter: pairs(&[
                    ("PRODUCT_ID", s("3399")),
                    ("WARRANTY_PERIOD", f("TO_YMINTERVAL", vec![s("+02-00")])),
                ]),
            })
        );
        let del = "delete from \"OE\".\"ORDERS\" where \"ORDER_ID\" = '2413' and \"ORDER_MODE\" = 'direct' and \
                   \"PROMOTION_ID\" IS NULL and \"SALES_REP_ID\" = NULL and ROWID = 'AAAHTCAABAAAZAPAAN'";
        assert_eq!(
            parse_dml(del),
            Ok(Dml::Delete {
                table: TableId::new("OE", "ORDERS"),
                filter: pairs(&[
                    ("ORDER_ID", s("2413")),
                    ("ORDER_MODE", s("direct")),
                    ("PROMOTION_ID", RedoValue::Null),
                    ("SALES_REP_ID", RedoValue::Null),
                ]),
            })
        );
        // No WHERE at all (a table without supplemental logging, ROWID-less).
        assert_eq!(
            parse_dml("delete from \"S\".\"T\";"),
            Ok(Dml::Delete {
                table: TableId::new("S", "T"),
                filter: vec![]
            })
        );
        assert!(
            matches!(parse_dml("update \"S\".\"T\" set \"A\" = '1'"), Ok(Dml::Update { filter, .. }) if filter.is_empty())
        );
    }

    #[test]
    fn every_literal_form_parses() {
        let cases = [
            ("NULL", RedoValue::Null),
            ("null", RedoValue::Null),
            ("'7934'", s("7934")),
            ("7934", n("7934")),
            ("-12.5", n("-12.5")),
            ("+3", n("3")),
            (".5", n(".5")),
            ("1.5E+10", n("1.5E+10")),
            (
                "TO_DATE('2003-09-19 12:00:00', 'YYYY-MM-DD HH24:MI:SS')",
                f("TO_DATE", vec![s("2003-09-19 12:00:00"), s("YYYY-MM-DD HH24:MI:SS")]),
            ),
            (
                "TO_TIMESTAMP('2003-09-19 12:00:00.123456')",
                f("TO_TIMESTAMP", vec![s("2003-09-19 12:00:00.123456")]),
            ),
            (
                "TO_TIMESTAMP_TZ('2003-09-19 12:00:00.123456 +02:00')",
                f("TO_TIMESTAMP_TZ", vec![s("2003-09-19 12:00:00.123456 +02:00")]),
            ),
            ("HEXTORAW('0aff')", f("HEXTORAW", vec![s("0aff")])),
            ("UNISTR('caf\\00e9')", s("café")),
            ("UNISTR('(\\0029, ''x'')')", s("(), 'x')")),
            ("TO_YMINTERVAL('+01-02')", f("TO_YMINTERVAL", vec![s("+01-02")])),
            (
                "TO_DSINTERVAL('+01 02:03:04.000000')",
                f("TO_DSINTERVAL", vec![s("+01 02:03:04.000000")]),
            ),
            ("EMPTY_CLOB()", f("EMPTY_CLOB", vec![])),
            ("empty_blob()", f("EMPTY_BLOB", vec![])),
            ("TO_BINARY_FLOAT('1.5E+000')", f("TO_BINARY_FLOAT", vec![s("1.5E+000")])),
            ("TO_BINARY_DOUBLE(2.5)", f("TO_BINARY_DOUBLE", vec![n("2.5")])),
            ("BINARY_FLOAT_NAN", f("BINARY_FLOAT_NAN", vec![])),
            (
                "-BINARY_DOUBLE_INFINITY",
                f("-", vec![f("BINARY_DOUBLE_INFINITY", vec![])]),
            ),
            ("Unsupported Type", RedoValue::Unsupported),
            ("'a' || 'b' || UNISTR('\\0063')", s("abc")),
        ];
        for (lit, expected) in cases {
            assert_eq!(literal(lit), expected, "{lit}");
        }
    }

    #[test]
    fn quoting_edge_cases_survive() {
        let sql = "insert into \"SC\"\"OTT\".\"E M;P\"(\"A\"\"B\",\"C\",\"D\",\"E\",\"F\") values \
                   ('it''s','x; y','a and \"b\" where c = ''d''','Grüße 日本 🎉','line1\nline2');";
        assert_eq!(
            parse_dml(sql),
            Ok(Dml::Insert {
                table: TableId::new("SC\"OTT", "E M;P"),
                values: pairs(&[
                    ("A\"B", s("it's")),
                    ("C", s("x; y")),
                    ("D", s("a and \"b\" where c = 'd'")),
                    ("E", s("Grüße 日本 🎉")),
                    ("F", s("line1\nline2")),
                ]),
            })
        );
        // An `and` inside a WHERE value is data, not a separator; `||` joins across UNISTR pieces.
        let upd = "update \"S\".\"T\" set \"N\" = 'x' || UNISTR('\\D83D\\DE00') || '''' where \"A\" = 'p and \"B\" = q' \
                   and \"B\" = '' || 'z';";
        assert_eq!(
            parse_dml(upd),
            Ok(Dml::Update {
                table: TableId::new("S", "T"),
                set: pairs(&[("N", s("x😀'"))]),
                filter: pairs(&[("A", s("p and \"B\" = q")), ("B", s("z"))]),
            })
        );
        // A value made of many `||` pieces, as LogMiner splits long strings.
        let long = (0..50).map(|i| format!("'{i:04}'")).collect::<Vec<_>>().join(" || ");
        let expected: String = (0..50).map(|i| format!("{i:04}")).collect();
        assert_eq!(literal(&long), s(&expected));
    }

    #[test]
    fn unquoted_identifiers_are_upper_cased_like_oracle_does() {
        assert_eq!(
            parse_dml("INSERT INTO scott.emp (empno, \"MixedCase\") VALUES (1, 'a')"),
            Ok(Dml::Insert {
                table: emp(),
                values: pairs(&[("EMPNO", n("1")), ("MixedCase", s("a"))]),
            })
        );
        assert_eq!(
            parse_dml("Delete From scott.emp Where empno = 1 And ename Is Null And RowId = 'AAA'"),
            Ok(Dml::Delete {
                table: emp(),
                filter: pairs(&[("EMPNO", n("1")), ("ENAME", RedoValue::Null)]),
            })
        );
    }

    #[test]
    fn unistr_decodes_surrogate_pairs_and_backslashes() {
        assert_eq!(unistr("a\\\\b\\00e9\\D83D\\DE00z"), Ok("a\\bé😀z".to_string()));
        assert_eq!(unistr("\\963F\\72F8(\\FF09"), Ok("阿狸(）".to_string()));
        assert!(unistr("\\D83D").unwrap_err().contains("surrogate"));
        assert!(unistr("\\12").unwrap_err().contains("four hex digits"));
        assert!(unistr("\\12G4").is_err());
    }

    #[test]
    fn malformed_sql_is_an_error_naming_the_place() {
        let err = |sql: &str| parse_dml(sql).unwrap_err();
        let e = err("insert into \"S\".\"T\"(\"A\") values ('unterminated);");
        assert!(
            e.starts_with("cannot parse LogMiner SQL: the quote at byte 33 is never closed"),
            "{e}"
        );
        let e = err("insert into \"S\".\"T\"(\"A\",\"B\") values ('1');");
        assert!(e.contains("2 columns but 1 values"), "{e}");
        let e = err("insert into \"S\".\"T\"(\"A\") ('1');");
        assert!(e.contains("expected VALUES at byte 25"), "{e}");
        let e = err("update \"S\".\"T\" set \"A\" = '1' where \"B\" = '2' or \"C\" = '3';");
        assert!(e.contains("expected the end of the statement at byte 45"), "{e}");
        let e = err("select \"A\" from dual");
        assert!(e.contains("expected INSERT, UPDATE or DELETE at byte 0"), "{e}");
        assert!(err("").contains("found the end"));
        assert!(err("insert into \"T\"(\"A\") values ('1')").contains("LogMiner qualifies tables"));
        assert!(err("update \"S\".\"T\" set \"A\" = '1' || TO_DATE('x')").contains("string literals around `||`"));
        assert!(err("delete from \"S\".\"T\" where \"A\" = UNISTR('\\D800')").contains("surrogate"));
        assert!(err("delete from \"S\".\"T\" where \"A\" = 'x' ? 1").contains("unexpected character at byte 36"));
        // Snippets are cut to about 80 characters, on a character boundary.
        let long = format!("delete from \"S\".\"T\" where \"A\" = 'é{}' garbage", "ü".repeat(200));
        let e = err(&long);
        assert!(e.contains("expected the end of the statement"), "{e}");
        assert!(e.chars().count() < 250, "{e}");
        assert!(e.contains('…'), "{e}");
    }
}
