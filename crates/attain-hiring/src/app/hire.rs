//! Hiring a candidate: a person in the org directory, their ramp, the requisition filled.
//!
//! The hire spans two services, so it cannot be one transaction. It is made safe to retry
//! instead: the first attempt stores a hire record with a fresh request id before asking the
//! directory, and every attempt sends that same id as CreatePerson's `request_id`, which the
//! directory answers with the person it created the first time. So a retry after any failure (the
//! directory down, the reply lost, this service restarted) finishes the same hire, and two
//! concurrent attempts share one record and get one person. The person also carries the
//! candidate's id as an external id (system `attain-hiring`), which finds them again should the
//! directory refuse the replay because that external id is taken.

use attain_domain::{
    hiring::{CandidateStatus, OfferOutcome, RequisitionStatus},
    org::AccessRole,
};
use attain_proto::org::v1::{ExternalId, Person, PersonStatus};
use attain_runtime::{ApiError, ApiResult, Ctx, convert, db::begin_tenant, dispatch::Decoded, enums::to_wire};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{
    HiringApi,
    access::View,
    candidates::{CandidateView, load, reply},
};
use crate::store::{
    candidates as store,
    requisitions::{self as req_store, HireRecord, RequisitionRecord},
};

/// A hire: the candidate, their first day, and optionally their ramp and, for the directory,
/// an email and title other than the candidate's and the requisition's.
pub struct Hire {
    pub candidate_id: Uuid,
    pub start_date: NaiveDate,
    pub ramp_id: Option<Uuid>,
    pub email: String,
    pub title: String,
}

/// What a hire made: the candidate (now HIRED), the requisition (now FILLED) and the person.
pub struct Hired {
    pub candidate: CandidateView,
    pub requisition: RequisitionRecord,
    pub person_id: Uuid,
}

/// What a retry asks differently from the hire's first attempt, in words naming the first
/// attempt's value; `None` when it repeats it. A hire recorded before the email, title and ramp
/// were kept is compared on its start date only.
fn differs(first: &HireRecord, start: NaiveDate, ramp: Option<Uuid>, req: &Hire) -> Option<String> {
    if first.start_date != start {
        return Some(format!("start date {}", first.start_date));
    }
    let kept = first.email.is_some();
    if kept && first.ramp_id != ramp {
        return Some(
            first
                .ramp_id
                .map_or("the tenant's default ramp".into(), |r| format!("ramp {r}")),
        );
    }
    if first.email.as_deref().is_some_and(|e| e != req.email) {
        return Some(format!("email \"{}\"", first.email.as_deref().unwrap_or_default()));
    }
    if first.title.as_deref().is_some_and(|t| t != req.title) {
        return Some(format!("title \"{}\"", first.title.as_deref().unwrap_or_default()));
    }
    None
}

/// The external-id system under which the directory keeps the candidate a person was hired as.
pub const EXTERNAL_SYSTEM: &str = "attain-hiring";

impl HiringApi {
    pub async fn hire(&self, ctx: &Ctx, input: Decoded<Hire>) -> ApiResult<Hired> {
        ctx.require(
            &[AccessRole::Admin],
            "hire: creating people in the org directory is for admins",
        )?;
        let api = self;
        let view = View::of(api, ctx).await?;
        let req = input.get()?;
        let (id, start, ramp) = (req.candidate_id, req.start_date, req.ramp_id);
        let calendar = api.peers.directory.calendar(ctx).await?;
        let tenant = ctx.tenant_id;

        // 1. Check and record the hire (or find the record of an earlier attempt).
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let (cand, requisition) = load(&mut tx, &view, id, true).await?;
        let accepted = cand
            .offer_outcome_time
            .filter(|_| cand.offer_outcome == Some(OfferOutcome::Accepted));
        let Some(accepted) = accepted else {
            return Err(ApiError::FailedPrecondition(format!(
                "candidate {id} has no accepted offer; record it with RecordOffer first"
            )));
        };
        let filled = calendar.local_date(accepted);
        if start < filled {
            return Err(ApiError::invalid(
                "start_date",
                format!("must not be before the day the offer was accepted ({filled})"),
            ));
        }
        let retry = cand.status == CandidateStatus::Hired;
        if !retry {
            if cand.status != CandidateStatus::Active {
                return Err(ApiError::FailedPrecondition(format!(
                    "candidate {id} is {}",
                    cand.status
                )));
            }
            if !requisition.status.is_opening() {
                return Err(ApiError::FailedPrecondition(format!(
                    "requisition {} is {}; only open or on-hold requisitions are filled",
                    requisition.requisition_id, requisition.status
                )));
            }
        }
        let record = req_store::begin_hire(
            &mut tx,
            tenant,
            &HireRecord {
                candidate_id: id,
                requisition_id: requisition.requisition_id,
                request_id: Uuid::new_v4(),
                person_id: None,
                hiring_manager_id: requisition.hiring_manager_id,
                team_id: requisition.team_id,
                start_date: start,
                ramp_id: ramp,
                email: Some(req.email.clone()),
                title: Some(req.title.clone()),
            },
        )
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::AlreadyExists(_) => ApiError::FailedPrecondition(format!(
                "requisition {} is being filled by another candidate",
                requisition.requisition_id
            )),
            other => other,
        })?;
        if let Some(difference) = differs(&record, start, ramp, &req) {
            let who = record
                .person_id
                .or(cand.person_id)
                .map_or_else(|| "a hire still in progress".to_string(), |p| format!("person {p}"));
            return Err(ApiError::FailedPrecondition(format!(
                "candidate {id} was already hired as {who} with {difference}; a retry must repeat the same \
             arguments (change the person in the directory, or their ramp with AssignRamp)"
            )));
        }
        tx.commit().await?;

        // 2. The person: an internal candidate is one already; anyone else is created, idempotently.
        let person = match (record.person_id, cand.person_id) {
            (Some(p), _) | (None, Some(p)) => p,
            (None, None) => {
                let person = Person {
                    display_name: cand.display_name.clone(),
                    email: if req.email.is_empty() {
                        cand.email.clone()
                    } else {
                        req.email.clone()
                    },
                    sales_role: to_wire(requisition.sales_role),
                    team_id: requisition.team_id.to_string(),
                    manager_id: requisition.hiring_manager_id.to_string(),
                    title: if req.title.is_empty() {
                        requisition.title.clone()
                    } else {
                        req.title.clone()
                    },
                    hire_date: Some(convert::date_to_proto(filled)),
                    start_date: Some(convert::date_to_proto(record.start_date)),
                    status: PersonStatus::Onboarding as i32,
                    ..Default::default()
                };
                let external = ExternalId {
                    system: EXTERNAL_SYSTEM.into(),
                    id: id.to_string(),
                };
                let created = api
                    .peers
                    .org
                    .create_person(ctx, person, record.request_id, external)
                    .await?;
                Uuid::try_parse(&created.id).map_err(|_| {
                    ApiError::internal(anyhow::anyhow!("the org directory returned person id {}", created.id))
                })?
            }
        };

        // 3. The ramp; assigning it again on a retry changes nothing.
        if let Some(r) = ramp {
            api.peers.scorecards.assign_ramp(ctx, person, r).await?;
        }

        // 4. Fill the requisition and close the candidate as hired, together.
        let mut tx = begin_tenant(&api.pool, tenant).await?;
        let (cand, requisition) = load(&mut tx, &view, id, true).await?;
        req_store::complete_hire(&mut tx, tenant, id, person).await?;
        if cand.status != CandidateStatus::Hired {
            store::set_hired(&mut tx, tenant, id, person, accepted).await?;
        }
        if requisition.status != RequisitionStatus::Filled {
            req_store::fill(&mut tx, tenant, requisition.requisition_id, filled, person).await?;
        }
        let candidate = reply(&mut tx, tenant, id).await?;
        let requisition = req_store::get_requisition(&mut tx, tenant, requisition.requisition_id, false)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("requisition {}", requisition.requisition_id)))?;
        tx.commit().await?;
        Ok(Hired {
            candidate,
            requisition,
            person_id: person,
        })
    }
}
