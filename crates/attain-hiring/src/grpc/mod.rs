//! `attain.hiring.v1.HiringService` on the wire: each RPC's request decoded into the typed
//! input of one use case of [`HiringApi`] (in `crate::app`), and its answer encoded. Only the
//! server assembly (`lib.rs`) names this module.

mod bench;
mod candidates;
mod encode;
mod requisitions;

use attain_proto::hiring::v1::{
    hiring_service_server::{self, HiringService},
    *,
};

use crate::HiringApi;

impl HiringApi {
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
        record_interview(RecordInterviewRequest) -> RecordInterviewResponse => candidates::record_interview;
        list_interviews(ListInterviewsRequest) -> ListInterviewsResponse => candidates::list_interviews;
        close_candidate(CloseCandidateRequest) -> CloseCandidateResponse => candidates::close;
        record_offer(RecordOfferRequest) -> RecordOfferResponse => candidates::offer;
        hire_candidate(HireCandidateRequest) -> HireCandidateResponse => candidates::hire;
        create_bench_entry(CreateBenchEntryRequest) -> CreateBenchEntryResponse => bench::create;
        list_bench_entries(ListBenchEntriesRequest) -> ListBenchEntriesResponse => bench::list;
        get_bench_strength(GetBenchStrengthRequest) -> GetBenchStrengthResponse => bench::strength;
        get_pipeline(GetPipelineRequest) -> GetPipelineResponse => requisitions::pipeline;
        get_hiring_kpis(GetHiringKpisRequest) -> GetHiringKpisResponse => bench::hiring_kpis;
    }
}
