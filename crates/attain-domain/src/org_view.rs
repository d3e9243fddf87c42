//! A tenant's org directory as a service holds it in memory (teams, people, calendar), and what
//! one caller may see of it. The org directory computes who sees what; this module only looks
//! things up in its answer: team subtrees, the chain of teams above a person, the sellers of a
//! team, names.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::{
    calendar::Calendar,
    org::{PersonStatus, SalesRole},
};

/// Teams are nested at most this deep; a longer chain (only possible if the data is damaged)
/// is cut here rather than followed forever.
pub const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirTeam {
    pub team_id: Uuid,
    pub parent_team_id: Option<Uuid>,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirPerson {
    pub person_id: Uuid,
    pub display_name: String,
    pub team_id: Option<Uuid>,
    pub sales_role: Option<SalesRole>,
    pub status: PersonStatus,
    pub start_date: Option<NaiveDate>,
}

impl DirPerson {
    /// Sellers carry quotas and activity goals.
    pub fn sells(&self) -> bool {
        self.sales_role.is_some_and(SalesRole::sells)
    }

    pub fn has_left(&self) -> bool {
        self.status == PersonStatus::Left
    }
}

/// One tenant's directory at one version.
#[derive(Debug, Clone)]
pub struct TenantDirectory {
    pub tenant_id: Uuid,
    pub version: i64,
    pub calendar: Calendar,
    pub currency_code: String,
    teams: HashMap<Uuid, DirTeam>,
    children: HashMap<Uuid, Vec<Uuid>>,
    /// By name, then id: the order scorecards and boards list people in.
    people: Vec<DirPerson>,
    person_index: HashMap<Uuid, usize>,
}

impl TenantDirectory {
    pub fn new(
        tenant_id: Uuid,
        version: i64,
        calendar: Calendar,
        currency_code: String,
        teams: Vec<DirTeam>,
        mut people: Vec<DirPerson>,
    ) -> Self {
        let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for team in &teams {
            if let Some(parent) = team.parent_team_id {
                children.entry(parent).or_default().push(team.team_id);
            }
        }
        people.sort_by(|a, b| (&a.display_name, a.person_id).cmp(&(&b.display_name, b.person_id)));
        let person_index = people.iter().enumerate().map(|(i, p)| (p.person_id, i)).collect();
        TenantDirectory {
            tenant_id,
            version,
            calendar,
            currency_code,
            teams: teams.into_iter().map(|t| (t.team_id, t)).collect(),
            children,
            people,
            person_index,
        }
    }

    pub fn team(&self, id: Uuid) -> Option<&DirTeam> {
        self.teams.get(&id)
    }

    pub fn teams(&self) -> impl Iterator<Item = &DirTeam> {
        self.teams.values()
    }

    pub fn person(&self, id: Uuid) -> Option<&DirPerson> {
        self.person_index.get(&id).map(|&i| &self.people[i])
    }

    /// Everyone, by name.
    pub fn people(&self) -> &[DirPerson] {
        &self.people
    }

    /// The teams under `roots`, roots included (those that exist), each once.
    pub fn subtree(&self, roots: &[Uuid]) -> Vec<Uuid> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut stack: Vec<Uuid> = roots.iter().copied().filter(|r| self.teams.contains_key(r)).collect();
        while let Some(team) = stack.pop() {
            if !seen.insert(team) {
                continue;
            }
            out.push(team);
            if let Some(kids) = self.children.get(&team) {
                stack.extend(kids.iter().copied());
            }
        }
        out
    }

    /// `team` and the teams above it, nearest first, with their distance (0 for `team`).
    pub fn ancestors(&self, team: Uuid) -> Vec<(Uuid, usize)> {
        let mut out = Vec::new();
        let mut at = Some(team);
        while let Some(t) = at {
            if out.len() >= MAX_DEPTH || out.iter().any(|(seen, _)| *seen == t) {
                break;
            }
            out.push((t, out.len()));
            at = self.teams.get(&t).and_then(|t| t.parent_team_id);
        }
        out
    }

    /// The sellers in `teams` who have not left, by name.
    pub fn sellers_in(&self, teams: &[Uuid]) -> Vec<&DirPerson> {
        let teams: HashSet<&Uuid> = teams.iter().collect();
        self.people
            .iter()
            .filter(|p| p.sells() && !p.has_left() && p.team_id.is_some_and(|t| teams.contains(&t)))
            .collect()
    }
}

/// What one caller may see of a tenant, as the org directory decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Every team and person (ADMIN, INTEGRATION).
    pub all: bool,
    /// Teams the caller may read.
    pub teams: HashSet<Uuid>,
    /// Teams whose members the caller may read.
    pub member_teams: HashSet<Uuid>,
    /// People the caller may see.
    pub people: HashSet<Uuid>,
}

/// A tenant's directory through one caller's eyes.
#[derive(Debug, Clone)]
pub struct View {
    pub directory: std::sync::Arc<TenantDirectory>,
    pub scope: Scope,
}

impl View {
    /// The person, when they exist and the caller may see them.
    pub fn visible_person(&self, id: Uuid) -> Option<&DirPerson> {
        self.directory
            .person(id)
            .filter(|_| self.scope.all || self.scope.people.contains(&id))
    }

    /// Those of `ids` (or, with `None`, of everyone) who exist and whom the caller may see,
    /// by name.
    pub fn visible_people(&self, ids: Option<&[Uuid]>) -> Vec<&DirPerson> {
        match ids {
            None => self
                .directory
                .people()
                .iter()
                .filter(|p| self.scope.all || self.scope.people.contains(&p.person_id))
                .collect(),
            Some(ids) => {
                let mut found: Vec<&DirPerson> = ids
                    .iter()
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .filter_map(|id| self.visible_person(*id))
                    .collect();
                found.sort_by(|a, b| (&a.display_name, a.person_id).cmp(&(&b.display_name, b.person_id)));
                found
            }
        }
    }

    /// The team exists (whether or not the caller may read it).
    pub fn team_exists(&self, id: Uuid) -> bool {
        self.directory.team(id).is_some()
    }

    /// The caller may read the team's members.
    pub fn sees_members_of(&self, team: Uuid) -> bool {
        self.team_exists(team) && (self.scope.all || self.scope.member_teams.contains(&team))
    }

    /// The caller may read the team itself (a rep their own team).
    pub fn sees_team(&self, team: Uuid) -> bool {
        self.team_exists(team) && (self.scope.all || self.scope.teams.contains(&team))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn calendar() -> Calendar {
        Calendar::default()
    }

    fn team(n: u128, parent: Option<u128>) -> DirTeam {
        DirTeam {
            team_id: id(n),
            parent_team_id: parent.map(id),
            display_name: format!("team {n}"),
        }
    }

    fn person(n: u128, name: &str, team: Option<u128>, role: SalesRole, status: PersonStatus) -> DirPerson {
        DirPerson {
            person_id: id(n),
            display_name: name.into(),
            team_id: team.map(id),
            sales_role: Some(role),
            status,
            start_date: None,
        }
    }

    fn sample() -> TenantDirectory {
        TenantDirectory::new(
            id(0),
            7,
            calendar(),
            "USD".into(),
            vec![team(1, None), team(2, Some(1)), team(3, Some(2)), team(4, None)],
            vec![
                person(10, "Zoe", Some(3), SalesRole::Sdr, PersonStatus::Active),
                person(11, "Al", Some(3), SalesRole::FieldAe, PersonStatus::Active),
                person(12, "Bo", Some(3), SalesRole::Sdr, PersonStatus::Left),
                person(13, "Cy", Some(2), SalesRole::SalesManager, PersonStatus::Active),
                person(14, "Di", Some(4), SalesRole::Sdr, PersonStatus::Onboarding),
            ],
        )
    }

    #[test]
    fn subtree_holds_the_roots_and_everything_below_once() {
        let d = sample();
        let mut sub = d.subtree(&[id(1), id(2), id(99)]);
        sub.sort();
        assert_eq!(sub, vec![id(1), id(2), id(3)]);
        assert!(d.subtree(&[id(99)]).is_empty());
    }

    #[test]
    fn ancestors_are_nearest_first_with_their_distance() {
        let d = sample();
        assert_eq!(d.ancestors(id(3)), vec![(id(3), 0), (id(2), 1), (id(1), 2)]);
        assert_eq!(d.ancestors(id(4)), vec![(id(4), 0)]);
    }

    #[test]
    fn a_damaged_cycle_of_teams_ends() {
        let d = TenantDirectory::new(
            id(0),
            1,
            calendar(),
            "USD".into(),
            vec![team(1, Some(2)), team(2, Some(1))],
            vec![],
        );
        assert_eq!(d.ancestors(id(1)).len(), 2);
        assert_eq!(d.subtree(&[id(1)]).len(), 2);
    }

    #[test]
    fn sellers_leave_out_managers_and_leavers_and_are_by_name() {
        let d = sample();
        let names: Vec<&str> = d
            .sellers_in(&[id(3), id(2)])
            .iter()
            .map(|p| p.display_name.as_str())
            .collect();
        assert_eq!(names, vec!["Al", "Zoe"]);
    }

    #[test]
    fn a_scoped_view_shows_only_its_people() {
        let view = View {
            directory: std::sync::Arc::new(sample()),
            scope: Scope {
                people: [id(10), id(13)].into(),
                member_teams: [id(3)].into(),
                teams: [id(3), id(2)].into(),
                all: false,
            },
        };
        assert!(view.visible_person(id(11)).is_none());
        let names: Vec<&str> = view
            .visible_people(Some(&[id(10), id(11), id(13), id(10), id(99)]))
            .iter()
            .map(|p| p.display_name.as_str())
            .collect();
        assert_eq!(names, vec!["Cy", "Zoe"]);
        assert!(view.sees_members_of(id(3)) && !view.sees_members_of(id(2)));
        assert!(view.sees_team(id(2)) && !view.sees_team(id(4)));
        assert_eq!(view.visible_people(None).len(), 2);
    }

    proptest! {
        /// Every team of a forest is in the subtree of its root, and its ancestors end at a root.
        #[test]
        fn subtrees_and_ancestors_agree(parents in proptest::collection::vec(proptest::option::of(0usize..40), 1..40)) {
            // Team i may only hang under a team with a smaller number: always a forest.
            let teams: Vec<DirTeam> = parents
                .iter()
                .enumerate()
                .map(|(i, p)| team(i as u128, p.filter(|p| *p < i).map(|p| p as u128)))
                .collect();
            let d = TenantDirectory::new(id(0), 1, calendar(), "USD".into(), teams.clone(), vec![]);
            for t in &teams {
                let chain = d.ancestors(t.team_id);
                let (root, _) = *chain.last().expect("the team itself");
                prop_assert!(d.team(root).is_some_and(|r| r.parent_team_id.is_none()));
                prop_assert!(d.subtree(&[root]).contains(&t.team_id));
                for (above, _) in &chain {
                    prop_assert!(d.subtree(&[*above]).contains(&t.team_id));
                }
            }
        }
    }
}
