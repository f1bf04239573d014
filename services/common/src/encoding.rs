//! Which content coding a client takes, for answers a service compresses
//! ahead of time (the catalogue); every other answer is compressed by
//! tower-http's compression layer as it goes out.

use axum::http::{header, HeaderMap, HeaderValue};

/// A content coding this system sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value, `None` for identity.
    pub fn header_value(self) -> Option<HeaderValue> {
        match self {
            Encoding::Brotli => Some(HeaderValue::from_static("br")),
            Encoding::Gzip => Some(HeaderValue::from_static("gzip")),
            Encoding::Identity => None,
        }
    }
}

/// The best coding `Accept-Encoding` allows: brotli, then gzip, else none.
/// A coding listed with `q=0` is refused.
pub fn preferred_encoding(request: &HeaderMap) -> Encoding {
    let mut brotli = false;
    let mut gzip = false;
    for item in request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut fields = item.split(';');
        let name = fields.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = fields.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        match name.as_str() {
            "br" => brotli = true,
            "gzip" | "x-gzip" => gzip = true,
            "*" => {
                brotli = true;
                gzip = true;
            }
            _ => {}
        }
    }
    if brotli {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(value: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        preferred_encoding(&headers)
    }

    #[test]
    fn brotli_before_gzip_and_q_zero_refuses() {
        assert_eq!(asked("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(asked("gzip"), Encoding::Gzip);
        assert_eq!(asked("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(asked("identity"), Encoding::Identity);
        assert_eq!(asked("*"), Encoding::Brotli);
        assert_eq!(preferred_encoding(&HeaderMap::new()), Encoding::Identity);
    }
}
