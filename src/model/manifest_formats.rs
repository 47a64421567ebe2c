//! The text formats of manifest values (percentages, durations, rates, dates, URLs): the checks
//! the schema runs, with messages that name what is allowed, and the parsers derivations use.

/// A percentage such as `"99.95"`: digits with an optional fraction, above 0 and at most 100.
pub fn check_percentage(s: &str) -> Result<(), String> {
    let digits = s.trim();
    let plain = !digits.is_empty()
        && digits.split_once('.').map_or_else(
            || all_digits(digits),
            |(whole, frac)| all_digits(whole) && all_digits(frac),
        );
    match digits.parse::<f64>() {
        Ok(v) if plain && v > 0.0 && v <= 100.0 => Ok(()),
        _ => Err(format!(
            "'{s}' is not a percentage; allowed: a number above 0 and at most 100, without '%' (e.g. \"99.9\")"
        )),
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The number of a percentage, without a trailing `%`.
pub fn parse_percentage(s: &str) -> Option<f64> {
    s.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A duration such as `200ms`, `1.5s`, `5m`, `1h`.
pub fn check_duration(s: &str) -> Result<(), String> {
    let ok = split_unit(s, &["ms", "s", "m", "h"]).is_some() && parse_duration_ms(s).is_some();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a duration; allowed: a number followed by ms, s, m or h, no space (e.g. \"200ms\")"
        ))
    }
}

/// The shortest window the generated alerts take a rate over (`generate`'s 5-minute error
/// ratio), in seconds: a scrape interval must leave at least four samples in it.
pub const SHORTEST_RATE_WINDOW_S: f64 = 300.0;

/// A scrape interval: a whole number with `ms`, `s`, `m` or `h`, as the prometheus-operator
/// CRDs accept it, and at most a quarter of the shortest rate window of the generated alerts.
pub fn check_scrape_interval(s: &str) -> Result<(), String> {
    let whole = split_unit(s, &["ms", "s", "m", "h"]).is_some_and(|(n, _)| all_digits(n));
    let Some(ms) = parse_duration_ms(s).filter(|_| whole) else {
        return Err(format!(
            "'{s}' is not a duration prometheus-operator accepts; allowed: a whole number followed by ms, s, m or h (e.g. \"30s\")"
        ));
    };
    let most = SHORTEST_RATE_WINDOW_S / 4.0;
    if ms / 1000.0 > most {
        return Err(format!(
            "'{s}' is longer than a quarter of the shortest alert window (5m): the 5m error ratio would rest on too few samples to page on an outage; allowed: at most {most}s"
        ));
    }
    Ok(())
}

/// A Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn check_metric_name(s: &str) -> Result<(), String> {
    let ok = s.chars().enumerate().all(|(i, c)| {
        c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
    });
    if ok && !s.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a Prometheus metric name; allowed: letters, digits, '_' and ':', not starting with a digit"
        ))
    }
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
pub fn check_label_name(s: &str) -> Result<(), String> {
    let ok = s
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit()));
    if ok && !s.is_empty() && !s.starts_with("__") {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a Prometheus label name; allowed: letters, digits and '_', not starting with a digit or '__'"
        ))
    }
}

/// A regex of label values to embed in a PromQL matcher: no quote or backslash.
pub fn check_label_regex(s: &str) -> Result<(), String> {
    if !s.is_empty() && !s.contains(['"', '\\', '\n']) {
        Ok(())
    } else {
        Err(format!(
            "'{s}' cannot be a label regex here; allowed: a non-empty regex without quotes or backslashes (e.g. \"5..\")"
        ))
    }
}

/// An SLO window: whole days from 7 to 90 (`28d`, `30d`), longer than every alert window.
pub fn check_slo_window(s: &str) -> Result<(), String> {
    match s
        .strip_suffix('d')
        .filter(|n| all_digits(n))
        .and_then(|n| n.parse::<u32>().ok())
    {
        Some(7..=90) => Ok(()),
        _ => Err(format!(
            "'{s}' is not an SLO window; allowed: whole days from 7d to 90d (e.g. \"28d\", \"30d\")"
        )),
    }
}

/// Milliseconds of a duration such as `200ms`, `1.5s`, `5m`, `1h`.
pub fn parse_duration_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let (number, factor) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3_600_000.0)
    } else {
        return None;
    };
    let v: f64 = number.trim().parse().ok()?;
    (v.is_finite() && v > 0.0).then_some(v * factor)
}

/// A rate such as `5000rps`, `6000rpm`, `200qps`.
pub fn check_rate(s: &str) -> Result<(), String> {
    if split_unit(s, &["rps", "rpm", "qps", "qpm"]).is_some() {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a rate; allowed: a number followed by rps, rpm, qps or qpm (e.g. \"500rps\")"
        ))
    }
}

/// Requests per second of a rate such as `5000rps`, `100/s`, `6000rpm`.
pub fn parse_rate_per_second(s: &str) -> Option<f64> {
    let s = s.trim();
    let (number, divisor) = [
        ("rps", 1.0),
        ("qps", 1.0),
        ("/s", 1.0),
        ("rpm", 60.0),
        ("qpm", 60.0),
        ("/m", 60.0),
    ]
    .iter()
    .find_map(|(suffix, d)| s.strip_suffix(suffix).map(|n| (n, *d)))?;
    let v: f64 = number.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v / divisor)
}

/// `digits[.digits]unit` with one of `units` (the longest that fits), no sign or space.
fn split_unit<'a>(s: &'a str, units: &[&'static str]) -> Option<(&'a str, &'static str)> {
    let unit = units
        .iter()
        .filter(|u| s.ends_with(**u))
        .max_by_key(|u| u.len())?;
    let number = &s[..s.len() - unit.len()];
    let plain = number.split_once('.').map_or_else(
        || all_digits(number),
        |(whole, frac)| all_digits(whole) && all_digits(frac),
    );
    plain.then_some((number, *unit))
}

/// An ISO 8601 date or date-time: `2026-10-02`, `2026-10-02T09:30:00Z`, `2026-10-02 09:30+02:00`.
pub fn check_datetime(s: &str) -> Result<(), String> {
    if is_datetime(s.trim()) {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a date or date-time; allowed: ISO 8601 such as \"2026-10-02\" or \"2026-10-02T09:30:00Z\""
        ))
    }
}

fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize, max: u32| -> bool {
        b.get(from..from + len).is_some_and(|d| {
            d.iter().all(u8::is_ascii_digit)
                && std::str::from_utf8(d)
                    .ok()
                    .and_then(|t| t.parse::<u32>().ok())
                    .is_some_and(|v| v <= max)
        })
    };
    let date = num(0, 4, 9999)
        && b.get(4) == Some(&b'-')
        && num(5, 2, 12)
        && b.get(7) == Some(&b'-')
        && num(8, 2, 31);
    if !date {
        return false;
    }
    let field = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if year == 0 || month == 0 || day == 0 || day > days {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    let time = matches!(b[10], b'T' | b't' | b' ')
        && num(11, 2, 23)
        && b.get(13) == Some(&b':')
        && num(14, 2, 59);
    if !time {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        if !num(i + 1, 2, 59) {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return false;
            }
            i += 1 + digits;
        }
    }
    match &s[i..] {
        "" | "Z" | "z" => true,
        zone => {
            let z = zone.as_bytes();
            matches!(z[0], b'+' | b'-')
                && num(i + 1, 2, 23)
                && ((z.len() == 6 && z[3] == b':' && num(i + 4, 2, 59))
                    || (z.len() == 5 && num(i + 3, 2, 59)))
        }
    }
}

/// An `http` or `https` URL with a host.
pub fn check_http_url(s: &str) -> Result<(), String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !h.contains(char::is_whitespace) && s.len() <= 2083 => Ok(()),
        _ => Err(format!(
            "'{s}' is not a web address; allowed: an http:// or https:// URL with a host"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_earlier_model() {
        assert!(check_percentage("99.95").is_ok());
        assert!(check_percentage("100").is_ok());
        for bad in ["101", "99.9%", "-1", "0", ".5", "1e2", " "] {
            assert!(check_percentage(bad).is_err(), "{bad}");
        }
        assert!(check_duration("250ms").is_ok() && check_duration("1.5s").is_ok());
        for bad in ["250", "200 ms", "-5s", "0ms", "5d"] {
            assert!(check_duration(bad).is_err(), "{bad}");
        }
        assert!(check_rate("800rps").is_ok() && check_rate("50qpm").is_ok());
        for bad in ["100/s", "fast", "10 rps", "rps"] {
            assert!(check_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_rate_per_second("600rpm"), Some(10.0));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500.0));
    }

    #[test]
    fn dates_and_urls() {
        for ok in [
            "2026-10-02",
            "2026-10-02T09:30:00Z",
            "2026-10-02 09:30",
            "2026-10-02T09:30:00.123+02:00",
            "2024-02-29t09:30:00+0200",
        ] {
            assert!(check_datetime(ok).is_ok(), "{ok}");
        }
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-02-29",
            "0000-01-01",
            "2026-10-02T25:00",
            "2026-10-02T09:30+02",
            "02/10/2026",
            "2026-10-02T09:30Q",
        ] {
            assert!(check_datetime(bad).is_err(), "{bad}");
        }
        assert!(check_http_url("https://wiki.example.com/runbook").is_ok());
        assert!(check_http_url("wiki/runbook").is_err());
        assert!(check_http_url("ftp://x").is_err());
    }
}
