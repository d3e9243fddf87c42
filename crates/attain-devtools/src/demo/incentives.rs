//! The demo's incentive plan: commission for the AE role on revenue won (0 % below half of
//! quota, 10 % to quota, 15 % above), a bonus at quota and one per biggest deal of the month.

use anyhow::Context;
use attain_proto::{
    common::v1::Date,
    org::v1::SalesRole,
    scorecard::v1::{
        CommissionTier, IncentivePlan, ListIncentivePlansRequest, MilestoneBonus, QuotaBonus, SetIncentivePlanRequest,
        incentive_plan, scorecard_service_client::ScorecardServiceClient,
    },
};
use attain_server::api;
use chrono::{Datelike, NaiveDate};

/// Saves the plan unless the tenant has one already; says which.
pub async fn seed(org_url: &str, key: &str, effective: NaiveDate) -> anyhow::Result<()> {
    let mut client = ScorecardServiceClient::new(api::channel(org_url)?);
    let existing = client
        .list_incentive_plans(api::authorized(ListIncentivePlansRequest::default(), key)?)
        .await
        .context("listing incentive plans")?
        .into_inner()
        .plans;
    if !existing.is_empty() {
        println!("incentives: commission plan for AEs already there");
        return Ok(());
    }
    let plan = IncentivePlan {
        subject: Some(incentive_plan::Subject::SalesRole(SalesRole::InsideSalesAe as i32)),
        metric_key: "revenue_won".into(),
        effective_date: Some(Date {
            year: effective.year(),
            month: effective.month() as i32,
            day: effective.day() as i32,
        }),
        tiers: vec![
            CommissionTier { from_bp: 0, rate_bp: 0 },
            CommissionTier {
                from_bp: 5_000,
                rate_bp: 1_000,
            },
            CommissionTier {
                from_bp: 10_000,
                rate_bp: 1_500,
            },
        ],
        quota_bonuses: vec![QuotaBonus {
            at_bp: 10_000,
            amount: 500_000,
        }],
        milestone_bonuses: vec![MilestoneBonus {
            kind: "biggest_deal".into(),
            amount: 50_000,
        }],
        ..Default::default()
    };
    client
        .set_incentive_plan(api::authorized(SetIncentivePlanRequest { plan: Some(plan) }, key)?)
        .await
        .context("saving the demo incentive plan")?;
    println!(
        "incentives: commission plan for AEs created (0 % below 50 % of quota, 10 % to 100 %, 15 % above; \
         $5,000 at quota; $500 per biggest deal)"
    );
    Ok(())
}
