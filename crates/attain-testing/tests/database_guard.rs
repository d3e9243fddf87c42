//! The database guards itself: every table that holds a tenant's rows, in every service's schema,
//! has row-level security on and forced on its owner; services log in as their own roles, which
//! bypass nothing and cannot rewrite migration history. Read from pg_catalog and
//! pg_stat_activity, so a table or grant added later that slips fails here, not in production.

#[tokio::test]
async fn every_table_with_a_tenant_id_has_row_level_security() {
    let app = attain_testing::TestApp::start().await;
    let tables: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text, c.relrowsecurity
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p')
           AND n.nspname IN ('org', 'scorecard', 'metrics', 'coaching', 'hiring')
           AND EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         ORDER BY 1, 2",
    )
    .fetch_all(&app.db.owner)
    .await
    .expect("catalog");
    // Each service's schemas are there, with their tenant tables.
    for schema in ["org", "scorecard", "metrics", "coaching", "hiring"] {
        assert!(
            tables.iter().any(|(s, ..)| s == schema),
            "no tenant tables in {schema}: {tables:?}"
        );
    }
    let open: Vec<String> = tables
        .iter()
        .filter(|(.., secured)| !secured)
        .map(|(schema, table, _)| format!("{schema}.{table}"))
        .collect();
    assert!(open.is_empty(), "tenant tables without row-level security: {open:?}");
}

const SERVICE_ROLES: [&str; 4] = ["attain_scorecard", "attain_metrics", "attain_coaching", "attain_hiring"];

/// FORCE ROW LEVEL SECURITY binds the tables' owner too, so the only way across tenants is the
/// explicit bypass role.
#[tokio::test]
async fn every_tenant_table_forces_row_level_security_on_its_owner() {
    let app = attain_testing::TestApp::start().await;
    let unforced: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || c.relname
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p')
           AND n.nspname IN ('org', 'scorecard', 'metrics', 'coaching', 'hiring')
           AND EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
         ORDER BY 1",
    )
    .fetch_all(&app.db.owner)
    .await
    .expect("catalog");
    assert!(
        unforced.is_empty(),
        "tenant tables without FORCE ROW LEVEL SECURITY: {unforced:?}"
    );
}

/// Service roles bypass nothing, cannot act as the owner or the bypass role, cannot touch their
/// migration history, and the cross-tenant functions run as the bypass role.
#[tokio::test]
async fn service_roles_cannot_switch_off_the_guard_or_rewrite_migration_history() {
    let app = attain_testing::TestApp::start().await;
    for role in SERVICE_ROLES {
        let (login, superuser, bypass, owner, bypass_member): (bool, bool, bool, bool, bool) = sqlx::query_as(
            "SELECT r.rolcanlogin, r.rolsuper, r.rolbypassrls,
                    pg_has_role(r.rolname, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER'),
                    pg_has_role(r.rolname, 'attain_bypass', 'MEMBER')
             FROM pg_roles r WHERE r.rolname = $1",
        )
        .bind(role)
        .fetch_one(&app.db.owner)
        .await
        .expect("role");
        assert!(login, "{role} logs in itself");
        assert!(
            !superuser && !bypass && !owner && !bypass_member,
            "{role} can get past row-level security"
        );
        let service = role.trim_start_matches("attain_");
        let history: bool = sqlx::query_scalar(
            "SELECT has_table_privilege($1, $2, 'INSERT') OR has_table_privilege($1, $2, 'UPDATE')
                 OR has_table_privilege($1, $2, 'DELETE') OR has_table_privilege($1, $2, 'TRUNCATE')",
        )
        .bind(role)
        .bind(format!("{service}._sqlx_migrations"))
        .fetch_one(&app.db.owner)
        .await
        .expect("privileges");
        assert!(!history, "{role} may write its migration history");
        let mint: bool = sqlx::query_scalar(
            "SELECT has_table_privilege($1, 'org.operator_keys', 'INSERT')
                 OR has_table_privilege($1, 'org.operator_keys', 'UPDATE')",
        )
        .bind(role)
        .fetch_one(&app.db.owner)
        .await
        .expect("privileges");
        assert!(!mint, "{role} may mint or change platform-operator keys");
        // And as the role itself: the database refuses it.
        let pool = app.db.service_pool(role).await;
        let err = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {service}._sqlx_migrations")))
            .execute(&pool)
            .await
            .expect_err("a service role deletes migration history");
        assert!(err.to_string().contains("permission denied"), "{err}");
        let err = sqlx::raw_sql("SET ROLE attain_bypass")
            .execute(&pool)
            .await
            .expect_err("a service role takes the bypass role");
        assert!(err.to_string().contains("permission denied"), "{err}");
    }
    let definers: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.oid::regprocedure::text, pg_get_userbyid(p.proowner)::text
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prosecdef AND n.nspname IN ('org', 'scorecard', 'metrics', 'coaching', 'hiring')",
    )
    .fetch_all(&app.db.owner)
    .await
    .expect("functions");
    assert!(!definers.is_empty());
    for (function, owner) in definers {
        assert_eq!(owner, "attain_bypass", "{function} runs as {owner}");
    }
}

/// Every session each running service holds logs in as that service's role: none logs in as the
/// owner or a superuser and switches role (pg_stat_activity shows the login user).
#[tokio::test]
async fn running_services_are_logged_in_as_their_own_roles() {
    let app = attain_testing::TestApp::start().await;
    let tenant = app.tenant("Guarded").await;
    // A call that makes every service use its pool.
    let mut org = app.org(&tenant.admin_key).await;
    org.get_tenant(attain_proto::org::v1::GetTenantRequest {})
        .await
        .expect("get tenant");
    let sessions: Vec<(String, String)> = sqlx::query_as(
        "SELECT application_name, usename::text FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE 'attain%'",
    )
    .fetch_all(&app.db.owner)
    .await
    .expect("activity");
    for role in SERVICE_ROLES {
        assert!(
            sessions.iter().any(|(app, _)| app == role),
            "no session of {role}: {sessions:?}"
        );
    }
    for (application, user) in &sessions {
        assert_eq!(application, user, "a session of {application} logged in as {user}");
    }
    // A service refuses to start on a login that bypasses the guard (here the superuser).
    let err = attain_runtime::db::connect(&attain_runtime::config::DatabaseArgs {
        database_url: Some(app.db.owner_url.clone()),
        db_role: None,
        db_max_connections: 1,
        db_acquire_timeout: std::time::Duration::from_secs(10),
    })
    .await
    .expect_err("a service pool logged in as the superuser");
    assert!(format!("{err:#}").contains("DATABASE_URL"), "{err:#}");
}

/// The audit trail is append-only: the service roles may insert and read it only, and a trigger
/// refuses changes and deletions by anyone, the owner included.
#[tokio::test]
async fn the_audit_trail_is_append_only_for_everyone() {
    let app = attain_testing::TestApp::start().await;
    let tenant = app.tenant("Audited").await;
    for (role, table) in [
        ("attain_scorecard", "scorecard.audit_events"),
        ("attain_metrics", "metrics.audit_events"),
        ("attain_coaching", "coaching.audit_events"),
        ("attain_hiring", "hiring.audit_events"),
    ] {
        let (insert, change): (bool, bool) = sqlx::query_as(
            "SELECT has_table_privilege($1, $2, 'INSERT'),
                    has_table_privilege($1, $2, 'UPDATE') OR has_table_privilege($1, $2, 'DELETE')
                        OR has_table_privilege($1, $2, 'TRUNCATE')",
        )
        .bind(role)
        .bind(table)
        .fetch_one(&app.db.owner)
        .await
        .expect("privileges");
        assert!(insert && !change, "{role} on {table}: insert {insert}, change {change}");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} (tenant_id, event_id, actor_kind, actor_id, role, service, method)
             VALUES ($1, gen_random_uuid(), 'api_key', 'k', 'admin', 'test', 'Test')"
        )))
        .bind(tenant.id)
        .execute(&app.db.owner)
        .await
        .expect("insert");
        for statement in [
            format!("DELETE FROM {table}"),
            format!("UPDATE {table} SET method = 'x'"),
            format!("TRUNCATE {table}"),
        ] {
            let err = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                .execute(&app.db.owner)
                .await
                .expect_err("the owner changes the trail");
            assert!(err.to_string().contains("append-only"), "{statement}: {err}");
        }
    }
}
