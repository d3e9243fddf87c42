//! Org protobuf enums ⇄ the domain's text enums, for the org directory and the services that
//! read it. An unset or unknown protobuf value maps to `None`.

use attain_domain::org::{Motion, PersonStatus, SalesRole};
use attain_proto::org::v1 as pb;

pub fn sales_role(value: i32) -> Option<SalesRole> {
    Some(match pb::SalesRole::try_from(value).ok()? {
        pb::SalesRole::Unspecified => return None,
        pb::SalesRole::Sdr => SalesRole::Sdr,
        pb::SalesRole::InsideSalesAe => SalesRole::InsideSalesAe,
        pb::SalesRole::FieldAe => SalesRole::FieldAe,
        pb::SalesRole::AccountManager => SalesRole::AccountManager,
        pb::SalesRole::SalesManager => SalesRole::SalesManager,
        pb::SalesRole::SalesLeader => SalesRole::SalesLeader,
        pb::SalesRole::Other => SalesRole::Other,
    })
}

pub fn sales_role_to_proto(text: &str) -> i32 {
    (match SalesRole::parse(text) {
        None => pb::SalesRole::Unspecified,
        Some(SalesRole::Sdr) => pb::SalesRole::Sdr,
        Some(SalesRole::InsideSalesAe) => pb::SalesRole::InsideSalesAe,
        Some(SalesRole::FieldAe) => pb::SalesRole::FieldAe,
        Some(SalesRole::AccountManager) => pb::SalesRole::AccountManager,
        Some(SalesRole::SalesManager) => pb::SalesRole::SalesManager,
        Some(SalesRole::SalesLeader) => pb::SalesRole::SalesLeader,
        Some(SalesRole::Other) => pb::SalesRole::Other,
    }) as i32
}

pub fn motion(value: i32) -> Option<Motion> {
    Some(match pb::Motion::try_from(value).ok()? {
        pb::Motion::Unspecified => return None,
        pb::Motion::SalesDevelopment => Motion::SalesDevelopment,
        pb::Motion::InsideSales => Motion::InsideSales,
        pb::Motion::FieldSales => Motion::FieldSales,
        pb::Motion::AccountManagement => Motion::AccountManagement,
    })
}

pub fn motion_to_proto(text: &str) -> i32 {
    (match Motion::parse(text) {
        None => pb::Motion::Unspecified,
        Some(Motion::SalesDevelopment) => pb::Motion::SalesDevelopment,
        Some(Motion::InsideSales) => pb::Motion::InsideSales,
        Some(Motion::FieldSales) => pb::Motion::FieldSales,
        Some(Motion::AccountManagement) => pb::Motion::AccountManagement,
    }) as i32
}

pub fn person_status(value: i32) -> Option<PersonStatus> {
    Some(match pb::PersonStatus::try_from(value).ok()? {
        pb::PersonStatus::Unspecified => return None,
        pb::PersonStatus::Onboarding => PersonStatus::Onboarding,
        pb::PersonStatus::Active => PersonStatus::Active,
        pb::PersonStatus::Left => PersonStatus::Left,
    })
}

pub fn person_status_to_proto(text: &str) -> i32 {
    (match PersonStatus::parse(text) {
        None => pb::PersonStatus::Unspecified,
        Some(PersonStatus::Onboarding) => pb::PersonStatus::Onboarding,
        Some(PersonStatus::Active) => pb::PersonStatus::Active,
        Some(PersonStatus::Left) => pb::PersonStatus::Left,
    }) as i32
}
