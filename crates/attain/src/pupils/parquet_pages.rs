//! A check of a Parquet file's page headers before polars decodes it.
//!
//! Each page of a Parquet column chunk starts with a Thrift header giving
//! the page's compressed and uncompressed sizes, and polars allocates the
//! uncompressed size before decompressing. A damaged header (fuzzing found
//! one claiming 2.3 × 10¹⁸ bytes) makes that allocation fail, and a failed
//! allocation aborts the process: no error can be returned. So the headers
//! are read here first, by hand, since neither polars nor its Parquet crate
//! offers a check short of decoding: a header that does not parse, a page
//! that runs past its column chunk, or a page claiming more than
//! [`MAX_PAGE_BYTES`] is refused as a damaged file. Reading the headers
//! costs one more pass over the file's bytes (tens of milliseconds for a
//! national year, in the page cache after the metadata read).

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

use crate::error::{Error, Result};

/// The largest uncompressed page accepted: Parquet writers use pages of a
/// megabyte or so; a gigabyte is far beyond any real pupil file.
pub const MAX_PAGE_BYTES: i64 = 1 << 30;

/// Thrift's compact protocol, only as far as skipping a page header needs.
struct Compact<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Compact<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift.min(63);
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn zigzag(&mut self) -> Option<i64> {
        let v = self.varint()?;
        Some((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn skip(&mut self, kind: u8, depth: u32) -> Option<()> {
        if depth > 32 {
            return None;
        }
        match kind {
            1 | 2 => Some(()),
            3 => self.byte().map(|_| ()),
            4..=6 => self.varint().map(|_| ()),
            7 => {
                self.at = self.at.checked_add(8).filter(|&a| a <= self.bytes.len())?;
                Some(())
            }
            8 => {
                let length = usize::try_from(self.varint()?).ok()?;
                self.at = self
                    .at
                    .checked_add(length)
                    .filter(|&a| a <= self.bytes.len())?;
                Some(())
            }
            9 | 10 => {
                let head = self.byte()?;
                let size = match head >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                for _ in 0..size {
                    self.skip(head & 0x0f, depth + 1)?;
                }
                Some(())
            }
            11 => {
                let size = self.varint()?;
                if size > 0 {
                    let types = self.byte()?;
                    for _ in 0..size {
                        self.skip(types >> 4, depth + 1)?;
                        self.skip(types & 0x0f, depth + 1)?;
                    }
                }
                Some(())
            }
            12 => self.fields(depth + 1, &mut |_, _, _| Some(())),
            _ => None,
        }
    }

    /// Reads a struct's fields, calling `each(field id, type, self)` for
    /// i32 fields it wants and skipping the rest.
    fn fields(
        &mut self,
        depth: u32,
        each: &mut dyn FnMut(i16, u8, i64) -> Option<()>,
    ) -> Option<()> {
        let mut id: i16 = 0;
        loop {
            let head = self.byte()?;
            if head == 0 {
                return Some(());
            }
            let kind = head & 0x0f;
            id = match head >> 4 {
                0 => i16::try_from(self.zigzag()?).ok()?,
                delta => id.checked_add(i16::from(delta))?,
            };
            if kind == 5 {
                let value = self.zigzag()?;
                each(id, kind, value)?;
            } else if kind == 12 && depth == 0 && matches!(id, 5 | 7 | 8) {
                // A data, dictionary or v2 data page header: its counts of
                // values (and rows) are reported as field 100 + id.
                let outer = id;
                self.fields(depth + 1, &mut |inner, _, value| {
                    if matches!(inner, 1 | 3) {
                        each(outer * 100 + inner, 5, value)?;
                    }
                    Some(())
                })?;
            } else {
                self.skip(kind, depth)?;
            }
        }
    }
}

fn damaged(source: &str, what: String) -> Error {
    Error::invalid(
        source,
        None,
        None,
        None,
        format!("a readable Parquet file: this one is damaged ({what})"),
    )
}

/// Checks every page header of the given column chunks (byte ranges, with
/// the rows of their row group): sizes within [`MAX_PAGE_BYTES`], pages
/// within their chunk, and counts of values and rows from 0 to the row
/// group's (a negative count, read as a huge one, is what made polars
/// allocate without bound).
pub fn check(
    file: &mut (impl Read + Seek),
    source: &str,
    chunks: impl Iterator<Item = (Range<u64>, usize)>,
) -> Result<()> {
    let length = file
        .seek(SeekFrom::End(0))
        .map_err(|e| Error::io(source, e))?;
    for (chunk, rows) in chunks {
        if chunk.start > chunk.end || chunk.end > length {
            return Err(damaged(
                source,
                format!(
                    "a column chunk at bytes {}..{} of a {length}-byte file",
                    chunk.start, chunk.end
                ),
            ));
        }
        let size = usize::try_from(chunk.end - chunk.start)
            .map_err(|_| damaged(source, "a column chunk too large".into()))?;
        let mut bytes = vec![0u8; size];
        file.seek(SeekFrom::Start(chunk.start))
            .map_err(|e| Error::io(source, e))?;
        file.read_exact(&mut bytes)
            .map_err(|e| Error::io(source, e))?;
        let mut at = 0usize;
        while at < bytes.len() {
            let mut header = Compact { bytes: &bytes, at };
            let (mut uncompressed, mut compressed) = (None, None);
            let mut counts_fit = true;
            header
                .fields(0, &mut |id, _, value| {
                    match id {
                        2 => uncompressed = Some(value),
                        3 => compressed = Some(value),
                        501 | 701 | 801 | 803 => counts_fit &= (0..=rows as i64).contains(&value),
                        _ => {}
                    }
                    Some(())
                })
                .ok_or_else(|| {
                    damaged(
                        source,
                        format!(
                            "a page header at byte {} does not parse",
                            chunk.start as usize + at
                        ),
                    )
                })?;
            let (Some(uncompressed), Some(compressed)) = (uncompressed, compressed) else {
                return Err(damaged(
                    source,
                    format!(
                        "a page header at byte {} without its sizes",
                        chunk.start as usize + at
                    ),
                ));
            };
            if !counts_fit {
                return Err(damaged(
                    source,
                    format!("a page whose count of values is not from 0 to its row group's {rows} rows, at byte {}", chunk.start as usize + at),
                ));
            }
            if !(0..=MAX_PAGE_BYTES).contains(&uncompressed)
                || !(0..=MAX_PAGE_BYTES).contains(&compressed)
            {
                return Err(damaged(
                    source,
                    format!("a page claiming {uncompressed} bytes uncompressed and {compressed} compressed, at byte {}", chunk.start as usize + at),
                ));
            }
            at = header.at + compressed as usize;
            if at > bytes.len() {
                return Err(damaged(
                    source,
                    format!(
                        "a page running past its column chunk, at byte {}",
                        chunk.start as usize + header.at
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact-protocol page header: type 0, the sizes, and a data page
    /// header with `values`, then `compressed` bytes of data.
    fn page(uncompressed: u64, compressed: u64, values: i64) -> Vec<u8> {
        let zigzag = |v: i64| ((v << 1) ^ (v >> 63)) as u64;
        let varint = |mut v: u64, out: &mut Vec<u8>| loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        };
        let mut out = vec![0x15, 0x00, 0x15];
        varint(zigzag(uncompressed as i64), &mut out);
        out.push(0x15);
        varint(zigzag(compressed as i64), &mut out);
        out.push(0x2c);
        out.push(0x15);
        varint(zigzag(values), &mut out);
        out.extend([0x00, 0x00]);
        out.extend(std::iter::repeat_n(7u8, compressed as usize));
        out
    }

    fn run(bytes: Vec<u8>, rows: usize) -> Result<()> {
        let length = bytes.len() as u64;
        check(
            &mut std::io::Cursor::new(bytes),
            "file",
            [(0..length, rows)].into_iter(),
        )
    }

    #[test]
    fn sound_pages_pass_and_damaged_ones_are_refused() {
        let mut two = page(100, 10, 5);
        two.extend(page(80, 4, 5));
        assert!(run(two, 5).is_ok());
        let error = run(page(100, 10, -1), 5).unwrap_err().to_string();
        assert!(error.contains("count of values"), "{error}");
        let error = run(page(1 << 40, 10, 5), 5).unwrap_err().to_string();
        assert!(error.contains("claiming"), "{error}");
        let mut short = page(100, 10, 5);
        short.truncate(short.len() - 3);
        let error = run(short, 5).unwrap_err().to_string();
        assert!(error.contains("running past"), "{error}");
        let error = run(vec![0x15, 0xff, 0xff], 5).unwrap_err().to_string();
        assert!(error.contains("does not parse"), "{error}");
    }
}
