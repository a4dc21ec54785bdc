//! The NIS2 vocabulary (§5) and the entity profile (§5.1).

use serde::{Deserialize, Serialize};

/// A yes / no / not-yet-known answer. Unknown is a real answer, never a default for "no".
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TriState {
    /// Established.
    Yes,
    /// Ruled out.
    No,
    /// Not established either way.
    #[default]
    Unknown,
}

impl TriState {
    /// Kleene conjunction.
    pub fn and(self, other: TriState) -> TriState {
        match (self, other) {
            (TriState::No, _) | (_, TriState::No) => TriState::No,
            (TriState::Yes, TriState::Yes) => TriState::Yes,
            _ => TriState::Unknown,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: TriState) -> TriState {
        match (self, other) {
            (TriState::Yes, _) | (_, TriState::Yes) => TriState::Yes,
            (TriState::No, TriState::No) => TriState::No,
            _ => TriState::Unknown,
        }
    }

    /// From a boolean.
    pub fn from_bool(value: bool) -> TriState {
        if value { TriState::Yes } else { TriState::No }
    }
}

/// NIS2 category of an entity (Art. 3).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EntityCategory {
    /// Essential entity: ex-ante supervision.
    Essential,
    /// Important entity: ex-post supervision.
    Important,
    /// Not covered by NIS2.
    OutOfScope,
    /// Not determined yet.
    #[default]
    Undetermined,
}

/// Entity types bound by Implementing Regulation (EU) 2024/2690 (Art. 1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IrEntityType {
    /// DNS service provider (Art. 5).
    Dns,
    /// TLD name registry (Art. 6).
    TldRegistry,
    /// Cloud computing service provider (Art. 7).
    Cloud,
    /// Data centre service provider (Art. 8).
    DataCentre,
    /// Content delivery network provider (Art. 9).
    Cdn,
    /// Managed service provider (Art. 10).
    Msp,
    /// Managed security service provider (Art. 10).
    Mssp,
    /// Online marketplace (Art. 11).
    OnlineMarketplace,
    /// Online search engine (Art. 12).
    SearchEngine,
    /// Social networking platform (Art. 13).
    SocialNetwork,
    /// Trust service provider (Art. 14).
    TrustService,
}

/// A reporting stage of Art. 23(4).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 24 h after awareness.
    EarlyWarning,
    /// 72 h after awareness (24 h for a trust service provider).
    IncidentNotification,
    /// When the CSIRT asks.
    IntermediateReport,
    /// One month after the notification was submitted.
    FinalReport,
    /// At the final report's due date when the incident is still being handled.
    ProgressReport,
    /// Not mandatory (Art. 30; Belgian law Art. 38).
    Voluntary,
}

impl Stage {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::EarlyWarning => "early_warning",
            Stage::IncidentNotification => "incident_notification",
            Stage::IntermediateReport => "intermediate_report",
            Stage::FinalReport => "final_report",
            Stage::ProgressReport => "progress_report",
            Stage::Voluntary => "voluntary",
        }
    }
}

/// Traffic Light Protocol 2.0 label.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tlp {
    /// `TLP:CLEAR`
    #[serde(rename = "TLP:CLEAR")]
    Clear,
    /// `TLP:GREEN`
    #[serde(rename = "TLP:GREEN")]
    Green,
    /// `TLP:AMBER`
    #[serde(rename = "TLP:AMBER")]
    Amber,
    /// `TLP:AMBER+STRICT`
    #[serde(rename = "TLP:AMBER+STRICT")]
    AmberStrict,
    /// `TLP:RED`
    #[serde(rename = "TLP:RED")]
    Red,
}

impl Tlp {
    /// Every label, least restrictive first.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The label as written (`TLP:AMBER`); the same as [`Tlp::label`].
    pub fn as_str(self) -> &'static str {
        self.label()
    }

    /// The label as written on documents.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
}

impl std::str::FromStr for Tlp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown TLP label {s:?}"))
    }
}

/// A report language.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French.
    Fr,
    /// Dutch.
    Nl,
    /// German.
    De,
    /// English.
    En,
}

/// The NIS2 profile of a tenant's entity (§5.1). Versioned by the store that keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EntityProfile {
    /// Legal name, on every report.
    pub legal_name: String,
    /// Belgian enterprise number (KBO/BCE), e.g. `0123.456.789`.
    pub enterprise_number: Option<String>,
    /// NIS2 category.
    pub category: EntityCategory,
    /// Sectors as (annex, sector, sub-sector) text.
    #[serde(default)]
    pub sectors: Vec<String>,
    /// Implementing Regulation 2024/2690 entity types this entity is.
    #[serde(default)]
    pub ir_entity_types: Vec<IrEntityType>,
    /// Trust service provider: the notification is due 24 h after awareness.
    #[serde(default)]
    pub is_trust_service_provider: bool,
    /// Competent authority, e.g. `CCB`.
    pub competent_authority: Option<String>,
    /// Turnover of the previous financial year, for the 5 % threshold.
    pub annual_turnover_prev_fy_eur: Option<f64>,
    /// Report language by default.
    pub report_language: Option<Lang>,
    /// Contacts of the entity: the 24/7 reporting contact and its deputies.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Who approves reports before submission (named persons), and receives the reminders.
    #[serde(default)]
    pub approvers: Vec<String>,
}

/// A contact of the entity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Role, e.g. `CISO`, `deputy`.
    #[serde(default)]
    pub role: Option<String>,
    /// Telephone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Reachable 24/7.
    #[serde(default)]
    pub always_reachable: bool,
}

impl EntityProfile {
    /// The first contact reachable 24/7, as one line (name, role, phone, e-mail).
    pub fn contact_24_7(&self) -> Option<String> {
        self.contacts.iter().find(|c| c.always_reachable).map(|c| {
            [
                Some(c.name.clone()),
                c.role.clone(),
                c.phone.clone(),
                c.email.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        })
    }
}
