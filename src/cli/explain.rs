//! `lq explain POLICY (--lead '{...}' | --row N DATA)`: how one lead is
//! decided, step by step.

use lq::data::{ReadOptions, RecordReader};
use lq::Policy;

use super::common::load_checked;
use super::input::open_input;
use super::render::{HumanOrJson as Format, Style};
use super::Exit;

/// Arguments of `lq explain`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq explain examples/inbound-saas.lq --lead '{id: 1, role: VP, budget: 25k}'\n  lq explain examples/inbound-saas.lq --row 3 examples/data/inbound-leads.csv --format json"
)]
pub struct Args {
    /// The policy file.
    policy: String,
    /// The lead: an lq record `{field: value, ...}` or a JSON object
    /// `{"Column": value, ...}` (by column names, read as a data file's
    /// record is); optional fields left out are missing.
    #[arg(long, value_name = "RECORD", conflicts_with = "row")]
    lead: Option<String>,
    /// Explain record N (1-based) of DATA.
    #[arg(long, value_name = "N", requires = "data", value_parser = parse_row)]
    row: Option<usize>,
    /// Explain the record of DATA whose key is VALUE.
    #[arg(long, value_name = "VALUE", requires = "data", conflicts_with_all = ["row", "lead"])]
    key: Option<String>,
    /// The data file for --row or --key.
    data: Option<String>,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
    /// human (an indented tree) or json (the outcome with its trace).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// Runs `lq explain`.
pub fn run(args: Args, style: &Style) -> Exit {
    let policy = match load_checked(&args.policy, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let as_of = args.as_of.date();
    let (row, record) = match (&args.lead, args.row, &args.data) {
        (Some(literal), _, _) => match policy.read_lead(literal) {
            Ok(r) => (1, r),
            Err(lq::LeadError::Policy(errors, source)) => {
                for e in &errors {
                    style.eprint(e, Some(&source));
                }
                return Exit::Failure;
            }
            Err(lq::LeadError::Record(e)) => {
                let messages: Vec<String> = e
                    .messages()
                    .iter()
                    .map(|m| {
                        let m = m.strip_prefix("row 1 cannot be read: ").unwrap_or(m);
                        m.strip_prefix("row 1, ").unwrap_or(m).to_string()
                    })
                    .collect();
                errln!(
                    "the lead cannot be read, as `lq eval` would not read such a record:\n  {}",
                    lq::printable::escape_keep_lines(&messages.join("\n  "))
                );
                return Exit::Failure;
            }
        },
        (None, Some(n), Some(data)) => match read_row(&policy, data, Pick::Row(n), style) {
            Ok(r) => r,
            Err(exit) => return exit,
        },
        (None, None, Some(data)) if args.key.is_some() => {
            let key = args.key.as_deref().unwrap_or_default();
            let Some(pick) = key_pick(&policy, key) else {
                return Exit::Usage;
            };
            match read_row(&policy, data, pick, style) {
                Ok(r) => r,
                Err(exit) => return exit,
            }
        }
        _ => {
            errln!(
                "say which lead: --lead '{{field: value, ...}}', --row N DATA or --key VALUE DATA"
            );
            return Exit::Usage;
        }
    };
    let mut outcome = policy.evaluate(row, &record, as_of);
    let trace = policy.trace(&record, as_of);
    match args.format {
        Format::Json => {
            outcome.explain = Some(trace);
            outln!(
                "{}",
                serde_json::to_string_pretty(&outcome).unwrap_or_default()
            );
        }
        Format::Human => {
            let tier = outcome
                .tier
                .as_deref()
                .map(|t| format!(", tier {t}"))
                .unwrap_or_default();
            let rule = outcome
                .rule
                .as_deref()
                .map(|r| format!(", rule {r}"))
                .unwrap_or_default();
            let route = outcome
                .route
                .as_deref()
                .map(|r| format!(", route {r:?}"))
                .unwrap_or_default();
            outln!(
                "{}{tier}, score {}{rule}{route}",
                outcome.status.as_str(),
                outcome.score.unwrap_or(0)
            );
            // Wrapped to the terminal; whole lines into a file or a pipe.
            let width = std::io::IsTerminal::is_terminal(&std::io::stdout()).then(|| style.width());
            out!("{}", lq::explain::render_width(&policy, &trace, width));
        }
    }
    Exit::Success
}

/// Which record of a file to explain.
enum Pick {
    /// The Nth, from 1.
    Row(usize),
    /// The one whose key field holds this value.
    Key(usize, lq::eval::Datum, String),
}

/// `--key VALUE` read as the schema's key field reads a cell; `None`
/// (after saying why) when the schema has no key or the value does not
/// convert.
fn key_pick(policy: &Policy, text: &str) -> Option<Pick> {
    let checked = policy.checked();
    let Some(slot) = checked.schema.key else {
        errln!("the schema has no `key` field: pick the record with --row N");
        return None;
    };
    let field = &checked.schema.fields[slot];
    match lq::data::convert::convert_text(checked, field, text) {
        Ok(value) => Some(Pick::Key(slot, value, text.to_string())),
        Err(problem) => {
            errln!(
                "--key: {} for the key field `{}`",
                lq::printable::escape(&problem.to_string()),
                field.name
            );
            None
        }
    }
}

/// The record of a data file that `pick` names, with its row, or the exit
/// code after saying why not.
fn read_row(
    policy: &Policy,
    data: &str,
    pick: Pick,
    style: &Style,
) -> Result<(usize, Vec<lq::eval::Datum>), Exit> {
    let (input, format) = open_input(data, None).map_err(|e| {
        style.eprint(&e, None);
        Exit::Usage
    })?;
    let reader = RecordReader::with_options(
        policy.checked(),
        input,
        format,
        data,
        ReadOptions::default(),
    )
    .map_err(|e| {
        style.eprint(&e, None);
        Exit::Failure
    })?;
    for item in reader {
        match item {
            Err(e) => {
                style.eprint(&e, None);
                return Err(Exit::Usage);
            }
            Ok(Ok((row, record))) => {
                let found = match &pick {
                    Pick::Row(n) => row == *n,
                    Pick::Key(slot, key, _) => record.get(*slot) == Some(key),
                };
                if found {
                    return Ok((row, record));
                }
            }
            Ok(Err(e)) if matches!(pick, Pick::Row(n) if e.row == n) => {
                let n = e.row;
                errln!(
                    "record {n} cannot be read:\n  {}",
                    e.messages().join("\n  ")
                );
                return Err(Exit::Failure);
            }
            Ok(_) => {}
        }
    }
    match pick {
        Pick::Row(n) => errln!("{data} has fewer than {n} records"),
        Pick::Key(_, _, text) => errln!(
            "no record of {data} has the key `{}`",
            lq::printable::escape(&text)
        ),
    }
    Err(Exit::Failure)
}

/// A record number for `--row`: a whole number from 1, as `lq eval`'s
/// `row` column counts.
fn parse_row(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("rows start at 1, as in the `row` column of `lq eval`".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "`{}` is not a record number: write a whole number from 1",
            lq::printable::escape(text)
        )),
    }
}
