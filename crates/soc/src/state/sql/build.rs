//! A query built piece by piece with numbered `$N` placeholders, which both SQLite and
//! PostgreSQL read. Written by hand because `sqlx::QueryBuilder<Any>` writes `?`, which
//! PostgreSQL does not accept.

use sqlx::AnyConnection;
use sqlx::any::{AnyArguments, AnyQueryResult, AnyRow};
use sqlx::{Any, Arguments, AssertSqlSafe, Encode, Type};
use vigie_access::TenantScope;

use crate::SocError;

/// SQL text and its bound values.
pub(crate) struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
}

impl Sql {
    /// A query starting with `text` (no placeholders in it).
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: AnyArguments::default(),
            count: 0,
        }
    }

    /// Appends SQL text (never a value: values go through [`Sql::bind`]).
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends the placeholder of a new bound value.
    pub(crate) fn bind<'t, T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'t, Any> + Type<Any>,
    {
        // Encoding into `AnyArguments` copies the value; it cannot fail for the types used.
        if self.args.add(value).is_err() {
            unreachable!("Any arguments copy plain values");
        }
        self.count += 1;
        self.text.push('$');
        self.text.push_str(&self.count.to_string());
        self
    }

    /// Appends `a, b, c` with each item bound (`NULL` for an empty list, which `IN (..)`
    /// then matches nothing with).
    pub(crate) fn list<'t, T, I>(&mut self, items: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: Encode<'t, Any> + Type<Any>,
    {
        let mut first = true;
        for item in items {
            if !first {
                self.push(", ");
            }
            first = false;
            self.bind(item);
        }
        if first {
            self.push("NULL");
        }
        self
    }

    /// Appends the scope filter on `column`: `column IN (..)` for a tenant scope, a tautology
    /// for the platform scope. Every read of tenant data goes through here (on PostgreSQL,
    /// row-level security applies the same scope a second time).
    pub(crate) fn scope(&mut self, scope: &TenantScope, column: &str) -> &mut Self {
        match scope.tenants() {
            None => self.push("1 = 1"),
            Some(tenants) => {
                self.push(column).push(" IN (");
                self.list(tenants.iter().map(|t| t.0));
                self.push(")")
            }
        }
    }

    fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        sqlx::query_with(AssertSqlSafe(self.text), self.args)
    }

    pub(crate) async fn fetch_all(
        self,
        conn: &mut AnyConnection,
        context: &'static str,
    ) -> Result<Vec<AnyRow>, SocError> {
        self.query()
            .fetch_all(conn)
            .await
            .map_err(SocError::storage(context))
    }

    pub(crate) async fn fetch_optional(
        self,
        conn: &mut AnyConnection,
        context: &'static str,
    ) -> Result<Option<AnyRow>, SocError> {
        self.query()
            .fetch_optional(conn)
            .await
            .map_err(SocError::storage(context))
    }

    pub(crate) async fn fetch_one(
        self,
        conn: &mut AnyConnection,
        context: &'static str,
    ) -> Result<AnyRow, SocError> {
        self.query()
            .fetch_one(conn)
            .await
            .map_err(SocError::storage(context))
    }

    pub(crate) async fn execute(
        self,
        conn: &mut AnyConnection,
        context: &'static str,
    ) -> Result<AnyQueryResult, SocError> {
        self.query()
            .execute(conn)
            .await
            .map_err(SocError::storage(context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(1i64).push(" AND b IN (");
        sql.list(["x", "y"]).push(") AND c IN (");
        sql.list(Vec::<i64>::new()).push(")");
        assert_eq!(
            sql.text,
            "SELECT 1 WHERE a = $1 AND b IN ($2, $3) AND c IN (NULL)"
        );
        assert_eq!(sql.args.len(), 3);
    }
}
