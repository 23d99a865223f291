//! The types of lq values and the rules for combining them.

use std::fmt;

/// An index into the policy's enums.
pub type EnumId = usize;

/// The type of a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// A whole number.
    Int,
    /// A real number.
    Number,
    /// An amount of money (a real number printed as money).
    Money,
    /// Text.
    Text,
    /// A yes/no value or condition.
    Bool,
    /// A calendar date.
    Date,
    /// One of an enum's variants.
    Enum(EnumId, String),
    /// `list of text`
    List,
    /// A constant list literal whose items have this type.
    ListOf(Box<Type>),
    /// The type of an expression that already has an error: combines with
    /// anything silently, so one mistake is reported once.
    Error,
}

impl Type {
    /// `int`, `number` or `money`.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Number | Type::Money | Type::Error)
    }

    /// Whether values of the two types can be compared with `=`.
    pub fn comparable(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Error, _) | (_, Type::Error) => true,
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Type::Enum(a, _), Type::Enum(b, _)) => a == b,
            (a, b) => a == b,
        }
    }

    /// Whether values of this type have an order (`<`, `between`).
    pub fn ordered(&self) -> bool {
        self.is_numeric() || matches!(self, Type::Date)
    }

    /// The type of `a + b` / `min(a, b)` for numeric `a` and `b`.
    pub fn numeric_join(&self, other: &Type) -> Type {
        match (self, other) {
            (Type::Error, _) | (_, Type::Error) => Type::Error,
            (Type::Int, Type::Int) => Type::Int,
            (Type::Money, _) | (_, Type::Money) => Type::Money,
            _ => Type::Number,
        }
    }

    /// The common type of two comparable types (for `coalesce`).
    pub fn join(&self, other: &Type) -> Type {
        if self.is_numeric() && other.is_numeric() {
            self.numeric_join(other)
        } else if *self == Type::Error {
            other.clone()
        } else {
            self.clone()
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => f.write_str("int"),
            Type::Number => f.write_str("number"),
            Type::Money => f.write_str("money"),
            Type::Text => f.write_str("text"),
            Type::Bool => f.write_str("bool"),
            Type::Date => f.write_str("date"),
            Type::Enum(_, name) => f.write_str(name),
            Type::List => f.write_str("list of text"),
            Type::ListOf(item) => write!(f, "list of {item}"),
            Type::Error => f.write_str("?"),
        }
    }
}

/// The built-in type names, for "did you mean".
pub const BUILTIN_TYPES: &[&str] = &["int", "number", "money", "text", "bool", "date"];

/// A built-in type by name.
pub fn builtin(name: &str) -> Option<Type> {
    Some(match name {
        "int" => Type::Int,
        "number" => Type::Number,
        "money" => Type::Money,
        "text" => Type::Text,
        "bool" => Type::Bool,
        "date" => Type::Date,
        _ => return None,
    })
}
