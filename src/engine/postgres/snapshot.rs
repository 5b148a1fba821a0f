//! The copy's snapshot as transaction ids: which decoded transactions `full` already copied.
//!
//! A transaction's changes are in a snapshot when its id is below the snapshot's `xmax` and
//! not in its list of transactions then in progress (`xip`). pgoutput names a transaction by
//! its 32-bit id; the snapshot's ids carry an epoch, so the 32-bit id is widened to the 64-bit
//! id nearest the snapshot's (ids in use are never 2^31 apart).

use crate::model::position::CopySnapshot;

/// Parses the text form of `pg_current_snapshot()` / `txid_current_snapshot()`,
/// `xmin:xmax:xip1,xip2,…`, with `until` the WAL insert position read after it.
pub fn parse(text: &str, until: u64) -> Option<CopySnapshot> {
    let mut parts = text.trim().splitn(3, ':');
    let xmin = parts.next()?.parse().ok()?;
    let xmax = parts.next()?.parse().ok()?;
    let xip = match parts.next()? {
        "" => Vec::new(),
        list => list.split(',').map(|x| x.parse().ok()).collect::<Option<Vec<u64>>>()?,
    };
    (xmin <= xmax).then_some(CopySnapshot::PgXids { xmin, xmax, xip, until })
}

/// Whether WAL at `lsn` is past every commit the copy holds.
pub fn passed(snapshot: &CopySnapshot, lsn: u64) -> bool {
    let CopySnapshot::PgXids { until, .. } = snapshot;
    lsn > *until
}

/// Whether the copy holds the transaction `xid` whose commit record is at `commit_lsn`.
pub fn holds(snapshot: &CopySnapshot, xid: u32, commit_lsn: u64) -> bool {
    if passed(snapshot, commit_lsn) {
        return false;
    }
    let CopySnapshot::PgXids { xmin, xmax, xip, .. } = snapshot;
    let full = widen(xid, *xmax);
    full < *xmin || (full < *xmax && !xip.contains(&full))
}

/// The 64-bit transaction id of `xid` nearest to `near`.
fn widen(xid: u32, near: u64) -> u64 {
    let candidate = (near & !0xffff_ffff) | u64::from(xid);
    if candidate > near.saturating_add(1 << 31) && candidate >= 1 << 32 {
        candidate - (1 << 32)
    } else if candidate.saturating_add(1 << 31) < near {
        candidate + (1 << 32)
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_parse_with_and_without_transactions_in_progress() {
        assert_eq!(
            parse("740:745:740,742", 99),
            Some(CopySnapshot::PgXids {
                xmin: 740,
                xmax: 745,
                xip: vec![740, 742],
                until: 99
            })
        );
        assert_eq!(
            parse("750:750:", 1),
            Some(CopySnapshot::PgXids {
                xmin: 750,
                xmax: 750,
                xip: vec![],
                until: 1
            })
        );
        assert_eq!(parse("750:740:", 1), None);
        assert_eq!(parse("garbage", 1), None);
        assert_eq!(parse("1:2:x", 1), None);
    }

    #[test]
    fn the_copy_holds_committed_transactions_only() {
        let s = parse("740:745:740,742", 1000).unwrap();
        assert!(holds(&s, 739, 10), "committed before the oldest running");
        assert!(holds(&s, 741, 10), "committed between running ones");
        assert!(!holds(&s, 740, 10), "running at the snapshot");
        assert!(!holds(&s, 742, 10));
        assert!(!holds(&s, 745, 10), "not yet assigned at the snapshot");
        assert!(!holds(&s, 741, 1001), "commits past `until` are never held");
    }

    #[test]
    fn ids_widen_across_an_epoch_boundary() {
        // The snapshot is just past a wraparound: epoch 1, xmax = 2^32 + 5.
        let e1 = 1u64 << 32;
        let s = parse(&format!("{}:{}:{}", e1 - 10, e1 + 5, e1 + 2), 1000).unwrap();
        assert!(holds(&s, u32::MAX - 3, 10), "epoch 0's last ids were committed");
        assert!(holds(&s, 1, 10));
        assert!(!holds(&s, 2, 10), "running");
        assert!(!holds(&s, 5, 10), "not yet assigned");
        assert_eq!(widen(7, e1 - 3), e1 + 7);
        assert_eq!(widen(u32::MAX, e1 + 3), e1 - 1);
        assert_eq!(widen(100, 200), 100);
    }
}
