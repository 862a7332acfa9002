//! Recursive descent over the tokens, with the limits of SPEC S6.1.

use super::ast::{Cmp, CmpKind, Expr, Value};
use super::lexer::{Tok, Token};
use super::{FilterError, MAX_COMPARISONS, MAX_DEPTH, MAX_IN_VALUES};

pub struct Parser<'a, F> {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    comparisons: usize,
    known_field: &'a F,
}

fn is_keyword(word: &str, keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword)
}

const KEYWORDS: [&str; 7] = ["AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE"];

impl<'a, F: Fn(&str) -> bool> Parser<'a, F> {
    pub fn new(tokens: Vec<Token>, known_field: &'a F) -> Self {
        Parser {
            tokens,
            at: 0,
            depth: 0,
            comparisons: 0,
            known_field,
        }
    }

    fn peek(&self) -> &Token {
        // The lexer always ends the list with `End`, and `advance` never passes it.
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::End {
            self.at += 1;
        }
        t
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if is_keyword(w, keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let yes = self.at_keyword(keyword);
        if yes {
            self.advance();
        }
        yes
    }

    fn unexpected(&self, expected: &str) -> FilterError {
        let t = self.peek();
        FilterError {
            message: format!("expected {expected}, found {}", t.tok.describe()),
            position: t.pos,
        }
    }

    fn expect(&mut self, tok: Tok, expected: &str) -> Result<(), FilterError> {
        if self.peek().tok == tok {
            self.advance();
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// The whole input: one expression, then the end.
    pub fn filter(&mut self) -> Result<Expr, FilterError> {
        let e = self.expr()?;
        if self.peek().tok != Tok::End {
            return Err(self.unexpected("AND, OR or the end of the filter"));
        }
        Ok(e)
    }

    fn expr(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.term()?];
        while self.eat_keyword("OR") {
            items.push(self.term()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn term(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.factor()?];
        while self.eat_keyword("AND") {
            items.push(self.factor()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn nested<T>(
        &mut self,
        pos: usize,
        inner: impl FnOnce(&mut Self) -> Result<T, FilterError>,
    ) -> Result<T, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError {
                message: format!("the filter nests deeper than {MAX_DEPTH} levels"),
                position: pos,
            });
        }
        let out = inner(self);
        self.depth -= 1;
        out
    }

    fn factor(&mut self) -> Result<Expr, FilterError> {
        let pos = self.peek().pos;
        if self.eat_keyword("NOT") {
            return self.nested(pos, |p| Ok(Expr::Not(Box::new(p.factor()?))));
        }
        if self.peek().tok == Tok::LParen {
            self.advance();
            let e = self.nested(pos, |p| p.expr())?;
            self.expect(Tok::RParen, "\")\"")?;
            return Ok(e);
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, FilterError> {
        let field_tok = self.advance();
        let field = match field_tok.tok {
            Tok::Word(w) if !KEYWORDS.iter().any(|k| is_keyword(&w, k)) => w,
            other => {
                return Err(FilterError {
                    message: format!("expected a field name, found {}", other.describe()),
                    position: field_tok.pos,
                })
            }
        };
        if !(self.known_field)(&field) {
            return Err(FilterError {
                message: format!("unknown field {field:?}"),
                position: field_tok.pos,
            });
        }
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(FilterError {
                message: format!("the filter has more than {MAX_COMPARISONS} comparisons"),
                position: field_tok.pos,
            });
        }
        let kind = if let Tok::Op(op) = self.peek().tok {
            self.advance();
            CmpKind::Op {
                op,
                value: self.value()?,
            }
        } else if self.eat_keyword("IS") {
            let negated = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(self.unexpected("NULL"));
            }
            CmpKind::IsNull { negated }
        } else {
            let negated = self.eat_keyword("NOT");
            if self.eat_keyword("IN") {
                CmpKind::In {
                    negated,
                    values: self.values()?,
                }
            } else if self.eat_keyword("LIKE") {
                match self.advance() {
                    Token {
                        tok: Tok::Str(pattern),
                        ..
                    } => CmpKind::Like { negated, pattern },
                    t => {
                        return Err(FilterError {
                            message: format!(
                                "expected a quoted pattern after LIKE, found {}",
                                t.tok.describe()
                            ),
                            position: t.pos,
                        })
                    }
                }
            } else if negated {
                return Err(self.unexpected("IN or LIKE after NOT"));
            } else {
                return Err(self.unexpected(&format!(
                    "an operator (=, !=, <, <=, >, >=, IN, IS, LIKE) after {field}"
                )));
            }
        };
        Ok(Expr::Cmp(Cmp { field, kind }))
    }

    fn value(&mut self) -> Result<Value, FilterError> {
        match self.peek().tok.clone() {
            Tok::Str(s) => {
                self.advance();
                Ok(Value::Str(s))
            }
            Tok::Num(v) => {
                self.advance();
                Ok(v)
            }
            _ => Err(self.unexpected("a value (a quoted string or a number)")),
        }
    }

    fn values(&mut self) -> Result<Vec<Value>, FilterError> {
        self.expect(Tok::LParen, "\"(\" after IN")?;
        let mut values = vec![self.value()?];
        while self.peek().tok == Tok::Comma {
            let pos = self.advance().pos;
            values.push(self.value()?);
            if values.len() > MAX_IN_VALUES {
                return Err(FilterError {
                    message: format!("an IN list takes at most {MAX_IN_VALUES} values"),
                    position: pos,
                });
            }
        }
        self.expect(Tok::RParen, "\",\" or \")\" in the IN list")?;
        Ok(values)
    }
}
