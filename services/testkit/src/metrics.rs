//! Reading a service's `/metrics` in tests.

use reqwest::StatusCode;

/// The Prometheus text of the service at `base`, read with `token` (an
/// admin's, or the metrics token).
pub async fn scrape(http: &reqwest::Client, base: &str, token: &str) -> String {
    let response = http
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the metrics answer");
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
    response.text().await.expect("a text body")
}

/// The value of the first series named `name` whose labels include every
/// one of `labels` (`key="value"`), or `None`. The registry is the test
/// process's, shared by the tests running beside each other: compare
/// before and after, never absolute counts.
pub fn series(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|line| line.starts_with(&format!("{name}{{")) || line.starts_with(&format!("{name} ")))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::series;

    #[test]
    fn a_series_is_found_by_name_and_labels() {
        let text = "# TYPE x counter\nx{a=\"1\",b=\"2\"} 3\nx{a=\"2\"} 5\nxy 7\ny 9\n";
        assert_eq!(series(text, "x", &["a=\"2\""]), Some(5.0));
        assert_eq!(series(text, "x", &["b=\"2\""]), Some(3.0));
        assert_eq!(series(text, "y", &[]), Some(9.0));
        assert_eq!(series(text, "x", &["c=\"1\""]), None);
    }
}
