//! `Schema`: the sample input and output of an endpoint, and the content types its requests
//! and responses may have — several of each, chosen per request by `Content-Type` and
//! `Accept`.

use crate::error::{InferenceError, ServeError};
use crate::media::{essence, negotiate};
use crate::payload::Payload;

/// The samples and content types of an endpoint. Each content type of the payload types is
/// checked at construction: the samples must be written and read back in every one.
///
/// ```
/// use sagecdk_serve::{Schema, Tensor};
/// let schema = Schema::new(
///     Tensor::from_rows(vec![vec![5.1, 3.5, 1.4, 0.2]]).unwrap(),
///     Tensor::from_vec(vec![0.0]),
/// )
/// .unwrap()
/// .with_output_types(&["application/json", "text/csv"])
/// .unwrap();
/// assert_eq!(schema.input_types(), ["application/x-npy", "text/csv", "application/json"]);
/// ```
pub struct Schema<I, O> {
    sample_input: I,
    sample_output: O,
    input_types: Vec<&'static str>,
    output_types: Vec<&'static str>,
}

impl<I: Payload, O: Payload> Schema<I, O> {
    /// A schema from a sample input and a sample output, accepting every content type of
    /// their payload types (the first is the default).
    pub fn new(sample_input: I, sample_output: O) -> Result<Self, ServeError> {
        let schema = Schema {
            input_types: I::content_types().to_vec(),
            output_types: O::content_types().to_vec(),
            sample_input,
            sample_output,
        };
        for ct in &schema.input_types {
            round_trip("input", &schema.sample_input, ct)?;
        }
        for ct in &schema.output_types {
            round_trip("output", &schema.sample_output, ct)?;
        }
        Ok(schema)
    }

    /// Accepts only these request content types (some of the input type's), the first the
    /// default for a request without one.
    pub fn with_input_types(mut self, types: &[&str]) -> Result<Self, ServeError> {
        self.input_types = restrict("input", I::content_types(), types)?;
        Ok(self)
    }

    /// Answers only in these content types (some of the output type's), the first the
    /// default for a request without `Accept`.
    pub fn with_output_types(mut self, types: &[&str]) -> Result<Self, ServeError> {
        self.output_types = restrict("output", O::content_types(), types)?;
        Ok(self)
    }

    /// The request content types, the default first.
    pub fn input_types(&self) -> &[&'static str] {
        &self.input_types
    }

    /// The response content types, the default first.
    pub fn output_types(&self) -> &[&'static str] {
        &self.output_types
    }

    /// The sample input.
    pub fn sample_input(&self) -> &I {
        &self.sample_input
    }

    /// The sample output.
    pub fn sample_output(&self) -> &O {
        &self.sample_output
    }

    /// The sample input as a request body of the default content type (a deep ping).
    pub fn sample_request(&self) -> Result<(&'static str, Vec<u8>), InferenceError> {
        let ct = self.input_types[0];
        Ok((ct, self.sample_input.encode(ct)?))
    }

    /// Reads a request body of `content_type` (the default when absent): 415 when the schema
    /// does not take it.
    pub fn decode(&self, content_type: Option<&str>, body: &[u8]) -> Result<I, InferenceError> {
        let given = content_type.map(essence).filter(|c| !c.is_empty());
        let ct = match given.as_deref() {
            None => self.input_types[0],
            Some(c) => match self.input_types.iter().find(|t| **t == c) {
                Some(t) => t,
                None if I::accepts_any_content_type() => self.input_types[0],
                None => {
                    return Err(InferenceError::new(
                        415,
                        format!(
                            "content type '{c}' is not accepted: send one of {}",
                            self.input_types.join(", ")
                        ),
                    ));
                }
            },
        };
        I::decode(ct, body, &self.sample_input)
    }

    /// Chooses the response content type for `accept` (the default when absent): 406 when
    /// the schema can write none of the accepted types.
    pub fn response_type(&self, accept: Option<&str>) -> Result<&'static str, InferenceError> {
        negotiate(accept.unwrap_or_default(), &self.output_types).ok_or_else(|| {
            InferenceError::new(
                406,
                format!(
                    "cannot answer in any type of Accept '{}': accept one of {}",
                    accept.unwrap_or_default(),
                    self.output_types.join(", ")
                ),
            )
        })
    }
}

fn round_trip<P: Payload>(which: &'static str, sample: &P, ct: &str) -> Result<(), ServeError> {
    let fail = |e: InferenceError| ServeError::Schema {
        which,
        content_type: ct.to_string(),
        message: e.message().to_string(),
    };
    let bytes = sample.encode(ct).map_err(fail)?;
    P::decode(ct, &bytes, sample).map_err(fail)?;
    Ok(())
}

fn restrict(
    which: &'static str,
    supported: &[&'static str],
    wanted: &[&str],
) -> Result<Vec<&'static str>, ServeError> {
    let mut out = Vec::new();
    for w in wanted {
        let w = essence(w);
        match supported.iter().find(|s| **s == w) {
            Some(s) => out.push(*s),
            None => {
                return Err(ServeError::Setting {
                    name: format!("{which} content type"),
                    value: w,
                    rule: format!("the {which} type supports {}", supported.join(", ")),
                });
            }
        }
    }
    if out.is_empty() {
        return Err(ServeError::Setting {
            name: format!("{which} content types"),
            value: String::new(),
            rule: "name at least one".into(),
        });
    }
    Ok(out)
}
