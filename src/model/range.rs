//! Key ranges: the unit of chunked copy and verification.

use crate::model::value::Value;
use serde::{Deserialize, Serialize};

/// Rows whose key is `> lower` (exclusive) and `<= upper` (inclusive); an open end is `None`.
/// A table without a row key has one range covering everything (`KeyRange::all()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct KeyRange {
    pub lower: Option<Vec<Value>>,
    pub upper: Option<Vec<Value>>,
}

impl KeyRange {
    pub fn all() -> Self {
        KeyRange::default()
    }

    /// The ranges cut by sorted boundary keys: (-inf, b0], (b0, b1], …, (bn, +inf).
    pub fn from_boundaries(boundaries: &[Vec<Value>]) -> Vec<KeyRange> {
        let mut out = Vec::with_capacity(boundaries.len() + 1);
        let mut lower = None;
        for b in boundaries {
            out.push(KeyRange {
                lower: lower.clone(),
                upper: Some(b.clone()),
            });
            lower = Some(b.clone());
        }
        out.push(KeyRange { lower, upper: None });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_cover_everything_once() {
        let r = KeyRange::from_boundaries(&[vec![Value::Int(10)], vec![Value::Int(20)]]);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].lower, None);
        assert_eq!(r[1].lower, Some(vec![Value::Int(10)]));
        assert_eq!(r[2].upper, None);
        assert_eq!(KeyRange::from_boundaries(&[]), vec![KeyRange::all()]);
    }
}
