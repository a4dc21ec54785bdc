//! The access layer: the only place that turns a credential into a [`TenantScope`].
//!
//! A bearer token is hashed (SHA-256) and looked up; a tenant's token yields the scope of that
//! tenant, a platform token the platform scope. The scope's constructor is private to this
//! crate, so a scope in hand always comes from here (invariant 1).
//!
//! The local command line is the other way in: whoever can open the data directory can read
//! and write the whole database anyway, so [`Access::operator_scope`] gives the local
//! operator the platform scope. File permissions on the data directory are the boundary.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use vigie_event::TenantId;

use crate::audit::AuditRecord;
use crate::identity::{Actor, User};
use crate::ids::{TokenId, UserId, UserTokenId};
use crate::limits::{self, LoginRefusal};
use crate::login_audit::{AuditGate, AuditGateConfig};
use crate::password;
use crate::role::{Permission, Role};
use crate::scope::{Grant, TenantScope};
use crate::store::IdentityStore;
use crate::throttle::{AccountKey, SourceKey, Standing, Throttle};
use crate::token::{TokenKind, TokenOwner, hash_secret, is_well_formed_secret};

/// The prefix of a session secret (the cookie value).
pub const SESSION_PREFIX: &str = "vgs_";

/// How long a session lives after login.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// Who is calling the desk API, with what rights, over which tenants.
#[derive(Clone, Debug)]
pub struct Principal {
    /// As written in the audit log.
    pub actor: Actor,
    /// The user id, for a session.
    pub user_id: Option<UserId>,
    /// The role (tokens map to one, see [`Access::token_principal`]).
    pub role: Role,
    /// A read token: may only read.
    pub read_only: bool,
    /// What it may see.
    pub scope: TenantScope,
    /// The session's CSRF token; `None` for a bearer token (not sent by browsers on their own).
    csrf: Option<String>,
    /// A user token's permissions: the principal may only do these (and what its role
    /// allows). `None` for a session or a tenant/platform token.
    permissions: Option<Vec<Permission>>,
    /// The user token that authenticated, if one did.
    user_token: Option<UserTokenId>,
}

impl Principal {
    /// Whether the caller may do `what`.
    pub fn may(&self, what: Permission) -> bool {
        if self.read_only && !matches!(what, Permission::ReadDesk | Permission::ReadUsers) {
            return false;
        }
        if let Some(allowed) = &self.permissions
            && !allowed.contains(&what)
        {
            return false;
        }
        self.role.may(what)
    }

    /// What part of incidents' conversations it reads: a client (a tenant role) only what
    /// is shared with it, the SOC's staff internal notes too.
    pub fn audience(&self) -> crate::Audience {
        if self.role.is_tenant_role() {
            crate::Audience::client()
        } else {
            crate::Audience::staff()
        }
    }

    /// The user token that authenticated this principal, if one did.
    pub fn user_token(&self) -> Option<UserTokenId> {
        self.user_token
    }

    /// A user token's permissions (the principal may do no more); `None` otherwise.
    pub fn token_permissions(&self) -> Option<&[Permission]> {
        self.permissions.as_deref()
    }

    /// Whether a state-changing request carries the right CSRF token. Always true for a
    /// bearer token; for a session, `presented` must equal the session's token (compared in
    /// constant time).
    pub fn csrf_ok(&self, presented: Option<&str>) -> bool {
        match &self.csrf {
            None => true,
            Some(expected) => presented.is_some_and(|p| {
                p.len() == expected.len() && bool::from(p.as_bytes().ct_eq(expected.as_bytes()))
            }),
        }
    }

    /// Whether this principal came from a session cookie.
    pub fn is_session(&self) -> bool {
        self.csrf.is_some()
    }
}

/// A successful login: the cookie value and the CSRF token, shown once.
#[derive(Clone)]
pub struct NewSession {
    /// `vgs_` + 64 hex digits; goes into the HttpOnly cookie. Only its SHA-256 is stored.
    pub secret: String,
    /// To echo in `X-CSRF-Token` on every state-changing request.
    pub csrf: String,
    /// The user.
    pub user: User,
    /// When the session ends.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("user", &self.user.username)
            .finish_non_exhaustive()
    }
}

/// Why a login failed. Unknown user, wrong password and disabled account are one answer.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong username or password (or disabled account).
    #[error("invalid username or password")]
    Invalid,
    /// Too many attempts for this account or from this address.
    #[error("too many login attempts; retry in {} s", .0.as_secs().max(1))]
    Throttled(Duration),
    /// A value over its limit (username, password, request body), refused before anything
    /// was looked up or hashed; it names the field and the limit.
    #[error("{0}")]
    Refused(LoginRefusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::SocError),
}

/// A verified caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The token that authenticated (for the audit log).
    pub token_id: TokenId,
    /// What the token may do. Callers check it against the operation.
    pub kind: TokenKind,
    /// Whose token it is.
    pub owner: TokenOwner,
    /// What it may read.
    pub scope: TenantScope,
    /// The source type the token declares for the events sent with it, if any.
    pub source_type: Option<String>,
}

impl Credential {
    /// The tenant that events sent with this credential belong to: `Some` only for a
    /// tenant-owned token. A platform token has no tenant of its own to ingest for.
    pub fn ingest_tenant(&self) -> Option<TenantId> {
        self.owner.tenant()
    }

    /// Whether this credential is of `kind`.
    pub fn is(&self, kind: TokenKind) -> bool {
        self.kind == kind
    }
}

/// Why a bearer token was refused. Messages never include the presented secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No token was presented.
    #[error("missing bearer token")]
    Missing,
    /// The token does not have the shape of a vigie token (`vgt_` + 64 lowercase hex digits).
    #[error("malformed bearer token")]
    Malformed,
    /// No such token (or the state store could not be asked; see the log).
    #[error("unknown bearer token")]
    Unknown,
    /// The token was revoked.
    #[error("revoked bearer token")]
    Revoked,
    /// A user's own token (`vgu_…`) on a route that takes tenant or platform tokens only.
    #[error(
        "a user's own token (vgu_…) works on the desk routes only; this route takes a tenant or platform token (vgt_…)"
    )]
    UserTokenNotAccepted,
}

/// Authenticates callers against the state store.
#[derive(Clone)]
pub struct Access {
    store: Arc<dyn IdentityStore>,
    throttle: Arc<Throttle>,
    /// At most two password hashes at once, so a login flood cannot starve ingest of CPU;
    /// known addresses first, then clean ones, then suspect ones.
    hashing: Arc<HashQueue>,
    /// How many refused logins are written to the audit log (see [`crate::login_audit`]).
    audit_gate: Arc<Mutex<AuditGate>>,
}

/// Password checks running at once.
const HASHES_AT_ONCE: usize = 2;
/// Login attempts that may wait for a password check, per [`Standing`] (known, clean,
/// suspect). When full, a known address is answered 429 at once; in the other two the
/// oldest waiting attempt is (see [`HashQueue`]).
const HASH_QUEUE: [usize; 3] = [1024, 32, 16];
/// Longest wait for a password check; then the attempt is answered 429.
const HASH_WAIT: Duration = Duration::from_secs(10);

/// The password checks: at most [`HASHES_AT_ONCE`] at once, the waiting ones served by
/// standing (an address the account signed in from first, a suspect address last), so a
/// flood of guesses cannot make the real user wait behind it. Within the clean and suspect
/// standings the newest waiting attempt goes first and a full queue drops its oldest (both
/// answered 429 after at most [`HASH_WAIT`]): under a flood, whoever arrives now is served
/// next instead of after everything queued before it.
#[derive(Default)]
struct HashQueue {
    state: Mutex<QueueState>,
}

#[derive(Default)]
struct QueueState {
    running: usize,
    waiting: [VecDeque<tokio::sync::oneshot::Sender<()>>; 3],
}

/// A running password check; the next waiting one starts when it is dropped.
struct HashSlot<'a>(&'a HashQueue);

impl HashQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a slot; `None` when the attempt waited [`HASH_WAIT`] or was dropped from a
    /// full queue (or, known addresses, found it full).
    async fn slot(&self, standing: Standing) -> Option<HashSlot<'_>> {
        let receiver = {
            let mut state = self.lock();
            if state.running < HASHES_AT_ONCE {
                state.running += 1;
                return Some(HashSlot(self));
            }
            let tier = standing as usize;
            let queue = &mut state.waiting[tier];
            queue.retain(|s| !s.is_closed());
            if queue.len() >= HASH_QUEUE[tier] {
                if standing == Standing::Known {
                    return None;
                }
                // Dropping its sender answers the oldest waiting attempt.
                queue.pop_front();
            }
            let (sender, receiver) = tokio::sync::oneshot::channel();
            queue.push_back(sender);
            receiver
        };
        // If this future is dropped or times out while waiting, `Waiting` hands on a slot
        // that reached it meanwhile.
        let mut waiting = Waiting {
            queue: self,
            receiver: Some(receiver),
        };
        let receiver = waiting.receiver.as_mut()?;
        let got = tokio::time::timeout(HASH_WAIT, receiver).await;
        match got {
            Ok(Ok(())) => {
                waiting.receiver = None;
                Some(HashSlot(self))
            }
            _ => None,
        }
    }
}

/// A login waiting for a slot. Dropped before it got one (timeout, client gone), it makes
/// sure a slot passed to it at that very moment is not lost but handed on.
struct Waiting<'a> {
    queue: &'a HashQueue,
    receiver: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(mut receiver) = self.receiver.take() {
            receiver.close();
            if receiver.try_recv().is_ok() {
                drop(HashSlot(self.queue));
            }
        }
    }
}

impl Drop for HashSlot<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        for (tier, queue) in state.waiting.iter_mut().enumerate() {
            // Known addresses in order; the others newest first.
            let take = |q: &mut VecDeque<_>| {
                if tier == Standing::Known as usize {
                    q.pop_front()
                } else {
                    q.pop_back()
                }
            };
            while let Some(next) = take(queue) {
                if next.send(()).is_ok() {
                    // The slot passes to `next`: `running` stays.
                    return;
                }
            }
        }
        state.running -= 1;
    }
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access").finish_non_exhaustive()
    }
}

/// The one function of the service that builds scopes, from a verified credential or the
/// local operator.
fn scope_of(grant: Grant) -> Option<TenantScope> {
    TenantScope::grant(grant)
}

impl Access {
    /// Authenticates against `store`.
    pub fn new(store: Arc<dyn IdentityStore>) -> Self {
        Self::with_throttle(store, Throttle::default())
    }

    /// Authenticates against `store` with a given login throttle.
    pub fn with_throttle(store: Arc<dyn IdentityStore>, throttle: Throttle) -> Self {
        Self::with_limits(store, throttle, AuditGateConfig::default())
    }

    /// Authenticates against `store` with a given login throttle and refused-login audit
    /// limits.
    pub fn with_limits(
        store: Arc<dyn IdentityStore>,
        throttle: Throttle,
        audit: AuditGateConfig,
    ) -> Self {
        Self {
            store,
            throttle: Arc::new(throttle),
            hashing: Arc::new(HashQueue::default()),
            audit_gate: Arc::new(Mutex::new(AuditGate::new(audit))),
        }
    }

    /// The scope of a user: a platform admin's is the platform, anyone else's the tenants
    /// assigned to them. `None` for a user with no tenant (who may see nothing).
    pub fn user_scope(user: &User) -> Option<TenantScope> {
        if user.role == Role::PlatformAdmin {
            return scope_of(Grant::Platform);
        }
        scope_of(Grant::Tenants(user.tenants.iter().copied().collect()))
    }

    /// Logs a user in: per-address limit, size limits, account throttle, password check
    /// (the same work for unknown users), then a fresh session (a new secret at every
    /// login). Every attempt is audited: successes always, refused ones within the limits of
    /// [`crate::login_audit`] and counted beyond them.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        source: Option<IpAddr>,
    ) -> Result<NewSession, LoginError> {
        if let Err(wait) = self.throttle.admit_source(source, Instant::now()) {
            self.audit_refused("login.throttled", username, None, source, None)
                .await?;
            return Err(LoginError::Throttled(wait));
        }
        if let Err(refusal) = limits::check_login(username, password) {
            let message = refusal.to_string();
            self.audit_refused("login.refused", username, None, source, Some(&message))
                .await?;
            return Err(LoginError::Refused(refusal));
        }
        let now = Instant::now();
        if let Err(wait) = self.throttle.admit_account(username, source, now) {
            self.audit_refused("login.throttled", username, None, source, None)
                .await?;
            return Err(LoginError::Throttled(wait));
        }
        let standing = self.throttle.standing(username, source, now);
        let record = self.store.login_record(username).await?;
        let ok = {
            let Some(_slot) = self.hashing.slot(standing).await else {
                self.audit_refused("login.throttled", username, None, source, None)
                    .await?;
                return Err(LoginError::Throttled(Duration::from_secs(1)));
            };
            match &record {
                Some(r) => password::verify_password(password, &r.password_hash).await?,
                None => password::verify_unknown_user(password).await?,
            }
        };
        let user = match record {
            Some(r) if ok && !r.user.disabled && Self::user_scope(&r.user).is_some() => r.user,
            other => {
                self.throttle
                    .record(username, source, false, Instant::now());
                let tenant = other.and_then(|r| r.user.tenants.first().copied());
                self.audit_refused("login.failure", username, tenant, source, None)
                    .await?;
                return Err(LoginError::Invalid);
            }
        };
        self.throttle.record(username, source, true, Instant::now());
        let secret = format!(
            "{SESSION_PREFIX}{}",
            hex::encode(rand::random::<[u8; 32]>())
        );
        let csrf = hex::encode(rand::random::<[u8; 32]>());
        let expires_at = Timestamp::now()
            .checked_add(SESSION_TTL)
            .unwrap_or(Timestamp::MAX);
        self.store
            .create_session(&hash_secret(&secret), user.id, &csrf, expires_at)
            .await?;
        self.store
            .audit(&AuditRecord::new(
                Actor::user(&user.username).0,
                user.tenants.first().copied(),
                "login.success",
                format!("user:{username}"),
                serde_json::json!({"source": source.map(|s| s.to_string())}),
            ))
            .await?;
        Ok(NewSession {
            secret,
            csrf,
            user,
            expires_at,
        })
    }

    /// Refuses a login whose request could not be read within its size limit (`reason`
    /// names the limit): counted against the address's attempts and audited like any
    /// refused login. Returns the error to answer with.
    pub async fn refuse_login(&self, reason: &str, source: Option<IpAddr>) -> LoginError {
        let refused = match self.throttle.admit_source(source, Instant::now()) {
            Err(wait) => ("login.throttled", LoginError::Throttled(wait)),
            Ok(()) => (
                "login.refused",
                LoginError::Refused(LoginRefusal::Request(reason.to_owned())),
            ),
        };
        match self
            .audit_refused(refused.0, "", None, source, Some(reason))
            .await
        {
            Ok(()) => refused.1,
            Err(error) => LoginError::Store(error),
        }
    }

    /// Audits a refused login (`action`): as its own entry if the gate lets it through, else
    /// counted for the next `login.suppressed` summary; always in
    /// `vigie_login_refused_total`. A name over the limit is shown cut, with its size and
    /// SHA-256.
    async fn audit_refused(
        &self,
        action: &'static str,
        username: &str,
        tenant: Option<TenantId>,
        source: Option<IpAddr>,
        reason: Option<&str>,
    ) -> Result<(), crate::SocError> {
        let outcome = action.trim_start_matches("login.");
        metrics::counter!("vigie_login_refused_total", "outcome" => outcome).increment(1);
        let now = Instant::now();
        let key = SourceKey::of(source);
        let fits =
            username.len() <= limits::USERNAME.max_bytes && !username.chars().any(char::is_control);
        let shown = if fits {
            username.to_owned()
        } else {
            limits::shown(username)
        };
        let (write, summary) = {
            let mut gate = self.audit_gate.lock().unwrap_or_else(|e| e.into_inner());
            let write = gate.admit(now, action, key, AccountKey::of(username));
            if !write {
                gate.suppress(now, action, key, &shown);
            }
            (write, gate.summary(now, false))
        };
        if let Some(summary) = summary {
            self.store.audit(&summary).await?;
        }
        if !write {
            return Ok(());
        }
        let mut payload = serde_json::json!({"source": source.map(|s| s.to_string())});
        if let Some(reason) = reason {
            payload["reason"] = reason.into();
        }
        if !fits {
            payload["username_bytes"] = username.len().into();
            payload["username_sha256"] = hex::encode(Sha256::digest(username.as_bytes())).into();
        }
        // A request refused before a name could be read is about the login itself.
        let object = if username.is_empty() {
            "login".to_owned()
        } else {
            format!("user:{shown}")
        };
        self.store
            .audit(&AuditRecord::new(
                "anonymous",
                tenant,
                action,
                object,
                payload,
            ))
            .await
    }

    /// Writes the `login.suppressed` summary of refused logins not written one by one, once
    /// its minute is over (`force`: at once, at shutdown). The server calls it periodically.
    pub async fn flush_login_audit(&self, force: bool) -> Result<(), crate::SocError> {
        let summary = {
            let mut gate = self.audit_gate.lock().unwrap_or_else(|e| e.into_inner());
            gate.summary(Instant::now(), force)
        };
        match summary {
            Some(summary) => self.store.audit(&summary).await,
            None => Ok(()),
        }
    }

    /// Forgets the failed logins of `username`, after an administrator reset its password
    /// (this lifts the hard cap of the login throttle).
    pub fn forget_failures(&self, username: &str) {
        self.throttle.clear(username);
    }

    /// Ends the session with this secret (logout), audited. Returns whether it was open.
    pub async fn logout(&self, secret: &str) -> Result<bool, crate::SocError> {
        let hash = hash_secret(secret);
        let Some(session) = self.store.session(&hash).await? else {
            return Ok(false);
        };
        let ended = self.store.end_session(&hash).await?;
        if ended {
            self.store
                .audit(&AuditRecord::new(
                    Actor::user(&session.user.username).0,
                    session.user.tenants.first().copied(),
                    "logout",
                    format!("user:{}", session.user.username),
                    serde_json::json!({}),
                ))
                .await?;
        }
        Ok(ended)
    }

    /// Verifies a session cookie value: it must exist, not be ended or expired, and belong to
    /// an enabled user with a scope. Fails closed.
    pub async fn authenticate_session(&self, secret: &str) -> Result<Principal, AuthError> {
        let well_formed = secret.len() == SESSION_PREFIX.len() + 64
            && secret.strip_prefix(SESSION_PREFIX).is_some_and(|h| {
                h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            });
        if !well_formed {
            return Err(AuthError::Malformed);
        }
        let session = match self.store.session(&hash_secret(secret)).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(AuthError::Unknown),
            Err(error) => {
                tracing::error!(%error, "session lookup failed; refusing the request");
                return Err(AuthError::Unknown);
            }
        };
        if session.ended || session.user.disabled || session.expires_at <= Timestamp::now() {
            return Err(AuthError::Revoked);
        }
        let scope = Self::user_scope(&session.user).ok_or(AuthError::Unknown)?;
        Ok(Principal {
            actor: Actor::user(&session.user.username),
            user_id: Some(session.user.id),
            role: session.user.role,
            read_only: false,
            scope,
            csrf: Some(session.csrf),
            permissions: None,
            user_token: None,
        })
    }

    /// The desk principal of an API token: an admin token acts as a platform admin (platform
    /// token) or tenant admin (tenant token), a read token as a read-only SOC lead or tenant
    /// user. An ingest token has none.
    pub fn token_principal(credential: &Credential) -> Option<Principal> {
        let (role, read_only) = match (credential.kind, credential.owner) {
            (TokenKind::Ingest, _) => return None,
            (TokenKind::Admin, TokenOwner::Platform) => (Role::PlatformAdmin, false),
            (TokenKind::Admin, TokenOwner::Tenant(_)) => (Role::TenantAdmin, false),
            (TokenKind::Read, TokenOwner::Platform) => (Role::SocLead, true),
            (TokenKind::Read, TokenOwner::Tenant(_)) => (Role::TenantUser, true),
        };
        Some(Principal {
            actor: Actor::token(credential.token_id),
            user_id: None,
            role,
            read_only,
            scope: credential.scope.clone(),
            csrf: None,
            permissions: None,
            user_token: None,
        })
    }

    /// Verifies a user's API token (`vgu_…`, or a whole `Authorization` header value) and
    /// returns the principal it acts as: its user, with the user's role, tenants and enabled
    /// state as they are now (read at every request), narrowed to the token's permissions
    /// and tenants. A revoked or expired token, a disabled user, or a token none of whose
    /// tenants the user still has is refused. Fails closed on a store error.
    pub async fn authenticate_user_token(&self, bearer: &str) -> Result<Principal, AuthError> {
        let secret = bearer_secret(bearer)?;
        if !crate::token::is_well_formed_user_secret(secret) {
            return Err(AuthError::Malformed);
        }
        let (token, user) = match self
            .store
            .user_token_by_secret_hash(&hash_secret(secret))
            .await
        {
            Ok(Some(found)) => found,
            Ok(None) => return Err(AuthError::Unknown),
            Err(error) => {
                tracing::error!(%error, "user token lookup failed; refusing the request");
                return Err(AuthError::Unknown);
            }
        };
        let expired = token.expires_at.is_some_and(|e| e <= Timestamp::now());
        if token.revoked || expired || user.disabled {
            return Err(AuthError::Revoked);
        }
        let scope = match &token.tenants {
            None => Self::user_scope(&user),
            Some(narrow) if user.role == Role::PlatformAdmin => {
                scope_of(Grant::Tenants(narrow.iter().copied().collect()))
            }
            Some(narrow) => scope_of(Grant::Tenants(
                narrow
                    .iter()
                    .copied()
                    .filter(|t| user.tenants.contains(t))
                    .collect(),
            )),
        }
        // No tenant left in common: the token allows nothing any more.
        .ok_or(AuthError::Revoked)?;
        Ok(Principal {
            actor: Actor::user_token(&user.username, token.id),
            user_id: Some(user.id),
            role: user.role,
            read_only: false,
            scope,
            csrf: None,
            permissions: Some(token.permissions),
            user_token: Some(token.id),
        })
    }

    /// Verifies a bearer token. `bearer` is the token itself or a whole `Authorization`
    /// header value (`Bearer vgt_…`). A tenant token yields that tenant's scope, a platform
    /// token the platform scope; the caller still checks [`Credential::kind`].
    ///
    /// A state store failure is logged and reported as [`AuthError::Unknown`] (fail closed).
    pub async fn authenticate(&self, bearer: Option<&str>) -> Result<Credential, AuthError> {
        let secret = bearer_secret(bearer.unwrap_or_default())?;
        if crate::token::is_well_formed_user_secret(secret) {
            return Err(AuthError::UserTokenNotAccepted);
        }
        if !is_well_formed_secret(secret) {
            return Err(AuthError::Malformed);
        }
        let info = match self.store.token_by_secret_hash(&hash_secret(secret)).await {
            Ok(Some(info)) => info,
            Ok(None) => return Err(AuthError::Unknown),
            Err(error) => {
                tracing::error!(%error, "token lookup failed; refusing the request");
                return Err(AuthError::Unknown);
            }
        };
        if info.revoked {
            return Err(AuthError::Revoked);
        }
        let grant = match info.owner {
            TokenOwner::Tenant(tenant) => Grant::Tenant(tenant),
            TokenOwner::Platform => Grant::Platform,
        };
        let scope = scope_of(grant).ok_or(AuthError::Unknown)?;
        Ok(Credential {
            token_id: info.id,
            kind: info.kind,
            owner: info.owner,
            scope,
            source_type: info.source_type,
        })
    }

    /// The scope of the local operator (the `vigie` command line run on the data directory):
    /// the whole platform. Holding the data directory already means holding all the data, so
    /// this grants nothing new; it must never be used for a remote caller.
    pub fn operator_scope(&self) -> TenantScope {
        platform_scope()
    }

    /// The local operator's audience: the SOC's (internal notes too).
    pub fn operator_audience(&self) -> crate::Audience {
        crate::Audience::staff()
    }
}

/// The secret of a bearer token given alone or as a whole `Authorization` header value
/// (`Bearer …`).
fn bearer_secret(bearer: &str) -> Result<&str, AuthError> {
    let raw = bearer.trim();
    if raw.is_empty() {
        return Err(AuthError::Missing);
    }
    let secret = match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return Err(AuthError::Malformed),
        // "Bearer" with nothing after it (the header value was trimmed).
        None if raw.eq_ignore_ascii_case("bearer") => "",
        None => raw,
    };
    if secret.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(secret)
}

/// Whether a bearer value (alone or `Bearer …`) is a user's API token rather than a tenant
/// or platform token.
pub fn is_user_token(bearer: &str) -> bool {
    bearer_secret(bearer).is_ok_and(|s| s.starts_with(crate::token::USER_SECRET_PREFIX))
}

fn platform_scope() -> TenantScope {
    match scope_of(Grant::Platform) {
        Some(scope) => scope,
        // `grant` only refuses an empty tenant set.
        None => unreachable!("the platform grant always yields a scope"),
    }
}
