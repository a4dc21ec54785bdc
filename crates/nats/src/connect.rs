//! Connecting to the NATS servers with the configured credentials.

use std::path::Path;

use async_nats::{Client, ConnectOptions};

use crate::{NatsConfig, NatsError};

/// Connects to the servers of `config` as client `name` (shown in the servers' monitoring).
/// Fails within `connect_timeout_seconds` when none answers, naming the addresses. Once
/// connected, the client reconnects on its own to any of the servers.
pub async fn connect(config: &NatsConfig, name: &str) -> Result<Client, NatsError> {
    config.validate()?;
    let mut options = ConnectOptions::new()
        .name(name)
        .connection_timeout(config.connect_timeout())
        // A publish waits at most this long for its acknowledgement (JetStream context).
        .request_timeout(Some(config.publish_timeout()));
    let password = secret(
        "VIGIE_NATS_PASSWORD",
        config.password_file.as_deref(),
        "password",
    )?;
    let token = secret("VIGIE_NATS_TOKEN", config.token_file.as_deref(), "token")?;
    if let (Some(user), Some(password)) = (&config.user, password) {
        options = options.user_and_password(user.clone(), password);
    }
    if let Some(token) = token {
        options = options.token(token);
    }
    if let Some(path) = &config.credentials_file {
        options = options
            .credentials_file(path)
            .await
            .map_err(|e| NatsError::Credentials {
                what: "credentials",
                path: path.clone(),
                reason: e.to_string(),
            })?;
    }
    if let Some(ca) = &config.tls_ca {
        options = options.add_root_certificates(ca.clone()).require_tls(true);
    }
    let urls: Vec<async_nats::ServerAddr> =
        config.urls.iter().filter_map(|u| u.parse().ok()).collect();
    let connecting = options.connect(urls.as_slice());
    match tokio::time::timeout(config.connect_timeout() * 2, connecting).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(NatsError::Unavailable {
            address: config.addresses(),
            op: "connecting".to_owned(),
            reason: e.to_string(),
        }),
        Err(_) => Err(NatsError::Unavailable {
            address: config.addresses(),
            op: "connecting".to_owned(),
            reason: format!("no answer within {:?}", config.connect_timeout() * 2),
        }),
    }
}

/// A secret from the environment variable, else from the first line of the file.
fn secret(env: &str, file: Option<&Path>, what: &'static str) -> Result<Option<String>, NatsError> {
    if let Ok(value) = std::env::var(env)
        && !value.is_empty()
    {
        return Ok(Some(value));
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|e| NatsError::Credentials {
        what,
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let line = text.lines().next().unwrap_or("").trim().to_owned();
    if line.is_empty() {
        return Err(NatsError::Credentials {
            what,
            path: path.to_path_buf(),
            reason: "the file is empty".to_owned(),
        });
    }
    Ok(Some(line))
}
