//! Precompression of the built app: a Brotli (`NAME.br`) and a gzip (`NAME.gz`) copy beside
//! every compressible file in `dist/`, which the proxy sends to browsers that accept them
//! (`proxy/src/http/files.rs`).
//!
//! It runs right after every `trunk build --release`. Compressing at build time rather than
//! per request lets us use the slowest, smallest settings (Brotli quality 11, gzip level 9):
//! the cost is paid once per build, the gain on every cold visit. A variant is only written
//! when it is smaller than the file, and whatever an earlier build left beside a file (or
//! beside a file that is gone) is replaced or removed, so `dist/` never holds a variant that
//! disagrees with its file.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;

/// Brotli's highest quality.
const BROTLI_QUALITY: u32 = 11;
/// Brotli's window, as log2 of its size: 4 MiB covers the whole wasm module, so matches can
/// reach back across all of it.
const BROTLI_WINDOW_LOG2: u32 = 22;
/// gzip's highest level.
const GZIP_LEVEL: u32 = 9;

/// Compresses a whole file in memory.
type Compressor = fn(&[u8]) -> io::Result<Vec<u8>>;

/// The encodings written beside a file, as (the suffix of the variant, the compressor).
const ENCODINGS: [(&str, Compressor); 2] = [(".br", brotli), (".gz", gzip)];

/// Extensions of files worth compressing: text and wasm. Images such as PNG and fonts such
/// as WOFF2 are compressed already, so another pass would only cost build time.
const COMPRESSIBLE: &[&str] = &[
    "html",
    "htm",
    "js",
    "mjs",
    "css",
    "wasm",
    "svg",
    "json",
    "map",
    "webmanifest",
    "txt",
    "xml",
    "ico",
];

/// What [`precompress`] did, for the build's log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Compressible files found.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// The total size of what a Brotli client downloads for them: each file's `.br` where
    /// one was written, else the file itself. Likewise `gzip` for `.gz`.
    pub brotli: u64,
    pub gzip: u64,
}

/// Writes `NAME.br` and `NAME.gz` beside every compressible file under `dir` (recursively)
/// where they are smaller, and removes variants that are stale: beside a file that no longer
/// compresses, beside a file of a type we do not compress, or beside no file at all.
pub fn precompress(dir: &Path) -> Result<Summary, String> {
    let mut files = Vec::new();
    walk(dir, &mut files).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    let mut summary = Summary::default();
    for path in &files {
        if let Some(original) = original_of(path) {
            // A variant whose file is gone belongs to an earlier build.
            if !original.is_file() {
                remove(path)?;
            }
            continue;
        }
        if !is_compressible(path) {
            for (suffix, _) in ENCODINGS {
                remove(&with_suffix(path, suffix))?;
            }
            continue;
        }
        let data = fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let size = data.len() as u64;
        summary.files += 1;
        summary.bytes += size;
        for (suffix, compress) in ENCODINGS {
            let variant = with_suffix(path, suffix);
            let compressed = compress(&data)
                .map_err(|e| format!("compressing {} ({suffix}): {e}", path.display()))?;
            let sent = if compressed.len() < data.len() {
                fs::write(&variant, &compressed)
                    .map_err(|e| format!("writing {}: {e}", variant.display()))?;
                compressed.len() as u64
            } else {
                remove(&variant)?;
                size
            };
            match suffix {
                ".br" => summary.brotli += sent,
                _ => summary.gzip += sent,
            }
        }
    }
    Ok(summary)
}

/// Brotli at its highest quality.
pub fn brotli(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW_LOG2);
        writer.write_all(data)?;
        writer.flush()?;
    }
    Ok(out)
}

/// gzip at its highest level (no file name, a zero timestamp: the output depends on the
/// bytes alone, so rebuilding the same app gives the same files).
pub fn gzip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(data)?;
    encoder.finish()
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// For a variant `NAME.br` or `NAME.gz`, the path of `NAME`.
fn original_of(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    ENCODINGS.iter().find_map(|(suffix, _)| {
        name.strip_suffix(suffix)
            .filter(|stem| !stem.is_empty())
            .map(|stem| path.with_file_name(stem))
    })
}

fn is_compressible(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| COMPRESSIBLE.iter().any(|c| c.eq_ignore_ascii_case(e)))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes `path` if it exists.
fn remove(path: &Path) -> Result<(), String> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(format!("removing {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Read as _;

    use super::*;

    /// A fresh, empty directory for one test.
    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("xtask-compress-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn unbrotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(data, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn ungzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// Text that compresses well, as a build's JavaScript does.
    fn text(seed: &str) -> Vec<u8> {
        (0..200)
            .map(|i| format!("export function {seed}{i}() {{ return {i}; }}\n"))
            .collect::<String>()
            .into_bytes()
    }

    /// Bytes no compressor can shrink (xorshift), as an already-compressed file is.
    fn noise(len: usize) -> Vec<u8> {
        let mut state: u32 = 0x9e37_79b9;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn variants_round_trip() {
        let dir = temp_dir("round-trip");
        fs::create_dir_all(dir.join("sub")).unwrap();
        let js = text("f");
        let wasm = [b"\0asm\x01\0\0\0".as_slice(), &text("g")].concat();
        fs::write(dir.join("app-0123456789abcdef.js"), &js).unwrap();
        fs::write(dir.join("sub/app_bg.wasm"), &wasm).unwrap();

        let summary = precompress(&dir).unwrap();

        for (name, original) in [("app-0123456789abcdef.js", &js), ("sub/app_bg.wasm", &wasm)] {
            let br = fs::read(dir.join(format!("{name}.br"))).unwrap();
            let gz = fs::read(dir.join(format!("{name}.gz"))).unwrap();
            assert!(
                br.len() < original.len() && gz.len() < original.len(),
                "{name}"
            );
            assert_eq!(&unbrotli(&br), original, "{name}.br");
            assert_eq!(&ungzip(&gz), original, "{name}.gz");
        }
        assert_eq!(summary.files, 2);
        assert_eq!(summary.bytes, (js.len() + wasm.len()) as u64);
        assert!(summary.brotli < summary.bytes && summary.gzip < summary.bytes);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_variant_that_is_not_smaller_is_not_written() {
        let dir = temp_dir("not-smaller");
        let random = noise(4096);
        fs::write(dir.join("random.js"), &random).unwrap();
        // One byte: every format's header alone is longer.
        fs::write(dir.join("tiny.css"), "a").unwrap();

        let summary = precompress(&dir).unwrap();

        for name in ["random.js", "tiny.css"] {
            assert!(!dir.join(format!("{name}.br")).exists(), "{name}.br");
            assert!(!dir.join(format!("{name}.gz")).exists(), "{name}.gz");
        }
        // Clients are sent the files themselves.
        assert_eq!(summary.brotli, summary.bytes);
        assert_eq!(summary.gzip, summary.bytes);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn compressed_types_are_skipped() {
        let dir = temp_dir("png");
        // Compressible bytes, but PNG is compressed by its format: not even tried.
        fs::write(dir.join("icon-192.png"), text("p")).unwrap();
        fs::write(dir.join("font.woff2"), text("w")).unwrap();

        let summary = precompress(&dir).unwrap();

        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(summary, Summary::default());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_variants_from_an_earlier_build_are_replaced_or_removed() {
        let dir = temp_dir("stale");
        let js = text("new");
        fs::write(dir.join("sw.js"), &js).unwrap();
        fs::write(dir.join("sw.js.br"), brotli(&text("old")).unwrap()).unwrap();
        fs::write(dir.join("sw.js.gz"), b"old").unwrap();
        // Compressed last time; now its content does not compress.
        fs::write(dir.join("data.json"), noise(2048)).unwrap();
        fs::write(dir.join("data.json.br"), b"old").unwrap();
        fs::write(dir.join("data.json.gz"), b"old").unwrap();
        // A file of the last build that this one no longer has.
        fs::write(dir.join("app-0123456789abcdef_bg.wasm.br"), b"old").unwrap();
        fs::write(dir.join("app-0123456789abcdef_bg.wasm.gz"), b"old").unwrap();
        // A type that is no longer compressed.
        fs::write(dir.join("icon.png"), noise(64)).unwrap();
        fs::write(dir.join("icon.png.gz"), b"old").unwrap();

        precompress(&dir).unwrap();

        assert_eq!(unbrotli(&fs::read(dir.join("sw.js.br")).unwrap()), js);
        assert_eq!(ungzip(&fs::read(dir.join("sw.js.gz")).unwrap()), js);
        let mut names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["data.json", "icon.png", "sw.js", "sw.js.br", "sw.js.gz"]
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
