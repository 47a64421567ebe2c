//! The `generated_at` the earlier contract puts inside documents, kept stable so that a rerun
//! that changes nothing rewrites nothing: `SOURCE_DATE_EPOCH` when set; else the time already
//! in the previous output when rendering with it reproduces that output byte for byte; else
//! now. The previous time is hostile input (it arrives in pull requests): only a well-formed
//! RFC 3339 UTC time is reused.

use std::path::Path;

/// Renders documents at a time; `unchanged` says whether they equal what is on disk.
pub fn stable<T>(
    previous_file: &Path,
    render: impl Fn(&str) -> T,
    unchanged: impl Fn(&T) -> bool,
) -> (String, T) {
    if let Some(epoch) = source_date_epoch() {
        let docs = render(&epoch);
        return (epoch, docs);
    }
    if let Some(previous) = previous_time(previous_file) {
        let docs = render(&previous);
        if unchanged(&docs) {
            return (previous, docs);
        }
    }
    let now = now();
    let docs = render(&now);
    (now, docs)
}

/// The current time, as documents carry it.
pub fn now() -> String {
    crate::fingerprint::format_time(std::time::SystemTime::now())
}

/// `SOURCE_DATE_EPOCH` (seconds since 1970) as a document time, if set and valid.
pub fn source_date_epoch() -> Option<String> {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let t = chrono::DateTime::<chrono::Utc>::from_timestamp(secs, 0)?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// The `generated_at` of a previous JSON output, if it is a well-formed UTC time.
pub fn previous_time(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > crate::yaml::MAX_INPUT_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let value = json.get("generated_at")?.as_str()?;
    let parsed = chrono::DateTime::parse_from_rfc3339(value).ok()?;
    let normal = parsed
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    (normal == value).then(|| value.to_string())
}
