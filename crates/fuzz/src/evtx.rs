//! EVTX import: whole files, and single chunks put behind a file header.

use std::path::Path;

use jiff::Timestamp;
use vigie_event::TenantId;
use vigie_ingest::file::ReadOptions;
use vigie_ingest::file::evtx::read_buffer;

use crate::json::round_trip;

/// Size of an EVTX file header block and of a chunk.
const HEADER_BLOCK: usize = 4096;
const CHUNK: usize = 65_536;

/// Bytes read as an `.evtx` file by vigie's EVTX reader (`vigie import`,
/// `POST /api/v1/import`).
///
/// Checks: the reader ends (libFuzzer's timeout catches a loop, its RSS limit a huge
/// allocation); every rejection names a record by its number and says why; every event is
/// dataset `evtx` of the importing tenant and its log record reads back unchanged.
pub fn evtx_file(data: &[u8]) {
    read(data.to_vec());
}

/// One chunk (the first 64 KiB of the input, padded with zeros) placed after a valid file
/// header and read as an `.evtx` file, so every input reaches the chunk parser.
pub fn evtx_chunk(data: &[u8]) {
    let mut file = header(1);
    let chunk = &data[..data.len().min(CHUNK)];
    file.extend_from_slice(chunk);
    file.resize(HEADER_BLOCK + CHUNK, 0);
    read(file);
}

/// A file header for `chunks` chunks: magic, oldest chunk 0, current chunk `chunks - 1`,
/// header size 128, version 3.1, header block 4096, and the flag that says there is no
/// CRC32 to check.
fn header(chunks: u16) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_BLOCK];
    out[..8].copy_from_slice(b"ElfFile\0");
    out[16..24].copy_from_slice(&u64::from(chunks.saturating_sub(1)).to_le_bytes());
    out[24..32].copy_from_slice(&1u64.to_le_bytes());
    out[32..36].copy_from_slice(&128u32.to_le_bytes());
    out[36..38].copy_from_slice(&1u16.to_le_bytes());
    out[38..40].copy_from_slice(&3u16.to_le_bytes());
    out[40..42].copy_from_slice(&(HEADER_BLOCK as u16).to_le_bytes());
    out[42..44].copy_from_slice(&chunks.to_le_bytes());
    out[120..124].copy_from_slice(&4u32.to_le_bytes());
    out
}

fn read(bytes: Vec<u8>) {
    let options = ReadOptions {
        tenant: TenantId(9),
        received_at: Timestamp::from_second(1_764_064_800).expect("a valid time"),
        max_line_bytes: 1 << 20,
        chunk_events: 1000,
        max_decoded_bytes: None,
        source_type: None,
    };
    let mut records = 0usize;
    let outcome = read_buffer(Path::new("fuzz.evtx"), bytes, &options, |batch| {
        for rejection in &batch.rejected {
            assert_eq!(rejection.reason, "evtx_record");
            assert!(
                rejection
                    .detail
                    .starts_with(&format!("record {}:", rejection.line)),
                "{}",
                rejection.detail
            );
        }
        for event in &batch.events {
            assert_eq!(event.tenant, TenantId(9));
            assert_eq!(event.dataset.as_deref(), Some("evtx"));
            round_trip(event);
        }
        records += batch.received();
        true
    });
    if let Err(error) = outcome {
        assert!(error.to_string().starts_with("fuzz.evtx: "), "{error}");
        assert_eq!(records, 0);
    }
}
