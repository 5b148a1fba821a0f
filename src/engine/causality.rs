//! Which row changes of a replay batch may be reordered, or applied on different connections.
//!
//! Two changes conflict when they touch the same value of the same unique key of one table
//! (the row key or another unique index, in the before or the after image). Changes that do
//! not conflict commute: applying them in any order leaves the same rows. Changes that do
//! conflict keep their source order. Keys the target might compare loosely (case-insensitive
//! text, floats, prefix indexes) conflict with every change to the table, and so do all
//! changes of a table without a key (the same approach as TiDB DM's causality detection).

use super::TargetChange;
use crate::model::catalog::KeyCompare;
use crate::model::change::RowOp;
use crate::model::value::{Row, Value};
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Appends the conflict tokens of `change` (hashes; a collision only costs parallelism).
/// `buf` is scratch space, reused across calls.
fn tokens(change: &TargetChange, out: &mut Vec<u64>, buf: &mut Vec<u8>) {
    let spec = &change.spec;
    let table = {
        let mut h = DefaultHasher::new();
        spec.id.database.hash(&mut h);
        spec.id.name.hash(&mut h);
        h.finish()
    };
    if spec.key.is_empty() {
        out.push(table);
        return;
    }
    let images: [Option<&Row>; 2] = match &change.op {
        RowOp::Insert { after } => [Some(after), None],
        RowOp::Update { before, after } => [Some(before), Some(after)],
        RowOp::Delete { before } => [Some(before), None],
    };
    let keys = std::iter::once(&spec.key).chain(spec.unique.iter());
    for (k, cols) in keys.enumerate() {
        let coarse = cols.is_empty() || cols.iter().any(|&i| spec.compare[i] == KeyCompare::Coarse);
        if coarse {
            let mut h = DefaultHasher::new();
            (table, k).hash(&mut h);
            out.push(h.finish());
            continue;
        }
        for row in images.iter().flatten() {
            // NULLs never clash in a unique index (the row key has none).
            if cols.iter().any(|&i| row[i] == Value::Null) {
                continue;
            }
            buf.clear();
            for &i in cols {
                match &row[i] {
                    Value::Bytes(b) if spec.compare[i] == KeyCompare::PadSpace => {
                        let end = b.iter().rposition(|&c| c != b' ').map_or(0, |p| p + 1);
                        Value::Bytes(b[..end].to_vec()).encode_canonical(spec.kinds[i], buf);
                    }
                    v => v.encode_canonical(spec.kinds[i], buf),
                }
            }
            let mut h = DefaultHasher::new();
            (table, k, &buf[..]).hash(&mut h);
            out.push(h.finish());
        }
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// How to replay `changes` over at most `workers` connections: groups of positions, each in
/// replay order. Conflicting changes share a group and keep their order; apart from that,
/// changes of one table and kind are put next to each other so that they go to the server as
/// one multi-row statement. Each change goes to the first layer after the last change it
/// conflicts with, and layers are applied in turn, sorted by table and kind within. Groups are
/// balanced by size; empty ones are dropped. Tokens are computed once per change.
pub fn plan(changes: &[TargetChange], workers: usize) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..changes.len()).collect();
    // Per token: the last change that had it, and that change's layer.
    let mut last: HashMap<u64, (usize, u32)> = HashMap::with_capacity(changes.len() * 2);
    let mut toks = Vec::new();
    let mut buf = Vec::new();
    let mut layered: Vec<(u32, usize, u8, usize)> = Vec::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        toks.clear();
        tokens(c, &mut toks, &mut buf);
        let mut layer = 0;
        for t in &toks {
            if let Some(&(j, l)) = last.get(t) {
                layer = layer.max(l + 1);
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
        for t in &toks {
            last.insert(*t, (i, layer));
        }
        let kind = match c.op {
            RowOp::Insert { .. } => 0,
            RowOp::Update { .. } => 1,
            RowOp::Delete { .. } => 2,
        };
        // The spec's address identifies the table and its shape within one batch.
        let table = std::sync::Arc::as_ptr(&c.spec) as usize;
        layered.push((layer, table, kind, i));
    }
    layered.sort_unstable();
    if workers <= 1 {
        return vec![layered.into_iter().map(|(_, _, _, i)| i).collect()];
    }
    let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..changes.len() {
        let r = find(&mut parent, i);
        components.entry(r).or_default().push(i);
    }
    // Largest first onto the least loaded group (ties broken by first position, so the
    // result does not depend on hash map order).
    let mut comps: Vec<Vec<usize>> = components.into_values().collect();
    comps.sort_by_key(|c| (std::cmp::Reverse(c.len()), c[0]));
    let mut group_of = vec![0usize; changes.len()];
    let mut sizes = vec![0usize; workers];
    for c in comps {
        if let Some((g, _)) = sizes.iter().enumerate().min_by_key(|(_, n)| **n) {
            sizes[g] += c.len();
            for i in c {
                group_of[i] = g;
            }
        }
    }
    // The whole batch's replay order, restricted to each group, is that group's order.
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); workers];
    for (_, _, _, i) in layered {
        groups[group_of[i]].push(i);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::TableSpec;
    use crate::model::catalog::{TableId, ValueKind};
    use std::sync::Arc;

    fn spec(name: &str, key: Vec<usize>, unique: Vec<Vec<usize>>, compare: Vec<KeyCompare>) -> Arc<TableSpec> {
        Arc::new(TableSpec {
            id: TableId::new("d", name),
            columns: vec!["id".into(), "u".into(), "v".into()],
            kinds: vec![ValueKind::Integer, ValueKind::Text, ValueKind::Text],
            key,
            unique,
            compare,
            filter: None,
        })
    }

    fn row(id: i64, u: &str) -> Row {
        vec![Value::Int(id), Value::Bytes(u.as_bytes().to_vec()), Value::Null]
    }

    fn ins(s: &Arc<TableSpec>, id: i64, u: &str) -> TargetChange {
        TargetChange {
            spec: s.clone(),
            op: RowOp::Insert { after: row(id, u) },
        }
    }
    fn del(s: &Arc<TableSpec>, id: i64, u: &str) -> TargetChange {
        TargetChange {
            spec: s.clone(),
            op: RowOp::Delete { before: row(id, u) },
        }
    }
    fn upd(s: &Arc<TableSpec>, from: i64, to: i64) -> TargetChange {
        TargetChange {
            spec: s.clone(),
            op: RowOp::Update {
                before: row(from, "x"),
                after: row(to, "x"),
            },
        }
    }

    use KeyCompare::*;

    /// Positions of changes that must stay ordered appear in order in every plan.
    fn assert_keeps(order: &[usize], a: usize, b: usize) {
        let pa = order.iter().position(|&x| x == a).unwrap();
        let pb = order.iter().position(|&x| x == b).unwrap();
        assert!(pa < pb, "{a} must come before {b} in {order:?}");
    }

    #[test]
    fn same_key_stays_ordered_and_independent_keys_group_by_kind() {
        let t = spec("t", vec![0], vec![], vec![Exact, Coarse, Coarse]);
        // insert 1, delete 2, insert 3, update 1→1, delete 4, insert 2 (re-created)
        let ch = vec![
            ins(&t, 1, "a"),
            del(&t, 2, "b"),
            ins(&t, 3, "c"),
            upd(&t, 1, 1),
            del(&t, 4, "d"),
            ins(&t, 2, "e"),
        ];
        let order = plan(&ch, 1).remove(0);
        assert_keeps(&order, 0, 3);
        assert_keeps(&order, 1, 5);
        // Layer 0 holds inserts 1 and 3 together and deletes 2 and 4 together.
        assert_eq!(&order[..4], &[0, 2, 1, 4]);
        let groups = plan(&ch, 4);
        let of = |i: usize| groups.iter().position(|g| g.contains(&i)).unwrap();
        assert_eq!(of(0), of(3));
        assert_eq!(of(1), of(5));
        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), 6);
        assert!(groups.len() >= 3, "{groups:?}");
    }

    #[test]
    fn a_key_change_links_old_and_new_key() {
        let t = spec("t", vec![0], vec![], vec![Exact, Coarse, Coarse]);
        let ch = vec![ins(&t, 9, "a"), upd(&t, 1, 9), ins(&t, 1, "b")];
        let groups = plan(&ch, 3);
        assert_eq!(groups, vec![vec![0, 1, 2]]);
        assert_eq!(plan(&ch, 1)[0], vec![0, 1, 2]);
    }

    #[test]
    fn unique_secondary_values_link_different_rows() {
        // Row 1 gives up u='x' and row 2 takes it: the delete must come first.
        let t = spec("t", vec![0], vec![vec![1]], vec![Exact, PadSpace, Coarse]);
        let ch = vec![del(&t, 1, "x"), ins(&t, 2, "x "), ins(&t, 3, "y")];
        let order = plan(&ch, 1).remove(0);
        assert_keeps(&order, 0, 1);
        let groups = plan(&ch, 3);
        assert_eq!(groups.len(), 2);
    }

    #[test]
    fn loose_keys_and_keyless_tables_serialize_the_table() {
        let ci = spec("ci", vec![1], vec![], vec![Exact, Coarse, Coarse]);
        let ch = vec![ins(&ci, 1, "A"), del(&ci, 2, "a")];
        assert_eq!(plan(&ch, 2).len(), 1);
        assert_eq!(plan(&ch, 1)[0], vec![0, 1]);
        let nokey = spec("n", vec![], vec![], vec![Exact, Coarse, Coarse]);
        let ch = vec![ins(&nokey, 1, "a"), del(&nokey, 2, "b"), ins(&nokey, 3, "c")];
        assert_eq!(plan(&ch, 3).len(), 1);
        assert_eq!(plan(&ch, 1)[0], vec![0, 1, 2]);
    }

    #[test]
    fn an_unknown_unique_key_serializes_the_table() {
        let t = spec("t", vec![0], vec![vec![]], vec![Exact, Coarse, Coarse]);
        let ch = vec![ins(&t, 1, "a"), ins(&t, 2, "b")];
        assert_eq!(plan(&ch, 2).len(), 1);
    }

    #[test]
    fn null_unique_values_do_not_link_rows() {
        let t = spec("t", vec![0], vec![vec![2]], vec![Exact, Coarse, Exact]);
        let ch = vec![ins(&t, 1, "a"), ins(&t, 2, "b")];
        assert_eq!(plan(&ch, 2).len(), 2);
    }
}
