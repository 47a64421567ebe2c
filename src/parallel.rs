//! Work split over the machine's cores: the export's artifacts and their printing, the hook's
//! reading of a thousand run records.

/// `f` applied to `items` in consecutive parts, one per core (a part has at least `min`
/// items; the first part runs on this thread), the results in order.
pub fn in_parts<'a, T: Sync, R: Send>(
    items: &'a [T],
    min: usize,
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let part = items.len().div_ceil(cores).max(min.max(1));
    if items.len() <= part {
        return vec![f(items)];
    }
    let f = &f;
    std::thread::scope(|s| {
        let mut chunks = items.chunks(part);
        let first = chunks.next().unwrap_or_default();
        let running: Vec<_> = chunks.map(|chunk| s.spawn(move || f(chunk))).collect();
        let mut out = Vec::with_capacity(running.len() + 1);
        out.push(f(first));
        out.extend(
            running
                .into_iter()
                .map(|r| r.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parts_come_back_in_order_and_cover_every_item() {
        let items: Vec<u32> = (0..1000).collect();
        for min in [1, 7, 64, 5000] {
            let parts = super::in_parts(&items, min, |part| part.to_vec());
            assert_eq!(parts.concat(), items, "min {min}");
            let (_, all_but_last) = parts.split_last().unwrap();
            assert!(all_but_last.iter().all(|p| p.len() >= min), "min {min}");
        }
        assert_eq!(super::in_parts(&[] as &[u32], 1, <[u32]>::len), vec![0]);
    }
}
