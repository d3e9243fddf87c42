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
use attain_runtime::{ApiResult, Ctx};
use sqlx::PgPool;
use tonic::{Request, Response, Status};

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

fn respond<T>(result: ApiResult<T>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// The caller and the credential to call other services with on their behalf.
fn who<T>(req: &Request<T>) -> Result<Ctx, Status> {
    Ok(Ctx::of(req)?)
}

#[tonic::async_trait]
impl HiringService for HiringApi {
    async fn create_process_template(
        &self,
        req: Request<CreateProcessTemplateRequest>,
    ) -> Result<Response<CreateProcessTemplateResponse>, Status> {
        let ctx = who(&req)?;
        respond(requisitions::create_template(self, &ctx, req.into_inner()).await)
    }

    async fn list_process_templates(
        &self,
        req: Request<ListProcessTemplatesRequest>,
    ) -> Result<Response<ListProcessTemplatesResponse>, Status> {
        let ctx = who(&req)?;
        respond(requisitions::list_templates(self, &ctx, req.into_inner()).await)
    }

    async fn create_requisition(
        &self,
        req: Request<CreateRequisitionRequest>,
    ) -> Result<Response<CreateRequisitionResponse>, Status> {
        let ctx = who(&req)?;
        respond(requisitions::create(self, &ctx, req.into_inner()).await)
    }

    async fn get_requisition(
        &self,
        req: Request<GetRequisitionRequest>,
    ) -> Result<Response<GetRequisitionResponse>, Status> {
        let ctx = who(&req)?;
        respond(requisitions::get(self, &ctx, req.into_inner()).await)
    }

    async fn list_requisitions(
        &self,
        req: Request<ListRequisitionsRequest>,
    ) -> Result<Response<ListRequisitionsResponse>, Status> {
        let ctx = who(&req)?;
        respond(requisitions::list(self, &ctx, req.into_inner()).await)
    }

    async fn set_requisition_status(
        &self,
        req: Request<SetRequisitionStatusRequest>,
    ) -> Result<Response<SetRequisitionStatusResponse>, Status> {
        let ctx = who(&req)?;
        respond(requisitions::set_status(self, &ctx, req.into_inner()).await)
    }

    async fn create_candidate(
        &self,
        req: Request<CreateCandidateRequest>,
    ) -> Result<Response<CreateCandidateResponse>, Status> {
        let ctx = who(&req)?;
        respond(candidates::create(self, &ctx, req.into_inner()).await)
    }

    async fn get_candidate(&self, req: Request<GetCandidateRequest>) -> Result<Response<GetCandidateResponse>, Status> {
        let ctx = who(&req)?;
        respond(candidates::get(self, &ctx, req.into_inner()).await)
    }

    async fn list_candidates(
        &self,
        req: Request<ListCandidatesRequest>,
    ) -> Result<Response<ListCandidatesResponse>, Status> {
        let ctx = who(&req)?;
        respond(candidates::list(self, &ctx, req.into_inner()).await)
    }

    async fn move_candidate(
        &self,
        req: Request<MoveCandidateRequest>,
    ) -> Result<Response<MoveCandidateResponse>, Status> {
        let ctx = who(&req)?;
        respond(candidates::move_to(self, &ctx, req.into_inner()).await)
    }

    async fn record_interview(
        &self,
        req: Request<RecordInterviewRequest>,
    ) -> Result<Response<RecordInterviewResponse>, Status> {
        let ctx = who(&req)?;
        respond(interviews::record(self, &ctx, req.into_inner()).await)
    }

    async fn list_interviews(
        &self,
        req: Request<ListInterviewsRequest>,
    ) -> Result<Response<ListInterviewsResponse>, Status> {
        let ctx = who(&req)?;
        respond(interviews::list(self, &ctx, req.into_inner()).await)
    }

    async fn close_candidate(
        &self,
        req: Request<CloseCandidateRequest>,
    ) -> Result<Response<CloseCandidateResponse>, Status> {
        let ctx = who(&req)?;
        respond(candidates::close(self, &ctx, req.into_inner()).await)
    }

    async fn record_offer(&self, req: Request<RecordOfferRequest>) -> Result<Response<RecordOfferResponse>, Status> {
        let ctx = who(&req)?;
        respond(interviews::offer(self, &ctx, req.into_inner()).await)
    }

    async fn hire_candidate(
        &self,
        req: Request<HireCandidateRequest>,
    ) -> Result<Response<HireCandidateResponse>, Status> {
        let ctx = who(&req)?;
        respond(hire::hire(self, &ctx, req.into_inner()).await)
    }

    async fn create_bench_entry(
        &self,
        req: Request<CreateBenchEntryRequest>,
    ) -> Result<Response<CreateBenchEntryResponse>, Status> {
        let ctx = who(&req)?;
        respond(bench::create(self, &ctx, req.into_inner()).await)
    }

    async fn list_bench_entries(
        &self,
        req: Request<ListBenchEntriesRequest>,
    ) -> Result<Response<ListBenchEntriesResponse>, Status> {
        let ctx = who(&req)?;
        respond(bench::list(self, &ctx, req.into_inner()).await)
    }

    async fn get_bench_strength(
        &self,
        req: Request<GetBenchStrengthRequest>,
    ) -> Result<Response<GetBenchStrengthResponse>, Status> {
        let ctx = who(&req)?;
        respond(bench::strength(self, &ctx, req.into_inner()).await)
    }

    async fn get_pipeline(&self, req: Request<GetPipelineRequest>) -> Result<Response<GetPipelineResponse>, Status> {
        let ctx = who(&req)?;
        respond(requisitions::pipeline(self, &ctx, req.into_inner()).await)
    }

    async fn get_hiring_kpis(
        &self,
        req: Request<GetHiringKpisRequest>,
    ) -> Result<Response<GetHiringKpisResponse>, Status> {
        let ctx = who(&req)?;
        respond(kpis::kpis(self, &ctx, req.into_inner()).await)
    }
}
