//! `POST /api/v1/import`: one uploaded file (`.evtx`, JSONL or gzip JSONL, a text log),
//! imported like `vigie import` does: same reader, same parsers, same intake, same counters
//! (source `import`).
//!
//! The kind is `?format=evtx|jsonl|text`, else told by the file's first bytes (`ElfFile` for
//! EVTX, `{` or gzip for JSONL, anything else is text); `?source_type=` declares the source
//! type of its events. The reply, sent once every accepted event is durable, is the import
//! summary: records read, accepted, rejected by reason, and the first rejections by line or
//! record number. While the pipeline lags the import waits rather than refusing half a file.
//!
//! The upload is not held in memory: it streams to a file in the upload directory (the data
//! directory's `uploads/` under `vigie serve`), so its size is bounded by `[ingest]
//! max_import_bytes` (413 past it) and the disk reserve (507), not by `max_body_bytes`; it
//! holds [`UPLOAD_BUFFER`] of the in-flight budget while it is written. `vigie import`
//! sends its files here when the server runs.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use jiff::Timestamp;
use vigie_access::TokenKind;
use vigie_ingest::file::{self, FileKind, ImportSummary, ReadOptions};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// What an upload holds of the in-flight budget while it streams to disk.
pub const UPLOAD_BUFFER: u64 = 1 << 20;

/// How many bytes are written between two looks at the disk reserve.
const DISK_CHECK_EVERY: u64 = 16 << 20;

/// The query of `POST /api/v1/import`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    /// The source type of the file's events (JSONL and text).
    source_type: Option<String>,
    /// `evtx`, `jsonl` or `text`; unset: told by the first bytes.
    format: Option<String>,
}

/// Handler of `POST /api/v1/import`.
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<ImportSummary>), ApiError> {
    auth.require(&[TokenKind::Ingest])?;
    let query: ImportQuery = super::ingest::query_of(&uri)?;
    let source_type = super::ingest::declared_source_type(query.source_type.as_deref(), &auth.0)?;
    let format = match query.format.as_deref() {
        None => None,
        Some("evtx") => Some(FileKind::Evtx),
        Some("jsonl") => Some(FileKind::Jsonl),
        Some("text") => Some(FileKind::Text),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "query parameter format: {:?} is not evtx, jsonl or text",
                other.chars().take(40).collect::<String>()
            )));
        }
    };
    let tenant = auth.0.ingest_tenant().ok_or_else(|| {
        ApiError::Forbidden(
            "a platform token carries no tenant; import with a token created with --tenant"
                .to_owned(),
        )
    })?;
    let label = state
        .slug(&auth.0.scope, tenant)
        .await
        .unwrap_or_else(|| format!("id-{tenant}"));
    let (upload, head) = receive(&state, &label, &headers, body).await?;
    // The format given, else what the first bytes say: EVTX, JSON (or gzip: JSONL), text.
    let kind = format.unwrap_or_else(|| {
        if head.starts_with(b"ElfFile\0") {
            FileKind::Evtx
        } else if head.starts_with(&[0x1f, 0x8b]) || head.trim_ascii_start().starts_with(b"{") {
            FileKind::Jsonl
        } else {
            FileKind::Text
        }
    });
    let config = state.config();
    let options = ReadOptions {
        tenant,
        received_at: Timestamp::now(),
        max_line_bytes: config.max_line_bytes,
        chunk_events: 1000,
        max_decoded_bytes: Some(config.max_decoded_bytes),
        source_type,
    };
    let mut summary = ImportSummary::default();
    file::import(
        state.intake(),
        &label,
        upload.path(),
        kind,
        options,
        &mut summary,
        |_, _| {},
    )
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    // The temporary name means nothing to the sender.
    let temp = upload.path().display().to_string();
    for text in summary
        .examples
        .iter_mut()
        .chain(summary.file_errors.iter_mut())
    {
        *text = text.replace(&temp, "upload");
    }
    let status = if summary.accepted == 0 && (summary.read > 0 || !summary.file_errors.is_empty()) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Json(summary)))
}

/// Writes the body to a new file of the upload directory (removed when the returned handle
/// drops), checking the size limit and the disk reserve as it goes; gives the file and its
/// first bytes (up to 4 KiB, to tell its kind).
async fn receive(
    state: &AppState,
    label: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(tempfile::NamedTempFile, Vec<u8>), ApiError> {
    use http_body_util::BodyExt as _;
    use tokio::io::AsyncWriteExt as _;

    let uploads = state.uploads().clone();
    let max = uploads.max_bytes;
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the file is larger than [ingest] max_import_bytes ({max} bytes)"
        ))
    };
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let disk_low = |error: vigie_ingest::IntakeError| match error {
        vigie_ingest::IntakeError::DiskLow { retry_after, .. } => ApiError::InsufficientStorage {
            message: format!("the upload is not kept: {error}"),
            retry_after,
        },
        other => ApiError::Internal(other.to_string()),
    };
    state
        .intake()
        .check_disk_room(declared.unwrap_or(0))
        .map_err(disk_low)?;
    let Some(_permit) = state
        .intake()
        .reserve(label, UPLOAD_BUFFER, super::ingest::INFLIGHT_WAIT)
        .await
    else {
        return Err(super::ingest::BodyError::Busy.into());
    };
    let dir = uploads.dir.clone();
    let upload =
        tokio::task::spawn_blocking(move || -> std::io::Result<tempfile::NamedTempFile> {
            std::fs::create_dir_all(&dir)?;
            tempfile::NamedTempFile::new_in(&dir)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("cannot keep the upload: {e}")))?;
    let mut file = tokio::fs::File::from_std(
        upload
            .reopen()
            .map_err(|e| ApiError::Internal(format!("cannot keep the upload: {e}")))?,
    );
    let mut head = Vec::new();
    let mut written = 0u64;
    let mut checked = 0u64;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::BadRequest(format!(
                "the upload could not be read after {written} bytes: {e}"
            ))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        written += data.len() as u64;
        if written > max {
            return Err(too_large());
        }
        if head.len() < 4096 {
            let take = (4096 - head.len()).min(data.len());
            head.extend_from_slice(&data[..take]);
        }
        if written - checked >= DISK_CHECK_EVERY {
            checked = written;
            state
                .intake()
                .check_disk_room(DISK_CHECK_EVERY)
                .map_err(disk_low)?;
        }
        file.write_all(&data)
            .await
            .map_err(|e| ApiError::Internal(format!("cannot keep the upload: {e}")))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::Internal(format!("cannot keep the upload: {e}")))?;
    if written == 0 {
        return Err(ApiError::BadRequest("the uploaded file is empty".into()));
    }
    Ok((upload, head))
}
