//! The filter syntax tree and its canonical printer. `parse(expr.to_string())`
//! gives back an equal tree (property-tested), which keeps the printer and the
//! parser honest about each other.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Two or more alternatives.
    Or(Vec<Expr>),
    /// Two or more conditions that must all hold.
    And(Vec<Expr>),
    Not(Box<Expr>),
    Cmp(Cmp),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cmp {
    pub field: String,
    pub kind: CmpKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CmpKind {
    Op { op: CmpOp, value: Value },
    In { negated: bool, values: Vec<Value> },
    IsNull { negated: bool },
    Like { negated: bool, pattern: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The SQL operator (`!=` is written `<>`).
    pub fn as_sql(self) -> &'static str {
        match self {
            CmpOp::Ne => "<>",
            other => other.as_filter(),
        }
    }

    /// The operator as the filter language writes it.
    pub fn as_filter(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
}

/// A double-quoted string: `\` and `"` escaped with `\`.
fn write_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write_str(f, s),
            Value::Int(n) => write!(f, "{n}"),
            // `{:?}` is the shortest text that reads back as the same f64.
            Value::Float(x) => write!(f, "{x:?}"),
        }
    }
}

fn list(f: &mut fmt::Formatter<'_>, values: &[Value]) -> fmt::Result {
    f.write_str("(")?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    f.write_str(")")
}

impl fmt::Display for Cmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not = |negated: bool| if negated { "NOT " } else { "" };
        match &self.kind {
            CmpKind::Op { op, value } => write!(f, "{} {} {value}", self.field, op.as_filter()),
            CmpKind::In { negated, values } => {
                write!(f, "{} {}IN ", self.field, not(*negated))?;
                list(f, values)
            }
            CmpKind::IsNull { negated } => write!(f, "{} IS {}NULL", self.field, not(*negated)),
            CmpKind::Like { negated, pattern } => {
                write!(f, "{} {}LIKE ", self.field, not(*negated))?;
                write_str(f, pattern)
            }
        }
    }
}

impl Expr {
    /// Print `self` as an operand that must parse back as one unit at this
    /// precedence level: parenthesise where the grammar would otherwise
    /// regroup it.
    fn fmt_operand(&self, f: &mut fmt::Formatter<'_>, needs_parens: bool) -> fmt::Result {
        if needs_parens {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    e.fmt_operand(f, matches!(e, Expr::Or(_)))?;
                }
                Ok(())
            }
            Expr::And(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    e.fmt_operand(f, matches!(e, Expr::Or(_) | Expr::And(_)))?;
                }
                Ok(())
            }
            Expr::Not(inner) => {
                f.write_str("NOT ")?;
                inner.fmt_operand(f, matches!(**inner, Expr::Or(_) | Expr::And(_)))
            }
            Expr::Cmp(c) => write!(f, "{c}"),
        }
    }
}
