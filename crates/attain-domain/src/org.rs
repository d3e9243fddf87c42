//! The org directory's rules: the roles people hold, the motions teams run, what makes a
//! person's employment record consistent, and who may see what.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::Violations;

text_enum! {
    /// What a credential may do, as DESIGN.md §4 defines it.
    AccessRole {
        Admin = "admin",
        Manager = "manager",
        Rep = "rep",
        Integration = "integration",
    }
}

text_enum! {
    /// The sales role a person holds.
    SalesRole {
        Sdr = "sdr",
        InsideSalesAe = "inside_sales_ae",
        FieldAe = "field_ae",
        AccountManager = "account_manager",
        SalesManager = "sales_manager",
        SalesLeader = "sales_leader",
        Other = "other",
    }
}

text_enum! {
    /// The sales motion a team runs.
    Motion {
        SalesDevelopment = "sales_development",
        InsideSales = "inside_sales",
        FieldSales = "field_sales",
        AccountManagement = "account_management",
    }
}

text_enum! {
    /// Where a person is in their employment.
    PersonStatus {
        Onboarding = "onboarding",
        Active = "active",
        Left = "left",
    }
}

impl SalesRole {
    /// Roles that sell, and so carry quotas and activity goals.
    pub fn sells(self) -> bool {
        matches!(
            self,
            SalesRole::Sdr | SalesRole::InsideSalesAe | SalesRole::FieldAe | SalesRole::AccountManager
        )
    }
}

/// A team's place in the tree: its parent and its manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamLink {
    pub id: Uuid,
    pub parent: Option<Uuid>,
    pub manager: Option<Uuid>,
}

/// The teams `manager` manages and every team below them, among `teams`: a team whose parent is
/// managed is managed too.
pub fn managed_subtree(teams: &[TeamLink], manager: Uuid) -> Vec<Uuid> {
    let mut managed: Vec<Uuid> = teams
        .iter()
        .filter(|t| t.manager == Some(manager))
        .map(|t| t.id)
        .collect();
    // Walk down, a level a pass: each pass adds at least one team or stops, so a finite list
    // ends even if its parent links loop.
    loop {
        let before = managed.len();
        for t in teams {
            if !managed.contains(&t.id) && t.parent.is_some_and(|p| managed.contains(&p)) {
                managed.push(t.id);
            }
        }
        if managed.len() == before {
            return managed;
        }
    }
}

impl AccessRole {
    /// Manager and rep credentials act as a person; admin and integration ones may not.
    pub fn needs_person(self) -> bool {
        matches!(self, AccessRole::Manager | AccessRole::Rep)
    }

    /// Whether this role sees every team and person of its tenant.
    pub fn sees_whole_tenant(self) -> bool {
        matches!(self, AccessRole::Admin | AccessRole::Integration)
    }
}

/// Longest display name, title and similar one-line text we accept.
pub const MAX_NAME_LEN: usize = 200;

/// Checks a required one-line name: 1 to 200 characters, no control characters.
pub fn check_name(v: &mut Violations, field: &str, text: &str) {
    if text.trim().is_empty() {
        v.add(field, "is required");
    } else {
        check_optional_text(v, field, text, MAX_NAME_LEN);
    }
}

/// Checks optional one-line text: at most `max` characters, no control characters (a NUL
/// byte cannot be stored in PostgreSQL text, and a newline in a name breaks every report).
pub fn check_optional_text(v: &mut Violations, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        v.add(field, format!("must be at most {max} characters"));
    } else if text.chars().any(char::is_control) {
        v.add(field, "must not contain control characters");
    }
}

/// Checks optional free text that may span lines (descriptions, notes): at most `max`
/// characters, and no control characters other than newlines and tabs.
pub fn check_optional_text_multiline(v: &mut Violations, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        v.add(field, format!("must be at most {max} characters"));
    } else if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        v.add(field, "must not contain control characters");
    }
}

/// Checks an email address's shape; empty is allowed.
pub fn check_email(v: &mut Violations, field: &str, email: &str) {
    if email.is_empty() {
        return;
    }
    let well_formed = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !well_formed {
        v.add(field, "must be an email address such as \"ana@example.com\"");
    }
}

/// An id a person has in another system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalId {
    pub system: String,
    pub id: String,
}

impl ExternalId {
    /// Checks the system name and id; violations are named `system` and `id`.
    pub fn check(&self) -> Violations {
        let mut v = Violations::new();
        let system_ok = !self.system.is_empty()
            && self.system.len() <= 64
            && self
                .system
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        if !system_ok {
            v.add(
                "system",
                "must be 1 to 64 lower-case letters, digits, '-', '_' or '.', such as \"salesforce\"",
            );
        }
        if self.id.is_empty() {
            v.add("id", "is required");
        } else {
            check_optional_text(&mut v, "id", &self.id, 256);
        }
        v
    }
}

/// Checks a list of external ids: each valid, and no system named twice.
pub fn check_external_ids(v: &mut Violations, field: &str, ids: &[ExternalId]) {
    for (i, id) in ids.iter().enumerate() {
        v.extend_prefixed(&format!("{field}[{i}]"), id.check());
        if ids[..i].iter().any(|other| other.system == id.system) {
            v.add(
                format!("{field}[{i}].system"),
                "names a system already listed; a person has one id per system",
            );
        }
    }
}

/// The dates and status of a person's employment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employment {
    pub hire_date: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: PersonStatus,
}

impl Employment {
    /// Checks that the dates are in order and agree with the status.
    pub fn check(&self) -> Violations {
        let mut v = Violations::new();
        if let (Some(hire), Some(start)) = (self.hire_date, self.start_date)
            && start < hire
        {
            v.add("start_date", "must not be before hire_date");
        }
        if let Some(end) = self.end_date
            && let Some(first) = self.start_date.or(self.hire_date)
            && end < first
        {
            v.add("end_date", "must not be before start_date (or hire_date)");
        }
        match (self.status, self.end_date) {
            (PersonStatus::Left, None) => v.add("end_date", "is required when status is LEFT"),
            (PersonStatus::Onboarding | PersonStatus::Active, Some(_)) => {
                v.add("status", "must be LEFT when end_date is set")
            }
            _ => {}
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn a_manager_manages_every_team_below_theirs_and_no_other() {
        let id = |n: u128| Uuid::from_u128(n);
        let link = |t, parent: Option<u128>, manager: Option<u128>| TeamLink {
            id: id(t),
            parent: parent.map(id),
            manager: manager.map(id),
        };
        // 1 (managed by 100) > 2 > 3, and 4 beside it; 5 and 6 point at each other.
        let teams = [
            link(3, Some(2), Some(101)),
            link(2, Some(1), None),
            link(1, None, Some(100)),
            link(4, None, Some(102)),
            link(5, Some(6), None),
            link(6, Some(5), None),
        ];
        let mut managed = managed_subtree(&teams, id(100));
        managed.sort();
        assert_eq!(managed, vec![id(1), id(2), id(3)]);
        assert_eq!(managed_subtree(&teams, id(101)), vec![id(3)]);
        assert!(managed_subtree(&teams, id(999)).is_empty());
    }

    fn fields(v: &Violations) -> Vec<&str> {
        v.iter().map(|v| v.field.as_str()).collect()
    }

    #[test]
    fn text_enums_round_trip() {
        for role in SalesRole::ALL {
            assert_eq!(SalesRole::parse(role.as_str()), Some(*role));
        }
        assert_eq!(AccessRole::parse("root"), None);
    }

    #[test]
    fn start_before_hire_and_missing_end_of_leaver_are_both_reported() {
        let e = Employment {
            hire_date: d(2026, 3, 1),
            start_date: d(2026, 2, 1),
            end_date: None,
            status: PersonStatus::Left,
        };
        assert_eq!(fields(&e.check()), ["start_date", "end_date"]);
    }

    #[test]
    fn an_end_date_needs_status_left() {
        let e = Employment {
            hire_date: None,
            start_date: d(2026, 1, 5),
            end_date: d(2026, 6, 30),
            status: PersonStatus::Active,
        };
        assert_eq!(fields(&e.check()), ["status"]);
    }

    #[test]
    fn consistent_employment_passes() {
        let e = Employment {
            hire_date: d(2026, 1, 1),
            start_date: d(2026, 1, 5),
            end_date: d(2026, 6, 30),
            status: PersonStatus::Left,
        };
        assert!(e.check().is_empty());
    }

    #[test]
    fn names_refuse_control_characters_and_excess_length() {
        let mut v = Violations::new();
        check_name(&mut v, "a", "Ana\0");
        check_name(&mut v, "b", &"x".repeat(201));
        check_name(&mut v, "c", "  ");
        check_name(&mut v, "d", "Ana O'Brien; DROP TABLE people");
        assert_eq!(fields(&v), ["a", "b", "c"]);
    }

    #[test]
    fn external_ids_are_checked_and_unique_per_system() {
        let ids = vec![
            ExternalId {
                system: "salesforce".into(),
                id: "005A".into(),
            },
            ExternalId {
                system: "salesforce".into(),
                id: "005B".into(),
            },
            ExternalId {
                system: "Sales Force".into(),
                id: String::new(),
            },
        ];
        let mut v = Violations::new();
        check_external_ids(&mut v, "external_ids", &ids);
        assert_eq!(
            fields(&v),
            ["external_ids[1].system", "external_ids[2].system", "external_ids[2].id"]
        );
    }

    #[test]
    fn email_shape() {
        let mut v = Violations::new();
        check_email(&mut v, "ok", "ana@example.com");
        check_email(&mut v, "empty", "");
        check_email(&mut v, "bad", "ana at example");
        check_email(&mut v, "bad2", "ana@localhost");
        assert_eq!(fields(&v), ["bad", "bad2"]);
    }
}
