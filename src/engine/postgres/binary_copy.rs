//! Binary COPY pass-through between two PostgreSQL servers.
//!
//! When every column of a table has the same base type on both servers, and that type's binary
//! form carries no database-specific object id (built-in types and their arrays, enums), the
//! rows can go from `COPY (SELECT …) TO STDOUT (FORMAT binary)` on the source straight into
//! `COPY … FROM STDIN (FORMAT binary)` on the target: omsctl parses no value, and neither server
//! renders or parses text (bytea is not hex-encoded twice, timestamps and numerics are not
//! printed and read back). The only work left here is framing: the source's stream is cut into
//! whole tuples (to count rows and bound batches), its header and trailer are dropped, and the
//! writer sends its own.
//!
//! The offer ([`Encoding`]) names the format, the server's major version (binary forms are only
//! promised within one) and each column's base type, so that a reader's offer and a writer's
//! acceptance agree exactly when the bytes mean the same on both sides; anything else falls
//! back to text COPY with parsed rows.

use crate::engine::Encoding;
use bytes::{Buf, Bytes, BytesMut};

/// The file header a writer sends first: signature, flags (no OIDs), no header extension.
pub const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// The file trailer: a tuple with a field count of -1.
pub const TRAILER: &[u8] = &[0xff, 0xff];
const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// One column's type as the binary pass-through sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    /// The base type's name without modifiers (`numeric`, `timestamp without time zone`,
    /// `integer[]`), or `enum <name>` for an enum.
    pub name: String,
    /// Whether its binary form is the same in every database: a built-in type with binary
    /// send and receive functions (arrays of built-ins included), or an enum (sent as its label).
    pub portable: bool,
}

/// The encoding a table's rows can be passed through in, when all its columns are portable.
pub fn encoding(server_major: i32, columns: &[ColumnType]) -> Option<Encoding> {
    if columns.is_empty() || columns.iter().any(|c| !c.portable) {
        return None;
    }
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    Some(Encoding(format!(
        "postgres-copy-binary/{server_major}:{}",
        names.join("\u{1f}")
    )))
}

/// Cuts a `COPY … TO STDOUT (FORMAT binary)` stream into whole tuples.
#[derive(Debug)]
pub struct TupleFramer {
    buf: BytesMut,
    /// `buf[..whole]` holds whole tuples; parsing resumes at `whole`.
    whole: usize,
    /// Tuples in `buf[..whole]`.
    tuples: usize,
    fields: usize,
    header_done: bool,
    ended: bool,
}

impl TupleFramer {
    /// A framer for tuples of `fields` columns.
    pub fn new(fields: usize) -> Self {
        TupleFramer {
            buf: BytesMut::with_capacity(1 << 16),
            whole: 0,
            tuples: 0,
            fields,
            header_done: false,
            ended: false,
        }
    }

    /// Appends what the server sent next and frames the tuples it completes.
    pub fn push(&mut self, data: &[u8]) -> Result<(), String> {
        if self.ended {
            if data.is_empty() {
                return Ok(());
            }
            return Err("data after the end of a binary COPY stream".into());
        }
        self.buf.extend_from_slice(data);
        if !self.header_done {
            if self.buf.len() < HEADER.len() {
                return Ok(());
            }
            if &self.buf[..SIGNATURE.len()] != SIGNATURE {
                return Err("not a binary COPY stream (bad signature)".into());
            }
            let ext = u32::from_be_bytes([self.buf[15], self.buf[16], self.buf[17], self.buf[18]]) as usize;
            if self.buf.len() < HEADER.len() + ext {
                return Ok(());
            }
            self.buf.advance(HEADER.len() + ext);
            self.header_done = true;
        }
        self.frame()
    }

    fn frame(&mut self) -> Result<(), String> {
        loop {
            let b = &self.buf[self.whole..];
            if b.len() < 2 {
                return Ok(());
            }
            let count = i16::from_be_bytes([b[0], b[1]]);
            if count == -1 {
                if b.len() > 2 {
                    return Err("data after the trailer of a binary COPY stream".into());
                }
                self.buf.truncate(self.whole);
                self.ended = true;
                return Ok(());
            }
            if count < 0 || count as usize != self.fields {
                return Err(format!(
                    "a binary COPY tuple has {count} fields where {} were selected",
                    self.fields
                ));
            }
            let mut at = 2usize;
            for _ in 0..self.fields {
                let Some(len) = b.get(at..at + 4) else {
                    return Ok(());
                };
                let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
                at += 4;
                match len {
                    -1 => {}
                    n if n >= 0 => at += n as usize,
                    n => return Err(format!("a binary COPY field has length {n}")),
                }
                if at > b.len() {
                    return Ok(());
                }
            }
            self.whole += at;
            self.tuples += 1;
        }
    }

    /// Bytes of whole tuples framed and not taken yet.
    pub fn whole_bytes(&self) -> usize {
        self.whole
    }

    /// Tuples framed and not taken yet.
    pub fn whole_tuples(&self) -> usize {
        self.tuples
    }

    /// Takes the whole tuples framed so far: their bytes and how many there are.
    pub fn take(&mut self) -> (Bytes, usize) {
        let bytes = self.buf.split_to(self.whole).freeze();
        let n = self.tuples;
        self.whole = 0;
        self.tuples = 0;
        (bytes, n)
    }

    /// At the end of the server's stream: everything was framed and the trailer seen.
    pub fn finish(&self) -> Result<(), String> {
        if !self.ended {
            return Err("the binary COPY stream ended without its trailer".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuple(fields: &[Option<&[u8]>]) -> Vec<u8> {
        let mut t = (fields.len() as i16).to_be_bytes().to_vec();
        for f in fields {
            match f {
                None => t.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(v) => {
                    t.extend_from_slice(&(v.len() as i32).to_be_bytes());
                    t.extend_from_slice(v);
                }
            }
        }
        t
    }

    fn stream(tuples: &[Vec<u8>]) -> Vec<u8> {
        let mut s = HEADER.to_vec();
        for t in tuples {
            s.extend_from_slice(t);
        }
        s.extend_from_slice(TRAILER);
        s
    }

    #[test]
    fn a_stream_split_anywhere_frames_into_the_same_whole_tuples() {
        let tuples = vec![
            tuple(&[Some(b"\0\0\0\x01"), Some(b"abc")]),
            tuple(&[None, Some(b"")]),
            tuple(&[Some(&[0xff; 300]), None]),
        ];
        let s = stream(&tuples);
        let body: Vec<u8> = tuples.concat();
        for step in [1, 2, 3, 7, 19, 20, 64, s.len()] {
            let mut f = TupleFramer::new(2);
            let (mut got, mut n) = (Vec::new(), 0);
            for piece in s.chunks(step) {
                f.push(piece).unwrap();
                let (b, k) = f.take();
                got.extend_from_slice(&b);
                n += k;
            }
            f.finish().unwrap();
            assert_eq!(n, 3, "step {step}");
            assert_eq!(got, body, "step {step}");
        }
    }

    #[test]
    fn a_header_extension_is_skipped_and_bad_streams_are_refused() {
        let mut s = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\x03xyz".to_vec();
        s.extend_from_slice(&tuple(&[Some(b"1")]));
        s.extend_from_slice(TRAILER);
        let mut f = TupleFramer::new(1);
        f.push(&s).unwrap();
        assert_eq!((f.whole_tuples(), f.whole_bytes()), (1, 7));
        f.finish().unwrap();

        assert!(
            TupleFramer::new(1)
                .push(b"PGCOPY\n\xff\r\n\x01\0\0\0\0\0\0\0\0")
                .is_err()
        );
        let mut wrong_width = TupleFramer::new(3);
        assert!(
            wrong_width
                .push(&stream(&[tuple(&[Some(b"1")])]))
                .unwrap_err()
                .contains("1 fields")
        );
        let mut cut = TupleFramer::new(1);
        cut.push(HEADER).unwrap();
        cut.push(&tuple(&[Some(b"12345")])[..6]).unwrap();
        assert_eq!(cut.whole_tuples(), 0);
        assert!(cut.finish().is_err());
    }

    #[test]
    fn only_tables_of_portable_types_get_an_encoding_and_it_names_version_and_types() {
        let col = |name: &str, portable| ColumnType {
            name: name.into(),
            portable,
        };
        let a = encoding(15, &[col("bigint", true), col("enum status", true)]).unwrap();
        assert_eq!(a.0, "postgres-copy-binary/15:bigint\u{1f}enum status");
        assert_ne!(
            Some(a.clone()),
            encoding(16, &[col("bigint", true), col("enum status", true)])
        );
        assert_ne!(Some(a), encoding(15, &[col("bigint", true), col("text", true)]));
        assert_eq!(encoding(15, &[col("bigint", true), col("point_3d", false)]), None);
        assert_eq!(encoding(15, &[]), None);
    }
}
