//! `Tensor`: an n-dimensional array of numbers in row-major order, the payload of most models;
//! read and written as NumPy `.npy`, CSV (up to two dimensions) and JSON (nested lists).

use crate::error::InferenceError;

/// The element type of a [`Tensor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// 32-bit float (`<f4`).
    F32,
    /// 64-bit float (`<f8`).
    F64,
    /// 32-bit integer (`<i4`).
    I32,
    /// 64-bit integer (`<i8`).
    I64,
    /// Unsigned byte (`|u1`).
    U8,
    /// Boolean (`|b1`).
    Bool,
}

impl DType {
    /// NumPy's `descr` of the type, little-endian.
    pub fn descr(self) -> &'static str {
        match self {
            DType::F32 => "<f4",
            DType::F64 => "<f8",
            DType::I32 => "<i4",
            DType::I64 => "<i8",
            DType::U8 => "|u1",
            DType::Bool => "|b1",
        }
    }

    /// The bytes of one element.
    pub fn size(self) -> usize {
        match self {
            DType::F32 | DType::I32 => 4,
            DType::F64 | DType::I64 => 8,
            DType::U8 | DType::Bool => 1,
        }
    }
}

/// The elements of a [`Tensor`].
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// 64-bit integers.
    I64(Vec<i64>),
    /// Unsigned bytes.
    U8(Vec<u8>),
    /// Booleans.
    Bool(Vec<bool>),
}

impl TensorData {
    fn len(&self) -> usize {
        match self {
            TensorData::F32(v) => v.len(),
            TensorData::F64(v) => v.len(),
            TensorData::I32(v) => v.len(),
            TensorData::I64(v) => v.len(),
            TensorData::U8(v) => v.len(),
            TensorData::Bool(v) => v.len(),
        }
    }

    /// The elements as `f64` (booleans as 0 and 1).
    fn to_f64(&self) -> Vec<f64> {
        match self {
            TensorData::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            TensorData::F64(v) => v.clone(),
            TensorData::I32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            // Integers beyond 2^53 lose precision as floats; models take floats.
            TensorData::I64(v) => v.iter().map(|&x| x as f64).collect(),
            TensorData::U8(v) => v.iter().map(|&x| f64::from(x)).collect(),
            TensorData::Bool(v) => v.iter().map(|&x| f64::from(u8::from(x))).collect(),
        }
    }

    /// `values` as elements of `dtype`.
    fn from_f64(values: Vec<f64>, dtype: DType) -> TensorData {
        match dtype {
            DType::F32 => TensorData::F32(values.into_iter().map(|x| x as f32).collect()),
            DType::F64 => TensorData::F64(values),
            DType::I32 => TensorData::I32(values.into_iter().map(|x| x as i32).collect()),
            DType::I64 => TensorData::I64(values.into_iter().map(|x| x as i64).collect()),
            DType::U8 => TensorData::U8(values.into_iter().map(|x| x as u8).collect()),
            DType::Bool => TensorData::Bool(values.into_iter().map(|x| x != 0.0).collect()),
        }
    }

    /// One element as text (CSV and JSON).
    fn text(&self, i: usize) -> String {
        match self {
            TensorData::F32(v) => format_float(f64::from(v[i]), true),
            TensorData::F64(v) => format_float(v[i], false),
            TensorData::I32(v) => v[i].to_string(),
            TensorData::I64(v) => v[i].to_string(),
            TensorData::U8(v) => v[i].to_string(),
            TensorData::Bool(v) => v[i].to_string(),
        }
    }
}

/// A float as the shortest text that reads back the same (`f32` values through `f32`).
fn format_float(x: f64, single: bool) -> String {
    if single {
        format!("{}", x as f32)
    } else {
        format!("{x}")
    }
}

/// An n-dimensional array in row-major (C) order.
///
/// ```
/// use sagecdk_serve::{DType, Tensor};
/// let rows = Tensor::from_rows(vec![vec![5.1, 3.5, 1.4, 0.2], vec![6.7, 3.0, 5.2, 2.3]]).unwrap();
/// assert_eq!(rows.shape(), &[2, 4]);
/// assert_eq!(rows.dtype(), DType::F32);
/// assert_eq!(rows.row(1), Some(&[6.7f32, 3.0, 5.2, 2.3][..]));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    shape: Vec<usize>,
    data: TensorData,
}

impl Tensor {
    /// A tensor of `shape` holding `data`; the element count must be the shape's product.
    pub fn new(shape: Vec<usize>, data: TensorData) -> Result<Self, InferenceError> {
        let expected: usize = shape.iter().product();
        if expected != data.len() {
            return Err(InferenceError::bad_request(format!(
                "a tensor of shape {shape:?} has {expected} elements, got {}",
                data.len()
            )));
        }
        Ok(Tensor { shape, data })
    }

    /// A two-dimensional `f32` tensor from rows of equal length.
    pub fn from_rows(rows: Vec<Vec<f32>>) -> Result<Self, InferenceError> {
        let width = rows.first().map_or(0, Vec::len);
        if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != width) {
            return Err(InferenceError::bad_request(format!(
                "row {} has {} values, the first has {width}",
                i + 1,
                row.len()
            )));
        }
        let shape = vec![rows.len(), width];
        Tensor::new(shape, TensorData::F32(rows.into_iter().flatten().collect()))
    }

    /// A one-dimensional `f32` tensor.
    pub fn from_vec(values: Vec<f32>) -> Self {
        Tensor {
            shape: vec![values.len()],
            data: TensorData::F32(values),
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        match self.data {
            TensorData::F32(_) => DType::F32,
            TensorData::F64(_) => DType::F64,
            TensorData::I32(_) => DType::I32,
            TensorData::I64(_) => DType::I64,
            TensorData::U8(_) => DType::U8,
            TensorData::Bool(_) => DType::Bool,
        }
    }

    /// The elements.
    pub fn data(&self) -> &TensorData {
        &self.data
    }

    /// The `f32` elements, when that is the type.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            TensorData::F32(v) => Some(v),
            _ => None,
        }
    }

    /// Row `i` of a two-dimensional `f32` tensor.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        let [rows, width] = self.shape[..] else {
            return None;
        };
        (i < rows)
            .then(|| self.as_f32().map(|v| &v[i * width..(i + 1) * width]))
            .flatten()
    }

    /// The tensor with its elements converted to `dtype`.
    pub fn cast(self, dtype: DType) -> Tensor {
        if self.dtype() == dtype {
            return self;
        }
        Tensor {
            data: TensorData::from_f64(self.data.to_f64(), dtype),
            shape: self.shape,
        }
    }

    /// Reads CSV: one row per line, values separated by commas, as a two-dimensional tensor of
    /// `dtype`.
    pub fn from_csv(text: &str, dtype: DType) -> Result<Self, InferenceError> {
        let mut values = Vec::new();
        let mut rows = 0;
        let mut width = None;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let before = values.len();
            for (c, cell) in line.split(',').enumerate() {
                let cell = cell.trim();
                let value = cell.parse::<f64>().map_err(|_| {
                    InferenceError::bad_request(format!(
                        "CSV line {}, column {}: '{cell}' is not a number",
                        n + 1,
                        c + 1
                    ))
                })?;
                values.push(value);
            }
            let count = values.len() - before;
            match width {
                None => width = Some(count),
                Some(w) if w != count => {
                    return Err(InferenceError::bad_request(format!(
                        "CSV line {} has {count} values, the first row has {w}",
                        n + 1
                    )));
                }
                Some(_) => {}
            }
            rows += 1;
        }
        if rows == 0 {
            return Err(InferenceError::bad_request("the CSV body has no rows"));
        }
        Tensor::new(
            vec![rows, width.unwrap_or(0)],
            TensorData::from_f64(values, dtype),
        )
    }

    /// Writes CSV: a scalar as one value, a vector one value per line (as SageMaker's
    /// built-in algorithms answer), a matrix one row per line.
    pub fn to_csv(&self) -> Result<String, InferenceError> {
        let width = match self.shape[..] {
            [] | [_] => 1,
            [_, w] => w,
            _ => {
                return Err(InferenceError::new(
                    406,
                    format!(
                        "a tensor of {} dimensions cannot be written as CSV (at most 2)",
                        self.shape.len()
                    ),
                ));
            }
        };
        let total = self.data.len();
        let mut out = String::with_capacity(total * 8);
        for i in 0..total {
            out.push_str(&self.data.text(i));
            out.push(if (i + 1) % width.max(1) == 0 {
                '\n'
            } else {
                ','
            });
        }
        Ok(out)
    }

    /// Reads JSON: a number, or nested lists of numbers of equal lengths, as `dtype`.
    pub fn from_json(value: &serde_json::Value, dtype: DType) -> Result<Self, InferenceError> {
        fn walk(
            v: &serde_json::Value,
            depth: usize,
            shape: &mut Vec<usize>,
            out: &mut Vec<f64>,
        ) -> Result<(), InferenceError> {
            match v {
                serde_json::Value::Array(items) => {
                    if shape.len() == depth {
                        shape.push(items.len());
                    } else if shape.get(depth) != Some(&items.len()) {
                        return Err(InferenceError::bad_request(format!(
                            "the JSON lists are not rectangular: a list at depth {} has {} items, another {}",
                            depth + 1,
                            items.len(),
                            shape.get(depth).copied().unwrap_or(0)
                        )));
                    }
                    items
                        .iter()
                        .try_for_each(|i| walk(i, depth + 1, shape, out))
                }
                serde_json::Value::Number(n) if shape.len() == depth => {
                    out.push(n.as_f64().unwrap_or(f64::NAN));
                    Ok(())
                }
                serde_json::Value::Bool(b) if shape.len() == depth => {
                    out.push(f64::from(u8::from(*b)));
                    Ok(())
                }
                other => Err(InferenceError::bad_request(format!(
                    "expected numbers in nested lists of equal depth, found {}",
                    match other {
                        serde_json::Value::Null => "null",
                        serde_json::Value::String(_) => "a string",
                        serde_json::Value::Object(_) => "an object",
                        _ => "a value at the wrong depth",
                    }
                ))),
            }
        }
        let mut shape = Vec::new();
        let mut values = Vec::new();
        walk(value, 0, &mut shape, &mut values)?;
        Tensor::new(shape, TensorData::from_f64(values, dtype))
    }

    /// Writes JSON: nested lists (a number for a scalar).
    pub fn to_json(&self) -> String {
        fn write(t: &Tensor, dim: usize, offset: &mut usize, out: &mut String) {
            if dim == t.shape.len() {
                out.push_str(&t.data.text(*offset));
                *offset += 1;
                return;
            }
            out.push('[');
            for i in 0..t.shape[dim] {
                if i > 0 {
                    out.push(',');
                }
                write(t, dim + 1, offset, out);
            }
            out.push(']');
        }
        let mut out = String::new();
        write(self, 0, &mut 0, &mut out);
        out
    }

    /// Reads a NumPy `.npy` file (format 1.0–3.0, C order, little-endian numbers or bytes).
    pub fn from_npy(bytes: &[u8]) -> Result<Self, InferenceError> {
        crate::npy::read(bytes)
    }

    /// Writes a NumPy `.npy` file (format 1.0).
    pub fn to_npy(&self) -> Vec<u8> {
        crate::npy::write(self)
    }
}
