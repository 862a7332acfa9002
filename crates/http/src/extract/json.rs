//! `ApiJson<T>`: JSON bodies with errors that name the offending field.

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(ApiError::from)?;
        parse(&bytes, state.config.max_json_depth).map(ApiJson)
    }
}

/// Deserialize, naming the field path on a type error or an unknown field.
/// The whole body must be one JSON value: anything after it but whitespace
/// (`{…} trailing`, `{…}{…}`) is malformed JSON, as for `serde_json::from_slice`.
/// Arrays and objects may nest `max_depth` levels deep.
pub fn parse<T: DeserializeOwned>(bytes: &[u8], max_depth: usize) -> Result<T, ApiError> {
    let depth = nesting_depth(bytes);
    if depth > max_depth {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidJson,
            format!(
                "the body nests arrays and objects {depth} levels deep; \
                 the limit is {max_depth} levels"
            ),
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            malformed(&inner)
        } else if path == "." && inner.to_string().contains("expected struct ") {
            // `[]`, `"x"`, `null` where an object belongs; serde would name our type.
            ApiError::invalid("", "the body must be a JSON object")
        } else if path == "." {
            ApiError::invalid("", strip_position(&inner.to_string()))
        } else {
            ApiError::invalid(path, strip_position(&inner.to_string()))
        }
    })?;
    de.end().map_err(|e| malformed(&e))?;
    // serde also reads a struct from a JSON array (`[null, null]` as every
    // field left out): our bodies are objects, and nothing else is one.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid("", "the body must be a JSON object"));
    }
    Ok(value)
}

/// How deeply arrays and objects nest, brackets inside strings not counted.
/// One pass over the bytes before serde sees them: a deep body costs no
/// recursion, and the answer names the depth (serde_json only says that its
/// own limit of 128 was hit).
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidJson,
        format!("the body is not valid JSON: {e}"),
    )
}

/// serde_json appends " at line 1 column 17"; the field name says more.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// A JSON body that may also be left out entirely (`T::default()` then).
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v == "0")
            || (req.headers().get(header::CONTENT_TYPE).is_none()
                && req.headers().get(header::CONTENT_LENGTH).is_none()
                && req.headers().get(header::TRANSFER_ENCODING).is_none());
        if empty {
            return Ok(OptionalJson(T::default()));
        }
        ApiJson::from_request(req, state)
            .await
            .map(|ApiJson(v)| OptionalJson(v))
    }
}

#[cfg(test)]
mod tests {
    use super::{nesting_depth, parse};
    use crate::error::ErrorCode;
    use serde_json::{json, Value};

    fn code(body: &str) -> Option<ErrorCode> {
        parse::<Value>(body.as_bytes(), 32).err().map(|e| e.code)
    }

    fn nested(levels: usize) -> String {
        format!(
            "{}1{}",
            "{\"a\":[".repeat(levels / 2),
            "]}".repeat(levels / 2)
        )
    }

    #[test]
    fn depth_counts_arrays_and_objects_but_not_strings() {
        assert_eq!(nesting_depth(b"{}"), 1);
        assert_eq!(nesting_depth(b"1"), 0);
        assert_eq!(nesting_depth(br#"{"a":{"b":[1,[2]]},"c":[]}"#), 4);
        assert_eq!(nesting_depth(br#"{"a":"[[[{{{"}"#), 1);
        assert_eq!(nesting_depth(br#"{"a":"\"[[[","b":"\\"}"#), 1);
        assert_eq!(nesting_depth(nested(40).as_bytes()), 40);
    }

    #[test]
    fn bodies_deeper_than_the_limit_are_refused_naming_both() {
        assert!(parse::<Value>(nested(32).as_bytes(), 32).is_ok());
        let err = parse::<Value>(nested(34).as_bytes(), 32).err().unwrap();
        assert_eq!(err.code, ErrorCode::InvalidJson);
        assert!(err.message.contains("34 levels deep"), "{}", err.message);
        assert!(err.message.contains("limit is 32"), "{}", err.message);
        // Deeper than serde_json's own limit (128): still our message.
        let err = parse::<Value>(nested(1000).as_bytes(), 32).err().unwrap();
        assert!(err.message.contains("1000 levels deep"), "{}", err.message);
    }

    #[test]
    fn one_value_and_whitespace_only() {
        assert_eq!(
            parse::<Value>(b" {\"a\":1}\r\n\t ", 32).ok(),
            Some(json!({"a": 1}))
        );
        for bad in [
            "{\"a\":1} trailing",
            "{\"a\":1}{}",
            "{\"a\":1} }}",
            "{\"a\":1},",
            "[1] 2",
            "1 2",
            "{\"a\":",
            "",
        ] {
            assert_eq!(code(bad), Some(ErrorCode::InvalidJson), "{bad:?}");
        }
    }

    #[test]
    fn type_errors_still_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            name: String,
        }
        let err = parse::<Body>(b"{\"name\": 1}", 32).err();
        assert_eq!(
            err.as_ref().map(|e| (e.code, e.field.as_deref())),
            Some((ErrorCode::InvalidRequest, Some("name")))
        );
        for not_an_object in ["[]", "\"name\"", "null", "1", "[\"x\"]"] {
            let err = parse::<Body>(not_an_object.as_bytes(), 32).err();
            assert_eq!(
                err.map(|e| (e.code, e.message)),
                Some((
                    ErrorCode::InvalidRequest,
                    "the body must be a JSON object".into()
                )),
                "{not_an_object}"
            );
        }
        // The type error comes first even with garbage after the value.
        let err = parse::<Body>(b"{\"name\": 1} x", 32).err();
        assert_eq!(err.map(|e| e.code), Some(ErrorCode::InvalidRequest));
    }
}
