//! Identifier length limits shared by the engines' DDL planners.

/// `name` when it fits in `max` bytes; else its first bytes (cut on a character boundary) and
/// `_` plus 8 hex digits of its FNV-1a hash, `max` bytes at most, so that long names stay
/// distinct and the same name always shortens the same way.
pub fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let h = name
        .bytes()
        .fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    let mut cut = max.saturating_sub(9);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{:08x}", &name[..cut], h as u32)
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn long_names_are_cut_on_characters_and_stay_distinct() {
        assert_eq!(shorten("short", 63), "short");
        let a = shorten(&"é".repeat(40), 63);
        let b = shorten(&format!("{}x", "é".repeat(40)), 63);
        assert!(a.len() <= 63 && b.len() <= 63);
        assert_ne!(a, b);
        assert_eq!(a, shorten(&"é".repeat(40), 63));
    }
}
