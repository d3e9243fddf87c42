//! Praise on the wire.

use attain_domain::Violations;
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{ApiError, ApiResult, Ctx, convert, paging::Page};

use crate::scorecards::{
    app::{
        ScorecardApi,
        praise::{NewPraise, PraiseQuery},
    },
    praise_store::PraiseRecord,
};

fn praise(r: &PraiseRecord) -> pb::Praise {
    pb::Praise {
        id: r.praise_id.to_string(),
        giver_id: r.giver_id.to_string(),
        recipient_id: r.recipient_id.to_string(),
        category: r.category.clone(),
        message: r.message.clone(),
        private: r.private,
        create_time: Some(convert::timestamp(r.created_at)),
    }
}

fn check_category(v: &mut Violations, category: &str) {
    let ok = (1..=40).contains(&category.len())
        && category
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        v.add(
            "praise.category",
            "1 to 40 characters of a-z, 0-9 and _, e.g. \"teamwork\"",
        );
    }
}

fn new_praise(req: pb::GivePraiseRequest) -> ApiResult<NewPraise> {
    let p = req.praise.unwrap_or_default();
    let mut v = Violations::new();
    let recipient = convert::required_id(&mut v, "praise.recipient_id", &p.recipient_id);
    check_category(&mut v, &p.category);
    let length = p.message.trim().chars().count();
    if length == 0 || p.message.chars().count() > 1000 || p.message.contains('\0') {
        v.add("praise.message", "1 to 1,000 characters, without NUL");
    }
    let recipient_id = v
        .into_result(recipient)?
        .ok_or_else(|| ApiError::invalid("praise.recipient_id", "is required"))?;
    Ok(NewPraise {
        recipient_id,
        category: p.category,
        message: p.message,
        private: p.private,
    })
}

pub async fn give_praise(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::GivePraiseRequest,
) -> ApiResult<pb::GivePraiseResponse> {
    let saved = api.give_praise(ctx, new_praise(req)?).await?;
    Ok(pb::GivePraiseResponse {
        praise: Some(praise(&saved)),
    })
}

fn praise_query(ctx: &Ctx, req: &pb::ListPraiseRequest) -> ApiResult<PraiseQuery> {
    let mut v = Violations::new();
    let recipient_id = convert::optional_id(&mut v, "recipient_id", &req.recipient_id);
    let page = Page::of(&mut v, ctx.tenant_id, req);
    let before = page.after_id(&mut v);
    Ok(v.into_result(PraiseQuery {
        recipient_id,
        page,
        before,
    })?)
}

pub async fn list_praise(
    api: &ScorecardApi,
    ctx: &Ctx,
    req: pb::ListPraiseRequest,
) -> ApiResult<pb::ListPraiseResponse> {
    let listed = api.list_praise(ctx, praise_query(ctx, &req)?).await?;
    Ok(pb::ListPraiseResponse {
        praise: listed.items.iter().map(praise).collect(),
        next_page_token: listed.next_page_token,
    })
}
