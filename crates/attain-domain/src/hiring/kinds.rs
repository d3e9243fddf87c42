//! The states of hiring, with the names stored in the database.

text_enum! {
    /// Why a requisition was opened.
    RequisitionReason {
        Backfill = "backfill",
        Growth = "growth",
    }
}

text_enum! {
    /// Where a requisition is in its life.
    RequisitionStatus {
        Open = "open",
        OnHold = "on_hold",
        Filled = "filled",
        Cancelled = "cancelled",
    }
}

impl RequisitionStatus {
    /// Whether the seat still counts as an opening to fill.
    pub fn is_opening(self) -> bool {
        matches!(self, RequisitionStatus::Open | RequisitionStatus::OnHold)
    }

    /// Whether a caller may move a requisition from `self` to `to`: FILLED comes only from a
    /// hire, and filled or cancelled seats are final (a new seat is a new requisition, so time
    /// to fill stays honest).
    pub fn may_become(self, to: RequisitionStatus) -> bool {
        self.is_opening() && to != RequisitionStatus::Filled
    }
}

text_enum! {
    /// Where a candidate came from.
    CandidateSource {
        Referral = "referral",
        Inbound = "inbound",
        Agency = "agency",
        Internal = "internal",
    }
}

text_enum! {
    /// Where a candidate is.
    CandidateStatus {
        Active = "active",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        Hired = "hired",
    }
}

text_enum! {
    /// What became of an offer.
    OfferOutcome {
        Pending = "pending",
        Accepted = "accepted",
        Declined = "declined",
    }
}

text_enum! {
    /// An interviewer's recommendation, from strong no to strong yes.
    Recommendation {
        StrongNo = "strong_no",
        No = "no",
        Yes = "yes",
        StrongYes = "strong_yes",
    }
}

text_enum! {
    /// How soon a bench candidate could take on a target role.
    Readiness {
        ReadyNow = "ready_now",
        Ready6Months = "ready_6_months",
        Ready12Months = "ready_12_months",
    }
}

text_enum! {
    /// Whether a bench candidate works here already.
    BenchKind {
        External = "external",
        Internal = "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_and_cancelled_requisitions_are_final() {
        assert!(RequisitionStatus::Open.may_become(RequisitionStatus::OnHold));
        assert!(RequisitionStatus::OnHold.may_become(RequisitionStatus::Cancelled));
        assert!(!RequisitionStatus::Open.may_become(RequisitionStatus::Filled));
        assert!(!RequisitionStatus::Filled.may_become(RequisitionStatus::Open));
        assert!(!RequisitionStatus::Cancelled.may_become(RequisitionStatus::Open));
    }

    #[test]
    fn names_round_trip() {
        for r in Readiness::ALL {
            assert_eq!(Readiness::parse(r.as_str()), Some(*r));
        }
    }
}
