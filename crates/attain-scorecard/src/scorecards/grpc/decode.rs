//! Field decoders shared by the wire modules.

use attain_domain::{
    Violations,
    scorecard::{TargetSpec, template::LineTarget},
};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{
    ApiError, ApiResult, Ctx, convert,
    paging::{Page, PagedRequest},
};
use uuid::Uuid;

/// A required id of a request.
pub fn required_id(field: &str, text: &str) -> ApiResult<Uuid> {
    let mut v = Violations::new();
    let id = convert::required_id(&mut v, field, text);
    v.into_result(id)?
        .ok_or_else(|| ApiError::invalid(field, "is required"))
}

/// The page a list request asks for.
pub fn page<R: PagedRequest>(ctx: &Ctx, req: &R) -> ApiResult<Page> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, req);
    Ok(v.into_result(page)?)
}

/// The page of a list ordered by id, with the id it starts after.
pub fn id_page<R: PagedRequest>(ctx: &Ctx, req: &R) -> ApiResult<(Page, Option<Uuid>)> {
    let mut v = Violations::new();
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let after = page.after_id(&mut v);
    Ok(v.into_result((page, after))?)
}

/// A line's target as a request gives it.
pub fn target(t: &pb::Target) -> LineTarget {
    LineTarget {
        spec: TargetSpec {
            daily: t.daily,
            weekly: t.weekly,
            monthly: t.monthly,
            quarterly: t.quarterly,
        },
        level: t.level,
    }
}
