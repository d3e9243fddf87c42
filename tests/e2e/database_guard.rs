//! The database guards itself on a deployment where the tables' owner is not a superuser, as in
//! production: `attain migrate` forces row-level security on the owner and hands cross-tenant
//! functions to the bypass role, operator commands take that role explicitly, and `attain serve`
//! logs in as the service role and refuses a login that bypasses the guard.

use attain_proto::org::v1::{GetTenantRequest, org_service_client::OrgServiceClient};
use attain_testing::{Bearer, TestDb};

use crate::{attain, free_port, migrate_with_admin_key, operator::wait_serving_service, run_err, run_ok, spawn};

#[tokio::test]
async fn a_non_superuser_owner_migrates_operates_and_serves_with_the_guard_on() {
    let cluster = TestDb::empty().await;
    let owner_role = format!("guard_owner_{}", uuid::Uuid::new_v4().simple());
    let database = format!("{}_guarded", cluster.name);
    // What a platform team does once, as a superuser: an owner that is not one, and the bypass
    // role the owner may take.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE {owner_role} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS;
         DO $$ BEGIN CREATE ROLE attain_bypass NOLOGIN BYPASSRLS;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         GRANT attain_bypass TO {owner_role};"
    )))
    .execute(&cluster.owner)
    .await
    .expect("set up the owner");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {database} OWNER {owner_role}"
    )))
    .execute(&cluster.owner)
    .await
    .expect("create the database");
    let superuser_url = attain_runtime::db::with_database(&cluster.owner_url, &database);
    let url = superuser_url.replacen("://attain@", &format!("://{owner_role}@"), 1);
    assert_ne!(url, superuser_url);

    let (tenant, key) = migrate_with_admin_key(&url, &["tenant", "create", "--name", "Guarded", "--time-zone", "UTC"]);
    // Listing tenants reads across them: only through the bypass role.
    let listed = run_ok(attain().args(["tenant", "list"]).env("DATABASE_URL", &url));
    assert!(listed.contains(&tenant), "{listed}");

    let owner = attain_runtime::db::connect_owner(&url).await.expect("owner login");
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM org.tenants")
        .fetch_one(&owner)
        .await
        .expect("count");
    assert_eq!(
        seen, 0,
        "FORCE ROW LEVEL SECURITY: the owner sees no tenant without naming one"
    );

    // A service given the owner's URL logs in as its own role (ATTAIN_DB_ROLE) ...
    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = spawn(
        attain()
            .args(["serve", "scorecard", "--listen", &addr])
            .env("DATABASE_URL", &url)
            .env("ATTAIN_DB_ROLE", "attain_scorecard"),
    );
    let channel = wait_serving_service(&addr, "attain.org.v1.OrgService").await;
    let mut client = OrgServiceClient::with_interceptor(channel, Bearer::new(&key));
    let got = client
        .get_tenant(GetTenantRequest {})
        .await
        .expect("get tenant")
        .into_inner();
    assert_eq!(got.tenant.expect("tenant").display_name, "Guarded");
    let sessions: Vec<String> = sqlx::query_scalar(
        "SELECT usename::text FROM pg_stat_activity WHERE datname = current_database()
           AND application_name = 'attain_scorecard'",
    )
    .fetch_all(&owner)
    .await
    .expect("activity");
    assert!(!sessions.is_empty());
    assert!(sessions.iter().all(|u| u == "attain_scorecard"), "{sessions:?}");
    // ... and the webhook claim, a cross-tenant function, still works under FORCE (it runs as
    // the bypass role).
    let service = attain_runtime::db::connect_owner(&url.replacen(&owner_role, "attain_scorecard", 1))
        .await
        .expect("service login");
    sqlx::query("SELECT * FROM scorecard.claim_webhook_deliveries(1, interval '1 minute')")
        .fetch_all(&service)
        .await
        .expect("the claim function runs for the service role");
    drop(client);
    tokio::task::spawn_blocking(move || server.terminate())
        .await
        .expect("stop");

    // ... but refuses to start on a login that bypasses the guard: the owner, or a superuser.
    for (login, what) in [(&url, "owns"), (&superuser_url, "superuser")] {
        let out = run_err(
            attain()
                .args(["serve", "scorecard", "--listen", &format!("127.0.0.1:{}", free_port())])
                .env("DATABASE_URL", login),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("DATABASE_URL") && stderr.contains(what), "{stderr}");
    }
}
