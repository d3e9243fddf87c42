//! Webhook delivery rules, with no I/O: which event types exist, which network addresses a
//! webhook may not point at, when a delivery goes out under a subscription's quiet rules
//! (per-hour cap and digest window), and how long to wait before the next attempt.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Duration, DurationRound, Utc};

crate::text_enum! {
    /// What happened, as named in a subscription's event types and the `Attain-Event-Type`
    /// header.
    EventType {
        QuotaAttained = "milestone.quota_attained",
        DailyGoalHit = "milestone.daily_goal_hit",
        Streak = "milestone.streak",
        PersonalBest = "milestone.personal_best",
        BiggestDeal = "milestone.biggest_deal",
        NewLeader = "milestone.new_leader",
        FirstDeal = "milestone.first_deal",
        PraiseGiven = "praise.given",
        ContestStarted = "contest.started",
        ContestWon = "contest.won",
        Test = "webhook.test",
    }
}

/// The event type of a delivery that combines several events of a digest window.
pub const DIGEST_EVENT_TYPE: &str = "milestone.digest";

crate::text_enum! {
    /// Where a delivery is: waiting for its next attempt, delivered, or given up on after the
    /// last retry (the dead-letter list, from which an admin may redeliver).
    DeliveryState {
        Pending = "pending",
        Delivered = "delivered",
        DeadLetter = "dead",
    }
}

crate::text_enum! {
    /// The body a subscriber receives.
    /// `json`: a CloudEvents-style envelope (specversion, id, source, type, time, subject,
    /// data); `slack`: a Slack incoming-webhook message (`text` and `blocks`); `teams`: a
    /// Microsoft Teams message carrying an Adaptive Card.
    Format {
        Json = "json",
        Slack = "slack",
        Teams = "teams",
    }
}

/// Longest digest window a subscription may set.
pub const MAX_DIGEST_SECONDS: i64 = 24 * 3600;

/// Most deliveries per hour a cap may name (0 means no cap).
pub const MAX_HOURLY_CAP: i64 = 10_000;

/// Whether a webhook may not be sent to `ip` unless private targets are allowed: loopback,
/// private (RFC 1918, unique-local), link-local (which holds the cloud metadata address
/// 169.254.169.254), carrier-grade NAT, unspecified, multicast and broadcast addresses, and
/// IPv4 addresses written as IPv6 (mapped or NAT64) that would be any of those.
pub fn is_private_target(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return private_v4(v4);
            }
            let s = v6.segments();
            // 64:ff9b::/96 (NAT64) embeds an IPv4 address in its last 32 bits.
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return private_v4(Ipv4Addr::new(a, b, c, d));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
                || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link local
                || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 site local (deprecated)
                || v6 == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) // AWS IMDS over IPv6
        }
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16, including 169.254.169.254
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // 100.64.0.0/10 carrier-grade NAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // 192.0.0.0/24 protocol assignments
}

/// A subscription's rules against notification fatigue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuietRules {
    /// Most deliveries that go out in one clock hour (UTC); 0 means no cap. Deliveries beyond
    /// it are held for the next hour with room, never dropped.
    pub hourly_cap: u32,
    /// Events within this many seconds of the first one are sent together as one digest
    /// delivery; 0 sends each event on its own.
    pub digest_seconds: u32,
}

/// When a new delivery goes out, and which hour's cap it counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub due_at: DateTime<Utc>,
    pub hour: DateTime<Utc>,
}

/// The start of the clock hour holding `at`.
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

/// Schedules a new delivery made at `now`: it waits out the digest window (so events arriving
/// meanwhile can join it), then goes out in the first hour whose cap has room. `scheduled`
/// gives, for hours from `now`'s on, how many deliveries already count against each; hours not
/// listed have none. With `bypass` (a test event) the rules do not apply.
pub fn schedule(now: DateTime<Utc>, rules: QuietRules, scheduled: &[(DateTime<Utc>, u32)], bypass: bool) -> Slot {
    if bypass {
        return Slot {
            due_at: now,
            hour: hour_of(now),
        };
    }
    let due = now + Duration::seconds(i64::from(rules.digest_seconds));
    let mut hour = hour_of(due);
    if rules.hourly_cap > 0 {
        // Each listed hour is at most one step, so this ends after len + 1 steps.
        while scheduled.iter().any(|(h, n)| *h == hour && *n >= rules.hourly_cap) {
            hour += Duration::hours(1);
        }
    }
    Slot {
        due_at: due.max(hour),
        hour,
    }
}

/// How retries back off: exponential from `base`, capped at `max`, with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: std::time::Duration,
    pub max: std::time::Duration,
    /// Attempts before a delivery is dead-lettered.
    pub max_attempts: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again after this long.
    Retry(std::time::Duration),
    /// Give up: the delivery is dead-lettered until someone redelivers it.
    DeadLetter,
}

impl Backoff {
    /// After failed attempt number `attempt` (1 for the first), with `jitter` drawn uniformly
    /// from [0, 1): the delay is between half and all of `base * 2^(attempt-1)` (capped at
    /// `max`), so replicas that failed together do not retry together.
    pub fn after_failure(&self, attempt: u32, jitter: f64) -> AfterFailure {
        if attempt >= self.max_attempts {
            return AfterFailure::DeadLetter;
        }
        let exponent = attempt.saturating_sub(1).min(40);
        let full = self
            .base
            .checked_mul(1u32 << exponent.min(31))
            .unwrap_or(self.max)
            .min(self.max);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        AfterFailure::Retry(full / 2 + full.mul_f64(jitter / 2.0))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration as Std;

    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).single().expect("time")
    }

    #[test]
    fn metadata_link_local_loopback_and_private_targets_are_private() {
        for ip in [
            "169.254.169.254",
            "169.254.1.1",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(is_private_target(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_private_target(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn without_rules_a_delivery_goes_out_now() {
        let slot = schedule(at(9, 30), QuietRules::default(), &[], false);
        assert_eq!(
            slot,
            Slot {
                due_at: at(9, 30),
                hour: at(9, 0)
            }
        );
    }

    #[test]
    fn a_digest_waits_out_its_window() {
        let rules = QuietRules {
            hourly_cap: 0,
            digest_seconds: 900,
        };
        assert_eq!(schedule(at(9, 50), rules, &[], false).due_at, at(10, 5));
    }

    #[test]
    fn beyond_the_cap_deliveries_are_held_for_the_next_hour_with_room() {
        let rules = QuietRules {
            hourly_cap: 2,
            digest_seconds: 0,
        };
        let full = [(at(9, 0), 2), (at(10, 0), 2), (at(11, 0), 1)];
        assert_eq!(
            schedule(at(9, 30), rules, &full, false),
            Slot {
                due_at: at(11, 0),
                hour: at(11, 0)
            }
        );
        assert_eq!(schedule(at(9, 30), rules, &full, true).due_at, at(9, 30));
    }

    #[test]
    fn attempts_back_off_then_dead_letter() {
        let b = Backoff {
            base: Std::from_secs(10),
            max: Std::from_secs(60),
            max_attempts: 4,
        };
        assert_eq!(b.after_failure(1, 0.0), AfterFailure::Retry(Std::from_secs(5)));
        assert_eq!(
            b.after_failure(2, 0.999_999),
            AfterFailure::Retry(Std::from_micros(19_999_990))
        );
        assert_eq!(b.after_failure(3, 0.0), AfterFailure::Retry(Std::from_secs(20)));
        assert_eq!(b.after_failure(4, 0.5), AfterFailure::DeadLetter);
    }

    #[test]
    fn event_types_and_formats_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Format::parse("teams"), Some(Format::Teams));
        assert_eq!(EventType::parse("milestone.nope"), None);
    }

    proptest! {
        #[test]
        fn a_slot_is_never_early_and_never_in_a_full_hour(
            minute in 0u32..60,
            cap in 0u32..5,
            digest in 0u32..7200,
            counts in proptest::collection::vec(0u32..6, 0..6),
        ) {
            let now = at(9, minute);
            let rules = QuietRules { hourly_cap: cap, digest_seconds: digest };
            let scheduled: Vec<_> = counts
                .iter()
                .enumerate()
                .map(|(i, n)| (at(9, 0) + Duration::hours(i as i64), *n))
                .collect();
            let slot = schedule(now, rules, &scheduled, false);
            prop_assert!(slot.due_at >= now + Duration::seconds(i64::from(digest)));
            prop_assert_eq!(hour_of(slot.due_at), slot.hour);
            if cap > 0 {
                let taken = scheduled.iter().find(|(h, _)| *h == slot.hour).map_or(0, |(_, n)| *n);
                prop_assert!(taken < cap);
            }
            // Held no later than the first hour after every listed one.
            prop_assert!(slot.hour <= at(9, 0) + Duration::hours(counts.len() as i64 + 2));
        }

        #[test]
        fn delays_grow_within_bounds_and_attempts_end(
            attempt in 1u32..60,
            jitter in 0.0f64..1.0,
            base_ms in 1u64..10_000,
            max_ms in 10_000u64..4_000_000,
            max_attempts in 1u32..30,
        ) {
            let b = Backoff {
                base: Std::from_millis(base_ms),
                max: Std::from_millis(max_ms),
                max_attempts,
            };
            match b.after_failure(attempt, jitter) {
                AfterFailure::DeadLetter => prop_assert!(attempt >= max_attempts),
                AfterFailure::Retry(d) => {
                    prop_assert!(attempt < max_attempts);
                    prop_assert!(d <= b.max);
                    prop_assert!(d >= Std::from_millis(base_ms) / 2);
                    let nojitter = |a| match b.after_failure(a, 0.0) {
                        AfterFailure::Retry(d) => d,
                        AfterFailure::DeadLetter => Std::MAX,
                    };
                    prop_assert!(nojitter(attempt) <= nojitter(attempt + 1));
                }
            }
        }
    }
}
