//! The serialized catalogue with its tag and its compressed forms, each
//! made once per version of the catalogue, not once per request: on
//! registration morning the same bytes go to thousands of open tabs.

use std::io::Write;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::HeaderValue;
use service_common::conditional::weak_etag;
use service_common::encoding::Encoding;

pub struct CatalogueBody {
    pub json: Bytes,
    pub etag: HeaderValue,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

/// gzip level and brotli quality: a few milliseconds for a term's
/// catalogue, at under a tenth of its size.
const GZIP_LEVEL: u32 = 6;
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW_BITS: u32 = 22;

impl CatalogueBody {
    pub fn new(json: Bytes) -> Self {
        Self {
            etag: weak_etag(&json),
            json,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// The body in `encoding`, compressed on first use.
    pub fn encoded(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => self.json.clone(),
            Encoding::Gzip => self.gzip.get_or_init(|| gzip(&self.json)).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| brotli(&self.json)).clone(),
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

    #[test]
    fn each_encoding_gives_back_the_same_json() {
        let json = Bytes::from(serde_json::to_vec(&vec!["a course of a typical description length"; 500]).unwrap());
        let body = CatalogueBody::new(json.clone());
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
