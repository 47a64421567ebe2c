//! A small declarative schema for positioned YAML: required and optional keys, types, enums and
//! value checks. Wrong types and bad values are errors; unknown keys are warnings.

use crate::diagnostic::Diagnostic;
use crate::yaml::{Node, Value};

/// What a value must look like.
pub enum Shape {
    /// Any value at all (free-form sections).
    Any,
    /// A string (numbers are accepted where a YAML author would write them unquoted).
    Str,
    /// A string naming one of a fixed set.
    OneOf(&'static [&'static str]),
    /// A scalar passed to a check that says what is wrong with it.
    Check(fn(&str) -> Result<(), String>),
    /// A number.
    Number,
    /// A boolean.
    Bool,
    /// A list whose items have one shape.
    List(&'static Shape),
    /// A mapping with known keys.
    Map(&'static [Field]),
    /// A mapping from any key to values of one shape.
    MapOf(&'static Shape),
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
            if !is_scalar(node) {
                wrong("a string", out);
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
        Shape::Check(f) => match node.as_scalar_string() {
            Some(s) => {
                if let Err(why) = f(&s) {
                    out.push(Diagnostic::error(file, node.pos, format!("{at}: {why}")));
                }
            }
            None => wrong("a scalar", out),
        },
        Shape::Number => {
            if !matches!(node.value, Value::Int(_) | Value::Float(_)) {
                wrong("a number", out);
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

fn is_scalar(node: &Node) -> bool {
    matches!(
        node.value,
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_)
    )
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}
