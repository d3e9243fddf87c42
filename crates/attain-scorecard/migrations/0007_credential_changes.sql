-- Every service caches the answers to "whom does this key stand for", so that a stream of calls
-- does not cost a directory call each. A change that ends or narrows a credential (a key revoked,
-- expired early, deleted, or re-roled; a person who leaves, returns or moves) is announced on the
-- channel attain_credentials with the tenant's id, in the same transaction, and each service drops
-- that tenant's cached answers when it hears it: a revoked key is refused everywhere at once, not
-- after a cache's lifetime. NOTIFY is sent at commit, so a rolled-back change announces nothing.
CREATE FUNCTION org.announce_credential_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('attain_credentials', COALESCE(NEW.tenant_id, OLD.tenant_id)::text);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION org.announce_credential_change() FROM PUBLIC;

CREATE TRIGGER api_keys_changed
    AFTER UPDATE OF revoked_at, expires_at, role, person_id OR DELETE ON org.api_keys
    FOR EACH ROW EXECUTE FUNCTION org.announce_credential_change();

CREATE TRIGGER people_changed
    AFTER UPDATE OF status, team_id, manager_person_id OR DELETE ON org.people
    FOR EACH ROW EXECUTE FUNCTION org.announce_credential_change();

CREATE TRIGGER teams_changed
    AFTER UPDATE OF parent_team_id, manager_person_id OR DELETE ON org.teams
    FOR EACH ROW EXECUTE FUNCTION org.announce_credential_change();
