//! Git's split index (`git update-index --split-index`): the `link` extension names a shared
//! index (`sharedindex.<id>`) and carries two EWAH bitmaps over its entries, one of entries
//! deleted and one of entries replaced by the split file's first entries; the rest of the
//! split file's entries are added. This module only merges; reading bytes is `index.rs`'s job.

use super::index::IndexEntry;

/// The `link` extension: the shared index's id and the two bitmaps.
#[derive(Debug, Default)]
pub struct Link {
    pub shared: String,
    pub delete: Vec<usize>,
    pub replace: Vec<usize>,
}

impl Link {
    /// Parses the extension's payload; `None` if it is malformed.
    pub fn parse(b: &[u8], hash: usize) -> Option<Self> {
        let shared = super::hex(b.get(..hash)?);
        let mut link = Link {
            shared,
            ..Link::default()
        };
        let rest = &b[hash..];
        if rest.is_empty() {
            return Some(link);
        }
        let (delete, used) = ewah_bits(rest)?;
        let (replace, _) = ewah_bits(rest.get(used..)?)?;
        link.delete = delete;
        link.replace = replace;
        Some(link)
    }

    /// Whether a shared index is named (an all-zero id means the index is not split).
    pub fn is_split(&self) -> bool {
        self.shared.bytes().any(|c| c != b'0')
    }
}

/// Applies the split file's entries to the shared index's, as git's `merge_base_index` does.
/// `None` when the bitmaps point past the entries (a corrupt index: let git say so).
pub fn merge(
    shared: Vec<IndexEntry>,
    split: Vec<IndexEntry>,
    link: &Link,
) -> Option<Vec<IndexEntry>> {
    let mut base: Vec<Option<IndexEntry>> = shared.into_iter().map(Some).collect();
    let mut split = split.into_iter();
    for &pos in &link.replace {
        let replacement = split.next()?;
        let slot = base.get_mut(pos)?.as_mut()?;
        // A replacing entry carries no name: it keeps the shared entry's.
        let mut replacement = replacement;
        replacement.path = std::mem::take(&mut slot.path);
        *slot = replacement;
    }
    for &pos in &link.delete {
        *base.get_mut(pos)? = None;
    }
    let mut merged: Vec<IndexEntry> = base.into_iter().flatten().collect();
    for added in split {
        match merged.binary_search_by(|e| order(e, &added)) {
            Ok(i) => merged[i] = added,
            Err(i) => merged.insert(i, added),
        }
    }
    Some(merged)
}

/// Git's index order: path bytes, then stage.
fn order(a: &IndexEntry, b: &IndexEntry) -> std::cmp::Ordering {
    crate::path_bytes::cmp(&a.path, &b.path).then(a.stage().cmp(&b.stage()))
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// Decodes one EWAH-compressed bitmap (git's `ewah_read_mmap` layout: bit count, word count,
/// 64-bit words, position of the last run-length word). Returns the set bits and the bytes used.
pub fn ewah_bits(b: &[u8]) -> Option<(Vec<usize>, usize)> {
    let words = be32(b, 4)?;
    let body = b.get(8..8 + words.checked_mul(8)?)?;
    let word = |i: usize| -> Option<u64> {
        Some(u64::from_be_bytes(
            body.get(i * 8..i * 8 + 8)?.try_into().ok()?,
        ))
    };
    let mut bits = Vec::new();
    let (mut pos, mut i) = (0usize, 0usize);
    while i < words {
        // A run-length word: bit 0 the running bit, 32 bits of run length (in words), then
        // 31 bits counting the literal words that follow it.
        let rlw = word(i)?;
        let run = ((rlw >> 1) & 0xffff_ffff) as usize;
        let literals = (rlw >> 33) as usize;
        if rlw & 1 == 1 {
            bits.extend(pos..pos + run * 64);
        }
        pos += run * 64;
        for k in 0..literals {
            let w = word(i + 1 + k)?;
            bits.extend((0..64).filter(|c| w >> c & 1 == 1).map(|c| pos + c));
            pos += 64;
        }
        i += 1 + literals;
    }
    Some((bits, 8 + words * 8 + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ewah(words: &[u64]) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 0];
        b.extend((words.len() as u32).to_be_bytes());
        for w in words {
            b.extend(w.to_be_bytes());
        }
        b.extend([0, 0, 0, 0]);
        b
    }

    #[test]
    fn ewah_decodes_runs_and_literals() {
        // One run of a set word, then one literal word with bits 0 and 3.
        let rlw: u64 = 1 | (1 << 1) | (1 << 33);
        let (bits, used) = ewah_bits(&ewah(&[rlw, 0b1001])).unwrap();
        let mut expected: Vec<usize> = (0..64).collect();
        expected.extend([64, 67]);
        assert_eq!(bits, expected);
        assert_eq!(used, 8 + 16 + 4);
    }
}
