//! Lead data in and outcomes out: CSV, NDJSON and JSON readers, cell
//! conversions, and the outcome writers.

pub mod bounded;
pub mod convert;
pub mod error;
pub mod error_report;
pub mod fast;
pub mod generate;
pub mod infer;
pub mod json_fields;
pub mod reader;
pub mod table;
pub mod writer;

pub use error::{DataError, RecordError};
pub use reader::{CsvLayout, InputFormat, Layout, NdjsonLayout, ReadOptions, RecordReader};
pub use writer::{Columns, OutcomeWriter, OutputFormat};
