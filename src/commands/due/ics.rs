//! The iCalendar (RFC 5545) form of a `due` run: the only user of the `icalendar` crate, which
//! folds lines and escapes text.

use chrono::{Days, NaiveTime};
use icalendar::{Calendar, Component, Event, EventLike};

use super::text::{describe, item};
use crate::run::due::{Due, Kind};

/// One all-day event per obligation. UIDs derive from the finding's fingerprint and policy, so a
/// calendar that imports the file again updates its events instead of duplicating them.
pub fn render(due: &Due) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//bcpcheck//due//EN"))
        .append_property(("CALSCALE", "GREGORIAN"));
    calendar.name("bcpcheck: continuity obligations");
    // A fixed DTSTAMP (the start of the window) keeps the output reproducible.
    let stamp = due.start.and_time(NaiveTime::MIN).and_utc();
    for o in &due.obligations {
        let summary = match o.kind {
            Kind::Overdue => format!("Overdue: {} ({})", item(o), o.policy),
            Kind::Upcoming => format!("Due: {} ({})", item(o), o.policy),
            Kind::ExceptionExpires => format!("Exception expires: {} ({})", o.policy, o.file),
            Kind::BaselineExpires => {
                format!(
                    "Baseline entry expires: {} {} ({})",
                    o.policy, o.target, o.file
                )
            }
        };
        let event = Event::new()
            .uid(&format!("{}-{}@bcpcheck", o.fingerprint, o.policy))
            .timestamp(stamp)
            .summary(&summary)
            .description(&describe(o))
            .starts(o.date)
            .ends(o.date.checked_add_days(Days::new(1)).unwrap_or(o.date))
            .add_property("CATEGORIES", o.kind.as_str())
            .done();
        calendar.push(event);
    }
    calendar.done().to_string()
}
