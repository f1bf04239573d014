//! Reading the Prometheus text every service serves at `/metrics`, for a
//! dashboard that has no Prometheus beside it (the admin app's
//! registration-day panel): sums of counters, and a latency quantile over
//! the window between two readings, as `histogram_quantile(rate(...))`
//! would give it.

/// One sample line: `name{label="value",...} 12.5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One reading of a service's `/metrics`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// The samples of `text`; comments and lines that are not samples are
    /// skipped.
    pub fn parse(text: &str) -> Self {
        Self {
            samples: text.lines().filter_map(parse_line).collect(),
        }
    }

    /// The sum of `name` over every label set that has all of `labels`.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name && labels.iter().all(|(n, v)| s.label(n) == Some(*v)))
            .map(|s| s.value)
            .sum()
    }

    /// `name` by the value of `label`, summed over the other labels.
    pub fn by_label(&self, name: &str, label: &str) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        for sample in self.samples.iter().filter(|s| s.name == name) {
            let Some(key) = sample.label(label) else { continue };
            match out.iter_mut().find(|(k, _)| k == key) {
                Some((_, total)) => *total += sample.value,
                None => out.push((key.to_owned(), sample.value)),
            }
        }
        out
    }

    /// The cumulative buckets of histogram `name` (`name_bucket`), summed
    /// over every label set: `(upper bound, count)`, lowest bound first.
    pub fn buckets(&self, name: &str) -> Vec<(f64, f64)> {
        let bucket = format!("{name}_bucket");
        let mut out: Vec<(f64, f64)> = Vec::new();
        for sample in self.samples.iter().filter(|s| s.name == bucket) {
            let Some(le) = sample.label("le").and_then(parse_value) else {
                continue;
            };
            match out.iter_mut().find(|(bound, _)| *bound == le) {
                Some((_, count)) => *count += sample.value,
                None => out.push((le, sample.value)),
            }
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    }
}

/// The `q` quantile (0 to 1) of histogram `name` over what was recorded
/// between `before` and `now`: the upper bound of the first bucket that
/// holds it (so "at most this"), or `None` when nothing was recorded. A
/// quantile past the last finite bound is `f64::INFINITY`.
pub fn quantile_between(before: &Scrape, now: &Scrape, name: &str, q: f64) -> Option<f64> {
    let earlier = before.buckets(name);
    let window: Vec<(f64, f64)> = now
        .buckets(name)
        .into_iter()
        .map(|(bound, count)| {
            let old = earlier.iter().find(|(b, _)| *b == bound).map_or(0.0, |(_, c)| *c);
            // A restarted service starts its counters again from zero.
            (bound, if count >= old { count - old } else { count })
        })
        .collect();
    let total = window.last().map(|(_, count)| *count)?;
    if total <= 0.0 {
        return None;
    }
    let wanted = q * total;
    window
        .into_iter()
        .find(|(_, count)| *count >= wanted)
        .map(|(bound, _)| bound)
}

/// How much counter `name` (with `labels`) grew between `before` and `now`;
/// a counter that went down was restarted, and all of it is new.
pub fn increase(before: &Scrape, now: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let (old, new) = (before.sum(name, labels), now.sum(name, labels));
    if new >= old {
        new - old
    } else {
        new
    }
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

fn parse_line(line: &str) -> Option<Sample> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let (labels, rest) = match line[name_end..].strip_prefix('{') {
        Some(labels) => parse_labels(labels)?,
        None => (Vec::new(), &line[name_end..]),
    };
    // A timestamp may follow the value.
    let value = parse_value(rest.split_whitespace().next()?)?;
    Some(Sample {
        name: line[..name_end].to_owned(),
        labels,
        value,
    })
}

/// The labels after a sample's `{`, and what follows its `}`. Values are
/// quoted and may hold `,`, `}` and escapes.
fn parse_labels(text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after));
        }
        let equals = rest.find('=')?;
        let name = rest[..equals].trim().to_owned();
        rest = rest[equals + 1..].trim_start().strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()? {
                    (_, 'n') => value.push('\n'),
                    (_, escaped) => value.push(escaped),
                },
                (_, c) => value.push(c),
            }
        };
        labels.push((name, value));
        rest = &rest[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = r#"# HELP enrollment_attempts_total Enrollment attempts.
# TYPE enrollment_attempts_total counter
enrollment_attempts_total{outcome="enrolled"} 10
enrollment_attempts_total{outcome="course_full"} 2
http_request_duration_seconds_bucket{method="GET",route="/courses",le="0.005"} 90
http_request_duration_seconds_bucket{method="GET",route="/courses",le="0.05"} 99
http_request_duration_seconds_bucket{method="GET",route="/courses",le="+Inf"} 100
"#;

    const NOW: &str = r#"enrollment_attempts_total{outcome="enrolled"} 70
enrollment_attempts_total{outcome="course_full"} 5
enrollment_attempts_total{outcome="already_enrolled"} 1
http_request_duration_seconds_bucket{method="GET",route="/courses",le="0.005"} 180
http_request_duration_seconds_bucket{method="GET",route="/courses",le="0.05"} 199
http_request_duration_seconds_bucket{method="GET",route="/courses",le="+Inf"} 200
http_request_duration_seconds_bucket{method="POST",route="/courses/{id}/enrollment",le="0.005"} 0
http_request_duration_seconds_bucket{method="POST",route="/courses/{id}/enrollment",le="0.05"} 0
http_request_duration_seconds_bucket{method="POST",route="/courses/{id}/enrollment",le="+Inf"} 0
db_pool_connections{state="idle"} 3 1700000000000
"#;

    #[test]
    fn reads_samples_labels_and_sums() {
        let now = Scrape::parse(NOW);
        assert_eq!(now.sum("enrollment_attempts_total", &[("outcome", "enrolled")]), 70.0);
        assert_eq!(now.sum("enrollment_attempts_total", &[]), 76.0);
        assert_eq!(now.sum("db_pool_connections", &[("state", "idle")]), 3.0);
        let reasons = now.by_label("enrollment_attempts_total", "outcome");
        assert_eq!(reasons.len(), 3);
        assert!(reasons.contains(&("course_full".to_owned(), 5.0)));
    }

    #[test]
    fn increase_and_quantile_are_over_the_window() {
        let (before, now) = (Scrape::parse(BEFORE), Scrape::parse(NOW));
        assert_eq!(
            increase(&before, &now, "enrollment_attempts_total", &[("outcome", "enrolled")]),
            60.0
        );
        // In the window: 100 requests, 90 within 5 ms, all within 50 ms.
        assert_eq!(
            quantile_between(&before, &now, "http_request_duration_seconds", 0.5),
            Some(0.005)
        );
        assert_eq!(
            quantile_between(&before, &now, "http_request_duration_seconds", 0.99),
            Some(0.05)
        );
        assert_eq!(
            quantile_between(&before, &now, "http_request_duration_seconds", 1.0),
            Some(0.05)
        );
        // Past the last finite bound: "more than that".
        let slow = Scrape::parse("t_bucket{le=\"0.05\"} 1\nt_bucket{le=\"+Inf\"} 3\n");
        assert_eq!(
            quantile_between(&Scrape::default(), &slow, "t", 0.99),
            Some(f64::INFINITY)
        );
        assert_eq!(
            quantile_between(&now, &now, "http_request_duration_seconds", 0.99),
            None
        );
    }

    #[test]
    fn a_restarted_service_counts_from_zero() {
        let (before, now) = (Scrape::parse(NOW), Scrape::parse(BEFORE));
        assert_eq!(
            increase(&before, &now, "enrollment_attempts_total", &[("outcome", "enrolled")]),
            10.0
        );
    }

    #[test]
    fn quoted_label_values_may_hold_commas_braces_and_escapes() {
        let scrape = Scrape::parse("x{a=\"1,}2\",b=\"say \\\"hi\\\"\"} 4\nnot a sample\n");
        assert_eq!(scrape.samples.len(), 1);
        assert_eq!(scrape.samples[0].label("a"), Some("1,}2"));
        assert_eq!(scrape.samples[0].label("b"), Some("say \"hi\""));
    }
}
