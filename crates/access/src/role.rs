//! Roles and permissions: [`Role::may`] is the one table of what each role may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A user's role.
///
/// The four SOC roles work across the tenants they are assigned to (a platform admin across
/// all); the two tenant roles belong to exactly one tenant.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: every tenant, every setting.
    PlatformAdmin,
    /// Leads the SOC: SLAs, workload, suppressions, everything an analyst does.
    SocLead,
    /// Triages alerts and works incidents.
    Analyst,
    /// Writes and tunes rules: suppressions, false-positive feedback.
    DetectionEngineer,
    /// A client's administrator: reads its tenant's desk, comments, manages its tenant's
    /// tenant admins and tenant users.
    TenantAdmin,
    /// A client contact: reads its tenant's incidents and comments on them.
    TenantUser,
}

/// What a caller may do; [`Role::may`] is the one table. The snake_case names are the
/// permissions a user's API token is given.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read alerts, incidents, SLA figures of the scope.
    ReadDesk,
    /// Acknowledge, escalate, close alerts as false positives.
    TriageAlerts,
    /// Open, change, merge and split incidents; tasks.
    WorkIncidents,
    /// Comment on incidents.
    Comment,
    /// Create and remove suppressions.
    ManageSuppressions,
    /// Set SLA contracts.
    ManageSla,
    /// List users of the scope.
    ReadUsers,
    /// Create and disable users.
    ManageUsers,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 8] = [
        Permission::ReadDesk,
        Permission::TriageAlerts,
        Permission::WorkIncidents,
        Permission::Comment,
        Permission::ManageSuppressions,
        Permission::ManageSla,
        Permission::ReadUsers,
        Permission::ManageUsers,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadDesk => "read_desk",
            Permission::TriageAlerts => "triage_alerts",
            Permission::WorkIncidents => "work_incidents",
            Permission::Comment => "comment",
            Permission::ManageSuppressions => "manage_suppressions",
            Permission::ManageSla => "manage_sla",
            Permission::ReadUsers => "read_users",
            Permission::ManageUsers => "manage_users",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
                format!(
                    "unknown permission {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::PlatformAdmin,
        Role::SocLead,
        Role::Analyst,
        Role::DetectionEngineer,
        Role::TenantAdmin,
        Role::TenantUser,
    ];

    /// The snake_case name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::SocLead => "soc_lead",
            Role::Analyst => "analyst",
            Role::DetectionEngineer => "detection_engineer",
            Role::TenantAdmin => "tenant_admin",
            Role::TenantUser => "tenant_user",
        }
    }

    /// Whether the role belongs to exactly one tenant.
    pub fn is_tenant_role(self) -> bool {
        matches!(self, Role::TenantAdmin | Role::TenantUser)
    }

    /// Whether the role may do `what` (within its scope).
    pub fn may(self, what: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match what {
            ReadDesk | Comment => true,
            TriageAlerts => matches!(self, PlatformAdmin | SocLead | Analyst | DetectionEngineer),
            WorkIncidents => matches!(self, PlatformAdmin | SocLead | Analyst),
            ManageSuppressions => matches!(self, PlatformAdmin | SocLead | DetectionEngineer),
            ManageSla => matches!(self, PlatformAdmin | SocLead),
            ReadUsers => matches!(self, PlatformAdmin | SocLead | TenantAdmin),
            // A tenant admin only over the tenant roles of its own tenant (`UserAuthority`).
            ManageUsers => matches!(self, PlatformAdmin | TenantAdmin),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Why a string is not a [`Role`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown role {0:?}: expected platform_admin, soc_lead, analyst, detection_engineer, tenant_admin or tenant_user"
)]
pub struct RoleError(pub String);

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| RoleError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert!(
            "root"
                .parse::<Role>()
                .unwrap_err()
                .to_string()
                .contains("root")
        );
    }
}
