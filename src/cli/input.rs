//! Opening data inputs: files (gzip-compressed ones read transparently),
//! or stdin for `-`.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use lq::data::{DataError, InputFormat};

use super::progress::Progress;

/// Opens `path` (or stdin for `-`) and tells its format: `forced`, else by
/// the file name (`.csv`, `.ndjson`, `.jsonl`, `.json`, each maybe `.gz`).
pub fn open_input(
    path: &str,
    forced: Option<InputFormat>,
) -> Result<(Box<dyn BufRead + Send>, InputFormat), DataError> {
    open_counted(path, forced, &Progress::none())
}

/// [`open_input`], with the bytes read (before decompression) counted on
/// a progress bar.
pub fn open_counted(
    path: &str,
    forced: Option<InputFormat>,
    progress: &Progress,
) -> Result<(Box<dyn BufRead + Send>, InputFormat), DataError> {
    let io_err = |e: io::Error| DataError::io(path, &e);
    if path != "-" && Path::new(path).is_dir() {
        return Err(io_err(io::Error::from(io::ErrorKind::IsADirectory)));
    }
    let format = match forced {
        Some(format) => format,
        None if path == "-" => InputFormat::Csv,
        None => InputFormat::from_path(path).ok_or_else(|| DataError::UnknownFormat {
            path: path.to_string(),
        })?,
    };
    if path == "-" {
        return Ok((
            Box::new(BufReader::with_capacity(
                1 << 16,
                progress.wrap(Box::new(io::stdin())),
            )),
            format,
        ));
    }
    let file = progress.wrap(Box::new(File::open(path).map_err(io_err)?));
    let reader: Box<dyn BufRead + Send> = if path.to_ascii_lowercase().ends_with(".gz") {
        // The decoder reads a file that is not gzip as empty: look first.
        let mut raw = BufReader::with_capacity(1 << 16, file);
        let head = raw.fill_buf().map_err(io_err)?;
        if !head.is_empty() && !head.starts_with(&[0x1f, 0x8b]) {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is named .gz but is not gzip-compressed; rename it without .gz",
            )));
        }
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    Ok((reader, format))
}

/// Parses `--delimiter`: one character, or `tab`.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(format!(
            "`{text}` is not one character; write e.g. `;`, `|` or `tab`"
        )),
    }
}

/// Opens every data input for a policy (each header matched to the
/// schema before any record is read), carrying the outcome column when
/// there is one: a column the data lacks is an error naming the ones it
/// has.
pub fn open_readers<'p>(
    policy: &'p lq::check::tir::CheckedPolicy,
    paths: &[String],
    forced: Option<InputFormat>,
    progress: &Progress,
    outcome: Option<&lq::insight::OutcomeSpec>,
) -> Result<Vec<lq::data::RecordReader<'p>>, DataError> {
    let options = lq::data::ReadOptions::default();
    let mut readers = Vec::with_capacity(paths.len());
    for path in paths {
        let (input, format) = open_counted(path, forced, progress)?;
        let mut reader =
            lq::data::RecordReader::with_options(policy, input, format, path, options)?;
        if let Some(spec) = outcome {
            reader.carry(std::slice::from_ref(&spec.column))?;
            reader.require_first(&spec.column);
        }
        readers.push(reader);
    }
    Ok(readers)
}
