//! Row-level security checked directly in SQL, as the service's own database role: even code
//! that forgets the tenant filter cannot read or write another tenant's rows.

use attain_proto::org::v1::SalesRole;
use attain_runtime::db::begin_tenant;
use sqlx::Row;

use crate::{create_person, person, two_tenants};

const TABLES: &[&str] = &[
    "tenants",
    "teams",
    "people",
    "person_external_ids",
    "role_history",
    "api_keys",
];

#[tokio::test]
async fn the_service_role_sees_only_the_tenant_of_its_transaction() {
    let mut t = two_tenants().await;
    create_person(&mut t.a, person("Ana", SalesRole::Sdr)).await;
    create_person(&mut t.b, person("Bo", SalesRole::Sdr)).await;
    let pool = t.app.db.service_pool("attain_scorecard").await;

    for table in TABLES {
        let sql = format!("SELECT count(*) FROM org.{table}");
        let unscoped: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(unscoped, 0, "org.{table} without app.tenant_id");
        let mut tx = begin_tenant(&pool, t.a_id).await.unwrap();
        let others: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM org.{table} WHERE tenant_id <> $1"
        )))
        .bind(t.a_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        assert_eq!(others, 0, "org.{table} shows another tenant's rows");
        tx.rollback().await.unwrap();
    }
    let mut tx = begin_tenant(&pool, t.a_id).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT display_name FROM org.people")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(names, ["Ana"]);
}

#[tokio::test]
async fn the_service_role_cannot_write_into_another_tenant() {
    let t = two_tenants().await;
    let b_id: uuid::Uuid = sqlx::query_scalar("SELECT tenant_id FROM org.tenants WHERE display_name = 'Globex'")
        .fetch_one(&t.app.db.owner)
        .await
        .unwrap();
    let pool = t.app.db.service_pool("attain_scorecard").await;
    let mut tx = begin_tenant(&pool, t.a_id).await.unwrap();
    let err = sqlx::query(
        "INSERT INTO org.people (tenant_id, person_id, display_name, sales_role, status) VALUES ($1, $2, 'Mole', 'sdr', 'active')",
    )
    .bind(b_id)
    .bind(uuid::Uuid::now_v7())
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
async fn the_service_role_cannot_switch_row_level_security_off() {
    let t = two_tenants().await;
    let pool = t.app.db.service_pool("attain_scorecard").await;
    let role = sqlx::query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        !role.get::<bool, _>(0) && !role.get::<bool, _>(1),
        "service role must not bypass RLS"
    );
    for table in TABLES {
        let owner: String =
            sqlx::query_scalar("SELECT tableowner::text FROM pg_tables WHERE schemaname = 'org' AND tablename = $1")
                .bind(table)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_ne!(owner, "attain_scorecard", "the service role must not own org.{table}");
        let rls: bool = sqlx::query_scalar("SELECT relrowsecurity FROM pg_class WHERE oid = ('org.' || $1)::regclass")
            .bind(table)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(rls, "org.{table} has row-level security enabled");
    }
    let err = sqlx::raw_sql("ALTER TABLE org.people DISABLE ROW LEVEL SECURITY")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("must be owner"), "{err}");
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql("SET row_security = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let err = sqlx::query("SELECT count(*) FROM org.people")
        .fetch_one(&mut *conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
}
