//! Quantities in plan text: availability percentages, p99 latencies and throughputs in the
//! spellings engineers use (`≤ 200 ms`, `1.5 s`, `800 milliseconds`, `2.5k events/s`,
//! `15,000 requests/second`), turned into the manifest's canonical forms (`"99.9"`,
//! `"150ms"`, `"1200rps"`). Pure text in, text out.

/// Lower-case words of a text with surrounding punctuation (and `≤`, `<`, `~`) removed.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| {
                !(c.is_alphanumeric() || matches!(c, '%' | '.' | '#' | '-' | '/' | '_'))
            })
            .trim_end_matches('.')
            .trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '%'))
            .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// A number at the start of a word (thousands separators, decimals and a `k` suffix allowed),
/// and the rest of the word.
fn number(word: &str) -> Option<(f64, &str)> {
    let end = word
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(word.len());
    let digits = word[..end].trim_end_matches([',', '.']);
    if digits.is_empty() || digits.starts_with(',') {
        return None;
    }
    let n: f64 = digits.replace(',', "").parse().ok()?;
    let rest = &word[end..];
    match rest.strip_prefix('k') {
        Some(after) if after.is_empty() || is_rate_word(after) => Some((n * 1000.0, after)),
        _ => Some((n, rest)),
    }
}

/// The first number whose unit (the rest of its word, or the words after it) `unit` accepts;
/// `unit` gives the factor to the canonical unit.
fn quantity(ws: &[String], unit: &impl Fn(&str, &[String]) -> Option<f64>) -> Option<f64> {
    ws.iter().enumerate().find_map(|(i, w)| {
        let (n, rest) = number(w)?;
        let following = &ws[i + 1..ws.len().min(i + 4)];
        unit(rest, following).map(|factor| n * factor)
    })
}

/// A number written without trailing zeros (`99.90` → `99.9`, `1200.0` → `1200`).
pub fn trim_number(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Availability (`"99.95"`) from a clause that talks about availability or uptime.
pub fn availability(clause: &str) -> Option<String> {
    let lower = clause.to_lowercase();
    let ws = words(clause);
    let about = lower.contains("avail")
        || lower.contains("uptime")
        || (ws.iter().any(|w| w == "up") && lower.contains("of the time"));
    if !about {
        return None;
    }
    let percent = |rest: &str, next: &[String]| {
        let next: Vec<&str> = next.iter().map(String::as_str).collect();
        let spelled = matches!(next.as_slice(), ["%" | "percent", ..] | ["per", "cent", ..]);
        (rest == "%" || (rest.is_empty() && spelled)).then_some(1.0)
    };
    quantity(&ws, &percent)
        .filter(|v| (50.0..=100.0).contains(v))
        .map(trim_number)
}

/// Time units and their factor to milliseconds.
fn millis(unit: &str) -> Option<f64> {
    match unit {
        "ms" | "msec" | "millisecond" | "milliseconds" => Some(1.0),
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1000.0),
        _ => None,
    }
}

/// Whether a word names a percentile (`p95`, `p99`, `99th`, `median`).
fn is_percentile(w: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || c == '.');
    w == "median"
        || w.strip_prefix('p').is_some_and(digits)
        || w.strip_suffix("th").is_some_and(digits)
}

/// p99 latency (`"150ms"`) from a clause that names the 99th percentile: the duration after
/// the p99 mention (up to the next percentile), else the last one before it, so that
/// `p95 of 100 ms and p99 of 300 ms` and `300 ms at the 99th percentile` both read right.
pub fn latency_p99(clause: &str) -> Option<String> {
    let ws = words(clause);
    let at = ws.iter().position(|w| {
        w == "p99"
            || w.strip_prefix("99th")
                .is_some_and(|r| r.is_empty() || r.starts_with('-'))
    })?;
    let unit = |rest: &str, next: &[String]| {
        if rest.is_empty() {
            next.first().and_then(|w| millis(w))
        } else {
            millis(rest)
        }
    };
    let end = ws[at + 1..]
        .iter()
        .position(|w| is_percentile(w))
        .map_or(ws.len(), |e| at + 1 + e);
    let start = ws[..at]
        .iter()
        .rposition(|w| is_percentile(w))
        .map_or(0, |s| s + 1);
    let before = (start..at).rev().find_map(|i| quantity(&ws[i..at], &unit));
    quantity(&ws[at + 1..end], &unit)
        .or(before)
        .map(|ms| format!("{}ms", trim_number(ms)))
}

/// A word that is a rate unit by itself: `rps`, `qps`, `req/s`, `events/s`, `msg/sec`…
fn is_rate_word(w: &str) -> bool {
    matches!(w, "rps" | "qps" | "tps" | "mps" | "eps")
        || ["/s", "/sec", "/second"].iter().any(|s| w.ends_with(s))
}

fn is_second(w: &str) -> bool {
    matches!(w, "second" | "sec" | "s")
}

/// Throughput (`"1200rps"`) from a clause: a number followed by a rate unit, or by
/// `per second` with or without a noun in between (`6,000 requests per second`).
pub fn throughput(clause: &str) -> Option<String> {
    let unit = |rest: &str, next: &[String]| {
        let next: Vec<&str> = next.iter().map(String::as_str).collect();
        let rate = if !rest.is_empty() {
            is_rate_word(rest)
        } else {
            match next.as_slice() {
                [w, ..] if is_rate_word(w) => true,
                ["per" | "a" | "each", s, ..] | [_, "per" | "a" | "each", s, ..] => is_second(s),
                _ => false,
            }
        };
        rate.then_some(1.0)
    };
    let ws = words(clause);
    quantity(&ws, &unit)
        .or_else(|| rate_then_number(&ws))
        .map(|v| format!("{}rps", trim_number(v)))
}

/// A rate unit written before its number, as in a label: `Peak RPS: 3,000`.
fn rate_then_number(ws: &[String]) -> Option<f64> {
    ws.windows(2).find_map(|p| {
        let (n, rest) = number(&p[1])?;
        (matches!(p[0].as_str(), "rps" | "qps" | "tps") && rest.is_empty()).then_some(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_in_every_spelling_become_milliseconds() {
        for (text, want) in [
            ("p99 latency under 150ms", "150ms"),
            ("Latency (p99): ≤ 200 ms", "200ms"),
            ("p99 < 45ms", "45ms"),
            ("99th percentile latency of 800 milliseconds", "800ms"),
            ("p99 render latency | 2 s", "2000ms"),
            ("p99 latency under 1.5 s", "1500ms"),
            ("p99 of 4s for interactive reports", "4000ms"),
            ("95th percentile 100 ms and 99th percentile 300 ms", "300ms"),
            ("results within 300 ms at the 99th percentile", "300ms"),
            ("The service SHALL respond within 250ms (p99).", "250ms"),
            ("99th-percentile latency of 0.5 seconds", "500ms"),
        ] {
            assert_eq!(latency_p99(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(latency_p99("Cache tokens for 60 s"), None);
    }

    #[test]
    fn throughputs_in_every_spelling_become_rps() {
        for (text, want) in [
            ("1,200 requests per second", "1200rps"),
            ("2.5k events/s", "2500rps"),
            ("15,000 requests/second at launch", "15000rps"),
            ("Deliveries | 3,000 msg/s", "3000rps"),
            ("7.5k req/s per region", "7500rps"),
            ("0.5k rps sustained", "500rps"),
            ("120k decisions per second (rps)", "120000rps"),
            ("2,400 requests/sec", "2400rps"),
            ("12k QPS", "12000rps"),
            ("Peak RPS: 3,000", "3000rps"),
            ("1,200 requests a second", "1200rps"),
        ] {
            assert_eq!(throughput(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(throughput("a 10 s timeout per attempt"), None);
    }

    #[test]
    fn availability_needs_the_word_and_a_percentage() {
        assert_eq!(
            availability("Availability | 99.9 %").as_deref(),
            Some("99.9")
        );
        assert_eq!(
            availability("It must be up 99.95% of the time").as_deref(),
            Some("99.95")
        );
        assert_eq!(
            availability("available for 99.95 per cent of each month").as_deref(),
            Some("99.95")
        );
        assert_eq!(availability("Alert at 70% disk"), None);
        assert_eq!(availability("error budget 0.01% availability"), None);
    }
}
