//! Hiring math (issue 8): the states of requisitions, candidates, offers and the bench, the
//! rules of an interview process template, and the hiring KPIs (time to fill, process
//! adherence, time in stage, offer acceptance, bench strength, retention and tenure). Pure: no
//! I/O.

pub mod kinds;
pub mod kpi;
pub mod process;

pub use kinds::{
    BenchKind, CandidateSource, CandidateStatus, OfferOutcome, Readiness, Recommendation, RequisitionReason,
    RequisitionStatus,
};
