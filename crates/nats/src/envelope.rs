//! Envelopes: many records of one tenant and source in one JetStream message, so that one
//! replicated, fsynced publish carries hundreds of events.
//!
//! Format (version 1): magic `VGEV`, version byte `1`, record count (u32 LE), then each record
//! as its length (u32 LE) and its bytes. The message's `Nats-Msg-Id` is the first 16 bytes of
//! SHA-256 over the tenant, 0x1f, the source, 0x1f and the envelope, in hex: the same records
//! published again (a retry after a lost acknowledgement, also from another process or after
//! a restart) get the same id, and JetStream stores them once within its duplicate window.
//! Written by hand because it is twenty lines and must never change under a running cluster.

use bytes::{BufMut, Bytes, BytesMut};
use sha2::{Digest, Sha256};
use vigie_log::{LogError, PartitionKey};

const MAGIC: &[u8; 4] = b"VGEV";
const VERSION: u8 = 1;
/// Magic, version and count.
pub(crate) const HEADER: usize = 9;
/// Bytes an envelope spends on one record besides the record.
pub(crate) const PER_RECORD: usize = 4;
/// Most records in one envelope: a record's position is `sequence << 16 | index`.
pub(crate) const MAX_RECORDS: usize = 1 << 16;

/// One envelope ready to publish.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub(crate) body: Bytes,
    pub(crate) count: usize,
    pub(crate) msg_id: String,
}

/// Splits `payloads` into envelopes of at most `max_bytes` and [`MAX_RECORDS`], in order. A
/// record that cannot fit an envelope alone is [`LogError::RecordTooLarge`] naming it.
pub(crate) fn pack(
    key: PartitionKey<'_>,
    payloads: &[Bytes],
    max_bytes: usize,
) -> Result<Vec<Envelope>, LogError> {
    let limit = max_bytes.saturating_sub(HEADER + PER_RECORD);
    if let Some((index, p)) = payloads.iter().enumerate().find(|(_, p)| p.len() > limit) {
        return Err(LogError::RecordTooLarge {
            index,
            len: p.len() as u64,
            max: limit as u64,
        });
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < payloads.len() {
        let mut size = HEADER;
        let mut end = start;
        while end < payloads.len()
            && end - start < MAX_RECORDS
            && size + PER_RECORD + payloads[end].len() <= max_bytes
        {
            size += PER_RECORD + payloads[end].len();
            end += 1;
        }
        out.push(seal(key, &payloads[start..end], size));
        start = end;
    }
    Ok(out)
}

fn seal(key: PartitionKey<'_>, records: &[Bytes], size: usize) -> Envelope {
    let mut body = BytesMut::with_capacity(size);
    body.put_slice(MAGIC);
    body.put_u8(VERSION);
    body.put_u32_le(records.len() as u32);
    for r in records {
        body.put_u32_le(r.len() as u32);
        body.put_slice(r);
    }
    let body = body.freeze();
    let mut digest = Sha256::new();
    digest.update(key.tenant.as_bytes());
    digest.update([0x1f]);
    digest.update(key.source.as_bytes());
    digest.update([0x1f]);
    digest.update(&body);
    let hash = digest.finalize();
    Envelope {
        msg_id: hex::encode(&hash[..16]),
        count: records.len(),
        body,
    }
}

/// The records of an envelope, or why it is not one.
pub(crate) fn unpack(body: &Bytes) -> Result<Vec<Bytes>, String> {
    if body.len() < HEADER || &body[..4] != MAGIC {
        return Err("not a vigie envelope (no VGEV magic)".to_owned());
    }
    if body[4] != VERSION {
        return Err(format!("envelope version {} is not 1", body[4]));
    }
    let count = u32::from_le_bytes([body[5], body[6], body[7], body[8]]) as usize;
    if count > MAX_RECORDS {
        return Err(format!(
            "envelope claims {count} records, more than {MAX_RECORDS}"
        ));
    }
    let mut records = Vec::with_capacity(count);
    let mut at = HEADER;
    for i in 0..count {
        let Some(len) = body.get(at..at + 4) else {
            return Err(format!(
                "record {i} of {count}: length cut off at byte {at}"
            ));
        };
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        at += 4;
        if body.len() - at < len {
            return Err(format!(
                "record {i} of {count}: {len} bytes announced, {} left",
                body.len() - at
            ));
        }
        records.push(body.slice(at..at + len));
        at += len;
    }
    if at != body.len() {
        return Err(format!("{} bytes after the last record", body.len() - at));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: PartitionKey<'static> = PartitionKey {
        tenant: "commune-namur",
        source: "syslog",
    };

    fn records(n: usize, len: usize) -> Vec<Bytes> {
        (0..n).map(|i| Bytes::from(format!("{i:0len$}"))).collect()
    }

    #[test]
    fn round_trip_and_split() {
        let payloads = records(1000, 100);
        let envelopes = pack(KEY, &payloads, 16 * 1024).unwrap();
        assert!(
            envelopes.len() > 1,
            "1000 x 104 bytes need several 16 KiB envelopes"
        );
        let mut back = Vec::new();
        for e in &envelopes {
            assert!(e.body.len() <= 16 * 1024);
            let got = unpack(&e.body).unwrap();
            assert_eq!(got.len(), e.count);
            back.extend(got);
        }
        assert_eq!(back, payloads);
        // Empty records survive too.
        let odd = vec![Bytes::new(), Bytes::from_static(b"x"), Bytes::new()];
        let e = pack(KEY, &odd, 1024).unwrap();
        assert_eq!(unpack(&e[0].body).unwrap(), odd);
    }

    #[test]
    fn ids_are_stable_and_keyed() {
        let payloads = records(10, 8);
        let a = pack(KEY, &payloads, 1 << 20).unwrap();
        let b = pack(KEY, &payloads, 1 << 20).unwrap();
        assert_eq!(a[0].msg_id, b[0].msg_id, "same records, same id");
        assert_eq!(a[0].msg_id.len(), 32);
        let other = PartitionKey {
            tenant: "commune-namu",
            source: "rsyslog",
        };
        let c = pack(other, &payloads, 1 << 20).unwrap();
        assert_ne!(
            a[0].msg_id, c[0].msg_id,
            "another tenant/source, another id"
        );
        // Pinned: the id is part of what a running cluster deduplicates on.
        let pinned = pack(KEY, &[Bytes::from_static(b"event")], 1024).unwrap();
        assert_eq!(pinned[0].msg_id, PINNED_ID);
    }

    const PINNED_ID: &str = "f044df6c7a25417b6ff4db9e8cec746b";

    #[test]
    fn too_large_and_broken_are_named() {
        let big = vec![Bytes::from(vec![b'a'; 2000])];
        match pack(KEY, &big, 1024) {
            Err(LogError::RecordTooLarge {
                index: 0,
                len: 2000,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        let good = pack(KEY, &records(3, 5), 1024).unwrap().remove(0).body;
        for (cut, expect) in [
            (Bytes::from_static(b"nope"), "magic"),
            (good.slice(..good.len() - 1), "announced"),
            (good.slice(..11), "cut off"),
        ] {
            let error = unpack(&cut).unwrap_err();
            assert!(error.contains(expect), "{error}");
        }
        let mut extra = good.to_vec();
        extra.push(0);
        assert!(unpack(&Bytes::from(extra)).unwrap_err().contains("after"));
        let mut v2 = good.to_vec();
        v2[4] = 2;
        assert!(unpack(&Bytes::from(v2)).unwrap_err().contains("version 2"));
    }
}
