//! `attain.hiring.v1.HiringService`: protobuf in, checks and access rules, store and peer calls,
//! domain math, protobuf out.

mod access;
mod bench;
mod candidates;
mod convert;
mod hire;
mod interviews;
mod kpis;
mod requisitions;

use std::sync::Arc;

use attain_proto::hiring::v1::{hiring_service_server::HiringService, *};
use sqlx::PgPool;

use attain_runtime::clients::Peers;

#[derive(Clone)]
pub struct HiringApi {
    pool: PgPool,
    peers: Arc<Peers>,
}

impl HiringApi {
    pub fn new(pool: PgPool, peers: Arc<Peers>) -> Self {
        Self { pool, peers }
    }

    pub fn into_server(self, max_message_bytes: usize) -> hiring_service_server::HiringServiceServer<HiringApi> {
        hiring_service_server::HiringServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

attain_runtime::rpcs! {
    HiringService for HiringApi {
        create_process_template(CreateProcessTemplateRequest) -> CreateProcessTemplateResponse => requisitions::create_template;
        list_process_templates(ListProcessTemplatesRequest) -> ListProcessTemplatesResponse => requisitions::list_templates;
        create_requisition(CreateRequisitionRequest) -> CreateRequisitionResponse => requisitions::create;
        get_requisition(GetRequisitionRequest) -> GetRequisitionResponse => requisitions::get;
        list_requisitions(ListRequisitionsRequest) -> ListRequisitionsResponse => requisitions::list;
        set_requisition_status(SetRequisitionStatusRequest) -> SetRequisitionStatusResponse => requisitions::set_status;
        create_candidate(CreateCandidateRequest) -> CreateCandidateResponse => candidates::create;
        get_candidate(GetCandidateRequest) -> GetCandidateResponse => candidates::get;
        list_candidates(ListCandidatesRequest) -> ListCandidatesResponse => candidates::list;
        move_candidate(MoveCandidateRequest) -> MoveCandidateResponse => candidates::move_to;
        record_interview(RecordInterviewRequest) -> RecordInterviewResponse => interviews::record;
        list_interviews(ListInterviewsRequest) -> ListInterviewsResponse => interviews::list;
        close_candidate(CloseCandidateRequest) -> CloseCandidateResponse => candidates::close;
        record_offer(RecordOfferRequest) -> RecordOfferResponse => interviews::offer;
        hire_candidate(HireCandidateRequest) -> HireCandidateResponse => hire::hire;
        create_bench_entry(CreateBenchEntryRequest) -> CreateBenchEntryResponse => bench::create;
        list_bench_entries(ListBenchEntriesRequest) -> ListBenchEntriesResponse => bench::list;
        get_bench_strength(GetBenchStrengthRequest) -> GetBenchStrengthResponse => bench::strength;
        get_pipeline(GetPipelineRequest) -> GetPipelineResponse => requisitions::pipeline;
        get_hiring_kpis(GetHiringKpisRequest) -> GetHiringKpisResponse => kpis::kpis;
    }
}
