//! The HTTP listener of `vigie serve`: plain TCP or TLS served by vigie itself (rustls),
//! with the bounds a public listener needs.
//!
//! - **TLS** from a certificate chain and a key in PEM files, reloaded when either file (or
//!   the client CA bundle) changes: a renewed certificate is used for new connections
//!   within [`TlsOptions::reload_every`], without a restart; a file that does not load
//!   keeps the previous configuration and is logged and counted. Client certificates can be
//!   asked for (verified against a CA bundle when presented) or required (only holders of a
//!   certificate signed by that CA reach the application at all). Over TLS every response
//!   carries `Strict-Transport-Security` (one year).
//! - **Slow clients**: the request head must arrive within `header_read_timeout` (the TLS
//!   handshake too), and the body may not pause longer than `body_read_timeout` between two
//!   frames; a connection that does not keep up is closed and counted.
//! - **Connections** are capped at `max_connections`; past it new ones are closed at once
//!   and counted, so a flood of idle sockets cannot exhaust file descriptors.
//! - **Stop**: on shutdown the listener closes, idle keep-alive connections are closed and
//!   requests in flight finish (for at most `drain_timeout`).
//!
//! - **Protocol**: HTTP/1.1 for the API and the web application; HTTP/2 only for the OTLP
//!   gRPC listener ([`Protocol::Http2`]: cleartext with prior knowledge, or TLS where ALPN
//!   says `h2`), with at most [`MAX_STREAMS`] requests at once per connection and hyper's
//!   bound on streams reset before they are answered (the "rapid reset" flood).
//!
//! Written on hyper's connection API rather than `axum::serve`, which has no TLS and no
//! read timeouts; the request handling is still the axum router.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, header};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;
use vigie_ingest::syslog::tls::{ClientAuth, TlsError, server_config};

/// How the listener serves.
#[derive(Clone, Debug)]
pub struct ListenOptions {
    /// TLS, or plain HTTP when `None`.
    pub tls: Option<TlsOptions>,
    /// Most time from a connection's start (or the end of its previous request) to a whole
    /// request head; also bounds the TLS handshake.
    pub header_read_timeout: Duration,
    /// Longest pause while reading a request body.
    pub body_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Most time requests in flight get to finish at shutdown.
    pub drain_timeout: Duration,
    /// HTTP/1.1 or HTTP/2.
    pub protocol: Protocol,
}

/// The HTTP version a listener speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// HTTP/1.1 (the API and the web application).
    #[default]
    Http1,
    /// HTTP/2 only (gRPC): prior knowledge in cleartext, ALPN `h2` over TLS.
    Http2,
}

/// Most requests (streams) one HTTP/2 connection may have open at once.
pub const MAX_STREAMS: u32 = 64;

impl Default for ListenOptions {
    fn default() -> Self {
        Self {
            tls: None,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 4096,
            drain_timeout: Duration::from_secs(30),
            protocol: Protocol::Http1,
        }
    }
}

/// The TLS files of the listener.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
    /// Client certificates: not asked, optional or required (with their CA bundle).
    pub client_auth: ClientAuth,
    /// How often the files are checked for changes.
    pub reload_every: Duration,
}

/// The TLS configuration in use, swapped when its files change.
#[derive(Clone)]
struct ReloadingTls {
    options: Arc<TlsOptions>,
    current: Arc<RwLock<Arc<rustls::ServerConfig>>>,
    protocol: Protocol,
}

impl ReloadingTls {
    fn load(options: TlsOptions, protocol: Protocol) -> Result<Self, TlsError> {
        let config = Self::config(&options, protocol)?;
        Ok(Self {
            options: Arc::new(options),
            current: Arc::new(RwLock::new(config)),
            protocol,
        })
    }

    /// The configuration the files give, announcing `h2` for an HTTP/2 listener (gRPC
    /// clients require it).
    fn config(
        options: &TlsOptions,
        protocol: Protocol,
    ) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let config = server_config(&options.cert, &options.key, &options.client_auth)?;
        Ok(match protocol {
            Protocol::Http1 => config,
            Protocol::Http2 => {
                let mut config = Arc::unwrap_or_clone(config);
                config.alpn_protocols = vec![b"h2".to_vec()];
                Arc::new(config)
            }
        })
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let config = self
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        tokio_rustls::TlsAcceptor::from(config)
    }

    /// Modification times of the files, to notice a change.
    fn stamps(&self) -> Vec<Option<SystemTime>> {
        let mut paths = vec![&self.options.cert, &self.options.key];
        if let ClientAuth::Optional { ca } | ClientAuth::Required { ca } = &self.options.client_auth
        {
            paths.push(ca);
        }
        paths
            .into_iter()
            .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .collect()
    }

    /// Checks the files every `reload_every` until `stop`; swaps in a new configuration
    /// when they changed and load, keeps the old one (logged, counted) when they do not.
    fn watch(self, mut stop: watch::Receiver<bool>) {
        tokio::spawn(async move {
            let mut seen = self.stamps();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(self.options.reload_every) => {}
                    _ = stopped(&mut stop) => return,
                }
                let now = self.stamps();
                if now == seen {
                    continue;
                }
                let options = Arc::clone(&self.options);
                let protocol = self.protocol;
                let loaded =
                    tokio::task::spawn_blocking(move || ReloadingTls::config(&options, protocol))
                        .await;
                match loaded {
                    Ok(Ok(config)) => {
                        *self.current.write().unwrap_or_else(|e| e.into_inner()) = config;
                        seen = now;
                        metrics::counter!("vigie_tls_reloads_total", "outcome" => "loaded")
                            .increment(1);
                        tracing::info!(cert = %self.options.cert.display(), "TLS certificate reloaded");
                    }
                    Ok(Err(error)) => {
                        // Keep trying: the files may be half written.
                        metrics::counter!("vigie_tls_reloads_total", "outcome" => "failed")
                            .increment(1);
                        tracing::error!(%error, "TLS files changed but do not load; the previous certificate stays in use");
                        seen = now;
                    }
                    Err(error) => tracing::error!(%error, "TLS reload task failed"),
                }
            }
        });
    }
}

/// Returns once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Adds `Strict-Transport-Security` to a response served over TLS.
async fn hsts(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    );
    response
}

/// Serves `app` on `listener` until `stop` turns true. The outcome of loading the TLS files
/// goes to `loaded` before the first connection is accepted; when they do not load (the
/// error names the file) nothing is served and the error is returned too.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ListenOptions,
    stop: watch::Receiver<bool>,
    loaded: tokio::sync::oneshot::Sender<Result<(), String>>,
) -> Result<(), TlsError> {
    let tls = match options
        .tls
        .clone()
        .map(|tls| ReloadingTls::load(tls, options.protocol))
        .transpose()
    {
        Ok(Some(tls)) => {
            tls.clone().watch(stop.clone());
            Some(tls)
        }
        Ok(None) => None,
        Err(error) => {
            let _ = loaded.send(Err(error.to_string()));
            return Err(error);
        }
    };
    let _ = loaded.send(Ok(()));
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        options.body_read_timeout,
    ));
    let app = if tls.is_some() {
        app.layer(axum::middleware::map_response(hsts))
    } else {
        app
    };
    run(listener, app, tls, options, stop).await;
    Ok(())
}

/// A socket that connections come from: TCP, or the local Unix socket of the data
/// directory ([`serve_local`]).
trait Listener: Send + 'static {
    type Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static;

    /// The next connection and the address its requests are attributed to.
    fn accept(
        &self,
    ) -> impl std::future::Future<Output = std::io::Result<(Self::Stream, SocketAddr)>> + Send;
}

impl Listener for TcpListener {
    type Stream = tokio::net::TcpStream;

    async fn accept(&self) -> std::io::Result<(Self::Stream, SocketAddr)> {
        let (stream, peer) = TcpListener::accept(self).await?;
        let _ = stream.set_nodelay(true);
        Ok((stream, peer))
    }
}

impl Listener for tokio::net::UnixListener {
    type Stream = tokio::net::UnixStream;

    /// A local client: attributed to the loopback address (the login throttle and the
    /// audit log see it as local).
    async fn accept(&self) -> std::io::Result<(Self::Stream, SocketAddr)> {
        let (stream, _) = tokio::net::UnixListener::accept(self).await?;
        Ok((stream, SocketAddr::from(([127, 0, 0, 1], 0))))
    }
}

/// Serves `app` over HTTP/1.1 on the Unix socket `listener` (no TLS: only the owner of the
/// data directory, whose mode is 0700, can reach it) until `stop` turns true; `vigie
/// import` sends files to the running server through it. Requests need a token as on
/// the TCP listener, and get the same timeouts and connection cap.
pub async fn serve_local(
    listener: tokio::net::UnixListener,
    app: Router,
    options: ListenOptions,
    stop: watch::Receiver<bool>,
) {
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        options.body_read_timeout,
    ));
    let options = ListenOptions {
        protocol: Protocol::Http1,
        ..options
    };
    run(listener, app, None, options, stop).await;
}

async fn run<L: Listener>(
    listener: L,
    app: Router,
    tls: Option<ReloadingTls>,
    options: ListenOptions,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or similar: back off instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    metrics::counter!("vigie_http_accept_errors_total").increment(1);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => break,
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            metrics::counter!("vigie_http_connections_refused_total", "reason" => "max_connections")
                .increment(1);
            drop(stream);
            continue;
        };
        let app = app.clone();
        let service =
            TowerToHyperService::new(tower::service_fn(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request)
            }));
        let watcher = graceful.watcher();
        let acceptor = tls.as_ref().map(ReloadingTls::acceptor);
        let handshake_timeout = options.header_read_timeout;
        let (protocol, header_read_timeout) = (options.protocol, options.header_read_timeout);
        tokio::spawn(async move {
            let _slot = slot;
            let result = match acceptor {
                None => {
                    serve_connection(
                        TokioIo::new(stream),
                        service,
                        protocol,
                        header_read_timeout,
                        watcher,
                    )
                    .await
                }
                Some(acceptor) => {
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            serve_connection(
                                TokioIo::new(stream),
                                service,
                                protocol,
                                header_read_timeout,
                                watcher,
                            )
                            .await
                        }
                        Ok(Err(error)) => {
                            tracing::debug!(%peer, %error, "TLS handshake failed");
                            metrics::counter!("vigie_http_connections_refused_total", "reason" => "tls_handshake")
                                .increment(1);
                            return;
                        }
                        Err(_) => {
                            metrics::counter!("vigie_http_connections_refused_total", "reason" => "handshake_timeout")
                                .increment(1);
                            return;
                        }
                    }
                }
            };
            if let Err(error) = result {
                if error.is_timeout() {
                    metrics::counter!("vigie_http_connections_timed_out_total").increment(1);
                }
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(options.drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still in flight after {:?}; stopping anyway",
            options.drain_timeout
        );
    }
}

/// Serves one connection in `protocol` until it ends or the server stops.
async fn serve_connection<I, S>(
    io: I,
    service: S,
    protocol: Protocol,
    header_read_timeout: Duration,
    watcher: hyper_util::server::graceful::Watcher,
) -> Result<(), hyper::Error>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming> + Send + 'static,
    S::Future: Send + 'static,
    S::ResBody: Send + 'static,
    <S::ResBody as hyper::body::Body>::Data: Send,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match protocol {
        Protocol::Http1 => {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            watcher.watch(builder.serve_connection(io, service)).await
        }
        Protocol::Http2 => {
            let mut builder = http2::Builder::new(TokioExecutor::new());
            builder
                .timer(TokioTimer::new())
                .max_concurrent_streams(MAX_STREAMS)
                // Idle clients are asked for a sign of life, and dropped without one.
                .keep_alive_interval(Some(Duration::from_secs(30)))
                .keep_alive_timeout(header_read_timeout);
            watcher.watch(builder.serve_connection(io, service)).await
        }
    }
}

/// The listener's URL: `https://` or `http://` and its address.
pub fn url(tls: bool, addr: SocketAddr) -> String {
    format!("{}://{addr}", if tls { "https" } else { "http" })
}
