//! GetScorecard on the wire.

use attain_domain::{
    Violations,
    scorecard::{Band, plan::TargetSource},
};
use attain_proto::{common::v1 as common, scorecard::v1 as pb};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, enums::to_wire};

use crate::scorecards::app::{
    ScorecardApi,
    compute::{LineSource, Scorecard, ScorecardLine, ScorecardQuery, SpanSpec, Whose},
};

/// A request's period and as-of day, checked in that order (as_of first) as they always were.
pub fn span_spec(
    v: &mut Violations,
    period: Option<&common::Period>,
    as_of: Option<&common::Date>,
) -> Option<SpanSpec> {
    let as_of = convert::optional_date(v, "as_of", as_of);
    let period = convert::period_spec(v, "period", period)?;
    Some(SpanSpec { period, as_of })
}

fn band(b: Option<Band>) -> i32 {
    (match b {
        None => pb::Band::Unspecified,
        Some(Band::Red) => pb::Band::Red,
        Some(Band::Amber) => pb::Band::Amber,
        Some(Band::Green) => pb::Band::Green,
    }) as i32
}

fn source(s: LineSource) -> i32 {
    (match s {
        LineSource::Plan(TargetSource::PersonQuota) => pb::TargetSource::PersonQuota,
        LineSource::Plan(TargetSource::TeamQuota) => pb::TargetSource::TeamQuota,
        LineSource::Plan(TargetSource::Override) => pb::TargetSource::Override,
        LineSource::Plan(TargetSource::Template) => pb::TargetSource::Template,
        LineSource::Members => pb::TargetSource::Members,
    }) as i32
}

fn line(l: ScorecardLine) -> pb::ScorecardLine {
    pb::ScorecardLine {
        metric_key: l.metric_key,
        display_name: l.display_name,
        section: to_wire(l.section),
        actual: l.actual,
        numerator: l.numerator,
        denominator: l.denominator,
        target: l.target.map(|(t, _)| t),
        target_source: l.target.map_or(0, |(_, s)| source(s)),
        attainment: l.attainment,
        band: band(l.band),
        pace: l.pace.map(|p| pb::Pace {
            elapsed_working_days: p.elapsed_working_days as i32,
            total_working_days: p.total_working_days as i32,
            expected_to_date: p.expected_to_date,
            pace: p.pace,
            projection: p.projection,
            elapsed: p.elapsed,
        }),
        previous: l.previous,
        change: l.change,
        weight: l.weight,
        banded_on_pace: l.banded_on_pace,
    }
}

fn scorecard(s: Scorecard) -> pb::Scorecard {
    use pb::scorecard::Subject as S;
    pb::Scorecard {
        subject: Some(match s.subject {
            Whose::Person(p) => S::PersonId(p.to_string()),
            Whose::Team(t) => S::TeamId(t.to_string()),
        }),
        display_name: s.display_name,
        template_id: s.template.template_id.to_string(),
        template_name: s.template.display_name,
        range: Some(convert::range_to_proto(s.range)),
        previous_range: Some(convert::range_to_proto(s.previous_range)),
        as_of: Some(convert::date_to_proto(s.as_of)),
        in_progress: s.in_progress,
        overall_score: s.overall_score,
        lines: s.lines.into_iter().map(line).collect(),
        ramp_factor: s.ramp_factor,
        days_off: s.days_off as i32,
        member_count: s.member_count as i32,
    }
}

fn scorecard_query(req: &pb::GetScorecardRequest) -> ApiResult<ScorecardQuery> {
    use pb::get_scorecard_request::Subject as S;
    let mut v = Violations::new();
    let subject = match req.subject.as_ref() {
        Some(S::PersonId(id)) => convert::required_id(&mut v, "person_id", id).map(Whose::Person),
        Some(S::TeamId(id)) => convert::required_id(&mut v, "team_id", id).map(Whose::Team),
        None => {
            v.add("subject", "give person_id or team_id");
            None
        }
    };
    let span = span_spec(&mut v, req.period.as_ref(), req.as_of.as_ref());
    match v.into_result((subject, span))? {
        (Some(subject), Some(span)) => Ok(ScorecardQuery { subject, span }),
        _ => Err(ApiError::invalid("period", "is required")),
    }
}

pub async fn get_scorecard(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GetScorecardRequest,
) -> ApiResult<pb::GetScorecardResponse> {
    let s = api.scorecard(ctx, scorecard_query(&req).into()).await?;
    Ok(pb::GetScorecardResponse {
        scorecard: Some(scorecard(s)),
    })
}
