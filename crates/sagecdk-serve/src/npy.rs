//! The NumPy `.npy` format (`application/x-npy`): a magic string, a version, a header that is
//! a Python dict literal (`descr`, `fortran_order`, `shape`), then the raw elements.

use crate::error::InferenceError;
use crate::tensor::{DType, Tensor, TensorData};

const MAGIC: &[u8] = b"\x93NUMPY";

fn bad(message: impl Into<String>) -> InferenceError {
    InferenceError::bad_request(format!("malformed .npy body: {}", message.into()))
}

/// Reads a `.npy` body.
pub(crate) fn read(bytes: &[u8]) -> Result<Tensor, InferenceError> {
    if !bytes.starts_with(MAGIC) || bytes.len() < 10 {
        return Err(bad("it does not start with the NumPy magic string"));
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            let Some(len) = bytes.get(8..12) else {
                return Err(bad("the header length is cut off"));
            };
            (
                u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize,
                12,
            )
        }
        v => {
            return Err(bad(format!(
                "format version {v} is not supported (1 to 3 are)"
            )));
        }
    };
    let Some(header) = bytes.get(start..start + header_len) else {
        return Err(bad("the header is cut off"));
    };
    let header = std::str::from_utf8(header).map_err(|_| bad("the header is not text"))?;
    let descr = dict_value(header, "descr").ok_or_else(|| bad("the header has no 'descr'"))?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let dtype = match descr {
        "<f4" => DType::F32,
        "<f8" => DType::F64,
        "<i4" => DType::I32,
        "<i8" => DType::I64,
        "|u1" | "<u1" => DType::U8,
        "|b1" => DType::Bool,
        other => {
            return Err(bad(format!(
                "element type '{other}' is not supported (<f4, <f8, <i4, <i8, |u1, |b1 are)"
            )));
        }
    };
    if dict_value(header, "fortran_order").is_some_and(|v| v.trim() == "True") {
        return Err(bad(
            "Fortran order is not supported; send the array in C order",
        ));
    }
    let shape_text = dict_value(header, "shape").ok_or_else(|| bad("the header has no 'shape'"))?;
    let shape: Vec<usize> = shape_text
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(format!("shape {shape_text} is not a tuple of sizes")))
        })
        .collect::<Result<_, _>>()?;
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad("the shape is too large"))?;
    let body = &bytes[start + header_len..];
    let expected = count
        .checked_mul(dtype.size())
        .ok_or_else(|| bad("the shape is too large"))?;
    if body.len() != expected {
        return Err(bad(format!(
            "shape {shape:?} of {descr} needs {expected} bytes of data, the body has {}",
            body.len()
        )));
    }
    let chunks = |n: usize| body.chunks_exact(n);
    let data = match dtype {
        DType::F32 => TensorData::F32(
            chunks(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        DType::F64 => TensorData::F64(
            chunks(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        DType::I32 => TensorData::I32(
            chunks(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        DType::I64 => TensorData::I64(
            chunks(8)
                .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        DType::U8 => TensorData::U8(body.to_vec()),
        DType::Bool => TensorData::Bool(body.iter().map(|&b| b != 0).collect()),
    };
    Tensor::new(shape, data)
}

/// The text of `key`'s value in a Python dict literal (up to the next top-level comma).
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header
        .find(&format!("'{key}'"))
        .or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = &header[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(rest[..i].trim()),
            _ => {}
        }
    }
    None
}

/// Writes format 1.0, the header padded so the data starts at a multiple of 64 bytes.
pub(crate) fn write(tensor: &Tensor) -> Vec<u8> {
    let shape = match tensor.shape() {
        [one] => format!("({one},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        tensor.dtype().descr()
    );
    let unpadded = MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + 8 * 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    match tensor.data() {
        TensorData::F32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        TensorData::F64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        TensorData::I32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        TensorData::I64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        TensorData::U8(v) => out.extend_from_slice(v),
        TensorData::Bool(v) => out.extend(v.iter().map(|&b| u8::from(b))),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trips_and_reports_what_is_wrong() {
        let t = Tensor::from_rows(vec![vec![1.0, 2.5], vec![-3.0, 4.0]]).expect("tensor");
        let bytes = write(&t);
        assert_eq!(
            (10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize) % 64,
            0
        );
        assert_eq!(read(&bytes).expect("reads"), t);
        let scalar = Tensor::new(vec![], TensorData::I64(vec![7])).expect("scalar");
        assert_eq!(read(&write(&scalar)).expect("reads"), scalar);
        assert_eq!(
            read(b"not npy").expect_err("bad").message(),
            "malformed .npy body: it does not start with the NumPy magic string"
        );
        let mut cut = bytes.clone();
        cut.truncate(bytes.len() - 3);
        assert!(
            read(&cut)
                .expect_err("cut")
                .message()
                .contains("needs 16 bytes of data, the body has 13")
        );
    }
}
