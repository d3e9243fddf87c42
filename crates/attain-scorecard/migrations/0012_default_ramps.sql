-- Every tenant has a default ramp: a new hire's quota is scaled from their start date without
-- anyone having to set one up first. The built-in one is 25 %, 50 %, 75 % of full quota in the
-- first three months since the start date, then 100 %; an admin edits it (UpdateRamp) or makes
-- another ramp the default. It is added when a tenant is created, and here to every tenant that
-- has no default yet.
CREATE FUNCTION scorecard.add_builtin_ramp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM scorecard.ramps WHERE tenant_id = NEW.tenant_id AND is_default) THEN
        INSERT INTO scorecard.ramps (tenant_id, ramp_id, display_name, steps, is_default)
        VALUES (NEW.tenant_id, gen_random_uuid(), 'Standard ramp', ARRAY[0.25, 0.5, 0.75, 1.0]::float8[], true)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION scorecard.add_builtin_ramp() FROM PUBLIC;

CREATE TRIGGER tenant_builtin_ramp
    AFTER INSERT ON org.tenants
    FOR EACH ROW EXECUTE FUNCTION scorecard.add_builtin_ramp();

INSERT INTO scorecard.ramps (tenant_id, ramp_id, display_name, steps, is_default)
SELECT t.tenant_id, gen_random_uuid(), 'Standard ramp', ARRAY[0.25, 0.5, 0.75, 1.0]::float8[], true
FROM org.tenants t
WHERE NOT EXISTS (SELECT 1 FROM scorecard.ramps r WHERE r.tenant_id = t.tenant_id AND r.is_default)
ON CONFLICT DO NOTHING;
