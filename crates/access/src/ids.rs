//! The typed ids of identity records.

vigie_event::typed_id! {
    /// A user account.
    UserId
}

vigie_event::typed_id! {
    /// A tenant or platform token (`vgt_`).
    TokenId
}

vigie_event::typed_id! {
    /// A user's own API token (`vgu_`).
    UserTokenId
}
