//! Database URLs: PostgreSQL connection defaults, and a form safe to print.

/// libpq options that keep a dead or unreachable server from hanging a
/// request: without `connect_timeout` libpq waits forever on a dead host,
/// and without a TCP user timeout a query sent into a cut-off link waits
/// for the kernel's retransmissions (about 15 minutes). GSSAPI encryption
/// is off unless the URL asks for it: libpq's default (`prefer`) has every
/// connect look for a Kerberos credential first, and a process exiting
/// while a pool thread is in that lookup aborted inside libkrb5. Options
/// already in the URL win.
const PG_DEFAULTS: [(&str, &str); 7] = [
    ("connect_timeout", "2"),
    ("tcp_user_timeout", "2000"),
    ("keepalives", "1"),
    ("keepalives_idle", "5"),
    ("keepalives_interval", "1"),
    ("keepalives_count", "2"),
    ("gssencmode", "disable"),
];

/// `url` with the PostgreSQL defaults above added where it names none.
pub(crate) fn with_pg_defaults(url: &str) -> String {
    let mut out = url.to_owned();
    for (key, value) in PG_DEFAULTS {
        let present = url
            .split_once('?')
            .is_some_and(|(_, query)| query.split('&').any(|pair| pair.split('=').next() == Some(key)));
        if !present {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// The URL with any password replaced by `***`, for logs and errors.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority_end, _) = rest
        .char_indices()
        .find(|&(_, c)| c == '/' || c == '?')
        .unwrap_or((rest.len(), ' '));
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, hosts)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{hosts}"),
            None => format!("{user_info}@{hosts}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redacted("postgres://app:s3cret@h1:5432,h2:5432/db?sslmode=prefer"),
            "postgres://app:***@h1:5432,h2:5432/db?sslmode=prefer"
        );
        assert_eq!(
            redacted("postgresql://h1/db?user=app&password=s3cret"),
            "postgresql://h1/db?user=app&password=***"
        );
        assert_eq!(redacted("data/auth.db"), "data/auth.db");
        assert_eq!(redacted("postgres://app@h1/db"), "postgres://app@h1/db");
    }

    #[test]
    fn defaults_are_added_but_never_override() {
        let url = with_pg_defaults("postgres://h/db?connect_timeout=9");
        assert!(url.contains("connect_timeout=9"));
        assert!(!url.contains("connect_timeout=2"));
        assert!(url.contains("&tcp_user_timeout=2000"));
        assert!(with_pg_defaults("postgres://h/db").starts_with("postgres://h/db?connect_timeout=2&"));
    }
}
