//! Shared harness of the PDF tests: poppler's command-line tools (`pdftotext`, `pdfinfo`,
//! `pdffonts`, `pdftoppm`) run on rendered reports, and the skip helper.

// Each test binary uses part of the harness.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Records a test (or a part of it) that cannot run here as skipped, with the reason: on
/// standard error and in the file `scripts/test` counts skips from (`VIGIE_SKIP_LOG`), so
/// it is reported as skipped, never as passed.
pub(crate) fn skip(test: &str, reason: &str) {
    use std::io::Write;
    eprintln!("SKIPPED {test}: {reason}");
    if let Some(path) = std::env::var_os("VIGIE_SKIP_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
    {
        let _ = writeln!(file, "{test}: {reason}");
    }
}

/// Whether poppler's tools are installed; if not, records `test` as skipped.
pub(crate) fn poppler_or_skip(test: &str) -> bool {
    for tool in ["pdftotext", "pdfinfo", "pdffonts", "pdftoppm"] {
        let found = Command::new(tool)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stderr.is_empty());
        if !found {
            skip(
                test,
                &format!("{tool} (poppler-utils) is not installed: scripts/test installs it"),
            );
            return false;
        }
    }
    true
}

/// A rendered PDF written to a fresh temporary directory.
pub(crate) struct Pdf {
    /// The directory (removed on drop).
    pub(crate) dir: tempfile::TempDir,
    /// The file.
    pub(crate) path: PathBuf,
}

impl Pdf {
    /// Writes `bytes` as `name.pdf` in a new temporary directory.
    pub(crate) fn write(name: &str, bytes: &[u8]) -> Pdf {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&path, bytes).expect("write the PDF");
        Pdf { dir, path }
    }

    /// The page count `pdfinfo` reads.
    pub(crate) fn pages(&self) -> usize {
        let info = run("pdfinfo", &[self.path.as_os_str()]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in pdfinfo's output:\n{info}"))
    }

    /// `pdfinfo`'s output.
    pub(crate) fn info(&self) -> String {
        run("pdfinfo", &[self.path.as_os_str()])
    }

    /// The text of the whole document (`pdftotext -layout`).
    pub(crate) fn text(&self) -> String {
        run(
            "pdftotext",
            &["-layout".as_ref(), self.path.as_os_str(), "-".as_ref()],
        )
    }

    /// The text of page `page` (1-based).
    pub(crate) fn page_text(&self, page: usize) -> String {
        let n = page.to_string();
        run(
            "pdftotext",
            &[
                "-layout".as_ref(),
                "-f".as_ref(),
                n.as_ref(),
                "-l".as_ref(),
                n.as_ref(),
                self.path.as_os_str(),
                "-".as_ref(),
            ],
        )
    }

    /// `pdffonts`' table.
    pub(crate) fn fonts(&self) -> String {
        run("pdffonts", &[self.path.as_os_str()])
    }

    /// Renders every page to PNG at 50 dpi and returns the files, in page order.
    pub(crate) fn png_pages(&self) -> Vec<PathBuf> {
        let prefix = self.dir.path().join("page");
        run(
            "pdftoppm",
            &[
                "-r".as_ref(),
                "50".as_ref(),
                "-png".as_ref(),
                self.path.as_os_str(),
                prefix.as_os_str(),
            ],
        );
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read the directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        files.sort();
        files
    }

    /// Page `page` (1-based) rendered at 50 dpi as RGB pixels.
    pub(crate) fn pixels(&self, page: usize) -> Pixels {
        let n = page.to_string();
        let prefix = self.dir.path().join(format!("pixels-{page}"));
        run(
            "pdftoppm",
            &[
                "-r".as_ref(),
                "50".as_ref(),
                "-f".as_ref(),
                n.as_ref(),
                "-l".as_ref(),
                n.as_ref(),
                "-singlefile".as_ref(),
                self.path.as_os_str(),
                prefix.as_os_str(),
            ],
        );
        Pixels::read(&prefix.with_extension("ppm"))
    }
}

/// Runs a poppler tool and returns its standard output; panics with its error otherwise.
fn run(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} did not start: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An RGB image read from a binary PPM (`P6`) file.
pub(crate) struct Pixels {
    /// Width in pixels.
    pub(crate) width: usize,
    /// Height in pixels.
    pub(crate) height: usize,
    /// `width * height` RGB triples, row by row.
    pub(crate) rgb: Vec<[u8; 3]>,
}

impl Pixels {
    fn read(path: &Path) -> Pixels {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Header: "P6" width height maxval, separated by whitespace, then one byte of
        // whitespace and the raster.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        at += 1;
        assert_eq!(fields[0], "P6", "not a binary PPM: {}", path.display());
        assert_eq!(fields[3], "255", "unexpected maxval");
        let width: usize = fields[1].parse().expect("width");
        let height: usize = fields[2].parse().expect("height");
        let raster = &bytes[at..];
        assert_eq!(raster.len(), width * height * 3, "truncated PPM");
        let rgb = raster.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
        Pixels { width, height, rgb }
    }

    /// Pixels that are clearly coloured (not white, grey or black; not the dark blue of
    /// headings either).
    pub(crate) fn coloured(&self) -> usize {
        self.rgb
            .iter()
            .filter(|[r, g, b]| {
                let max = (*r).max(*g).max(*b);
                let min = (*r).min(*g).min(*b);
                max - min > 90
            })
            .count()
    }

    /// Clearly coloured pixels in the rows `from..to`.
    pub(crate) fn coloured_rows(&self, from: usize, to: usize) -> usize {
        let to = to.min(self.height);
        if from >= to {
            return 0;
        }
        self.rgb[from * self.width..to * self.width]
            .iter()
            .filter(|[r, g, b]| {
                let max = (*r).max(*g).max(*b);
                let min = (*r).min(*g).min(*b);
                max - min > 90
            })
            .count()
    }

    /// Pixels within `tolerance` of the colour `#RRGGBB` on every channel.
    pub(crate) fn near(&self, hex: &str, tolerance: u8) -> usize {
        let hex = hex.trim_start_matches('#');
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("a #RRGGBB colour");
        let target = [channel(0), channel(2), channel(4)];
        self.rgb
            .iter()
            .filter(|p| (0..3).all(|i| p[i].abs_diff(target[i]) <= tolerance))
            .count()
    }
}
