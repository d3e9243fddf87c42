//! Org directory tests over real gRPC against a real PostgreSQL: every RPC with good input,
//! bad input and a caller from another tenant; access by role; row-level security in SQL.

mod audit;
mod auth;
mod operator;
mod paging;
mod peer_directory;
mod people;
mod resolve;
mod rls;
mod server;
mod teams;
mod tenant;

use attain_proto::{common::v1::Date, org::v1::*};
use attain_testing::{Bearer, TestApp};
use org_service_client::OrgServiceClient;
use prost_types::FieldMask;
use tonic::{service::interceptor::InterceptedService, transport::Channel};

pub type Client = OrgServiceClient<InterceptedService<Channel, Bearer>>;

pub fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    })
}

pub fn date(year: i32, month: i32, day: i32) -> Option<Date> {
    Some(Date { year, month, day })
}

pub fn team(name: &str, motion: Motion) -> Team {
    Team {
        display_name: name.into(),
        motion: motion as i32,
        ..Default::default()
    }
}

pub fn person(name: &str, role: SalesRole) -> Person {
    Person {
        display_name: name.into(),
        sales_role: role as i32,
        ..Default::default()
    }
}

pub async fn create_team(client: &mut Client, team: Team) -> Team {
    client
        .create_team(CreateTeamRequest {
            team: Some(team),
            request_id: String::new(),
        })
        .await
        .expect("create team")
        .into_inner()
        .team
        .expect("team")
}

pub async fn create_person(client: &mut Client, person: Person) -> Person {
    client
        .create_person(CreatePersonRequest {
            person: Some(person),
            request_id: String::new(),
        })
        .await
        .expect("create person")
        .into_inner()
        .person
        .expect("person")
}

/// A small org: a sales org root team managed by a director, an SDR team under it managed by
/// a manager, with two SDRs; and a separate AE team with one AE.
pub struct SmallOrg {
    pub root: Team,
    pub sdr_team: Team,
    pub ae_team: Team,
    pub director: Person,
    pub manager: Person,
    pub sdr1: Person,
    pub sdr2: Person,
    pub ae: Person,
}

pub async fn small_org(admin: &mut Client) -> SmallOrg {
    let director = create_person(admin, person("Dana Director", SalesRole::SalesLeader)).await;
    let manager = create_person(admin, person("Max Manager", SalesRole::SalesManager)).await;
    let root = create_team(
        admin,
        Team {
            manager_id: director.id.clone(),
            ..team("Sales", Motion::InsideSales)
        },
    )
    .await;
    let sdr_team = create_team(
        admin,
        Team {
            parent_team_id: root.id.clone(),
            manager_id: manager.id.clone(),
            ..team("SDR East", Motion::SalesDevelopment)
        },
    )
    .await;
    let ae_team = create_team(admin, team("AE West", Motion::FieldSales)).await;
    let in_sdr = |name: &str| Person {
        team_id: sdr_team.id.clone(),
        manager_id: manager.id.clone(),
        ..person(name, SalesRole::Sdr)
    };
    let sdr1 = create_person(admin, in_sdr("Sam One")).await;
    let sdr2 = create_person(admin, in_sdr("Sue Two")).await;
    let ae = create_person(
        admin,
        Person {
            team_id: ae_team.id.clone(),
            ..person("Al Exec", SalesRole::FieldAe)
        },
    )
    .await;
    SmallOrg {
        root,
        sdr_team,
        ae_team,
        director,
        manager,
        sdr1,
        sdr2,
        ae,
    }
}

/// Two tenants on one server: most tests act in `a` and check that `b` sees and changes nothing.
pub struct TwoTenants {
    pub app: TestApp,
    pub a: Client,
    pub b: Client,
    pub a_id: uuid::Uuid,
    pub b_id: uuid::Uuid,
}

pub async fn two_tenants() -> TwoTenants {
    let app = TestApp::start().await;
    let ta = app.tenant("Acme").await;
    let tb = app.tenant("Globex").await;
    let a = app.org(&ta.admin_key).await;
    let b = app.org(&tb.admin_key).await;
    TwoTenants {
        app,
        a,
        b,
        a_id: ta.id,
        b_id: tb.id,
    }
}
