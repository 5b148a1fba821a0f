//! CHECK conditions and generated-column expressions carried between Oracle, MySQL and
//! PostgreSQL. Only what means the same in all three is translated: column references,
//! numeric and non-empty string literals, comparisons, `IN`, `BETWEEN`, `LIKE` without
//! escapes, `IS [NOT] NULL`, `AND`/`OR`/`NOT`, parentheses and `+ - * /`. Anything else
//! (function calls, casts, `CASE`, subqueries, `||`, empty strings, which Oracle reads as
//! NULL) is refused, and the caller drops the constraint with a note instead of guessing.

/// Whose SQL an expression is written in, or is wanted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Oracle,
    MySql,
    Postgres,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Column(String),
    Number(String),
    Text(String),
    Op(&'static str),
    Keyword(&'static str),
    Open,
    Close,
    Comma,
}

const KEYWORDS: [&str; 8] = ["AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "LIKE"];
const OPERATORS: [&str; 11] = ["<=", ">=", "<>", "!=", "^=", "=", "<", ">", "+", "-", "*"];

/// The column of `columns` a name refers to: quoted names match exactly (MySQL names match
/// regardless of case); bare names are folded the way the source folds them.
fn resolve(name: &str, quoted: bool, from: Syntax, columns: &[String]) -> Option<String> {
    let found = match (from, quoted) {
        (Syntax::MySql, _) => columns.iter().find(|c| c.eq_ignore_ascii_case(name)),
        (_, true) => columns.iter().find(|c| *c == name),
        (Syntax::Oracle, false) => columns.iter().find(|c| **c == name.to_uppercase()),
        (Syntax::Postgres, false) => columns.iter().find(|c| **c == name.to_lowercase()),
    };
    found.cloned()
}

/// Reads a quoted run that starts after `open` and ends at `close` (doubled `close` stands for
/// itself); returns the content and the index after the closing character.
fn quoted(chars: &[char], start: usize, close: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut i = start;
    loop {
        let c = *chars.get(i)?;
        if c == close {
            if chars.get(i + 1) == Some(&close) {
                out.push(close);
                i += 2;
                continue;
            }
            return Some((out, i + 1));
        }
        out.push(c);
        i += 1;
    }
}

fn tokens(expr: &str, from: Syntax, columns: &[String]) -> Option<Vec<Token>> {
    // MySQL's information_schema shows string literals as _utf8mb4\'a\': when every quote is
    // escaped that way, the escapes are display only.
    let unescaped;
    let expr = if from == Syntax::MySql && expr.matches('\'').count() == expr.matches("\\'").count() {
        unescaped = expr.replace("\\'", "'");
        unescaped.as_str()
    } else {
        expr
    };
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            _ if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '\'' => {
                let (s, end) = quoted(&chars, i + 1, '\'')?;
                // '' is NULL in Oracle and a value elsewhere; a backslash escapes in MySQL only.
                if s.is_empty() || s.contains('\\') {
                    return None;
                }
                out.push(Token::Text(s));
                i = end;
            }
            '"' if from != Syntax::MySql => {
                let (s, end) = quoted(&chars, i + 1, '"')?;
                out.push(Token::Column(resolve(&s, true, from, columns)?));
                i = end;
            }
            '`' if from == Syntax::MySql => {
                let (s, end) = quoted(&chars, i + 1, '`')?;
                out.push(Token::Column(resolve(&s, true, from, columns)?));
                i = end;
            }
            '0'..='9' | '.' if c.is_ascii_digit() || next.is_some_and(|n| n.is_ascii_digit()) => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                if i < chars.len() && matches!(chars[i], 'e' | 'E') {
                    i += 1;
                    if i < chars.len() && matches!(chars[i], '+' | '-') {
                        i += 1;
                    }
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                let n: String = chars[start..i].iter().collect();
                // 1.5f / 2d (Oracle binary literals) and 0x1F are not portable.
                if n.parse::<f64>().is_err() || chars.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
                    return None;
                }
                out.push(Token::Number(n));
            }
            _ if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '$' | '#')) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let upper = word.to_uppercase();
                if let Some(k) = KEYWORDS.iter().find(|k| **k == upper) {
                    out.push(Token::Keyword(k));
                    continue;
                }
                // MySQL charset introducers (_utf8mb4'a'): the text is the same; _binary is not.
                if from == Syntax::MySql && word.starts_with('_') && chars.get(i) == Some(&'\'') {
                    if upper == "_BINARY" {
                        return None;
                    }
                    continue;
                }
                let rest = chars[i..].iter().find(|c| !c.is_whitespace());
                // a function call, or a typed literal such as N'x' or DATE '2024-01-01'
                if matches!(rest, Some('(' | '\'')) {
                    return None;
                }
                out.push(Token::Column(resolve(&word, false, from, columns)?));
            }
            '/' => {
                out.push(Token::Op("/"));
                i += 1;
            }
            _ => {
                let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
                let op = OPERATORS
                    .iter()
                    .find(|op| op.len() == 2 && two == **op)
                    .or_else(|| OPERATORS.iter().find(|op| op.len() == 1 && op.starts_with(c)))?;
                // MySQL's <=> and Oracle's ^= have no portable spelling (^= is <> below).
                if *op == "<=" && chars.get(i + 2) == Some(&'>') {
                    return None;
                }
                if *op == "^=" && from != Syntax::Oracle {
                    return None;
                }
                out.push(Token::Op(if *op == "^=" || *op == "!=" { "<>" } else { op }));
                i += op.len();
            }
        }
    }
    let balanced = out.iter().try_fold(0i32, |depth, t| {
        let d = match t {
            Token::Open => depth + 1,
            Token::Close => depth - 1,
            _ => depth,
        };
        (d >= 0).then_some(d)
    });
    // MySQL's LIKE escapes with a backslash by default, Oracle's and PostgreSQL's do not.
    let like_with_backslash =
        out.contains(&Token::Keyword("LIKE")) && out.iter().any(|t| matches!(t, Token::Text(s) if s.contains('\\')));
    let well_formed = {
        let mut p = Parser { t: &out, i: 0 };
        p.or() && p.i == out.len()
    };
    (balanced == Some(0) && well_formed && !like_with_backslash).then_some(out)
}

/// Checks that tokens form one expression of the portable subset:
/// or := and (OR and)*; and := not (AND not)*; not := NOT not | pred;
/// pred := sum [cmp sum | [NOT] IN (sum, …) | [NOT] BETWEEN sum AND sum | [NOT] LIKE sum | IS [NOT] NULL];
/// sum := prod ((+|-) prod)*; prod := unary ((*|/) unary)*; unary := (+|-) unary | atom;
/// atom := column | number | string | NULL | ( or ).
struct Parser<'a> {
    t: &'a [Token],
    i: usize,
}

impl Parser<'_> {
    fn eat(&mut self, want: &Token) -> bool {
        let hit = self.t.get(self.i) == Some(want);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn eat_op(&mut self, ops: &[&str]) -> bool {
        let hit = matches!(self.t.get(self.i), Some(Token::Op(o)) if ops.contains(o));
        if hit {
            self.i += 1;
        }
        hit
    }

    fn or(&mut self) -> bool {
        self.and() && (!self.eat(&Token::Keyword("OR")) || self.or())
    }

    fn and(&mut self) -> bool {
        self.not() && (!self.eat(&Token::Keyword("AND")) || self.and())
    }

    fn not(&mut self) -> bool {
        if self.eat(&Token::Keyword("NOT")) {
            return self.not();
        }
        self.pred()
    }

    fn pred(&mut self) -> bool {
        if !self.sum() {
            return false;
        }
        if self.eat_op(&["=", "<>", "<", ">", "<=", ">="]) {
            return self.sum();
        }
        if self.eat(&Token::Keyword("IS")) {
            self.eat(&Token::Keyword("NOT"));
            return self.eat(&Token::Keyword("NULL"));
        }
        let negated = self.eat(&Token::Keyword("NOT"));
        if self.eat(&Token::Keyword("IN")) {
            if !self.eat(&Token::Open) || !self.sum() {
                return false;
            }
            while self.eat(&Token::Comma) {
                if !self.sum() {
                    return false;
                }
            }
            return self.eat(&Token::Close);
        }
        if self.eat(&Token::Keyword("BETWEEN")) {
            return self.sum() && self.eat(&Token::Keyword("AND")) && self.sum();
        }
        if self.eat(&Token::Keyword("LIKE")) {
            return self.sum();
        }
        !negated
    }

    fn sum(&mut self) -> bool {
        self.prod() && (!self.eat_op(&["+", "-"]) || self.sum())
    }

    fn prod(&mut self) -> bool {
        self.unary() && (!self.eat_op(&["*", "/"]) || self.prod())
    }

    fn unary(&mut self) -> bool {
        if self.eat_op(&["+", "-"]) {
            return self.unary();
        }
        match self.t.get(self.i) {
            Some(Token::Column(_) | Token::Number(_) | Token::Text(_) | Token::Keyword("NULL")) => {
                self.i += 1;
                true
            }
            Some(Token::Open) => {
                self.i += 1;
                self.or() && self.eat(&Token::Close)
            }
            _ => false,
        }
    }
}

fn quote_column(name: &str, to: Syntax) -> String {
    match to {
        Syntax::MySql => format!("`{}`", name.replace('`', "``")),
        Syntax::Oracle | Syntax::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

fn render(tokens: &[Token], to: Syntax) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| &tokens[j]);
        // A sign right after an operator, keyword, "(" or "," (or first) binds to its number.
        let after_sign = matches!(prev, Some(Token::Op("-" | "+")))
            && matches!(
                i.checked_sub(2).map(|j| &tokens[j]),
                None | Some(Token::Open | Token::Comma | Token::Op(_) | Token::Keyword(_))
            );
        let tight = prev.is_none() || matches!(prev, Some(Token::Open)) || matches!(t, Token::Close | Token::Comma);
        if !tight && !after_sign {
            out.push(' ');
        }
        match t {
            Token::Column(c) => out.push_str(&quote_column(c, to)),
            Token::Number(n) => out.push_str(n),
            Token::Text(s) => out.push_str(&format!("'{}'", s.replace('\'', "''"))),
            Token::Op(o) | Token::Keyword(o) => out.push_str(o),
            Token::Open => out.push('('),
            Token::Close => out.push(')'),
            Token::Comma => out.push(','),
        }
    }
    out
}

/// `expr` of a CHECK constraint or generated column of a table with `columns`, written for
/// `to`; `None` when it uses anything outside the portable subset described above.
pub fn translate(expr: &str, from: Syntax, to: Syntax, columns: &[String]) -> Option<String> {
    tokens(expr, from, columns).map(|t| render(&t, to))
}

/// The column of an `"C" IS NOT NULL` check (Oracle keeps NOT NULL constraints as checks).
pub fn not_null_column(expr: &str, from: Syntax, columns: &[String]) -> Option<String> {
    let t = tokens(expr, from, columns)?;
    let inner = match t.as_slice() {
        [Token::Open, inner @ .., Token::Close] => inner,
        all => all,
    };
    match inner {
        [
            Token::Column(c),
            Token::Keyword("IS"),
            Token::Keyword("NOT"),
            Token::Keyword("NULL"),
        ] => Some(c.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn oracle_comparisons_become_mysql_and_postgres_with_quoted_upper_case_names() {
        let c = cols(&["SALARY", "STATUS", "lower"]);
        let e = "salary > 0 AND status IN ('A','I') and \"lower\" between -1 and 1.5e3";
        assert_eq!(
            translate(e, Syntax::Oracle, Syntax::MySql, &c).unwrap(),
            "`SALARY` > 0 AND `STATUS` IN ('A', 'I') AND `lower` BETWEEN -1 AND 1.5e3"
        );
        assert_eq!(
            translate(e, Syntax::Oracle, Syntax::Postgres, &c).unwrap(),
            "\"SALARY\" > 0 AND \"STATUS\" IN ('A', 'I') AND \"lower\" BETWEEN -1 AND 1.5e3"
        );
        assert_eq!(
            translate("salary ^= 0", Syntax::Oracle, Syntax::MySql, &c).unwrap(),
            "`SALARY` <> 0"
        );
    }

    #[test]
    fn mysql_checks_with_introducers_and_escaped_quotes_become_oracle() {
        let c = cols(&["rating", "amount"]);
        assert_eq!(
            translate(
                "(`rating` in (_utf8mb4\\'G\\',_utf8mb4\\'it\\'\\'s\\'))",
                Syntax::MySql,
                Syntax::Oracle,
                &c
            )
            .unwrap(),
            "(\"rating\" IN ('G', 'it''s'))"
        );
        assert_eq!(
            translate("(`amount` >= 0)", Syntax::MySql, Syntax::Oracle, &c).unwrap(),
            "(\"amount\" >= 0)"
        );
        assert_eq!(
            translate("AMOUNT*2 <= 10-amount", Syntax::MySql, Syntax::Oracle, &c).unwrap(),
            "\"amount\" * 2 <= 10 - \"amount\""
        );
    }

    #[test]
    fn anything_outside_the_portable_subset_is_refused() {
        let c = cols(&["EMAIL", "N", "S"]);
        for e in [
            "REGEXP_LIKE(EMAIL, '^[a-z]+$')",
            "LENGTH(email) > 3",
            "s <> ''",
            "email LIKE 'a\\_b'",
            "missing > 0",
            "n > 0 OR",
            "(n > 0",
            "n || 'x' = 'y'",
            "n <=> 1",
            "n = 1.5f",
            "CASE WHEN n > 0 THEN 1 END = 1",
            "n > (SELECT 1 FROM dual)",
        ] {
            assert_eq!(translate(e, Syntax::Oracle, Syntax::MySql, &c), None, "{e}");
        }
        assert_eq!(translate("`n` = _binary'a'", Syntax::MySql, Syntax::Oracle, &c), None);
        assert_eq!(translate("\"n\" = 1", Syntax::MySql, Syntax::Oracle, &c), None);
    }

    #[test]
    fn oracle_not_null_checks_are_recognised() {
        let c = cols(&["EMAIL", "a b"]);
        assert_eq!(
            not_null_column("\"EMAIL\" IS NOT NULL", Syntax::Oracle, &c).as_deref(),
            Some("EMAIL")
        );
        assert_eq!(
            not_null_column("(\"a b\" is not null)", Syntax::Oracle, &c).as_deref(),
            Some("a b")
        );
        assert_eq!(not_null_column("\"EMAIL\" IS NULL", Syntax::Oracle, &c), None);
        assert_eq!(
            not_null_column("\"EMAIL\" IS NOT NULL AND 1 = 1", Syntax::Oracle, &c),
            None
        );
    }
}
