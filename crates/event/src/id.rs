//! Typed row ids: one type per kind of record, so that a user id cannot be passed where an
//! incident id is expected. An id is not a permission: every read still takes a scope.

/// Defines a typed id over the store's `i64` row id: `Copy`, ordered, hashable, shown and
/// parsed as the bare number, serialised as the number (`#[serde(transparent)]`).
///
/// ```
/// vigie_event::typed_id! {
///     /// An example record.
///     ExampleId
/// }
/// let id: ExampleId = "42".parse().unwrap();
/// assert_eq!(id, ExampleId(42));
/// assert_eq!(id.to_string(), "42");
/// ```
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}
