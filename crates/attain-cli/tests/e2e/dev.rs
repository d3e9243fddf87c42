//! The README's first command: `attain dev` with no DATABASE_URL starts its own PostgreSQL and
//! a newcomer creates a team and a person with `buf curl` using the printed key.

use serde_json::json;

use crate::{attain, buf, buf_curl, free_port, read_until, spawn};

#[test]
fn a_newcomer_creates_a_team_and_a_person_with_buf_curl_against_attain_dev() {
    let data_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dev-{}", std::process::id()));
    let scorecard_port = free_port();
    let mut dev = spawn(
        attain()
            .arg("dev")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--base-port")
            .arg((scorecard_port - 1).to_string()),
    );
    let banner = read_until(&mut dev, "Press Ctrl-C");
    let key = banner
        .lines()
        .find_map(|l| l.strip_prefix("Admin API key: "))
        .expect("the banner shows an admin API key")
        .trim()
        .to_string();
    let addr = format!("127.0.0.1:{scorecard_port}");
    assert!(banner.contains(&format!("grpc://{addr}")), "{banner}");

    let team = buf_curl(
        &addr,
        &key,
        "attain.org.v1.OrgService/CreateTeam",
        json!({"team": {"displayName": "SDR East", "motion": "MOTION_SALES_DEVELOPMENT"}}),
    );
    let team_id = team["team"]["id"].as_str().expect("team id").to_string();
    let person = buf_curl(
        &addr,
        &key,
        "attain.org.v1.OrgService/CreatePerson",
        json!({"person": {
            "displayName": "Ana Lopez", "salesRole": "SALES_ROLE_SDR", "teamId": team_id,
            "startDate": {"year": 2026, "month": 11, "day": 2},
            "externalIds": [{"system": "salesforce", "id": "0055e000001AbCd"}]
        }}),
    );
    assert_eq!(person["person"]["teamId"], team_id);
    let found = buf_curl(
        &addr,
        &key,
        "attain.org.v1.OrgService/FindPersonByExternalId",
        json!({"externalId": {"system": "salesforce", "id": "0055e000001AbCd"}}),
    );
    assert_eq!(found["person"]["displayName"], "Ana Lopez");
    assert_eq!(found["person"]["status"], "PERSON_STATUS_ONBOARDING");

    // Reflection lists the service's methods with no proto files at hand.
    let methods = std::process::Command::new(buf())
        .args([
            "curl",
            "--protocol",
            "grpc",
            "--http2-prior-knowledge",
            "--list-methods",
        ])
        .arg(format!("http://{addr}"))
        .output()
        .expect("buf curl --list-methods");
    let methods = String::from_utf8_lossy(&methods.stdout);
    assert!(
        methods.contains("attain.org.v1.OrgService/ListTeamSubtree"),
        "{methods}"
    );

    dev.terminate();
    let _ = std::fs::remove_dir_all(&data_dir);
}
