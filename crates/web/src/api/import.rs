//! `POST /api/v1/import`: one uploaded file (`.evtx`, JSONL or gzip JSONL, a text log),
//! imported like `vigie import` does: same reader, same parsers, same intake, same counters
//! (source `import`).
//!
//! The kind is `?format=evtx|jsonl|text`, else told by the file's first bytes (`ElfFile` for
//! EVTX, `{` or gzip for JSONL, anything else is text); `?source_type=` declares the source
//! type of its events. The reply, sent once every accepted event is durable, is the import
//! summary: records read, accepted, rejected by reason, and the first rejections by line or
//! record number. While the pipeline lags the import waits rather than refusing half a file.

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
    let (body, _permit) = super::ingest::read_body(&state, &label, &headers, body).await?;
    if body.is_empty() {
        return Err(ApiError::BadRequest("the uploaded file is empty".into()));
    }
    // The format given, else what the first bytes say: EVTX, JSON (or gzip: JSONL), text.
    let kind = format.unwrap_or_else(|| {
        if body.starts_with(b"ElfFile\0") {
            FileKind::Evtx
        } else if body.starts_with(&[0x1f, 0x8b]) || body.trim_ascii_start().starts_with(b"{") {
            FileKind::Jsonl
        } else {
            FileKind::Text
        }
    });
    // The readers work on files (EVTX needs to seek): keep the upload in a temporary file
    // that is removed when this request ends.
    let upload =
        tokio::task::spawn_blocking(move || -> std::io::Result<tempfile::NamedTempFile> {
            let mut upload = tempfile::NamedTempFile::new()?;
            std::io::Write::write_all(&mut upload, &body)?;
            Ok(upload)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("cannot keep the upload: {e}")))?;
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
