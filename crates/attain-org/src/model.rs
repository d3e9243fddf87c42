//! Rows of the org directory as the store reads and writes them.

use attain_domain::org::{Motion, PersonStatus, SalesRole};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantRecord {
    pub tenant_id: Uuid,
    pub display_name: String,
    pub time_zone: String,
    /// ISO weekday numbers, 1 = Monday.
    pub first_day_of_week: i16,
    pub fiscal_year_start_month: i16,
    pub working_days: Vec<i16>,
    pub currency_code: String,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRecord {
    pub team_id: Uuid,
    pub display_name: String,
    pub parent_team_id: Option<Uuid>,
    pub motion: Motion,
    pub manager_person_id: Option<Uuid>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRecord {
    pub person_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub sales_role: SalesRole,
    pub team_id: Option<Uuid>,
    pub manager_person_id: Option<Uuid>,
    pub title: String,
    pub hire_date: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: PersonStatus,
    pub time_zone: String,
    /// External ids as parallel arrays, ordered by system.
    pub external_systems: Vec<String>,
    pub external_ids: Vec<String>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleChangeRecord {
    pub role_change_id: Uuid,
    pub sales_role: SalesRole,
    pub title: String,
    pub effective_date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

/// What a caller may see of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Every team and person of the tenant (ADMIN, INTEGRATION).
    pub all: bool,
    /// Teams the caller may read.
    pub teams: Vec<Uuid>,
    /// Teams whose members the caller may read.
    pub member_teams: Vec<Uuid>,
    /// The caller's own person, always visible to them, with their direct reports.
    pub person: Option<Uuid>,
}

impl Scope {
    pub fn tenant() -> Self {
        Scope {
            all: true,
            teams: Vec::new(),
            member_teams: Vec::new(),
            person: None,
        }
    }
}

impl TenantRecord {
    /// The tenant's calendar. Stored values were checked when saved, so an error here means
    /// the row was changed behind the API's back.
    pub fn calendar(&self) -> anyhow::Result<attain_domain::calendar::Calendar> {
        let weekday = |n: i16| u8::try_from(n - 1).ok().and_then(|n| chrono::Weekday::try_from(n).ok());
        let days: Vec<_> = self.working_days.iter().map(|d| weekday(*d)).collect();
        attain_domain::calendar::Calendar::new(
            &self.time_zone,
            weekday(self.first_day_of_week),
            i32::from(self.fiscal_year_start_month),
            &days,
        )
        .map_err(|v| anyhow::anyhow!("tenant {} has an invalid calendar: {v}", self.tenant_id))
    }
}

/// A person as a scorecard needs them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub person_id: Uuid,
    pub display_name: String,
    pub team_id: Option<Uuid>,
    pub start_date: Option<NaiveDate>,
}
