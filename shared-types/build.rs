//! Keeps, of the breached-password list, the entries a new password could
//! match at all (at least `MIN_CHARS` long, lowercased): shorter ones are
//! refused by their length already, and leaving them out keeps the browser
//! app small.

use std::path::Path;

/// Must equal `shared_types::password::MIN_CHARS` (a test checks).
const MIN_CHARS: usize = 12;

fn main() {
    let source = "data/breached-passwords.txt";
    println!("cargo:rerun-if-changed={source}");
    let list = std::fs::read_to_string(source).expect("data/breached-passwords.txt is readable");
    let mut long: Vec<String> = list
        .lines()
        .map(|line| line.trim().to_ascii_lowercase())
        .filter(|line| line.chars().count() >= MIN_CHARS)
        .collect();
    long.sort_unstable();
    long.dedup();
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("breached-long.txt"), long.join("\n")).expect("OUT_DIR is writable");
}
