//! A small declarative schema for positioned YAML: required and optional keys, types, enums,
//! ranges and value checks. Wrong types and bad values are errors; unknown keys are warnings.

use crate::diagnostic::Diagnostic;
use crate::yaml::{Node, Pos, Value};

/// A check that needs more than one value (a field required by another's value, a reference to
/// a sibling list): given a mapping and its path, the problems with their positions.
pub type Rule = fn(&Node, &str) -> Vec<(Pos, String)>;

/// What a value must look like.
pub enum Shape {
    /// Any value at all (free-form sections).
    Any,
    /// A YAML string: an unquoted number or boolean is not one (quote it).
    Str,
    /// A string naming one of a fixed set.
    OneOf(&'static [&'static str]),
    /// A string passed to a check that says what is wrong with it.
    Check(fn(&str) -> Result<(), String>),
    /// A number.
    Number,
    /// A whole number.
    Integer,
    /// A number, or a string holding one, within `min..=max`.
    Range(f64, f64),
    /// A boolean.
    Bool,
    /// A list whose items have one shape.
    List(&'static Shape),
    /// A list with at least one item, all of one shape.
    NonEmptyList(&'static Shape),
    /// A mapping with known keys.
    Map(&'static [Field]),
    /// A mapping from any key to values of one shape.
    MapOf(&'static Shape),
    /// A shape, then a rule across its values (rules skip values of the wrong type).
    Rule(&'static Shape, Rule),
}

/// One key of a [`Shape::Map`].
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub shape: Shape,
}

/// A required key.
pub const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: true,
        shape,
    }
}

/// An optional key.
pub const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: false,
        shape,
    }
}

/// Checks `node` against `shape`, appending one diagnostic per problem.
pub fn check(node: &Node, shape: &Shape, file: &str, at: &str, out: &mut Vec<Diagnostic>) {
    let wrong = |expected: &str, out: &mut Vec<Diagnostic>| {
        out.push(Diagnostic::error(
            file,
            node.pos,
            format!("{at}: expected {expected}, found {}", node.type_name()),
        ));
    };
    match shape {
        Shape::Any => {}
        Shape::Str => {
            if !matches!(node.value, Value::Str(_)) {
                wrong(&quoted("a string", node), out);
            }
        }
        Shape::OneOf(allowed) => match &node.value {
            Value::Str(s) if allowed.contains(&s.as_str()) => {}
            Value::Str(s) => out.push(Diagnostic::error(
                file,
                node.pos,
                format!("{at}: '{s}' is not one of {}", allowed.join(", ")),
            )),
            _ => wrong(&format!("one of {}", allowed.join(", ")), out),
        },
        Shape::Check(f) => match (&node.value, node.as_scalar_string()) {
            (Value::Str(_), Some(s)) => {
                if let Err(why) = f(&s) {
                    out.push(Diagnostic::error(file, node.pos, format!("{at}: {why}")));
                }
            }
            // An unquoted number: say what is wrong with its text, else that it needs quotes.
            (_, Some(s)) => match f(&s) {
                Err(why) => out.push(Diagnostic::error(file, node.pos, format!("{at}: {why}"))),
                Ok(()) => wrong(&quoted("a string", node), out),
            },
            _ => wrong("a string", out),
        },
        Shape::Number => {
            if !matches!(node.value, Value::Int(_) | Value::Float(_)) {
                wrong("a number", out);
            }
        }
        Shape::Integer => {
            if !matches!(node.value, Value::Int(_)) {
                wrong("a whole number", out);
            }
        }
        Shape::Range(min, max) => {
            let number = match &node.value {
                Value::Int(i) => Some(*i as f64),
                Value::Float(f) => Some(*f),
                Value::Str(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match number {
                Some(v) if v >= *min && v <= *max => {}
                Some(_) => out.push(Diagnostic::error(
                    file,
                    node.pos,
                    format!(
                        "{at}: {} is out of range; allowed: a number from {min} to {max}",
                        node.as_scalar_string().unwrap_or_default()
                    ),
                )),
                None => wrong(&format!("a number from {min} to {max}"), out),
            }
        }
        Shape::Bool => {
            if !matches!(node.value, Value::Bool(_)) {
                wrong("true or false", out);
            }
        }
        Shape::List(item) => match &node.value {
            Value::Seq(items) => {
                for (i, it) in items.iter().enumerate() {
                    check(it, item, file, &format!("{at}[{i}]"), out);
                }
            }
            _ => wrong("a list", out),
        },
        Shape::NonEmptyList(item) => match &node.value {
            Value::Seq(items) if items.is_empty() => out.push(Diagnostic::error(
                file,
                node.pos,
                format!("{at}: must list at least one item"),
            )),
            _ => check(node, &Shape::List(item), file, at, out),
        },
        Shape::Rule(inner, rule) => {
            check(node, inner, file, at, out);
            for (pos, message) in rule(node, at) {
                out.push(Diagnostic::error(file, pos, message));
            }
        }
        Shape::MapOf(value) => match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    check(v, value, file, &join(at, &k.name), out);
                }
            }
            _ => wrong("a mapping", out),
        },
        Shape::Map(fields) => match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    match fields.iter().find(|f| f.name == k.name) {
                        Some(f) => check(v, &f.shape, file, &join(at, &k.name), out),
                        None => out.push(Diagnostic::warning(
                            file,
                            k.pos,
                            format!("{}: unknown key, ignored", join(at, &k.name)),
                        )),
                    }
                }
                for f in fields.iter().filter(|f| f.required) {
                    if !entries.iter().any(|(k, _)| k.name == f.name) {
                        out.push(Diagnostic::error(
                            file,
                            node.pos,
                            format!("{}: required key is missing", join(at, f.name)),
                        ));
                    }
                }
            }
            _ => wrong("a mapping", out),
        },
    }
}

/// What was expected, with a hint when an unquoted scalar was read as a number or boolean.
fn quoted(expected: &str, node: &Node) -> String {
    match &node.value {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            format!("{expected} (put the value in quotes to keep it as text)")
        }
        _ => expected.to_string(),
    }
}

/// The path of `key` under `at`, as messages print it.
pub fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}
