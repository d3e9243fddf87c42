//! Everything that sets the targets of a group of people over a range, loaded in one
//! transaction, and the targets it gives.

use std::collections::HashMap;

use attain_domain::{
    calendar::Calendar,
    org_view::TenantDirectory,
    period::{DateRange, Granularity},
    scorecard::{
        Ramp, TargetSpec, Thresholds,
        plan::{self, Member as Share, Person, QuotaSpan, TargetInputs, TargetSource},
        template::{LineTarget, Shape, TemplateLine},
    },
};
use attain_runtime::{ApiError, ApiResult};
use chrono::NaiveDate;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use crate::scorecards::{
    plan_store::{self as plans, Member, OverrideRecord, QuotaRecord},
    store::{self, LineRecord, TemplateRecord},
};

/// A stored line as the domain reads it.
pub fn line_from_record(r: &LineRecord) -> TemplateLine {
    TemplateLine {
        metric_key: r.metric_key.clone(),
        section: r.section,
        target: LineTarget {
            spec: TargetSpec {
                daily: r.daily,
                weekly: r.weekly,
                monthly: r.monthly,
                quarterly: r.quarterly,
            },
            level: r.level,
        },
        weight: r.weight,
        thresholds: Thresholds {
            red_below: r.red_below,
            green_from: r.green_from,
        },
    }
}

/// A template with its lines.
pub struct Template {
    pub record: TemplateRecord,
    pub lines: Vec<TemplateLine>,
}

pub struct Context {
    pub people: Vec<Member>,
    pub templates: HashMap<Uuid, Template>,
    person_template: HashMap<Uuid, Uuid>,
    ramps: HashMap<Uuid, Ramp>,
    overrides: HashMap<(Uuid, String), OverrideRecord>,
    person_quotas: HashMap<(Uuid, String), Vec<QuotaSpan>>,
    team_shares: HashMap<(Uuid, String), Vec<QuotaSpan>>,
    days_off: HashMap<Uuid, Vec<NaiveDate>>,
}

fn span(q: &QuotaRecord) -> QuotaSpan {
    QuotaSpan {
        range: DateRange {
            start: q.start_date,
            end: q.end_date,
        },
        amount: q.amount as f64,
    }
}

impl Context {
    /// Loads the templates, ramps, overrides, quotas and time off of `people` for `range`.
    /// `extra_templates` are loaded too (a team's own template).
    pub async fn load(
        c: &mut PgConnection,
        directory: &TenantDirectory,
        people: Vec<Member>,
        range: DateRange,
        extra_templates: &[Uuid],
    ) -> ApiResult<Context> {
        let mut context = Context::templates(c, directory, people, extra_templates).await?;
        context.load_plans(c, directory, range).await?;
        Ok(context)
    }

    /// The people's templates only; `load_plans` adds the rest. Split so that a caller can ask
    /// the metrics service for the templates' metrics while the plans load.
    pub async fn templates(
        c: &mut PgConnection,
        directory: &TenantDirectory,
        people: Vec<Member>,
        extra_templates: &[Uuid],
    ) -> ApiResult<Context> {
        let ids: Vec<Uuid> = people.iter().map(|p| p.person_id).collect();
        let sources = store::TemplateSources::of(directory, &ids);
        let rows = store::templates_with_lines(c, directory.tenant_id, &sources, extra_templates).await?;
        let mut person_template = HashMap::new();
        let mut templates: HashMap<Uuid, Template> = HashMap::new();
        for row in rows {
            let id = row.template.template_id;
            let line = row.line();
            let template = templates.entry(id).or_insert_with(|| {
                for person in row.people.iter().flatten() {
                    person_template.insert(*person, id);
                }
                Template {
                    record: row.template,
                    lines: Vec::new(),
                }
            });
            template.lines.extend(line.as_ref().map(line_from_record));
        }
        Ok(Context {
            people,
            templates,
            person_template,
            ramps: HashMap::new(),
            overrides: HashMap::new(),
            person_quotas: HashMap::new(),
            team_shares: HashMap::new(),
            days_off: HashMap::new(),
        })
    }

    /// Loads the ramps, overrides, quotas and time off of the people for `range`.
    pub async fn load_plans(
        &mut self,
        c: &mut PgConnection,
        directory: &TenantDirectory,
        range: DateRange,
    ) -> ApiResult<()> {
        let tenant = directory.tenant_id;
        let people = &self.people;
        let ids: Vec<Uuid> = people.iter().map(|p| p.person_id).collect();
        let overrides = plans::overrides_of(c, tenant, &ids)
            .await?
            .into_iter()
            .map(|o| ((o.person_id, o.metric_key.clone()), o))
            .collect();
        let mut teams: Vec<Uuid> = people.iter().filter_map(|p| p.team_id).collect();
        teams.sort_unstable();
        teams.dedup();
        let quotas = plans::quotas(c, tenant, &ids, &teams, range.start, range.end).await?;
        let mut person_quotas: HashMap<(Uuid, String), Vec<QuotaSpan>> = HashMap::new();
        for q in quotas.iter() {
            if let Some(p) = q.person_id {
                person_quotas
                    .entry((p, q.metric_key.clone()))
                    .or_default()
                    .push(span(q));
            }
        }
        let team_quotas: Vec<&QuotaRecord> = quotas.iter().filter(|q| q.team_id.is_some()).collect();
        let mut ramp_people = ids.clone();
        // A team quota is shared by all the team's sellers, not only the people asked about.
        let mut team_members = Vec::new();
        if !team_quotas.is_empty() {
            let quota_teams: Vec<Uuid> = team_quotas.iter().filter_map(|q| q.team_id).collect();
            team_members = plans::sellers_in(directory, &quota_teams);
            ramp_people.extend(team_members.iter().map(|m| m.person_id));
            ramp_people.sort_unstable();
            ramp_people.dedup();
        }
        let ramps: HashMap<Uuid, Ramp> = plans::ramps_of(c, tenant, &ramp_people)
            .await?
            .into_iter()
            .map(|(p, steps)| (p, Ramp { steps }))
            .collect();
        let mut team_shares: HashMap<(Uuid, String), Vec<QuotaSpan>> = HashMap::new();
        if !team_quotas.is_empty() {
            let member_ids: Vec<Uuid> = team_members.iter().map(|m| m.person_id).collect();
            let own = plans::quotas(c, tenant, &member_ids, &[], range.start, range.end).await?;
            for q in team_quotas {
                let members: Vec<&Member> = team_members.iter().filter(|m| m.team_id == q.team_id).collect();
                let shares: Vec<Share> = members
                    .iter()
                    .map(|m| Share {
                        factor: factor(
                            &ramps,
                            m,
                            &directory.calendar,
                            DateRange {
                                start: q.start_date,
                                end: q.end_date,
                            },
                        ),
                        own: own
                            .iter()
                            .find(|o| {
                                o.person_id == Some(m.person_id)
                                    && o.metric_key == q.metric_key
                                    && (o.start_date, o.end_date) == (q.start_date, q.end_date)
                            })
                            .map(|o| o.amount as f64),
                    })
                    .collect();
                for (m, share) in members.iter().zip(plan::distribute(q.amount as f64, &shares)) {
                    if let Some(amount) = share {
                        let s = QuotaSpan { amount, ..span(q) };
                        team_shares
                            .entry((m.person_id, q.metric_key.clone()))
                            .or_default()
                            .push(s);
                    }
                }
            }
        }
        let mut days_off: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
        for t in plans::time_off(c, tenant, &ids, range.start, range.end).await? {
            let days = t
                .start_date
                .max(range.start)
                .iter_days()
                .take_while(|d| *d <= t.end_date.min(range.end));
            days_off.entry(t.person_id).or_default().extend(days);
        }
        self.ramps = ramps;
        self.overrides = overrides;
        self.person_quotas = person_quotas;
        self.team_shares = team_shares;
        self.days_off = days_off;
        Ok(())
    }

    /// Loads the plans for `range` and commits `tx` while `fetch` runs (the metrics service's
    /// part of a read), so the two round trips overlap instead of adding up.
    pub async fn load_plans_beside<T>(
        &mut self,
        mut tx: Transaction<'static, Postgres>,
        directory: &TenantDirectory,
        range: DateRange,
        fetch: impl Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        let load = async {
            self.load_plans(&mut tx, directory, range).await?;
            tx.commit().await?;
            Ok::<_, ApiError>(())
        };
        let (fetched, loaded) = tokio::join!(fetch, load);
        loaded?;
        fetched
    }

    /// The person's template, if they have one.
    pub fn template_of(&self, person: Uuid) -> Option<&Template> {
        self.templates.get(self.person_template.get(&person)?)
    }

    pub fn person<'a>(&'a self, m: &Member) -> Person<'a> {
        Person {
            start_date: m.start_date,
            ramp: self.ramps.get(&m.person_id),
            days_off: self.days_off.get(&m.person_id).map_or(&[], Vec::as_slice),
        }
    }

    /// Working days in `range` the person is off.
    pub fn working_days_off(&self, m: &Member, calendar: &Calendar, range: DateRange) -> usize {
        let mut days: Vec<NaiveDate> = self
            .person(m)
            .days_off
            .iter()
            .copied()
            .filter(|d| range.contains(*d) && calendar.is_working_day(*d))
            .collect();
        days.sort_unstable();
        days.dedup();
        days.len()
    }

    /// The person's target for `line` over `range` (see `plan::additive_target`); for ratio
    /// and MAX metrics the level, from the person's override or the line.
    pub fn target(
        &self,
        m: &Member,
        line: &TemplateLine,
        shape: Shape,
        calendar: &Calendar,
        range: DateRange,
        granularity: Granularity,
    ) -> Option<(f64, TargetSource)> {
        let key = (m.person_id, line.metric_key.clone());
        let o = self.overrides.get(&key);
        if shape == Shape::Level {
            return match o.and_then(|o| o.level) {
                Some(level) => Some((level, TargetSource::Override)),
                None => line.target.level.map(|l| (l, TargetSource::Template)),
            };
        }
        let spec = match o.map(OverrideRecord::spec) {
            Some(spec) if spec != Default::default() => (spec, TargetSource::Override),
            _ => (line.target.spec, TargetSource::Template),
        };
        let inputs = TargetInputs {
            person_quotas: self.person_quotas.get(&key).map_or(&[], Vec::as_slice),
            team_shares: self.team_shares.get(&key).map_or(&[], Vec::as_slice),
            spec: Some(spec),
        };
        plan::additive_target(&inputs, &self.person(m), calendar, range, granularity)
    }
}

/// A member's ramp over a team quota's span, day by day.
fn factor(ramps: &HashMap<Uuid, Ramp>, m: &Member, calendar: &Calendar, span: DateRange) -> f64 {
    Person {
        start_date: m.start_date,
        ramp: ramps.get(&m.person_id),
        days_off: &[],
    }
    .mean_ramp_factor(calendar, span)
}
