//! Focus plans (a team's key results and the behaviours behind each), templates generated from
//! them, and the leading-indicator analysis that helps pick the behaviours.

use std::collections::HashMap;

use attain_domain::analysis::Correlation;
use attain_domain::{
    Violations,
    analysis::lagged_correlations,
    focus::{KeyResult, check_focus_plan},
    org::AccessRole,
    org_view::View,
    period::{DateRange, Granularity},
    scorecard::{
        TargetSpec,
        template::{DEFAULT_THRESHOLDS, LineTarget, Section, Shape, TemplateLine, check_template},
    },
};
use attain_proto::metrics::v1::Grouping;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, dispatch::Decoded};
use chrono::{Days, NaiveDate, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    Partial, ScorecardApi, access,
    compute::{by_key, number},
    context::{Context, Template},
};
use crate::scorecards::{
    board_store::{self as boards, FocusRecord, StoredKeyResult},
    metrics::MetricInfo,
    plan_store as plans,
    store::{self, NewTemplate, Subject},
};

const MAX_LAG_WEEKS: usize = 4;
const HISTORY_DAYS: u64 = 90;

/// A team's focus plan to save: its key results (checked against the catalog by the use
/// case) and the team, as the decoder found it.
pub struct FocusDraft {
    pub key_results: Vec<KeyResult>,
    pub team: Partial<Uuid>,
}

/// A template to generate from a team's focus plan.
pub struct GenerateInput {
    pub team_id: Uuid,
    pub key: String,
    pub display_name: String,
    /// Assign the new template to the team.
    pub assign: bool,
}

/// An analysis to run: the result and behaviours (checked against the catalog by the use case)
/// and the fields the decoder checked.
pub struct AnalysisInput {
    pub result_metric_key: String,
    /// Empty: the behaviours of the team's focus plan for the result.
    pub behaviour_metric_keys: Vec<String>,
    pub fields: Partial<AnalysisFields>,
}

pub struct AnalysisFields {
    pub team_id: Uuid,
    /// Whole weeks before the as-of day's week.
    pub weeks: u32,
    pub as_of: Option<NaiveDate>,
}

/// How each behaviour's weekly totals track the result's, week by week and lagged.
pub struct Analysis {
    pub correlations: Vec<Correlation>,
    pub range: DateRange,
    pub rep_count: usize,
}

/// A plan's key results as stored; the warnings it was saved with, or (for a plan saved before
/// they were kept) those it gives as it stands; the warnings do not depend on the catalog.
pub fn plan_results(r: &FocusRecord) -> (Vec<KeyResult>, Vec<String>) {
    let results: Vec<KeyResult> = r
        .key_results
        .0
        .iter()
        .map(|k| KeyResult {
            metric_key: k.metric_key.clone(),
            behaviours: k.behaviours.clone(),
        })
        .collect();
    let warnings = match &r.warnings {
        Some(Json(stored)) => stored.clone(),
        None => check_focus_plan(&results, |_| true).1,
    };
    (results, warnings)
}

/// The team's plan, if the caller may see the team (a rep their own).
async fn load(api: &ScorecardApi, view: &View, team: Uuid) -> ApiResult<Option<FocusRecord>> {
    if !view.sees_team(team) {
        return Err(ApiError::not_found(format!("team {team}")));
    }
    let tenant = view.directory.tenant_id;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let record = boards::get_focus(&mut tx, tenant, team).await?;
    tx.commit().await?;
    Ok(record)
}

fn section_for(info: &MetricInfo, key_result: bool) -> Section {
    match (info.shape, info.layer, key_result) {
        (Shape::Level, _, _) => Section::Efficiency,
        (_, _, true) | (_, "result", _) => Section::Results,
        (_, "activity", _) => Section::Activities,
        _ => Section::Objectives,
    }
}

impl ScorecardApi {
    /// The fields are checked (the key results against the catalog) before the caller.
    pub async fn set_focus_plan(&self, ctx: &Ctx, draft: FocusDraft) -> ApiResult<FocusRecord> {
        let FocusDraft { key_results, team } = draft;
        let catalog = self.metrics.catalog(ctx, false).await?;
        let (found, warnings) = check_focus_plan(&key_results, |k| catalog.contains_key(k));
        // The domain names behaviours "behaviours"; the API calls them behaviour_metric_keys.
        let mut v = Violations::new();
        for f in found.iter() {
            v.add(
                format!(
                    "focus_plan.{}",
                    f.field.replace(".behaviours", ".behaviour_metric_keys")
                ),
                f.description.clone(),
            );
        }
        let team = team.check(v)?;
        let tenant = ctx.tenant_id;
        let view = self.view(ctx).await?;
        let mut tx = begin_tenant(&self.pool, tenant).await?;
        access::manage_team(ctx, &view, team)?;
        let stored: Vec<StoredKeyResult> = key_results
            .into_iter()
            .map(|k| StoredKeyResult {
                metric_key: k.metric_key,
                behaviours: k.behaviours,
            })
            .collect();
        let record = boards::set_focus(&mut tx, tenant, team, &stored, &warnings).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The team's plan; the id is checked before the caller.
    pub async fn get_focus_plan(&self, ctx: &Ctx, team: Uuid) -> ApiResult<FocusRecord> {
        let view = self.view(ctx).await?;
        load(self, &view, team)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("focus plan of team {team}")))
    }

    /// ADMIN only: the caller is checked before their fields.
    pub async fn generate_template(&self, ctx: &Ctx, input: Decoded<GenerateInput>) -> ApiResult<Template> {
        ctx.require(&[AccessRole::Admin], "create templates")?;
        let req = input.get()?;
        let team = req.team_id;
        let (api, view) = (self, self.view(ctx).await?);
        let plan = load(api, &view, team)
            .await?
            .ok_or_else(|| ApiError::FailedPrecondition(format!("team {team} has no focus plan: set one first")))?;
        let catalog = api.metrics.catalog(ctx, true).await?;
        // Metrics in plan order, each once: key results first, then their behaviours.
        let mut wanted: Vec<(String, bool)> = Vec::new();
        for k in &plan.key_results.0 {
            if !wanted.iter().any(|(m, _)| *m == k.metric_key) {
                wanted.push((k.metric_key.clone(), true));
            }
        }
        for k in &plan.key_results.0 {
            for b in &k.behaviours {
                if !wanted.iter().any(|(m, _)| m == b) {
                    wanted.push((b.clone(), false));
                }
            }
        }
        let tenant = ctx.tenant_id;
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let cal = view.directory.calendar.clone();
        let members = plans::sellers_in(&view.directory, &view.directory.subtree(&[team]));
        let own = store::template_of_team(&mut tx, tenant, &view.directory.ancestors(team)).await?;
        let context = Context::load(
            &mut tx,
            &view.directory,
            members,
            DateRange {
                start: today(&cal),
                end: today(&cal),
            },
            own.as_slice(),
        )
        .await?;
        tx.commit().await?;
        let current: HashMap<String, LineTarget> = own
            .and_then(|id| context.templates.get(&id))
            .map(|t| t.lines.iter().map(|l| (l.metric_key.clone(), l.target)).collect())
            .unwrap_or_default();
        // History fills in targets the current template lacks: the per-rep, per-working-day average.
        let end = today(&cal)
            .checked_sub_days(Days::new(1))
            .unwrap_or_else(|| today(&cal));
        let start = end.checked_sub_days(Days::new(HISTORY_DAYS - 1)).unwrap_or(end);
        let history = DateRange { start, end };
        let reps: Vec<Uuid> = context.people.iter().map(|m| m.person_id).collect();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|(m, _)| !current.contains_key(m))
            .map(|(m, _)| m.clone())
            .collect();
        let totals = if missing.is_empty() || reps.is_empty() {
            Vec::new()
        } else {
            let r = api
                .metrics
                .totals(ctx, &reps, &missing, history, Grouping::Combined)
                .await?;
            r.rows.into_iter().next().map(|r| r.values).unwrap_or_default()
        };
        let by = by_key(&totals);
        let rep_days = (reps.len() as f64) * f64::from(cal.working_days_between(history.start, history.end));
        let mut lines = Vec::new();
        let mut no_history = Vec::new();
        for (metric, key_result) in &wanted {
            let Some(info) = catalog.get(metric) else { continue };
            let target = match current.get(metric) {
                Some(t) => *t,
                None => {
                    let observed = number(by.get(metric.as_str()).copied());
                    if observed.is_none() || observed == Some(0.0) {
                        no_history.push(metric.clone());
                    }
                    let x = observed.unwrap_or(0.0);
                    match info.shape {
                        Shape::Level => LineTarget {
                            spec: TargetSpec::default(),
                            level: Some(x),
                        },
                        Shape::Additive => LineTarget {
                            spec: TargetSpec {
                                daily: Some(if rep_days > 0.0 {
                                    (x / rep_days * 10.0).ceil() / 10.0
                                } else {
                                    0.0
                                }),
                                ..TargetSpec::default()
                            },
                            level: None,
                        },
                    }
                }
            };
            lines.push(TemplateLine {
                metric_key: metric.clone(),
                section: section_for(info, *key_result),
                target,
                weight: if *key_result { 2.0 } else { 1.0 },
                thresholds: DEFAULT_THRESHOLDS,
            });
        }
        let description = if no_history.is_empty() {
            "Generated from the team's focus plan.".to_string()
        } else {
            format!(
                "Generated from the team's focus plan. No history for {}: set their targets.",
                no_history.join(", ")
            )
        };
        let (found, _) = check_template(&req.key, &req.display_name, &description, &lines, |k| {
            catalog.get(k).map(|m| m.shape)
        });
        let mut v = Violations::new();
        for f in found.iter() {
            let field = f
                .field
                .strip_prefix("lines")
                .map_or(f.field.clone(), |rest| format!("focus_plan{rest}"));
            v.add(field, f.description.clone());
        }
        v.into_result(())?;
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let new = NewTemplate {
            key: &req.key,
            display_name: &req.display_name,
            description: &description,
            lines: &lines,
        };
        let record =
            store::insert_template(&mut tx, tenant, &new, None)
                .await
                .map_err(|e| match ApiError::from(e) {
                    ApiError::AlreadyExists(_) => {
                        ApiError::AlreadyExists(format!("a template with key \"{}\" already exists", req.key))
                    }
                    other => other,
                })?;
        if req.assign {
            store::assign(&mut tx, tenant, Subject::Team(team), Some(record.template_id)).await?;
        }
        let template = super::template::with_lines(&mut tx, tenant, record).await?;
        tx.commit().await?;
        Ok(template)
    }

    /// The fields are checked (the metrics against the catalog) before the caller.
    pub async fn analyze_leading_indicators(&self, ctx: &Ctx, input: AnalysisInput) -> ApiResult<Analysis> {
        let api = self;
        let AnalysisInput {
            result_metric_key,
            behaviour_metric_keys,
            fields,
        } = input;
        let mut v = Violations::new();
        let catalog = api.metrics.catalog(ctx, false).await?;
        let additive = |v: &mut Violations, field: &str, key: &str| match catalog.get(key) {
            None => v.add(field, format!("no metric \"{}\" in the catalog", key.escape_debug())),
            Some(m) if m.shape != Shape::Additive => v.add(field, "must be a COUNT or SUM metric"),
            Some(_) => {}
        };
        if result_metric_key.is_empty() {
            v.add("result_metric_key", "is required");
        } else {
            additive(&mut v, "result_metric_key", &result_metric_key);
        }
        for (i, k) in behaviour_metric_keys.iter().enumerate() {
            additive(&mut v, &format!("behaviour_metric_keys[{i}]"), k);
        }
        let AnalysisFields {
            team_id: team,
            weeks,
            as_of,
        } = fields.check(v)?;
        let tenant = ctx.tenant_id;
        let view = api.view(ctx).await?;
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let cal = view.directory.calendar.clone();
        access::see_team_members(&view, team)?;
        let reps = plans::sellers_in(&view.directory, &view.directory.subtree(&[team]));
        let plan = boards::get_focus(&mut tx, tenant, team).await?;
        tx.commit().await?;
        let behaviours: Vec<String> = if behaviour_metric_keys.is_empty() {
            plan.and_then(|p| p.key_results.0.into_iter().find(|k| k.metric_key == result_metric_key))
                .map(|k| k.behaviours)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "behaviour_metric_keys",
                        "give the behaviours, or set a focus plan for the team with this key result",
                    )
                })?
                .into_iter()
                .filter(|k| catalog.get(k).is_some_and(|m| m.shape == Shape::Additive))
                .collect()
        } else {
            behaviour_metric_keys.clone()
        };
        // Whole weeks only: from `weeks` weeks before the current one up to the end of last week.
        let today = as_of.unwrap_or_else(|| cal.local_date(Utc::now()));
        let this_week = cal.period_containing(Granularity::Week, today);
        let end = this_week
            .start
            .checked_sub_days(Days::new(1))
            .unwrap_or(this_week.start);
        let start = this_week
            .start
            .checked_sub_days(Days::new(7 * weeks as u64))
            .unwrap_or(this_week.start);
        let range = DateRange { start, end };
        let ids: Vec<Uuid> = reps.iter().map(|m| m.person_id).collect();
        let mut keys = vec![result_metric_key.clone()];
        keys.extend(behaviours.iter().filter(|b| **b != result_metric_key).cloned());
        let mut weekly: HashMap<String, Vec<Vec<f64>>> = keys
            .iter()
            .map(|k| (k.clone(), vec![vec![0.0; weeks as usize]; ids.len()]))
            .collect();
        if !ids.is_empty() {
            let rows = api
                .metrics
                .totals(ctx, &ids, &keys, range, Grouping::PerPersonDay)
                .await?
                .rows;
            let position: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            for row in rows {
                let Some(rep) = Uuid::parse_str(&row.person_id)
                    .ok()
                    .and_then(|p| position.get(&p).copied())
                else {
                    continue;
                };
                let mut ignored = Violations::new();
                let Some(day) = convert::optional_date(&mut ignored, "day", row.day.as_ref()) else {
                    continue;
                };
                let week = ((day - start).num_days() / 7) as usize;
                for value in &row.values {
                    if let (Some(x), Some(series)) = (number(Some(value)), weekly.get_mut(&value.metric_key))
                        && let Some(slot) = series.get_mut(rep).and_then(|w| w.get_mut(week))
                    {
                        *slot += x;
                    }
                }
            }
        }
        let result = weekly.get(&result_metric_key).cloned().unwrap_or_default();
        let candidates: Vec<(String, Vec<Vec<f64>>)> = behaviours
            .iter()
            .filter_map(|b| weekly.get(b).map(|w| (b.clone(), w.clone())))
            .collect();
        Ok(Analysis {
            correlations: lagged_correlations(&result, &candidates, MAX_LAG_WEEKS),
            range,
            rep_count: ids.len(),
        })
    }
}

fn today(cal: &attain_domain::calendar::Calendar) -> NaiveDate {
    cal.local_date(Utc::now())
}
