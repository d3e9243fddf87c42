//! The kinds and states of coaching sessions, cadences and plans, with the stable names the
//! database and the CLI use.

text_enum! {
    /// The kinds of coaching DESIGN.md §1 names.
    SessionKind {
        OneOnOne = "one_on_one",
        CallReview = "call_review",
        PeerCallCoaching = "peer_call_coaching",
        TeamCoaching = "team_coaching",
        PipelineReview = "pipeline_review",
        DealReview = "deal_review",
        WeeklyMetricsReview = "weekly_metrics_review",
        RideAlong = "ride_along",
    }
}

text_enum! {
    /// Where a session is: planned, or how it ended.
    SessionStatus {
        Scheduled = "scheduled",
        Completed = "completed",
        Cancelled = "cancelled",
        NoShow = "no_show",
    }
}

text_enum! {
    /// How often a cadence generates a session.
    Frequency {
        Weekly = "weekly",
        Biweekly = "biweekly",
        Monthly = "monthly",
    }
}

text_enum! {
    /// Where an action plan is.
    PlanStatus {
        Active = "active",
        Completed = "completed",
        Abandoned = "abandoned",
        Ended = "ended",
    }
}

impl SessionStatus {
    /// Whether a session in this status may be moved to `next`. Only a scheduled session
    /// changes: it is held, cancelled or missed, or stays scheduled (a reschedule). Completed,
    /// cancelled and no-show sessions are history that KPIs count, so they are final, even
    /// towards their own status: completing a session twice would create its action items
    /// twice. A missed session is made up with a new session, not by reopening it.
    pub fn can_become(self, next: SessionStatus) -> bool {
        matches!((self, next), (SessionStatus::Scheduled, _))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_enums_round_trip() {
        for k in SessionKind::ALL {
            assert_eq!(SessionKind::parse(k.as_str()), Some(*k));
        }
        for s in SessionStatus::ALL {
            assert_eq!(SessionStatus::parse(&s.to_string()), Some(*s));
        }
        for f in Frequency::ALL {
            assert_eq!(Frequency::parse(f.as_str()), Some(*f));
        }
        for p in PlanStatus::ALL {
            assert_eq!(PlanStatus::parse(p.as_str()), Some(*p));
        }
        assert_eq!(SessionKind::ALL.len(), 8);
        assert_eq!(SessionKind::parse("1:1"), None);
    }

    #[test]
    fn only_a_scheduled_session_changes_status() {
        use SessionStatus::*;
        for next in SessionStatus::ALL {
            assert!(Scheduled.can_become(*next));
        }
        for done in [Completed, Cancelled, NoShow] {
            for next in SessionStatus::ALL {
                assert!(!done.can_become(*next), "{done} -> {next}");
            }
        }
    }
}
