//! The evidence report's "Upcoming" section, gathered once for the Markdown and HTML renderers:
//! what lapses within the due window (computed by the run, `report.upcoming`), its summary line
//! and its timeline of obligations per plan and month.

use chrono::{Datelike, NaiveDate};

use crate::report::{Kind, Obligation, Upcoming};

/// The one-line summary of the window.
pub fn headline(u: &Upcoming) -> String {
    let days = (u.end - u.start).num_days();
    let baseline = match u.count(Kind::BaselineExpires) {
        0 => String::new(),
        n => format!(", {n} baseline entr(y/ies) expiring"),
    };
    format!(
        "From {} to {} ({days} days): {} upcoming, {} overdue, {} exception(s) expiring{baseline}.",
        u.start,
        u.end,
        u.count(Kind::Upcoming),
        u.count(Kind::Overdue),
        u.count(Kind::ExceptionExpires)
    )
}

/// What the obligation is about: the logical path and the finding's message.
pub fn item(o: &Obligation) -> String {
    if o.target.is_empty() {
        o.message.clone()
    } else {
        format!("{}: {}", o.target, o.message)
    }
}

/// The date column: `overdue` for findings present at the start, the first day otherwise (and
/// the last day for a finding that is gone again within the window).
pub fn when(o: &Obligation) -> String {
    let first = match o.kind {
        Kind::Overdue => "overdue".to_string(),
        Kind::ExceptionExpires => format!("{} (exception expires)", o.date),
        Kind::BaselineExpires => format!("{} (baseline entry expires)", o.date),
        Kind::Upcoming => o.date.to_string(),
    };
    match o.until {
        Some(until) => format!("{first} (until {until})"),
        None => first,
    }
}

/// A month of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

impl Month {
    fn of(day: NaiveDate) -> Self {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    fn next(self) -> Self {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }

    /// `2027-01`.
    pub fn label(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }
}

/// One plan's row of the timeline.
pub struct Row<'a> {
    /// The plan file as shown (for an expiring exception: its `files` patterns).
    pub plan: &'a str,
    /// Findings already present at the start (lapsed).
    pub overdue: usize,
    /// Per month of the timeline, the obligations that fall due in it.
    pub months: Vec<usize>,
}

/// The obligations per plan and month.
pub struct Timeline<'a> {
    /// Every month the window touches, in order.
    pub months: Vec<Month>,
    /// Per plan with an obligation, in report order.
    pub rows: Vec<Row<'a>>,
}

/// The timeline of `u`: the months from the start's to the end's, a row per plan.
pub fn timeline(u: &Upcoming) -> Timeline<'_> {
    let mut months = vec![Month::of(u.start)];
    while months[months.len() - 1] < Month::of(u.end) {
        let next = months[months.len() - 1].next();
        months.push(next);
    }
    let mut rows: Vec<Row<'_>> = Vec::new();
    for o in &u.obligations {
        let at = match rows.iter().position(|r| r.plan == o.file) {
            Some(at) => at,
            None => {
                rows.push(Row {
                    plan: &o.file,
                    overdue: 0,
                    months: vec![0; months.len()],
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[at];
        if o.kind == Kind::Overdue {
            row.overdue += 1;
        } else if let Some(m) = months.iter().position(|m| *m == Month::of(o.date)) {
            row.months[m] += 1;
        }
    }
    Timeline { months, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn obligation(file: &str, kind: Kind, date: &str) -> Obligation {
        Obligation {
            kind,
            date: day(date),
            until: None,
            file: file.into(),
            policy: "P-1".into(),
            title: "t".into(),
            severity: Severity::Warning,
            message: "m".into(),
            target: String::new(),
            fingerprint: "f".into(),
            help: None,
        }
    }

    #[test]
    fn the_timeline_counts_per_plan_and_month_across_a_new_year() {
        let u = Upcoming {
            start: day("2026-12-06"),
            end: day("2027-03-06"),
            obligations: vec![
                obligation("a.yaml", Kind::Overdue, "2026-12-06"),
                obligation("a.yaml", Kind::Upcoming, "2026-12-20"),
                obligation("a.yaml", Kind::Upcoming, "2027-03-01"),
                obligation("b.yaml", Kind::ExceptionExpires, "2027-01-31"),
                obligation("b.yaml", Kind::Upcoming, "2027-01-02"),
            ],
        };
        let t = timeline(&u);
        let labels: Vec<String> = t.months.iter().map(|m| m.label()).collect();
        assert_eq!(labels, ["2026-12", "2027-01", "2027-02", "2027-03"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!((t.rows[0].plan, t.rows[0].overdue), ("a.yaml", 1));
        assert_eq!(t.rows[0].months, [1, 0, 0, 1]);
        assert_eq!((t.rows[1].plan, t.rows[1].overdue), ("b.yaml", 0));
        assert_eq!(t.rows[1].months, [0, 2, 0, 0]);
        assert_eq!(
            headline(&u),
            "From 2026-12-06 to 2027-03-06 (90 days): 3 upcoming, 1 overdue, 1 exception(s) expiring."
        );
    }

    #[test]
    fn dates_say_overdue_expiry_and_until() {
        let mut o = obligation("a.yaml", Kind::Upcoming, "2027-01-02");
        assert_eq!(when(&o), "2027-01-02");
        o.until = Some(day("2027-01-09"));
        assert_eq!(when(&o), "2027-01-02 (until 2027-01-09)");
        let o = obligation("a.yaml", Kind::Overdue, "2026-12-06");
        assert_eq!(when(&o), "overdue");
        let o = obligation("a.yaml", Kind::ExceptionExpires, "2027-01-31");
        assert_eq!(when(&o), "2027-01-31 (exception expires)");
    }
}
