//! Focus plans (a team's key results and the behaviours behind each), templates generated from
//! them, and the leading-indicator analysis that helps pick the behaviours.

use std::collections::HashMap;

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
use attain_proto::{metrics::v1::Grouping, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant};
use chrono::{Days, NaiveDate, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    ScorecardApi, access,
    compute::{by_key, number, range_to_proto},
    context::Context,
};
use crate::scorecards::{
    board_store::{self as boards, FocusRecord, StoredKeyResult},
    metrics::MetricInfo,
    plan_store as plans,
    store::{self, NewTemplate, Subject},
};

const MAX_LAG_WEEKS: usize = 4;
const DEFAULT_LOOKBACK_WEEKS: i32 = 12;
const MAX_BEHAVIOURS: usize = 30;
const HISTORY_DAYS: u64 = 90;

fn team_id(v: &mut Violations, text: &str) -> Option<Uuid> {
    convert::required_id(v, "team_id", text)
}

fn to_proto(r: &FocusRecord) -> pb::FocusPlan {
    let results: Vec<KeyResult> = r
        .key_results
        .0
        .iter()
        .map(|k| KeyResult {
            metric_key: k.metric_key.clone(),
            behaviours: k.behaviours.clone(),
        })
        .collect();
    // The warnings do not depend on the catalog, so a plan saved before they were kept is
    // checked again as it stands.
    let warnings = match &r.warnings {
        Some(Json(stored)) => stored.clone(),
        None => check_focus_plan(&results, |_| true).1,
    };
    pb::FocusPlan {
        team_id: r.team_id.to_string(),
        key_results: results
            .into_iter()
            .map(|k| pb::KeyResult {
                metric_key: k.metric_key,
                behaviour_metric_keys: k.behaviours,
            })
            .collect(),
        warnings,
        update_time: Some(convert::timestamp(r.updated_at)),
    }
}

pub async fn set(api: &ScorecardApi, ctx: &Ctx, req: pb::SetFocusPlanRequest) -> ApiResult<pb::SetFocusPlanResponse> {
    let plan = req.focus_plan.unwrap_or_default();
    let mut v = Violations::new();
    let team = convert::required_id(&mut v, "focus_plan.team_id", &plan.team_id);
    let results: Vec<KeyResult> = plan
        .key_results
        .iter()
        .map(|k| KeyResult {
            metric_key: k.metric_key.clone(),
            behaviours: k.behaviour_metric_keys.clone(),
        })
        .collect();
    let catalog = api.metrics.catalog(ctx, false).await?;
    let (found, warnings) = check_focus_plan(&results, |k| catalog.contains_key(k));
    // The domain names behaviours "behaviours"; the API calls them behaviour_metric_keys.
    for f in found.iter() {
        v.add(
            format!(
                "focus_plan.{}",
                f.field.replace(".behaviours", ".behaviour_metric_keys")
            ),
            f.description.clone(),
        );
    }
    let team = v
        .into_result(team)?
        .ok_or_else(|| ApiError::invalid("focus_plan.team_id", "is required"))?;
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    access::manage_team(ctx, &view, team)?;
    let stored: Vec<StoredKeyResult> = results
        .into_iter()
        .map(|k| StoredKeyResult {
            metric_key: k.metric_key,
            behaviours: k.behaviours,
        })
        .collect();
    let record = boards::set_focus(&mut tx, tenant, team, &stored, &warnings).await?;
    tx.commit().await?;
    Ok(pb::SetFocusPlanResponse {
        focus_plan: Some(to_proto(&record)),
    })
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

pub async fn get(api: &ScorecardApi, ctx: &Ctx, req: pb::GetFocusPlanRequest) -> ApiResult<pb::GetFocusPlanResponse> {
    let mut v = Violations::new();
    let team = team_id(&mut v, &req.team_id);
    let team = v
        .into_result(team)?
        .ok_or_else(|| ApiError::invalid("team_id", "is required"))?;
    let view = api.view(ctx).await?;
    let record = load(api, &view, team)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("focus plan of team {team}")))?;
    Ok(pb::GetFocusPlanResponse {
        focus_plan: Some(to_proto(&record)),
    })
}

fn section_for(info: &MetricInfo, key_result: bool) -> Section {
    match (info.shape, info.layer, key_result) {
        (Shape::Level, _, _) => Section::Efficiency,
        (_, _, true) | (_, "result", _) => Section::Results,
        (_, "activity", _) => Section::Activities,
        _ => Section::Objectives,
    }
}

pub async fn generate(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GenerateTemplateRequest,
) -> ApiResult<pb::GenerateTemplateResponse> {
    ctx.require(&[AccessRole::Admin], "create templates")?;
    let mut v = Violations::new();
    let team = team_id(&mut v, &req.team_id);
    let team = v
        .into_result(team)?
        .ok_or_else(|| ApiError::invalid("team_id", "is required"))?;
    let view = api.view(ctx).await?;
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
    let record = store::insert_template(&mut tx, tenant, &new, None)
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
    Ok(pb::GenerateTemplateResponse {
        template: Some(template),
    })
}

fn today(cal: &attain_domain::calendar::Calendar) -> NaiveDate {
    cal.local_date(Utc::now())
}

pub async fn analyze(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::AnalyzeLeadingIndicatorsRequest,
) -> ApiResult<pb::AnalyzeLeadingIndicatorsResponse> {
    let mut v = Violations::new();
    let team = team_id(&mut v, &req.team_id);
    let weeks = match req.lookback_weeks {
        0 => DEFAULT_LOOKBACK_WEEKS,
        n @ 6..=104 => n,
        _ => {
            v.add("lookback_weeks", "must be 0 (12 weeks) or from 6 to 104");
            DEFAULT_LOOKBACK_WEEKS
        }
    };
    let catalog = api.metrics.catalog(ctx, false).await?;
    let additive = |v: &mut Violations, field: &str, key: &str| match catalog.get(key) {
        None => v.add(field, format!("no metric \"{}\" in the catalog", key.escape_debug())),
        Some(m) if m.shape != Shape::Additive => v.add(field, "must be a COUNT or SUM metric"),
        Some(_) => {}
    };
    if req.result_metric_key.is_empty() {
        v.add("result_metric_key", "is required");
    } else {
        additive(&mut v, "result_metric_key", &req.result_metric_key);
    }
    if req.behaviour_metric_keys.len() > MAX_BEHAVIOURS {
        v.add("behaviour_metric_keys", format!("at most {MAX_BEHAVIOURS}"));
    }
    for (i, k) in req.behaviour_metric_keys.iter().enumerate() {
        additive(&mut v, &format!("behaviour_metric_keys[{i}]"), k);
    }
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let team = v
        .into_result(team)?
        .ok_or_else(|| ApiError::invalid("team_id", "is required"))?;
    let tenant = ctx.tenant_id;
    let view = api.view(ctx).await?;
    let mut tx = begin_tenant(&api.pool, tenant).await?;
    let cal = view.directory.calendar.clone();
    access::see_team_members(&view, team)?;
    let reps = plans::sellers_in(&view.directory, &view.directory.subtree(&[team]));
    let plan = boards::get_focus(&mut tx, tenant, team).await?;
    tx.commit().await?;
    let behaviours: Vec<String> = if req.behaviour_metric_keys.is_empty() {
        plan.and_then(|p| {
            p.key_results
                .0
                .into_iter()
                .find(|k| k.metric_key == req.result_metric_key)
        })
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
        req.behaviour_metric_keys.clone()
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
    let mut keys = vec![req.result_metric_key.clone()];
    keys.extend(behaviours.iter().filter(|b| **b != req.result_metric_key).cloned());
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
    let result = weekly.get(&req.result_metric_key).cloned().unwrap_or_default();
    let candidates: Vec<(String, Vec<Vec<f64>>)> = behaviours
        .iter()
        .filter_map(|b| weekly.get(b).map(|w| (b.clone(), w.clone())))
        .collect();
    let correlations = lagged_correlations(&result, &candidates, MAX_LAG_WEEKS)
        .into_iter()
        .map(|c| pb::IndicatorCorrelation {
            metric_key: c.metric,
            lag_weeks: c.lag as i32,
            r: c.r,
            sample_size: c.n as i32,
        })
        .collect();
    Ok(pb::AnalyzeLeadingIndicatorsResponse {
        correlations,
        range: Some(range_to_proto(range)),
        rep_count: ids.len() as i32,
    })
}
