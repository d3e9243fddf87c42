-- The other services keep a copy of a tenant's directory (teams, people, calendar) and ask, on
-- each call, whether it is still current: the answer is this one row, not the whole directory.
-- Any change to the tenant, its teams or its people gives the tenant a new version, in the same
-- transaction, so a copy is never older than what a caller has already been told was written.
-- A tenant without a row is at version 1.
CREATE TABLE org.directory_versions (
    tenant_id uuid PRIMARY KEY REFERENCES org.tenants (tenant_id),
    version bigint NOT NULL,
    -- The transaction that set `version`: a bulk change bumps it once, not once per row.
    changed_by bigint NOT NULL
);
ALTER TABLE org.directory_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE org.directory_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON org.directory_versions
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- SECURITY DEFINER (owned by the bypass role once migrated): the change it records may be made
-- on an operator's cross-tenant path, where no tenant is set for row-level security.
CREATE FUNCTION org.bump_directory_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO org.directory_versions AS d (tenant_id, version, changed_by)
    VALUES (COALESCE(NEW.tenant_id, OLD.tenant_id), 2, txid_current())
    ON CONFLICT (tenant_id) DO UPDATE SET version = d.version + 1, changed_by = EXCLUDED.changed_by
        WHERE d.changed_by <> EXCLUDED.changed_by;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION org.bump_directory_version() FROM PUBLIC;

CREATE TRIGGER tenant_directory_changed
    AFTER UPDATE ON org.tenants
    FOR EACH ROW EXECUTE FUNCTION org.bump_directory_version();
CREATE TRIGGER team_directory_changed
    AFTER INSERT OR UPDATE OR DELETE ON org.teams
    FOR EACH ROW EXECUTE FUNCTION org.bump_directory_version();
CREATE TRIGGER person_directory_changed
    AFTER INSERT OR UPDATE OR DELETE ON org.people
    FOR EACH ROW EXECUTE FUNCTION org.bump_directory_version();
