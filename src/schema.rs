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
    let mut c = Checking {
        node,
        file,
        at,
        out,
    };
    let value = &node.value;
    match shape {
        Shape::Any => {}
        Shape::Str => c.expect(matches!(value, Value::Str(_)), &quoted("a string", node)),
        Shape::OneOf(allowed) => c.one_of(allowed),
        Shape::Check(f) => c.text(*f),
        Shape::Number => c.expect(matches!(value, Value::Int(_) | Value::Float(_)), "a number"),
        Shape::Integer => c.expect(matches!(value, Value::Int(_)), "a whole number"),
        Shape::Range(min, max) => c.range(*min, *max),
        Shape::Bool => c.expect(matches!(value, Value::Bool(_)), "true or false"),
        Shape::List(item) => c.list(item),
        Shape::NonEmptyList(item) => c.non_empty_list(item),
        Shape::Rule(inner, rule) => c.rule(inner, *rule),
        Shape::MapOf(each) => c.map_of(each),
        Shape::Map(fields) => c.map(fields),
    }
}

/// One value being checked: its file and path, and where its problems go.
struct Checking<'a> {
    node: &'a Node,
    file: &'a str,
    at: &'a str,
    out: &'a mut Vec<Diagnostic>,
}

impl Checking<'_> {
    fn error(&mut self, pos: Pos, message: String) {
        self.out.push(Diagnostic::error(self.file, pos, message));
    }

    /// An error at the value, after its path.
    fn problem(&mut self, what: &str) {
        self.error(self.node.pos, format!("{}: {what}", self.at));
    }

    /// The value is not of the type the shape wants.
    fn wrong(&mut self, expected: &str) {
        let found = self.node.type_name();
        self.problem(&format!("expected {expected}, found {found}"));
    }

    fn expect(&mut self, ok: bool, expected: &str) {
        if !ok {
            self.wrong(expected);
        }
    }

    /// A string naming one of `allowed`.
    fn one_of(&mut self, allowed: &[&str]) {
        match &self.node.value {
            Value::Str(s) if allowed.contains(&s.as_str()) => {}
            Value::Str(s) => {
                self.problem(&format!("'{s}' is not one of {}", allowed.join(", ")));
            }
            _ => self.wrong(&format!("one of {}", allowed.join(", "))),
        }
    }

    /// A string `f` accepts.
    fn text(&mut self, f: fn(&str) -> Result<(), String>) {
        match (&self.node.value, self.node.as_scalar_string()) {
            (Value::Str(_), Some(s)) => {
                if let Err(why) = f(&s) {
                    self.problem(&why);
                }
            }
            // An unquoted number: say what is wrong with its text, else that it needs quotes.
            (_, Some(s)) => match f(&s) {
                Err(why) => self.problem(&why),
                Ok(()) => self.wrong(&quoted("a string", self.node)),
            },
            _ => self.wrong("a string"),
        }
    }

    /// A number, or a string holding one, within `min..=max`.
    fn range(&mut self, min: f64, max: f64) {
        let number = match &self.node.value {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Str(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match number {
            Some(v) if v >= min && v <= max => {}
            Some(_) => self.problem(&format!(
                "{} is out of range; allowed: a number from {min} to {max}",
                self.node.as_scalar_string().unwrap_or_default()
            )),
            None => self.wrong(&format!("a number from {min} to {max}")),
        }
    }

    /// A list whose items each fit `item`.
    fn list(&mut self, item: &Shape) {
        match &self.node.value {
            Value::Seq(items) => {
                for (i, it) in items.iter().enumerate() {
                    check(it, item, self.file, &format!("{}[{i}]", self.at), self.out);
                }
            }
            _ => self.wrong("a list"),
        }
    }

    fn non_empty_list(&mut self, item: &'static Shape) {
        match &self.node.value {
            Value::Seq(items) if items.is_empty() => self.problem("must list at least one item"),
            _ => check(self.node, &Shape::List(item), self.file, self.at, self.out),
        }
    }

    /// The inner shape, then the rule's problems at their own positions.
    fn rule(&mut self, inner: &Shape, rule: Rule) {
        check(self.node, inner, self.file, self.at, self.out);
        for (pos, message) in rule(self.node, self.at) {
            self.error(pos, message);
        }
    }

    /// A mapping whose values each fit `value`.
    fn map_of(&mut self, value: &Shape) {
        match &self.node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    check(v, value, self.file, &join(self.at, &k.name), self.out);
                }
            }
            _ => self.wrong("a mapping"),
        }
    }

    /// A mapping with `fields`: each known key checked, unknown keys warned about, missing
    /// required keys reported.
    fn map(&mut self, fields: &[Field]) {
        let Value::Map(entries) = &self.node.value else {
            self.wrong("a mapping");
            return;
        };
        for (k, v) in entries {
            let at = join(self.at, &k.name);
            match fields.iter().find(|f| f.name == k.name) {
                Some(f) => check(v, &f.shape, self.file, &at, self.out),
                None => self.out.push(Diagnostic::warning(
                    self.file,
                    k.pos,
                    format!("{at}: unknown key, ignored"),
                )),
            }
        }
        for f in fields.iter().filter(|f| f.required) {
            if !entries.iter().any(|(k, _)| k.name == f.name) {
                let at = join(self.at, f.name);
                self.error(self.node.pos, format!("{at}: required key is missing"));
            }
        }
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
