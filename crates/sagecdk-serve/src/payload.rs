//! Payloads: the types an `InferenceSpec` takes and returns, and how each is read from a
//! request body and written to a response in the content types it supports.

use crate::error::InferenceError;
use crate::tensor::Tensor;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A type that requests carry in and responses carry out. `sample` is the schema's sample
/// value of the type: decoding follows it where a format leaves something open (a tensor's
/// element type).
pub trait Payload: Sized + Send + Sync + 'static {
    /// The content types a request body may have, the default first.
    fn content_types() -> &'static [&'static str];
    /// Whether a body of any content type is taken (raw bytes).
    fn accepts_any_content_type() -> bool {
        false
    }
    /// Reads a body of `content_type` (one of [`content_types`](Self::content_types)).
    fn decode(content_type: &str, body: &[u8], sample: &Self) -> Result<Self, InferenceError>;
    /// Writes the value as `content_type` (one of [`content_types`](Self::content_types)).
    fn encode(&self, content_type: &str) -> Result<Vec<u8>, InferenceError>;
}

fn text(body: &[u8]) -> Result<&str, InferenceError> {
    std::str::from_utf8(body).map_err(|e| {
        InferenceError::bad_request(format!(
            "the body is not UTF-8 text (byte {})",
            e.valid_up_to()
        ))
    })
}

fn json(body: &[u8]) -> Result<serde_json::Value, InferenceError> {
    serde_json::from_slice(body)
        .map_err(|e| InferenceError::bad_request(format!("malformed JSON body: {e}")))
}

impl Payload for Tensor {
    fn content_types() -> &'static [&'static str] {
        &["application/x-npy", "text/csv", "application/json"]
    }

    fn decode(content_type: &str, body: &[u8], sample: &Self) -> Result<Self, InferenceError> {
        match content_type {
            "application/x-npy" => Ok(Tensor::from_npy(body)?.cast(sample.dtype())),
            "text/csv" => Tensor::from_csv(text(body)?, sample.dtype()),
            _ => Tensor::from_json(&json(body)?, sample.dtype()),
        }
    }

    fn encode(&self, content_type: &str) -> Result<Vec<u8>, InferenceError> {
        match content_type {
            "application/x-npy" => Ok(self.to_npy()),
            "text/csv" => Ok(self.to_csv()?.into_bytes()),
            _ => Ok(self.to_json().into_bytes()),
        }
    }
}

/// Any serde type, as JSON (`application/json`).
///
/// ```
/// use sagecdk_serve::{Json, Payload};
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Question { text: String }
/// let sample = Json(Question { text: "why?".into() });
/// let q = Json::<Question>::decode("application/json", br#"{"text":"how?"}"#, &sample).unwrap();
/// assert_eq!(q.0.text, "how?");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Json<T>(pub T);

impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Payload for Json<T> {
    fn content_types() -> &'static [&'static str] {
        &["application/json"]
    }

    fn decode(_: &str, body: &[u8], _: &Self) -> Result<Self, InferenceError> {
        serde_json::from_slice(body).map(Json).map_err(|e| {
            let kind = if e.is_data() { 422 } else { 400 };
            InferenceError::new(kind, format!("JSON body does not match the schema: {e}"))
        })
    }

    fn encode(&self, _: &str) -> Result<Vec<u8>, InferenceError> {
        serde_json::to_vec(&self.0)
            .map_err(|e| InferenceError::internal(format!("cannot write the output as JSON: {e}")))
    }
}

/// Text: `text/plain`, or a JSON string (`application/json`).
impl Payload for String {
    fn content_types() -> &'static [&'static str] {
        &["text/plain", "application/json"]
    }

    fn decode(content_type: &str, body: &[u8], _: &Self) -> Result<Self, InferenceError> {
        if content_type == "application/json" {
            return match json(body)? {
                serde_json::Value::String(s) => Ok(s),
                _ => Err(InferenceError::bad_request("expected a JSON string")),
            };
        }
        text(body).map(str::to_string)
    }

    fn encode(&self, content_type: &str) -> Result<Vec<u8>, InferenceError> {
        if content_type == "application/json" {
            return Ok(serde_json::Value::String(self.clone())
                .to_string()
                .into_bytes());
        }
        Ok(self.clone().into_bytes())
    }
}

/// Bytes as they came, of any content type; answered as `application/octet-stream`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawBytes(pub Vec<u8>);

impl Payload for RawBytes {
    fn content_types() -> &'static [&'static str] {
        &["application/octet-stream"]
    }

    fn accepts_any_content_type() -> bool {
        true
    }

    fn decode(_: &str, body: &[u8], _: &Self) -> Result<Self, InferenceError> {
        Ok(RawBytes(body.to_vec()))
    }

    fn encode(&self, _: &str) -> Result<Vec<u8>, InferenceError> {
        Ok(self.0.clone())
    }
}

/// Rows of text fields: CSV (`text/csv`, with RFC 4180 quoting) or a JSON list of lists of
/// strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRows(pub Vec<Vec<String>>);

impl Payload for CsvRows {
    fn content_types() -> &'static [&'static str] {
        &["text/csv", "application/json"]
    }

    fn decode(content_type: &str, body: &[u8], _: &Self) -> Result<Self, InferenceError> {
        if content_type == "application/json" {
            return serde_json::from_slice(body).map(CsvRows).map_err(|e| {
                InferenceError::bad_request(format!(
                    "expected a JSON list of lists of strings: {e}"
                ))
            });
        }
        parse_csv(text(body)?).map(CsvRows)
    }

    fn encode(&self, content_type: &str) -> Result<Vec<u8>, InferenceError> {
        if content_type == "application/json" {
            return serde_json::to_vec(&self.0)
                .map_err(|e| InferenceError::internal(e.to_string()));
        }
        let mut out = String::new();
        for row in &self.0 {
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    if c.contains([',', '"', '\n', '\r']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        Ok(out.into_bytes())
    }
}

/// Parses CSV with quoted fields; an unterminated quote is an error.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, InferenceError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(InferenceError::bad_request(format!(
            "malformed CSV: a quoted field opened on line {line} is not closed"
        )));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_read_quotes_and_write_them_back() {
        let body = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,2,3\n";
        let rows = CsvRows::decode("text/csv", body.as_bytes(), &CsvRows(vec![])).expect("csv");
        assert_eq!(
            rows.0,
            [vec!["a", "b,c", "say \"hi\""], vec!["1", "2", "3"]]
        );
        let written = rows.encode("text/csv").expect("encodes");
        assert_eq!(
            CsvRows::decode("text/csv", &written, &rows).expect("again"),
            rows
        );
        assert!(CsvRows::decode("text/csv", b"\"open", &rows).is_err());
    }

    #[test]
    fn tensors_decode_in_the_samples_element_type() {
        let sample = Tensor::new(vec![1, 2], crate::TensorData::F64(vec![0.0, 0.0])).expect("t");
        let t = Tensor::decode("application/json", b"[[1,2],[3,4.5]]", &sample).expect("json");
        assert_eq!(t.shape(), &[2, 2]);
        assert_eq!(t.dtype(), crate::DType::F64);
        let csv = Tensor::decode("text/csv", b"1,2\n3,x\n", &sample).expect_err("bad cell");
        assert_eq!(csv.message(), "CSV line 2, column 2: 'x' is not a number");
        let ragged =
            Tensor::decode("application/json", b"[[1,2],[3]]", &sample).expect_err("ragged");
        assert!(
            ragged.message().contains("not rectangular"),
            "{}",
            ragged.message()
        );
        assert_eq!(
            Tensor::from_vec(vec![0.25, 1.0])
                .encode("text/csv")
                .expect("csv"),
            b"0.25\n1\n"
        );
    }
}
