//! Filter text to tokens, each with its character position.

use super::ast::{CmpOp, Value};
use super::FilterError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A field name or a keyword (keywords are told apart by the parser).
    Word(String),
    Str(String),
    Num(Value),
    Op(CmpOp),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    /// 0-based character offset of the token's first character.
    pub pos: usize,
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("{w:?}"),
            Tok::Str(s) => format!("the string {s:?}"),
            Tok::Num(v) => format!("the number {v}"),
            Tok::Op(op) => format!("{:?}", op.as_filter()),
            Tok::LParen => "\"(\"".into(),
            Tok::RParen => "\")\"".into(),
            Tok::Comma => "\",\"".into(),
            Tok::End => "the end of the filter".into(),
        }
    }
}

fn err(message: impl Into<String>, position: usize) -> FilterError {
    FilterError {
        message: message.into(),
        position,
    }
}

pub fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '=' => {
                i += 1;
                Tok::Op(CmpOp::Eq)
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 2;
                Tok::Op(CmpOp::Ne)
            }
            '<' | '>' => {
                let or_equal = chars.get(i + 1) == Some(&'=');
                i += if or_equal { 2 } else { 1 };
                Tok::Op(match (c, or_equal) {
                    ('<', false) => CmpOp::Lt,
                    ('<', true) => CmpOp::Le,
                    (_, false) => CmpOp::Gt,
                    (_, true) => CmpOp::Ge,
                })
            }
            '"' | '\'' => {
                let (s, next) = string(&chars, i)?;
                i = next;
                Tok::Str(s)
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let (v, next) = number(&chars, i)?;
                i = next;
                Tok::Num(v)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
            other => return Err(err(format!("unexpected character {other:?}"), i)),
        };
        out.push(Token { tok, pos: start });
    }
    out.push(Token {
        tok: Tok::End,
        pos: chars.len(),
    });
    Ok(out)
}

/// A quoted string starting at `start`. Inside, `\` before the quote or
/// another `\` escapes it; any other `\x` is kept as written (so LIKE escapes
/// such as `\%` pass through).
fn string(chars: &[char], start: usize) -> Result<(String, usize), FilterError> {
    let quote = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err(err("unterminated string", start)),
            Some('\\') if matches!(chars.get(i + 1), Some(&c) if c == quote || c == '\\') => {
                if let Some(&c) = chars.get(i + 1) {
                    s.push(c);
                }
                i += 2;
            }
            Some(&c) if c == quote => return Ok((s, i + 1)),
            Some(&c) => {
                s.push(c);
                i += 1;
            }
        }
    }
}

/// `-?digits(.digits)?([eE][+-]?digits)?`: an `Int` when it has no fraction
/// or exponent and fits in 64 bits.
fn number(chars: &[char], start: usize) -> Result<(Value, usize), FilterError> {
    let mut i = start;
    if chars.get(i) == Some(&'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let from = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    digits(&mut i);
    let mut integer = true;
    if chars.get(i) == Some(&'.') {
        i += 1;
        integer = false;
        if !digits(&mut i) {
            return Err(err("expected digits after the decimal point", i));
        }
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        i += 1;
        integer = false;
        if matches!(chars.get(i), Some('+' | '-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return Err(err("expected digits in the exponent", i));
        }
    }
    if chars
        .get(i)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_')
    {
        return Err(err("a number must not run into letters", i));
    }
    let text: String = chars[start..i].iter().collect();
    let value = if integer {
        text.parse()
            .map(Value::Int)
            .map_err(|_| err("the number is too large", start))?
    } else {
        let x: f64 = text.parse().map_err(|_| err("not a number", start))?;
        if !x.is_finite() {
            return Err(err("the number is too large", start));
        }
        Value::Float(x)
    };
    Ok((value, i))
}
