//! Transport decoding with caps.

use std::io::Read;

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The decoded body would exceed the cap.
    #[error("decoded body exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// The gzip stream is corrupt or truncated.
    #[error("invalid gzip body: {0}")]
    Gzip(std::io::Error),
}

/// Inflates a gzip body, failing as soon as the output passes `limit` bytes, so a small
/// compressed bomb cannot allocate more than `limit + 1` bytes.
#[allow(clippy::disallowed_methods)] // the one capped use of GzDecoder::new
pub fn gunzip_capped(body: &[u8], limit: u64) -> Result<Vec<u8>, DecodeError> {
    let decoder = flate2::read::GzDecoder::new(body);
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit as usize));
    decoder
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(DecodeError::Gzip)?;
    if out.len() as u64 > limit {
        return Err(DecodeError::TooLarge { limit });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::GzEncoder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn inflates_within_cap() {
        let body = gzip(b"{\"a\":1}\n");
        assert_eq!(gunzip_capped(&body, 100).unwrap(), b"{\"a\":1}\n");
    }

    #[test]
    fn bomb_is_refused() {
        let body = gzip(&vec![b'a'; 10 << 20]);
        assert!(body.len() < 100_000);
        match gunzip_capped(&body, 1 << 20) {
            Err(DecodeError::TooLarge { limit }) => assert_eq!(limit, 1 << 20),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn corrupt_gzip_is_an_error() {
        let mut body = gzip(b"hello world, hello world");
        body.truncate(body.len() / 2);
        assert!(matches!(
            gunzip_capped(&body, 1000),
            Err(DecodeError::Gzip(_))
        ));
    }
}
