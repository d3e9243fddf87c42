//! `attain earnings PERSON`: a person's earnings statement for a period, line by line (which
//! results, which tier, which bonus), as a table or CSV, so a rep can check their pay.

use std::io::Write;

use anyhow::{Context, bail};
use attain_proto::scorecard::v1::{EarningsScenario, GetEarningsRequest, GetEarningsResponse};

use super::{Clients, Connection, PeriodArgs, Subject, proto_date, render};

#[derive(clap::Args)]
pub struct EarningsArgs {
    /// The person: an id, a name or email (a unique part of one will do).
    person: String,
    #[command(flatten)]
    period: PeriodArgs,
    /// The result metric whose plan pays: revenue_won (default) or gross_profit_won.
    #[arg(long)]
    metric: Option<String>,
    /// What-if: more result on top of the actual, in major units (e.g. 40000 for $40,000).
    #[arg(long)]
    what_if: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    conn: Connection,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum Format {
    Table,
    Csv,
}

pub async fn earnings(args: EarningsArgs) -> anyhow::Result<()> {
    let mut clients = Clients::new(args.conn)?;
    let currency = clients.currency().await?;
    let when = args.period.resolve(&mut clients).await?;
    let person = match clients.resolve(&args.person, true).await? {
        Subject::Person(id, _) => id,
        Subject::Team(..) => bail!("\"{}\" is a team; earnings are a person's", args.person),
    };
    let more = match args.what_if {
        Some(major) => {
            let minor = (major * 10f64.powi(render::minor_digits(&currency))).round();
            if !minor.is_finite() || minor <= 0.0 || minor > 1e12 {
                bail!("--what-if must be above 0 and at most 10,000,000,000");
            }
            minor as i64
        }
        None => 0,
    };
    let request = clients.request(GetEarningsRequest {
        person_id: person,
        period: Some(when.period()),
        as_of: when.as_of.map(proto_date),
        metric_key: args.metric.unwrap_or_default(),
        what_if_more: more,
    })?;
    let out = clients
        .scorecards
        .get_earnings(request)
        .await
        .map_err(clients.fail("computing earnings"))?
        .into_inner();
    let text = match args.format {
        Format::Table => table(&out),
        Format::Csv => csv(&out)?,
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// Minor units with the currency's decimals, as a statement shows money: `$5,000.00`.
fn cents(minor: i64, currency: &str) -> String {
    let digits = render::minor_digits(currency).max(0) as u32;
    let scale = 10i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let whole = render::thousands(minor.unsigned_abs() as i64 / scale);
    let symbol = match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        _ => "",
    };
    let suffix = if symbol.is_empty() {
        format!(" {currency}")
    } else {
        String::new()
    };
    if digits == 0 {
        format!("{sign}{symbol}{whole}{suffix}")
    } else {
        let part = minor.unsigned_abs() as i64 % scale;
        format!("{sign}{symbol}{whole}.{part:0w$}{suffix}", w = digits as usize)
    }
}

fn scenarios(out: &GetEarningsResponse) -> Vec<(&'static str, &EarningsScenario)> {
    [
        ("earned", out.earned.as_ref()),
        ("projected", out.projected.as_ref()),
        ("what-if", out.what_if.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, s)| Some((name, s?)))
    .collect()
}

fn table(out: &GetEarningsResponse) -> String {
    let c = &out.currency_code;
    let plan = out.plan.as_ref();
    let mut text = format!(
        "Earnings · {} · plan version {} ({})\nQuota:     {}\n",
        render::range(out.range.as_ref()),
        plan.map_or(0, |p| p.version),
        plan.map_or(String::new(), |p| p.metric_key.replace('_', " ")),
        cents(out.quota, c),
    );
    for (name, s) in scenarios(out) {
        let attainment = s
            .attainment_bp
            .map_or("–".to_string(), |bp| format!("{:.1}%", bp as f64 / 100.0));
        text += &format!(
            "\n{}: result {}, {attainment} of quota\n",
            name.to_uppercase(),
            cents(s.result, c)
        );
        let mut t = render::Table::new(&[("Line", render::Align::Left), ("Amount", render::Align::Right)]);
        for l in &s.lines {
            t.row(vec![l.description.clone(), cents(l.amount, c)]);
        }
        t.row(vec!["Total".into(), cents(s.total, c)]);
        text += &t.render(&[]);
    }
    text
}

fn csv(out: &GetEarningsResponse) -> anyhow::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scenario",
        "line",
        "component",
        "tier",
        "basis_minor",
        "rate_bp",
        "amount_minor",
        "currency",
    ])?;
    for (name, s) in scenarios(out) {
        for l in &s.lines {
            w.write_record([
                name.to_string(),
                l.description.clone(),
                l.component.clone(),
                if l.tier_index >= 0 {
                    l.tier_index.to_string()
                } else {
                    String::new()
                },
                l.basis.to_string(),
                l.rate_bp.to_string(),
                l.amount.to_string(),
                out.currency_code.clone(),
            ])?;
        }
        w.write_record([
            name.to_string(),
            "Total".into(),
            "total".into(),
            String::new(),
            String::new(),
            String::new(),
            s.total.to_string(),
            out.currency_code.clone(),
        ])?;
    }
    String::from_utf8(w.into_inner().context("writing CSV")?).context("CSV is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_show_cents() {
        assert_eq!(cents(900_000, "USD"), "$9,000.00");
        assert_eq!(cents(-400_000, "USD"), "-$4,000.00");
        assert_eq!(cents(1500, "JPY"), "1,500 JPY");
        assert_eq!(cents(105, "CHF"), "1.05 CHF");
    }
}
