//! The period flags every report command shares (`--period`, `--date`, `--from`/`--to`,
//! `--as-of`), with days given as dates or relative to today in the tenant's time zone, so that
//! a command written down once (a README, a runbook, a cron job) means the same thing any day.

use attain_proto::common::v1::{CalendarPeriod, DateRange, Granularity, Period, period};
use chrono::{Days, NaiveDate};

use super::{Clients, proto_date};

/// A day on the command line: `2026-11-20`, `today`, `yesterday`, or `today-3` / `today+7`
/// (days from today in the tenant's time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayArg {
    On(NaiveDate),
    FromToday(i64),
}

impl DayArg {
    pub(crate) fn parse(text: &str) -> Result<DayArg, String> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "today" => return Ok(DayArg::FromToday(0)),
            "yesterday" => return Ok(DayArg::FromToday(-1)),
            "tomorrow" => return Ok(DayArg::FromToday(1)),
            _ => {}
        }
        if let Some(rest) = t.strip_prefix("today") {
            let days = rest
                .strip_prefix('+')
                .map(str::parse::<i64>)
                .or_else(|| rest.strip_prefix('-').map(|n| n.parse::<i64>().map(|d| -d)));
            return match days {
                Some(Ok(d)) if d.abs() <= 36_600 => Ok(DayArg::FromToday(d)),
                _ => Err(format!("expected today, today-N or today+N (N days), not {text:?}")),
            };
        }
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map(DayArg::On)
            .map_err(|e| format!("expected a date as YYYY-MM-DD, or today, yesterday, today-N ({e})"))
    }

    /// The day, given today.
    pub(crate) fn on(self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            DayArg::On(d) => Some(d),
            DayArg::FromToday(n) if n >= 0 => today.checked_add_days(Days::new(n.unsigned_abs())),
            DayArg::FromToday(n) => today.checked_sub_days(Days::new(n.unsigned_abs())),
        }
    }

    fn relative(self) -> bool {
        matches!(self, DayArg::FromToday(_))
    }
}

#[derive(clap::Args)]
pub(crate) struct PeriodArgs {
    /// The calendar period containing --date (or --as-of) (weeks, quarters and years in the
    /// tenant's calendar). Default: month.
    #[arg(long, value_enum, conflicts_with_all = ["from", "to"])]
    period: Option<PeriodKind>,
    /// A day inside the period: YYYY-MM-DD, today, yesterday or today-N. Default: the --as-of
    /// day, else today in the tenant's time zone.
    #[arg(long, value_parser = DayArg::parse, conflicts_with_all = ["from", "to"])]
    pub(crate) date: Option<DayArg>,
    /// First day of an explicit period (with --to).
    #[arg(long, value_parser = DayArg::parse, requires = "to")]
    pub(crate) from: Option<DayArg>,
    /// Last day of an explicit period, inclusive (with --from).
    #[arg(long, value_parser = DayArg::parse, requires = "from")]
    pub(crate) to: Option<DayArg>,
    /// The day to treat as today for pace and projection (YYYY-MM-DD, today, yesterday or
    /// today-N); without --date it also picks the period it falls in. Default: today in the
    /// tenant's time zone.
    #[arg(long, value_parser = DayArg::parse)]
    pub(crate) as_of: Option<DayArg>,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum PeriodKind {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// The period flags with every day resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct When {
    pub(crate) granularity: Granularity,
    /// A day inside the calendar period (`None`: the service's today).
    pub(crate) date: Option<NaiveDate>,
    range: Option<(NaiveDate, NaiveDate)>,
    pub(crate) as_of: Option<NaiveDate>,
    /// Whether any period flag was given (else a saved board's own kind of period applies).
    pub(crate) explicit: bool,
}

impl PeriodArgs {
    /// Resolves relative days against today in the tenant's time zone, asking the directory
    /// for it only when a relative day was given.
    pub(crate) async fn resolve(&self, clients: &mut Clients) -> anyhow::Result<When> {
        let days = [self.date, self.from, self.to, self.as_of];
        let today = if days.iter().flatten().any(|d| d.relative()) {
            Some(clients.today().await?)
        } else {
            None
        };
        self.resolve_on(today)
    }

    /// As `resolve`, with today given (`None` when no day is relative).
    pub(crate) fn resolve_on(&self, today: Option<NaiveDate>) -> anyhow::Result<When> {
        let on = |d: Option<DayArg>| -> anyhow::Result<Option<NaiveDate>> {
            match (d, today) {
                (None, _) => Ok(None),
                (Some(DayArg::On(d)), _) => Ok(Some(d)),
                (Some(d), Some(t)) => d
                    .on(t)
                    .map(Some)
                    .ok_or_else(|| anyhow::anyhow!("{d:?} is out of range")),
                (Some(_), None) => anyhow::bail!("a relative day needs today's date"),
            }
        };
        let as_of = on(self.as_of)?;
        let range = match (on(self.from)?, on(self.to)?) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        Ok(When {
            granularity: match self.period.unwrap_or(PeriodKind::Month) {
                PeriodKind::Day => Granularity::Day,
                PeriodKind::Week => Granularity::Week,
                PeriodKind::Month => Granularity::Month,
                PeriodKind::Quarter => Granularity::Quarter,
                PeriodKind::Year => Granularity::Year,
            },
            // The period the as-of day falls in, unless --date names another.
            date: on(self.date)?.or(as_of),
            range,
            as_of,
            explicit: self.period.is_some() || self.date.is_some() || self.from.is_some(),
        })
    }
}

impl When {
    pub(crate) fn period(&self) -> Period {
        let kind = match self.range {
            Some((from, to)) => period::Kind::Range(DateRange {
                start_date: Some(proto_date(from)),
                end_date: Some(proto_date(to)),
            }),
            None => period::Kind::Calendar(CalendarPeriod {
                granularity: self.granularity as i32,
                date: self.date.map(proto_date),
            }),
        };
        Period { kind: Some(kind) }
    }

    /// The period asked for, or `None` when no period flag was given (the service's default).
    pub(crate) fn explicit_period(&self) -> Option<Period> {
        self.explicit.then(|| self.period())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn days_are_dates_or_relative_to_today() {
        assert_eq!(DayArg::parse("2026-11-20"), Ok(DayArg::On(d(2026, 11, 20))));
        assert_eq!(DayArg::parse("Today"), Ok(DayArg::FromToday(0)));
        assert_eq!(DayArg::parse("yesterday"), Ok(DayArg::FromToday(-1)));
        assert_eq!(DayArg::parse("today-14"), Ok(DayArg::FromToday(-14)));
        assert_eq!(DayArg::parse("today+3"), Ok(DayArg::FromToday(3)));
        assert!(DayArg::parse("today-x").is_err());
        assert!(DayArg::parse("2026-13-01").is_err());
        assert!(DayArg::parse("today-99999999").is_err());
        assert_eq!(DayArg::FromToday(-3).on(d(2026, 3, 2)), Some(d(2026, 2, 27)));
    }

    #[test]
    fn the_as_of_day_picks_its_period_unless_a_date_is_given() {
        let args = PeriodArgs {
            period: Some(PeriodKind::Month),
            date: None,
            from: None,
            to: None,
            as_of: Some(DayArg::FromToday(-40)),
        };
        let when = args.resolve_on(Some(d(2026, 12, 3))).unwrap();
        assert_eq!((when.date, when.as_of), (Some(d(2026, 10, 24)), Some(d(2026, 10, 24))));
        let pinned = PeriodArgs {
            date: Some(DayArg::On(d(2026, 12, 1))),
            ..args
        };
        let when = pinned.resolve_on(Some(d(2026, 12, 3))).unwrap();
        assert_eq!(when.date, Some(d(2026, 12, 1)));
    }
}
