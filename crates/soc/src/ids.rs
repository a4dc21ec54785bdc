//! The typed ids of the desk's records (identity ids are in `vigie-access`).

vigie_event::typed_id! {
    /// An incident.
    IncidentId
}

vigie_event::typed_id! {
    /// A task of an incident.
    TaskId
}

vigie_event::typed_id! {
    /// A comment on an incident.
    CommentId
}

vigie_event::typed_id! {
    /// A suppression.
    SuppressionId
}
