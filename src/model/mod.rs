//! Engine-neutral data model: catalog objects, row values, key ranges.

pub mod catalog;
pub mod change;
pub mod position;
pub mod printable;
pub mod range;
pub mod value;
