//! The filter language of SPEC S6.1: text to a syntax tree, with limits and
//! error positions. Pure: no SQL here (the store compiles the tree to bound
//! parameters), no knowledge of modules beyond the `known_field` callback.
//!
//! Strings are single- or double-quoted; inside, a backslash escapes the quote
//! character or another backslash, and any other backslash is kept as written.

pub mod ast;
mod lexer;
mod parser;

pub use ast::{Cmp, CmpKind, CmpOp, Expr, Value};

pub const MAX_BYTES: usize = 4096;
pub const MAX_COMPARISONS: usize = 100;
pub const MAX_DEPTH: usize = 32;
pub const MAX_IN_VALUES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at position {position})")]
pub struct FilterError {
    pub message: String,
    /// 0-based character offset of the problem in the filter text.
    pub position: usize,
}

/// Parse a filter; `known_field` says whether a field name exists in the module.
pub fn parse(text: &str, known_field: impl Fn(&str) -> bool) -> Result<Expr, FilterError> {
    if text.len() > MAX_BYTES {
        let position = text
            .char_indices()
            .take_while(|(i, _)| *i < MAX_BYTES)
            .count();
        return Err(FilterError {
            message: format!("the filter is longer than {MAX_BYTES} bytes"),
            position,
        });
    }
    let tokens = lexer::tokenize(text)?;
    parser::Parser::new(tokens, &known_field).filter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIELDS: [&str; 6] = [
        "city",
        "primaryPhoneNumber",
        "blockCustomer",
        "firstName",
        "tags",
        "status",
    ];

    fn p(text: &str) -> Result<Expr, FilterError> {
        parse(text, |f| FIELDS.contains(&f))
    }

    fn cmp(field: &str, op: CmpOp, value: Value) -> Expr {
        Expr::Cmp(Cmp {
            field: field.into(),
            kind: CmpKind::Op { op, value },
        })
    }

    #[test]
    fn the_worktual_example_parses() {
        let e = p(r#"city = "Hen" AND (primaryPhoneNumber IN ("7210664812277358","2694499999495") OR blockCustomer = 0)"#)
            .unwrap();
        let expected = Expr::And(vec![
            cmp("city", CmpOp::Eq, Value::Str("Hen".into())),
            Expr::Or(vec![
                Expr::Cmp(Cmp {
                    field: "primaryPhoneNumber".into(),
                    kind: CmpKind::In {
                        negated: false,
                        values: vec![
                            Value::Str("7210664812277358".into()),
                            Value::Str("2694499999495".into()),
                        ],
                    },
                }),
                cmp("blockCustomer", CmpOp::Eq, Value::Int(0)),
            ]),
        ]);
        assert_eq!(e, expected);
    }

    #[test]
    fn operators_keywords_and_precedence() {
        for (text, op) in [
            ("=", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<", CmpOp::Lt),
            ("<=", CmpOp::Le),
            (">", CmpOp::Gt),
            (">=", CmpOp::Ge),
        ] {
            assert_eq!(
                p(&format!("blockCustomer {text} 1")).unwrap(),
                cmp("blockCustomer", op, Value::Int(1))
            );
        }
        // AND binds tighter than OR; keywords in any case.
        let e = p("city = 'a' or city = 'b' AnD firstName = 'c'").unwrap();
        assert!(
            matches!(&e, Expr::Or(items) if items.len() == 2 && matches!(items[1], Expr::And(_))),
            "{e:?}"
        );
        assert_eq!(
            p("city IS NOT NULL").unwrap(),
            Expr::Cmp(Cmp {
                field: "city".into(),
                kind: CmpKind::IsNull { negated: true }
            })
        );
        assert_eq!(
            p("city is null").unwrap(),
            Expr::Cmp(Cmp {
                field: "city".into(),
                kind: CmpKind::IsNull { negated: false }
            })
        );
        assert_eq!(
            p(r#"firstName NOT LIKE "A%""#).unwrap(),
            Expr::Cmp(Cmp {
                field: "firstName".into(),
                kind: CmpKind::Like {
                    negated: true,
                    pattern: "A%".into()
                }
            })
        );
        assert_eq!(
            p("city not in ('x')").unwrap(),
            Expr::Cmp(Cmp {
                field: "city".into(),
                kind: CmpKind::In {
                    negated: true,
                    values: vec![Value::Str("x".into())]
                }
            })
        );
        assert_eq!(
            p("NOT NOT city = 'x'").unwrap(),
            Expr::Not(Box::new(Expr::Not(Box::new(cmp(
                "city",
                CmpOp::Eq,
                Value::Str("x".into())
            )))))
        );
        assert_eq!(
            p("blockCustomer = -1.5").unwrap(),
            cmp("blockCustomer", CmpOp::Eq, Value::Float(-1.5))
        );
        assert_eq!(
            p(r#"city = "say \"hi\" \\ 100\%""#).unwrap(),
            cmp("city", CmpOp::Eq, Value::Str(r#"say "hi" \ 100\%"#.into()))
        );
        assert_eq!(
            p("city = 'it''s'").unwrap_err().position,
            11,
            "a doubled quote is not an escape"
        );
    }

    #[test]
    fn bad_filters_point_at_the_problem() {
        let cases = [
            ("", 0, "expected a field name"),
            ("nope = 1", 0, "unknown field \"nope\""),
            ("city =", 6, "expected a value"),
            ("city = \"Hen", 7, "unterminated string"),
            ("city = 'a' AND", 14, "expected a field name"),
            ("(city = 'a'", 11, "expected \")\""),
            ("city = 'a')", 10, "expected AND, OR"),
            ("city 'a'", 5, "expected an operator"),
            ("city IN 'a'", 8, "\"(\" after IN"),
            ("city IN ()", 9, "expected a value"),
            ("city IS 'a'", 8, "expected NULL"),
            ("city NOT = 'a'", 9, "IN or LIKE after NOT"),
            ("city LIKE 5", 10, "quoted pattern"),
            (
                "city = 'a' ; drop table contacts",
                11,
                "unexpected character ';'",
            ),
            ("blockCustomer = 99999999999999999999", 16, "too large"),
            ("blockCustomer = 12abc", 18, "run into letters"),
            ("AND = 1", 0, "expected a field name"),
        ];
        for (text, position, fragment) in cases {
            let e = p(text).unwrap_err();
            assert_eq!(e.position, position, "{text:?}: {e}");
            assert!(e.message.contains(fragment), "{text:?}: {e}");
        }
    }

    #[test]
    fn limits_hold_exactly() {
        let comparisons = |n: usize| vec!["city = 'a'"; n].join(" OR ");
        assert!(p(&comparisons(MAX_COMPARISONS)).is_ok());
        assert!(p(&comparisons(MAX_COMPARISONS + 1))
            .unwrap_err()
            .message
            .contains("more than 100 comparisons"));

        let nested = |n: usize| format!("{}city = 'a'{}", "(".repeat(n), ")".repeat(n));
        assert!(p(&nested(MAX_DEPTH)).is_ok());
        assert!(p(&nested(MAX_DEPTH + 1))
            .unwrap_err()
            .message
            .contains("deeper than 32"));
        let nots = |n: usize| format!("{}city = 'a'", "NOT ".repeat(n));
        assert!(p(&nots(MAX_DEPTH)).is_ok());
        assert!(p(&nots(MAX_DEPTH + 1)).is_err());

        let in_list = |n: usize| format!("city IN ({})", vec!["'x'"; n].join(","));
        assert!(p(&in_list(MAX_IN_VALUES)).is_ok());
        assert!(p(&in_list(MAX_IN_VALUES + 1))
            .unwrap_err()
            .message
            .contains("at most 100 values"));

        let long = |n: usize| format!("city = '{}'", "x".repeat(n - 9));
        assert!(p(&long(MAX_BYTES)).is_ok());
        assert!(p(&long(MAX_BYTES + 1))
            .unwrap_err()
            .message
            .contains("longer than 4096 bytes"));
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            "[ -~]{0,12}".prop_map(Value::Str),
            "[^\\x00]{0,6}".prop_map(Value::Str),
            any::<i64>().prop_map(Value::Int),
            (-1.0e6f64..1.0e6).prop_map(Value::Float),
        ]
    }

    fn leaf() -> impl Strategy<Value = Expr> {
        let field = prop::sample::select(FIELDS.to_vec()).prop_map(str::to_owned);
        let op = prop::sample::select(vec![
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ]);
        let kind = prop_oneof![
            (op, value()).prop_map(|(op, value)| CmpKind::Op { op, value }),
            (any::<bool>(), prop::collection::vec(value(), 1..5))
                .prop_map(|(negated, values)| CmpKind::In { negated, values }),
            any::<bool>().prop_map(|negated| CmpKind::IsNull { negated }),
            (any::<bool>(), "[ -~]{0,8}")
                .prop_map(|(negated, pattern)| CmpKind::Like { negated, pattern }),
        ];
        (field, kind).prop_map(|(field, kind)| Expr::Cmp(Cmp { field, kind }))
    }

    fn expr() -> impl Strategy<Value = Expr> {
        leaf().prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
                inner.prop_map(|e| Expr::Not(Box::new(e))),
            ]
        })
    }

    /// The parser flattens `a OR (b OR c)` into one list; normalise generated
    /// trees the same way before comparing.
    fn flatten(e: Expr) -> Expr {
        match e {
            Expr::Or(items) => Expr::Or(items.into_iter().map(flatten).collect()),
            Expr::And(items) => Expr::And(items.into_iter().map(flatten).collect()),
            Expr::Not(inner) => Expr::Not(Box::new(flatten(*inner))),
            leaf => leaf,
        }
    }

    proptest! {
        #[test]
        fn printing_then_parsing_gives_the_same_tree(e in expr()) {
            let e = flatten(e);
            let text = e.to_string();
            let parsed = p(&text);
            prop_assert!(parsed.is_ok(), "{:?} does not parse: {:?}", text, parsed);
            prop_assert_eq!(parsed.ok(), Some(e));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let _ = p(&s);
        }

        #[test]
        fn filter_like_text_never_panics(s in "[a-zA-Z =!<>()'\",.0-9-]{0,120}") {
            if let Ok(e) = p(&s) {
                prop_assert_eq!(p(&e.to_string()).ok(), Some(e));
            }
        }
    }
}
