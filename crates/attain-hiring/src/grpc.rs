//! `attain.hiring.v1.HiringService` on the wire: which function of [`crate::app`] answers each
//! RPC, and the tonic server around it. Only the server assembly (`lib.rs`) names this module.

use attain_proto::hiring::v1::{
    hiring_service_server::{self, HiringService},
    *,
};

use crate::app::{self, HiringApi};

impl HiringApi {
    pub fn into_server(self, max_message_bytes: usize) -> hiring_service_server::HiringServiceServer<HiringApi> {
        hiring_service_server::HiringServiceServer::new(self)
            .max_decoding_message_size(max_message_bytes)
            .max_encoding_message_size(max_message_bytes)
    }
}

attain_runtime::rpcs! {
    HiringService for HiringApi {
        create_process_template(CreateProcessTemplateRequest) -> CreateProcessTemplateResponse => app::requisitions::create_template;
        list_process_templates(ListProcessTemplatesRequest) -> ListProcessTemplatesResponse => app::requisitions::list_templates;
        create_requisition(CreateRequisitionRequest) -> CreateRequisitionResponse => app::requisitions::create;
        get_requisition(GetRequisitionRequest) -> GetRequisitionResponse => app::requisitions::get;
        list_requisitions(ListRequisitionsRequest) -> ListRequisitionsResponse => app::requisitions::list;
        set_requisition_status(SetRequisitionStatusRequest) -> SetRequisitionStatusResponse => app::requisitions::set_status;
        create_candidate(CreateCandidateRequest) -> CreateCandidateResponse => app::candidates::create;
        get_candidate(GetCandidateRequest) -> GetCandidateResponse => app::candidates::get;
        list_candidates(ListCandidatesRequest) -> ListCandidatesResponse => app::candidates::list;
        move_candidate(MoveCandidateRequest) -> MoveCandidateResponse => app::candidates::move_to;
        record_interview(RecordInterviewRequest) -> RecordInterviewResponse => app::interviews::record;
        list_interviews(ListInterviewsRequest) -> ListInterviewsResponse => app::interviews::list;
        close_candidate(CloseCandidateRequest) -> CloseCandidateResponse => app::candidates::close;
        record_offer(RecordOfferRequest) -> RecordOfferResponse => app::interviews::offer;
        hire_candidate(HireCandidateRequest) -> HireCandidateResponse => app::hire::hire;
        create_bench_entry(CreateBenchEntryRequest) -> CreateBenchEntryResponse => app::bench::create;
        list_bench_entries(ListBenchEntriesRequest) -> ListBenchEntriesResponse => app::bench::list;
        get_bench_strength(GetBenchStrengthRequest) -> GetBenchStrengthResponse => app::bench::strength;
        get_pipeline(GetPipelineRequest) -> GetPipelineResponse => app::requisitions::pipeline;
        get_hiring_kpis(GetHiringKpisRequest) -> GetHiringKpisResponse => app::kpis::kpis;
    }
}
