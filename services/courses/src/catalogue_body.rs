//! The serialized catalogue with its tag and its compressed forms, made
//! once per version of the catalogue, not once per request: on
//! registration morning the same bytes go to thousands of open tabs.

use std::io::Write;

use axum::body::Bytes;
use axum::http::HeaderValue;
use service_common::conditional::weak_etag;
use service_common::encoding::Encoding;

pub struct CatalogueBody {
    pub json: Bytes,
    pub etag: HeaderValue,
    /// When the rows were read, in milliseconds since 1970 UTC: where a
    /// tab's seat updates (`GET /courses/seats?since=`) start from.
    pub as_of: i64,
    gzip: Bytes,
    brotli: Bytes,
}

/// gzip level and brotli quality: a few milliseconds for a term's
/// catalogue, at under a tenth of its size.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW_BITS: u32 = 22;

impl CatalogueBody {
    /// Tags and compresses `json`, on a blocking thread: compressing a
    /// term's catalogue takes milliseconds the request threads should not
    /// spend.
    pub async fn prepare(json: Bytes, as_of: i64) -> Self {
        let source = json.clone();
        let made = tokio::task::spawn_blocking(move || Self::made_now(source, as_of)).await;
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
        let body = CatalogueBody::prepare(json.clone(), 0).await;
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
