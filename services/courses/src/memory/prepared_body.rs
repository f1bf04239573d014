//! An answer serialized once, with its tag and its compressed forms, for
//! the answers thousands of open tabs ask for on registration morning (the
//! catalogue, seat changes): made once per version, not once per request.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, IntoResponseParts, Response};
use service_common::conditional::weak_etag;
use service_common::encoding::{preferred_encoding, Encoding};

pub struct PreparedBody {
    pub json: Bytes,
    pub etag: HeaderValue,
    /// When the rows were read, in milliseconds since 1970 UTC: where a
    /// tab's next seat updates (`GET /courses/seats?since=`) start from.
    pub as_of: i64,
    gzip: Bytes,
    brotli: Bytes,
}

/// gzip level and brotli quality: a few milliseconds for a term's
/// catalogue, at under a tenth of its size.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW_BITS: u32 = 22;

impl PreparedBody {
    /// Tags and compresses `json`, on a blocking thread: compressing a
    /// term's catalogue takes milliseconds the request threads should not
    /// spend.
    pub async fn prepare(json: Bytes, as_of: i64) -> Self {
        let source = json.clone();
        let span = tracing::Span::current();
        let made = tokio::task::spawn_blocking(move || span.in_scope(|| Self::made_now(source, as_of))).await;
        made.unwrap_or_else(|_| Self::made_now(json, as_of))
    }

    fn made_now(json: Bytes, as_of: i64) -> Self {
        Self {
            as_of,
            etag: weak_etag(&json),
            gzip: gzip(&json),
            brotli: brotli(&json),
            json,
        }
    }

    /// The 200 answer to `request`: the JSON in the encoding it prefers,
    /// tagged, with `parts` (caching headers and the like).
    pub fn response(&self, request: &HeaderMap, parts: impl IntoResponseParts) -> Response {
        let encoding = preferred_encoding(request);
        let mut response = (
            parts,
            [
                (header::ETAG, self.etag.clone()),
                (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            ],
            self.encoded(encoding),
        )
            .into_response();
        if let Some(coding) = encoding.header_value() {
            response.headers_mut().insert(header::CONTENT_ENCODING, coding);
        }
        response
    }

    /// The body in `encoding`.
    pub fn encoded(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => self.json.clone(),
            Encoding::Gzip => self.gzip.clone(),
            Encoding::Brotli => self.brotli.clone(),
        }
    }
}

fn gzip(json: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(GZIP_LEVEL));
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(json);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn brotli(json: &[u8]) -> Bytes {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW_BITS);
        let _ = writer.write_all(json);
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[tokio::test]
    async fn each_encoding_gives_back_the_same_json() {
        let json = Bytes::from(serde_json::to_vec(&vec!["a course of a typical description length"; 500]).unwrap());
        let body = PreparedBody::prepare(json.clone(), 0).await;
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&body.encoded(Encoding::Gzip)[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, json);
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(&body.encoded(Encoding::Brotli)[..], 4096)
            .read_to_end(&mut unbrotli)
            .unwrap();
        assert_eq!(unbrotli, json);
        assert_eq!(body.encoded(Encoding::Identity), json);
        assert!(body.encoded(Encoding::Gzip).len() < json.len() / 10);
    }
}
