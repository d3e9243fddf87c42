//! Skill ratings: a manager's rating of a rep on a competency, and the ratings of a person.

use attain_runtime::{ApiResult, Ctx, db::begin_tenant};
use chrono::Utc;
use uuid::Uuid;

use super::{CoachingApi, access::View};
use crate::store::plans::{self as store, RatingRecord};

/// A rating to record, its fields checked.
pub struct NewRating {
    pub person_id: Uuid,
    /// Trimmed and lowercased, 1 to 100 characters.
    pub competency: String,
    /// 1 to 5.
    pub rating: i16,
    pub note: String,
}

impl CoachingApi {
    pub async fn rate_skill(&self, ctx: &Ctx, r: NewRating) -> ApiResult<RatingRecord> {
        let view = View::of(self, ctx).await?;
        view.manage(r.person_id, "rate skills").await?;
        let record = RatingRecord {
            person_id: r.person_id,
            competency: r.competency,
            rating: r.rating,
            note: r.note,
            rated_by: ctx.person_id,
            rated_at: Utc::now(),
        };
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let saved = store::insert_rating(&mut tx, ctx.tenant_id, &record).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// A person's ratings: every one oldest first (`history`), or the latest per competency.
    pub async fn list_skill_ratings(&self, ctx: &Ctx, person: Uuid, history: bool) -> ApiResult<Vec<RatingRecord>> {
        View::of(self, ctx).await?.see(person).await?;
        let mut tx = begin_tenant(&self.pool, ctx.tenant_id).await?;
        let ratings = store::ratings(&mut tx, ctx.tenant_id, person, history).await?;
        tx.commit().await?;
        Ok(ratings)
    }
}
