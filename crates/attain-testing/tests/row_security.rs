//! Every table that holds a tenant's rows, in every service's schema, has row-level security on,
//! so a table added later without it fails here rather than in production.

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
