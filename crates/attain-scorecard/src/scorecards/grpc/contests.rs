//! Contests on the wire.

use attain_domain::{Violations, contest, contest::Kind, org::SalesRole};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums};
use chrono::NaiveDate;

use super::decode::id_page;
use crate::scorecards::{
    app::{
        Partial, ScorecardApi,
        contests::{ContestDraft, ContestFields, Standing, kind_of},
    },
    contest_store::{ContestRecord, Winner},
};

fn contest(r: &ContestRecord) -> pb::Contest {
    use pb::contest::Eligibility as E;
    pb::Contest {
        id: r.contest_id.to_string(),
        display_name: r.display_name.clone(),
        metric_key: r.metric_key.clone(),
        start_date: Some(convert::date_to_proto(r.start_date)),
        end_date: Some(convert::date_to_proto(r.end_date)),
        eligibility: match (r.team_id, r.sales_role) {
            (Some(t), _) => Some(E::TeamId(t.to_string())),
            (_, Some(role)) => Some(E::SalesRole(enums::to_wire(role))),
            _ => None,
        },
        kind: match kind_of(r) {
            Kind::Most => pb::ContestKind::Most,
            Kind::FirstTo { .. } => pb::ContestKind::FirstTo,
        } as i32,
        threshold: r.threshold,
        prizes: r
            .prizes
            .0
            .iter()
            .map(|(rank, description)| pb::ContestPrize {
                rank: *rank as i32,
                description: description.clone(),
            })
            .collect(),
        closed: r.closed_at.is_some(),
        winners: r
            .winners
            .as_ref()
            .map(|w| w.0.iter().map(winner).collect())
            .unwrap_or_default(),
    }
}

fn winner(w: &Winner) -> pb::ContestStanding {
    pb::ContestStanding {
        rank: w.rank as i32,
        person_id: w.person_id.clone(),
        display_name: w.display_name.clone(),
        value: None,
        reached_on: w
            .reached_on
            .as_deref()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .map(convert::date_to_proto),
        prize: w.prize.clone(),
    }
}

fn standing(s: Standing) -> pb::ContestStanding {
    pb::ContestStanding {
        rank: s.rank as i32,
        person_id: s.person_id.to_string(),
        display_name: s.display_name,
        value: s.value,
        reached_on: s.reached_on.map(convert::date_to_proto),
        prize: s.prize,
    }
}

fn contest_draft(req: pb::CreateContestRequest) -> ContestDraft {
    use pb::contest::Eligibility as E;
    let c = req.contest.unwrap_or_default();
    let mut v = Violations::new();
    attain_domain::org::check_name(&mut v, "contest.display_name", &c.display_name);
    let kind = match pb::ContestKind::try_from(c.kind) {
        Ok(pb::ContestKind::Most) => Some(Kind::Most),
        Ok(pb::ContestKind::FirstTo) => Some(Kind::FirstTo { threshold: c.threshold }),
        _ => {
            v.add("contest.kind", "must be CONTEST_KIND_MOST or CONTEST_KIND_FIRST_TO");
            None
        }
    };
    let (team, role) = match &c.eligibility {
        Some(E::TeamId(id)) => (convert::required_id(&mut v, "contest.team_id", id), None),
        Some(E::SalesRole(r)) => {
            let role = enums::from_wire::<SalesRole>(*r);
            if role.is_none() {
                v.add("contest.sales_role", "is not a SALES_ROLE_ value");
            }
            (None, role)
        }
        None => {
            v.add("contest.eligibility", "give team_id or sales_role");
            (None, None)
        }
    };
    let start = convert::required_date(&mut v, "contest.start_date", c.start_date.as_ref());
    let end = convert::required_date(&mut v, "contest.end_date", c.end_date.as_ref());
    let prizes: Vec<(i64, String)> = c
        .prizes
        .iter()
        .map(|p| (i64::from(p.rank), p.description.clone()))
        .collect();
    if let (Some(s), Some(e), Some(k)) = (start, end, kind) {
        contest::check(&mut v, s, e, k, &prizes);
    }
    let fields = match (start, end, kind) {
        (Some(start_date), Some(end_date), Some(_)) => Some(ContestFields {
            display_name: c.display_name,
            start_date,
            end_date,
            team_id: team,
            sales_role: role,
            prizes,
        }),
        _ => None,
    };
    ContestDraft {
        metric_key: c.metric_key,
        kind,
        fields: Partial::new(v, fields, "contest", "is required"),
    }
}

pub async fn create_contest(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::CreateContestRequest,
) -> ApiResult<pb::CreateContestResponse> {
    let saved = api.create_contest(ctx, contest_draft(req)).await?;
    Ok(pb::CreateContestResponse {
        contest: Some(contest(&saved)),
    })
}

pub async fn list_contests(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListContestsRequest,
) -> ApiResult<pb::ListContestsResponse> {
    let (page, before) = id_page(ctx, &req)?;
    let listed = api.list_contests(ctx, page, before).await?;
    Ok(pb::ListContestsResponse {
        contests: listed.items.iter().map(contest).collect(),
        next_page_token: listed.next_page_token,
    })
}

pub async fn get_contest_standings(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetContestStandingsRequest,
) -> ApiResult<pb::GetContestStandingsResponse> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, "contest_id", &req.contest_id);
    let as_of = convert::optional_date(&mut v, "as_of", req.as_of.as_ref());
    let id = v
        .into_result(id)?
        .ok_or_else(|| ApiError::invalid("contest_id", "is required"))?;
    let s = api.contest_standings(ctx, id, as_of).await?;
    Ok(pb::GetContestStandingsResponse {
        contest: Some(contest(&s.contest)),
        standings: s.standings.into_iter().map(standing).collect(),
        as_of: Some(convert::date_to_proto(s.as_of)),
    })
}
