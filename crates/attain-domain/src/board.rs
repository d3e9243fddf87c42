//! Saved leaderboards: what a board recognises and who sees it whole.

text_enum! {
    /// What a board recognises; each names the metric it ranks when the board names none.
    Category {
        HighestRevenue = "highest_revenue",
        MostMeetingsBooked = "most_meetings_booked",
        BiggestDeal = "biggest_deal",
        MostTalkTime = "most_talk_time",
    }
}

impl Category {
    /// The metric a board of this category ranks when it names none.
    pub fn metric_key(self) -> &'static str {
        match self {
            Category::HighestRevenue => "revenue_won",
            Category::MostMeetingsBooked => "meetings_set",
            Category::BiggestDeal => "largest_deal",
            Category::MostTalkTime => "talk_time",
        }
    }
}

text_enum! {
    /// Who sees a board whole: a private board shows a rep only its top N and their own row.
    Visibility {
        Public = "public",
        Private = "private",
    }
}
