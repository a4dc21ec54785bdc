//! Syslog listeners: UDP, TCP and TLS sockets feeding [`Intake`].
//!
//! Tenant of a connection (or datagram): the client certificate's fingerprint when the
//! listener maps it, else the most specific configured source network holding the peer
//! address, else the listener's own tenant. Never anything inside a message. A connection
//! or datagram with no tenant is refused and counted
//! (`vigie_syslog_unattributed_total{listener}`).
//!
//! Stream listeners read, frame and parse on one task and submit on another, with one
//! batch in flight between them: while the log is behind (backlog over the limit) or an
//! fsync is pending, the reader stops reading and the kernel's receive window closes on the
//! sender. Datagrams cannot be slowed down: refused batches are counted as rejected with
//! reason `backpressure`, and datagrams the kernel dropped because the socket's receive
//! buffer was full are read from the `drops` column of `/proc/net/udp` (Linux) once a
//! second and published as `vigie_syslog_udp_kernel_drops_total{listener}`.
//!
//! Stream listeners join the records of one Linux audit event, per connection
//! ([`vigie_parse::auditd_join`]; a group is held at most 250 ms, and released when the
//! connection ends). Datagrams are not joined: records of several senders interleave there.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use vigie_log::LogError;

use ipnet::IpNet;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use vigie_event::{EventId, TenantId};
use vigie_parse::auditd_join::Join;

use super::framing::Framer;
use super::{ParseContext, Source, write_fields};
use crate::record::{Encoded, EncodedBatch};
use crate::{Intake, IntakeError};

/// The transport of a listener.
#[derive(Clone)]
pub enum Protocol {
    /// One message per datagram.
    Udp,
    /// RFC 6587 framing.
    Tcp,
    /// RFC 5425: TCP framing inside TLS.
    Tls(Arc<rustls::ServerConfig>),
}

impl Protocol {
    fn name(&self) -> &'static str {
        match self {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
            Protocol::Tls(_) => "tls",
        }
    }
}

/// A tenant as the listener knows it: its id for the events, its slug for the counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantRef {
    /// Owner of the events.
    pub id: TenantId,
    /// Label of the counters (the slug).
    pub label: String,
    /// The source type of what comes from this network or certificate; `None`: the
    /// listener's.
    pub source_type: Option<vigie_parse::SourceType>,
}

/// Where a listener's tenants come from.
#[derive(Clone, Debug, Default)]
pub struct TenantMap {
    /// The tenant of anything not matched below.
    pub default: Option<TenantRef>,
    /// Source networks; the most specific one holding the peer address wins.
    pub networks: Vec<(IpNet, TenantRef)>,
    /// Client certificates by SHA-256 fingerprint (lowercase hex), TLS only.
    pub certificates: HashMap<String, TenantRef>,
}

impl TenantMap {
    /// The tenant of a peer, by certificate, then network, then default.
    pub fn resolve(&self, peer: IpAddr, certificate: Option<&str>) -> Option<&TenantRef> {
        if let Some(tenant) = certificate.and_then(|fp| self.certificates.get(fp)) {
            return Some(tenant);
        }
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        self.networks
            .iter()
            .filter(|(net, _)| net.contains(&peer))
            .max_by_key(|(net, _)| net.prefix_len())
            .map(|(_, tenant)| tenant)
            .or(self.default.as_ref())
    }
}

/// One listener.
#[derive(Clone)]
pub struct ListenerConfig {
    /// Its name in logs and counters.
    pub name: String,
    /// UDP, TCP or TLS.
    pub protocol: Protocol,
    /// Address to bind.
    pub addr: SocketAddr,
    /// Where tenants come from.
    pub tenants: TenantMap,
    /// Longer messages are cut and flagged `truncated`.
    pub max_message_bytes: usize,
    /// Zone of RFC 3164 timestamps.
    pub timezone: TimeZone,
    /// Most simultaneous connections (stream listeners); more wait in the accept queue.
    pub max_connections: usize,
    /// `SO_RCVBUF` of a UDP socket (the kernel doubles it and applies its own bounds);
    /// `None` keeps the system default.
    pub receive_buffer_bytes: Option<usize>,
    /// The source type of what this listener receives (`linux.syslog`, `cisco.asa`);
    /// `None`: each message's content says, if it does.
    pub source_type: Option<vigie_parse::SourceType>,
}

/// A bound listener.
pub struct RunningListener {
    /// The bound address (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// Ends after shutdown, once the connections have submitted what they read.
    pub task: JoinHandle<()>,
}

/// Binds a listener and serves it until `shutdown` turns true.
pub async fn start(
    config: ListenerConfig,
    intake: Intake,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<RunningListener> {
    let shared = Arc::new(Shared { config, intake });
    match shared.config.protocol {
        Protocol::Udp => {
            let socket = bind_udp(shared.config.addr, shared.config.receive_buffer_bytes)?;
            let addr = socket.local_addr()?;
            let drops = UdpDrops::of(&socket);
            tokio::spawn(publish_udp_drops(
                drops,
                shared.config.name.clone(),
                shutdown.clone(),
            ));
            let task = tokio::spawn(serve_udp(socket, shared, shutdown));
            Ok(RunningListener { addr, task })
        }
        Protocol::Tcp | Protocol::Tls(_) => {
            let listener = TcpListener::bind(shared.config.addr).await?;
            let addr = listener.local_addr()?;
            let task = tokio::spawn(serve_tcp(listener, shared, shutdown));
            Ok(RunningListener { addr, task })
        }
    }
}

struct Shared {
    config: ListenerConfig,
    intake: Intake,
}

impl Shared {
    fn unattributed(&self, peer: SocketAddr) {
        metrics::counter!("vigie_syslog_unattributed_total", "listener" => self.config.name.clone())
            .increment(1);
        tracing::warn!(listener = %self.config.name, %peer, "syslog peer refused: no tenant for its address or certificate");
    }

    /// One message as a log record: its fields written straight from the text
    /// ([`write_fields`]), `address` being the peer's.
    fn event(
        &self,
        tenant: &TenantRef,
        address: &str,
        raw: &[u8],
        truncated: bool,
        now: Timestamp,
        scratch: &mut Vec<u8>,
    ) -> Encoded {
        let head = self.write(tenant, address, raw, truncated, now, scratch);
        let record = crate::record::parsed_record(head, self.declared(tenant), scratch);
        Encoded {
            id: head.id,
            record: record.into(),
        }
    }

    /// One message of a stream: as [`Shared::event`] makes it, except that an audit record
    /// (`linux.auditd`, read by its parser) is kept as fields, to be joined with the other
    /// records of its event ([`vigie_parse::auditd_join`]) before it is encoded.
    fn pending(
        &self,
        tenant: &TenantRef,
        address: &str,
        raw: &[u8],
        truncated: bool,
        now: Timestamp,
        scratch: &mut Vec<u8>,
    ) -> Pending {
        let head = self.write(tenant, address, raw, truncated, now, scratch);
        let declared = self.declared(tenant);
        let maybe_audit = match declared {
            Some(declared) => declared.as_str() == AUDITD,
            None => memchr::memmem::find(scratch, b"audit(").is_some(),
        };
        let parsed = maybe_audit
            .then(|| serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(scratch))
            .and_then(Result::ok);
        let Some(mut fields) = parsed else {
            let record = crate::record::parsed_record(head, declared, scratch);
            return Pending::Encoded(Encoded {
                id: head.id,
                record: record.into(),
            });
        };
        // What `parsed_record` does, keeping the fields of an audit record.
        let outcome = vigie_parse::normalize(declared, &mut fields);
        let Some(source_type) = outcome.source_type else {
            return Pending::Encoded(Encoded {
                id: head.id,
                record: crate::record::record(&head, scratch).into(),
            });
        };
        let head = crate::record::Head {
            timestamp: head.timestamp.or(outcome.timestamp),
            ..head
        };
        let record = AuditRecord {
            head,
            source_type,
            fields,
        };
        if outcome.parsed && record.source_type.as_str() == AUDITD {
            Pending::Audit(Box::new(record))
        } else {
            Pending::Encoded(record.encode())
        }
    }

    /// Writes the fields of one message to `scratch` and returns its head (no source type
    /// yet).
    fn write(
        &self,
        tenant: &TenantRef,
        address: &str,
        raw: &[u8],
        truncated: bool,
        now: Timestamp,
        scratch: &mut Vec<u8>,
    ) -> crate::record::Head<'static> {
        let context = ParseContext {
            timezone: self.config.timezone.clone(),
            now,
        };
        scratch.clear();
        let source = Source {
            address,
            transport: self.config.protocol.name(),
        };
        let written = write_fields(raw, truncated, &context, Some(source), scratch);
        for flag in &written.flags {
            metrics::counter!(
                "vigie_syslog_flagged_total",
                "tenant" => tenant.label.clone(),
                "listener" => self.config.name.clone(),
                "reason" => flag.name()
            )
            .increment(1);
        }
        crate::record::Head {
            id: EventId::generate(now),
            tenant: tenant.id,
            received_at: now,
            timestamp: written.timestamp,
            source: "syslog",
            dataset: None,
            source_type: None,
        }
    }

    /// The source type declared for a tenant's messages on this listener.
    fn declared<'a>(&'a self, tenant: &'a TenantRef) -> Option<&'a vigie_parse::SourceType> {
        tenant
            .source_type
            .as_ref()
            .or(self.config.source_type.as_ref())
    }
}

/// The source type whose records a stream joins.
const AUDITD: &str = "linux.auditd";

/// How long a stream holds the records of one audit event for the rest of them: they come
/// in one burst from auditd, so the next read or this much later releases them.
const AUDIT_HOLD: Duration = Duration::from_millis(250);

/// A message of a stream on its way to the log.
enum Pending {
    /// Written in its log-record form.
    Encoded(Encoded),
    /// An audit record, open to the context of its siblings.
    Audit(Box<AuditRecord>),
}

/// An audit record read by its parser, not yet encoded.
struct AuditRecord {
    head: crate::record::Head<'static>,
    source_type: vigie_parse::SourceType,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl AuditRecord {
    fn encode(&self) -> Encoded {
        let head = crate::record::Head {
            source_type: Some(self.source_type.as_str()),
            ..self.head
        };
        // A map of JSON values serialises.
        let fields = serde_json::to_vec(&self.fields).unwrap_or_default();
        Encoded {
            id: head.id,
            record: crate::record::record(&head, &fields).into(),
        }
    }
}

impl Pending {
    fn encode(self) -> Encoded {
        match self {
            Pending::Encoded(encoded) => encoded,
            Pending::Audit(record) => record.encode(),
        }
    }
}

impl vigie_parse::auditd_join::Fields for Pending {
    fn fields(&self) -> Option<&serde_json::Map<String, serde_json::Value>> {
        match self {
            Pending::Encoded(_) => None,
            Pending::Audit(record) => Some(&record.fields),
        }
    }

    fn fields_mut(&mut self) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
        match self {
            Pending::Encoded(_) => None,
            Pending::Audit(record) => Some(&mut record.fields),
        }
    }
}

async fn serve_tcp(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(shared.config.max_connections.max(1)));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(listener = %shared.config.name, %error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let _permit = permit;
            match &shared.config.protocol {
                Protocol::Tls(tls) => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::clone(tls));
                    let stream = match acceptor.accept(stream).await {
                        Ok(stream) => stream,
                        Err(error) => {
                            metrics::counter!("vigie_syslog_tls_handshake_failures_total", "listener" => shared.config.name.clone()).increment(1);
                            tracing::warn!(listener = %shared.config.name, %peer, %error, "TLS handshake failed");
                            return;
                        }
                    };
                    let fingerprint = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|certs| certs.first())
                        .map(super::tls::fingerprint);
                    let tenant = shared.config.tenants.resolve(peer.ip(), fingerprint.as_deref()).cloned();
                    match tenant {
                        Some(tenant) => serve_stream(stream, tenant, peer, shared, shutdown, AUDIT_HOLD).await,
                        None => shared.unattributed(peer),
                    }
                }
                _ => match shared.config.tenants.resolve(peer.ip(), None).cloned() {
                    Some(tenant) => serve_stream(stream, tenant, peer, shared, shutdown, AUDIT_HOLD).await,
                    None => shared.unattributed(peer),
                },
            }
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Reads, frames and parses one stream; submits on a second task with one batch in flight.
/// The records of one audit event are joined ([`vigie_parse::auditd_join`]): a group is
/// held until its next record, `hold` after it began, or the end of the stream (closed,
/// failed or shut down), whichever comes first.
async fn serve_stream<S: AsyncRead + Unpin>(
    mut stream: S,
    tenant: TenantRef,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    hold: Duration,
) {
    let (tx, mut rx) = mpsc::channel::<Vec<Encoded>>(1);
    let submitter = {
        let shared = Arc::clone(&shared);
        let tenant = tenant.clone();
        tokio::spawn(async move {
            while let Some(events) = rx.recv().await {
                if !submit_waiting(&shared, &tenant, events).await {
                    break;
                }
            }
        })
    };
    let mut framer = Framer::new(shared.config.max_message_bytes);
    let mut buf = vec![0u8; 64 * 1024];
    let address = peer.to_string();
    let mut scratch = Vec::new();
    let mut join = Join::new();
    let mut released: Vec<Pending> = Vec::new();
    // The group held and when it began.
    let mut held_since = (0u64, tokio::time::Instant::now());
    loop {
        let deadline = (!join.is_empty()).then(|| held_since.1 + hold);
        let read = tokio::select! {
            read = stream.read(&mut buf) => Some(read),
            _ = shutdown.wait_for(|stop| *stop) => Some(Ok(0)),
            () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)),
                if deadline.is_some() => None,
        };
        let Some(read) = read else {
            // Held long enough: the rest of the event is not coming.
            join.flush(&mut released);
            let events: Vec<Encoded> = released.drain(..).map(Pending::encode).collect();
            if tx.send(events).await.is_err() {
                break;
            }
            continue;
        };
        let n = match read {
            Ok(n) => n,
            Err(error) => {
                tracing::debug!(listener = %shared.config.name, %peer, %error, "syslog stream read failed");
                0
            }
        };
        let now = Timestamp::now();
        if n == 0 {
            while let Some(frame) = framer.next_frame() {
                let event = shared.pending(
                    &tenant,
                    &address,
                    &frame.bytes,
                    frame.truncated,
                    now,
                    &mut scratch,
                );
                join.push(event, &mut released);
            }
            if let Some(frame) = framer.finish() {
                let event = shared.pending(
                    &tenant,
                    &address,
                    &frame.bytes,
                    frame.truncated,
                    now,
                    &mut scratch,
                );
                join.push(event, &mut released);
            }
            join.flush(&mut released);
            if !released.is_empty() {
                let events = released.drain(..).map(Pending::encode).collect();
                let _ = tx.send(events).await;
            }
            break;
        }
        framer.push(&buf[..n]);
        while let Some(frame) = framer.next_frame() {
            let event = shared.pending(
                &tenant,
                &address,
                &frame.bytes,
                frame.truncated,
                now,
                &mut scratch,
            );
            join.push(event, &mut released);
        }
        if !join.is_empty() && join.groups() != held_since.0 {
            held_since = (join.groups(), tokio::time::Instant::now());
        }
        if !released.is_empty() {
            let events = released.drain(..).map(Pending::encode).collect();
            if tx.send(events).await.is_err() {
                break;
            }
        }
    }
    drop(tx);
    let _ = submitter.await;
}

/// Submits a stream's batch, waiting (not reading) while the log is behind. Returns false
/// when the log failed and the connection should end.
async fn submit_waiting(shared: &Shared, tenant: &TenantRef, events: Vec<Encoded>) -> bool {
    let intake = &shared.intake;
    loop {
        while intake.over_backlog_for(&tenant.label) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        match intake
            .submit_encoded_parts(&tenant.label, "syslog", &events, &[])
            .await
        {
            Ok(_) => return true,
            // Stop reading (TCP backpressure) until the pipeline catches up or space is
            // freed; the events are sent again then.
            Err(IntakeError::Backpressure { .. } | IntakeError::DiskLow { .. }) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // The log's engine cannot be reached (cluster mode): stop reading and try the
            // same events again; the sender's TCP window fills meanwhile.
            Err(IntakeError::Log(error @ LogError::Unavailable { .. })) => {
                metrics::counter!("vigie_syslog_log_unavailable_total").increment(1);
                tracing::warn!(listener = %shared.config.name, %error, "syslog paused: the event log is unreachable");
                tokio::time::sleep(intake.retry_after().min(Duration::from_secs(1))).await;
            }
            Err(IntakeError::Log(error)) => {
                tracing::error!(listener = %shared.config.name, %error, "syslog batch not durable; closing the connection");
                return false;
            }
        }
    }
}

/// A UDP socket bound to `addr`, with `SO_RCVBUF` set when asked.
fn bind_udp(addr: SocketAddr, receive_buffer: Option<usize>) -> std::io::Result<UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    if let Some(bytes) = receive_buffer {
        socket.set_recv_buffer_size(bytes)?;
    }
    socket.bind(&addr.into())?;
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket.into())
}

/// Where the kernel counts the datagrams it dropped for one UDP socket: the socket's inode
/// in `/proc/net/udp` and `/proc/net/udp6` (Linux).
#[derive(Clone, Debug)]
pub struct UdpDrops {
    inode: Option<u64>,
}

impl UdpDrops {
    /// The counter of `socket` (none where `/proc` does not tell the socket's inode).
    pub fn of(socket: &impl std::os::fd::AsRawFd) -> Self {
        let link = std::fs::read_link(format!("/proc/self/fd/{}", socket.as_raw_fd()));
        let inode = link.ok().and_then(|target| {
            target
                .to_str()?
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        });
        Self { inode }
    }

    /// Datagrams the kernel dropped for this socket since it was opened (receive buffer
    /// full, or checksum errors), or `None` where the kernel does not say.
    pub fn read(&self) -> Option<u64> {
        let inode = self.inode?;
        ["/proc/net/udp", "/proc/net/udp6"].iter().find_map(|path| {
            let table = std::fs::read_to_string(path).ok()?;
            drops_in(&table, inode)
        })
    }
}

/// The `drops` column of the row of `inode` in a `/proc/net/udp` table.
fn drops_in(table: &str, inode: u64) -> Option<u64> {
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    table.lines().skip(1).find_map(|line| {
        let columns: Vec<&str> = line.split_whitespace().collect();
        (columns.get(9)?.parse::<u64>().ok()? == inode)
            .then(|| columns.get(12)?.parse().ok())
            .flatten()
    })
}

/// Publishes the kernel's drop count of a UDP listener once a second until shutdown.
async fn publish_udp_drops(drops: UdpDrops, listener: String, mut shutdown: watch::Receiver<bool>) {
    if drops.inode.is_none() {
        tracing::info!(
            listener,
            "UDP kernel drops cannot be read on this system; not counted"
        );
        return;
    }
    let counter = metrics::counter!("vigie_syslog_udp_kernel_drops_total", "listener" => listener);
    loop {
        if let Some(count) = drops.read() {
            counter.absolute(count);
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

async fn serve_udp(socket: UdpSocket, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let first = tokio::select! {
            received = socket.recv_from(&mut buf) => received,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        let now = Timestamp::now();
        let mut by_tenant: HashMap<TenantId, (TenantRef, Vec<Encoded>)> = HashMap::new();
        let mut scratch = Vec::new();
        let mut take = |n: usize, peer: SocketAddr, buf: &[u8]| {
            let Some(tenant) = shared.config.tenants.resolve(peer.ip(), None) else {
                shared.unattributed(peer);
                return;
            };
            let max = shared.config.max_message_bytes;
            let (bytes, truncated) = if n > max {
                (&buf[..max], true)
            } else {
                (&buf[..n], false)
            };
            let event = shared.event(
                tenant,
                &peer.to_string(),
                bytes,
                truncated,
                now,
                &mut scratch,
            );
            by_tenant
                .entry(tenant.id)
                .or_insert_with(|| (tenant.clone(), Vec::new()))
                .1
                .push(event);
        };
        match first {
            Ok((n, peer)) => take(n, peer, &buf),
            Err(error) => {
                tracing::debug!(listener = %shared.config.name, %error, "udp receive failed");
                continue;
            }
        }
        // Whatever else is already queued, up to one batch.
        for _ in 0..2000 {
            match socket.try_recv_from(&mut buf) {
                Ok((n, peer)) => take(n, peer, &buf),
                Err(_) => break,
            }
        }
        for (_, (tenant, events)) in by_tenant {
            let batch = EncodedBatch {
                events,
                rejected: Vec::new(),
            };
            // Refusals are counted by the intake (reason backpressure / log_error).
            let _ = shared
                .intake
                .submit_encoded(&tenant.label, "syslog", batch)
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_column_of_the_socket_row() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
             1090: 0100007F:A5E1 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17\n\
             1091: 0100007F:A5E2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4343 2 0000000000000000 0\n";
        assert_eq!(drops_in(table, 4242), Some(17));
        assert_eq!(drops_in(table, 4343), Some(0));
        assert_eq!(drops_in(table, 1), None);
    }

    /// A real socket with a small receive buffer that nobody reads: every datagram sent to
    /// it is either still queued or counted by the kernel as dropped, and the count read
    /// from `/proc` says exactly how many.
    #[test]
    fn kernel_drops_of_a_flooded_socket_add_up() {
        let socket = bind_udp_std("127.0.0.1:0".parse().unwrap(), Some(4096));
        let drops = UdpDrops::of(&socket);
        let Some(before) = drops.read() else {
            println!("SKIPPED kernel_drops_of_a_flooded_socket_add_up: no /proc/net/udp here");
            return;
        };
        assert_eq!(before, 0);
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let sent = 500u64;
        for i in 0..sent {
            sender
                .send_to(
                    format!("<13>datagram {i:04} {}", "x".repeat(200)).as_bytes(),
                    socket.local_addr().unwrap(),
                )
                .unwrap();
        }
        socket.set_nonblocking(true).unwrap();
        let mut queued = 0u64;
        let mut buf = [0u8; 2048];
        while socket.recv_from(&mut buf).is_ok() {
            queued += 1;
        }
        let dropped = drops.read().unwrap();
        assert!(dropped > 0, "a 4 KiB buffer held all {sent} datagrams");
        assert_eq!(queued + dropped, sent);
    }

    fn bind_udp_std(addr: SocketAddr, receive_buffer: Option<usize>) -> std::net::UdpSocket {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(addr),
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )
        .unwrap();
        if let Some(bytes) = receive_buffer {
            socket.set_recv_buffer_size(bytes).unwrap();
        }
        socket.bind(&addr.into()).unwrap();
        socket.into()
    }

    fn t(id: i64) -> TenantRef {
        TenantRef {
            source_type: None,
            id: TenantId(id),
            label: format!("t{id}"),
        }
    }

    #[test]
    fn tenant_by_certificate_then_most_specific_network_then_default() {
        let map = TenantMap {
            default: Some(t(1)),
            networks: vec![
                ("10.0.0.0/8".parse().unwrap(), t(2)),
                ("10.1.0.0/16".parse().unwrap(), t(3)),
            ],
            certificates: HashMap::from([("ab".to_owned(), t(4))]),
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(map.resolve(ip("10.1.2.3"), None), Some(&t(3)));
        assert_eq!(map.resolve(ip("10.2.2.3"), None), Some(&t(2)));
        assert_eq!(map.resolve(ip("::ffff:10.1.2.3"), None), Some(&t(3)));
        assert_eq!(map.resolve(ip("192.0.2.1"), None), Some(&t(1)));
        assert_eq!(map.resolve(ip("10.1.2.3"), Some("ab")), Some(&t(4)));
        assert_eq!(map.resolve(ip("10.1.2.3"), Some("cd")), Some(&t(3)));
        let strict = TenantMap {
            default: None,
            ..map
        };
        assert_eq!(strict.resolve(ip("192.0.2.1"), None), None);
    }

    /// A stream served with a real durable log: what was written to it, and a way to read
    /// the events it logged.
    struct Stream {
        client: tokio::io::DuplexStream,
        task: JoinHandle<()>,
        stop: watch::Sender<bool>,
        wal: Arc<vigie_log::Wal>,
        _dir: tempfile::TempDir,
    }

    impl Stream {
        fn start(hold: Duration) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let wal = Arc::new(
                vigie_log::Wal::open(vigie_log::WalConfig {
                    dir: dir.path().join("wal"),
                    consumers: vec!["detect".to_owned()],
                    ..vigie_log::WalConfig::default()
                })
                .unwrap(),
            );
            let intake = Intake::new(
                Arc::clone(&wal) as Arc<dyn vigie_log::Log>,
                crate::IntakeConfig {
                    max_backlog: 1000,
                    retry_after: Duration::from_secs(1),
                    consumer: "detect".to_owned(),
                },
            );
            let config = ListenerConfig {
                name: "test".to_owned(),
                protocol: Protocol::Tcp,
                addr: "127.0.0.1:0".parse().unwrap(),
                tenants: TenantMap {
                    default: Some(t(1)),
                    ..TenantMap::default()
                },
                max_message_bytes: 64 * 1024,
                timezone: TimeZone::UTC,
                max_connections: 1,
                receive_buffer_bytes: None,
                source_type: None,
            };
            let shared = Arc::new(Shared { config, intake });
            let (client, server) = tokio::io::duplex(64 * 1024);
            let (stop, shutdown) = watch::channel(false);
            let peer = "192.0.2.7:40000".parse().unwrap();
            let task = tokio::spawn(serve_stream(server, t(1), peer, shared, shutdown, hold));
            Self {
                client,
                task,
                stop,
                wal,
                _dir: dir,
            }
        }

        async fn send(&mut self, lines: &[&str]) {
            use tokio::io::AsyncWriteExt;
            for line in lines {
                let frame = format!("<13>Nov 25 10:00:00 web-1 audispd: {line}\n");
                self.client.write_all(frame.as_bytes()).await.unwrap();
            }
            self.client.flush().await.unwrap();
        }

        async fn logged(&self) -> Vec<vigie_event::Event> {
            self.wal
                .read(0, 100)
                .await
                .unwrap()
                .iter()
                .map(|r| vigie_event::Event::from_record(&r.payload).unwrap())
                .collect()
        }

        /// The events logged once `count` are there (waits up to 20 s).
        async fn wait_for(&self, count: usize) -> Vec<vigie_event::Event> {
            for _ in 0..400 {
                let events = self.logged().await;
                if events.len() >= count {
                    return events;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("{count} events not logged: {:?}", self.logged().await);
        }
    }

    const SYSCALL: &str = r#"type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 success=yes exit=0 ppid=12041 pid=13393 auid=1000 uid=1000 euid=1000 comm="grep" exe="/usr/bin/grep" key=(null)"#;
    const EXECVE: &str =
        r#"type=EXECVE msg=audit(1492037291.036:59): argc=2 a0="grep" a1="mapping""#;

    fn at<'a>(event: &'a vigie_event::Event, path: &str) -> &'a serde_json::Value {
        vigie_event::field::lookup(&event.fields, path).unwrap_or(&serde_json::Value::Null)
    }

    fn check_joined(events: &[vigie_event::Event]) {
        let messages: Vec<&str> = events
            .iter()
            .map(|e| at(e, "message").as_str().unwrap())
            .collect();
        assert_eq!(messages, [SYSCALL, EXECVE]);
        for event in events {
            assert_eq!(event.source_type.as_deref(), Some("linux.auditd"));
            assert_eq!(at(event, "process.executable"), "/usr/bin/grep");
            assert_eq!(at(event, "process.command_line"), "grep mapping");
            assert_eq!(at(event, "auditd.records"), 2);
            assert_eq!(at(event, "log.syslog.hostname"), "web-1");
        }
    }

    /// A group still held when the connection closes, or when the listener shuts down, is
    /// released then, joined (the hold is far longer than the test).
    #[tokio::test]
    async fn a_held_audit_group_is_released_when_the_stream_ends() {
        let mut stream = Stream::start(Duration::from_secs(3600));
        stream.send(&[SYSCALL, EXECVE]).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            stream.logged().await.is_empty(),
            "held until the rest comes"
        );
        let Stream { client, task, .. } = &mut stream;
        drop(std::mem::replace(client, tokio::io::duplex(1).0));
        tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .unwrap()
            .unwrap();
        check_joined(&stream.logged().await);

        let mut stream = Stream::start(Duration::from_secs(3600));
        stream.send(&[SYSCALL, EXECVE]).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        stream.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(20), &mut stream.task)
            .await
            .unwrap()
            .unwrap();
        check_joined(&stream.logged().await);
    }

    /// On an open connection, a group is released by the next record of another event, by
    /// a message that is not audit (which follows it), or after the hold.
    #[tokio::test]
    async fn an_audit_group_is_released_by_the_next_event_or_the_hold() {
        let mut stream = Stream::start(Duration::from_millis(100));
        stream.send(&[SYSCALL, EXECVE]).await;
        check_joined(&stream.wait_for(2).await);
        stream
            .send(&[
                &SYSCALL.replace(":59)", ":60)"),
                "sshd[1]: Accepted publickey for user",
            ])
            .await;
        let events = stream.wait_for(4).await;
        assert_eq!(at(&events[2], "auditd.records"), 1);
        assert_eq!(
            at(&events[3], "message"),
            "sshd[1]: Accepted publickey for user"
        );
        stream.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(20), &mut stream.task)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stream.logged().await.len(), 4);
    }
}
