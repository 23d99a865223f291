//! `lq compile POLICY --to sql --dialect D`: the policy as one SQL query.

use lq::sql::{compile_load_sql, compile_sql, compile_sql_loaded, Dialect};

use super::common::load_checked;
use super::render::Style;
use super::Exit;

/// Arguments of `lq compile`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq compile examples/inbound-saas.lq --to sql --dialect postgres --table leads --as-of 2026-11-23\n\n  # a raw export (text columns) loaded into typed columns, then evaluated:\n  lq compile examples/inbound-saas.lq --to sql --dialect duckdb --load --table raw_leads --view leads\n  lq compile examples/inbound-saas.lq --to sql --dialect duckdb --loaded --table leads"
)]
pub struct Args {
    /// The policy file.
    policy: String,
    /// What to compile to.
    #[arg(long, value_enum, default_value_t = Target::Sql)]
    to: Target,
    /// The SQL dialect.
    #[arg(long, value_enum)]
    dialect: Dialect,
    /// The table (or view) of leads, with the schema's columns (with
    /// `--load`: the raw export, every column text).
    #[arg(long, default_value = "leads", value_parser = parse_table_name)]
    table: String,
    /// Write the load step instead: the raw export's text cells converted
    /// to the schema's types as `lq eval` reads them (missing markers to
    /// NULL, number forms, yes/no, dates, enum spellings, lists), with a
    /// `__lq_errors` column listing what did not convert.
    #[arg(long, conflicts_with_all = ["loaded", "as_of"])]
    load: bool,
    /// With `--load`: raw columns to pass through unchanged (a row number
    /// or an id to join the outcomes back on); with `--loaded`: those
    /// columns, carried after the outcome's. Repeatable.
    #[arg(long, value_name = "COLUMN")]
    keep: Vec<String>,
    /// The table was written by the load step: a row with conversion
    /// errors is an `error` outcome, as in `lq eval`.
    #[arg(long)]
    loaded: bool,
    /// Write `CREATE VIEW NAME AS ...` instead of a bare query.
    #[arg(long, value_name = "NAME", value_parser = parse_table_name)]
    view: Option<String>,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
}

/// A table or view name, maybe dotted (`crm.leads`): no part may be empty.
fn parse_table_name(name: &str) -> Result<String, String> {
    if name.split('.').any(|part| part.trim().is_empty()) {
        return Err(format!(
            "`{name}` is not a table name: write a name such as `leads` or `crm.leads`"
        ));
    }
    Ok(name.to_string())
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    Sql,
}

/// Runs `lq compile`.
pub fn run(args: Args, style: &Style) -> Exit {
    let policy = match load_checked(&args.policy, style) {
        Ok(policy) => policy,
        Err(exit) => return exit,
    };
    let dialect = args.dialect;
    let Target::Sql = args.to;
    let as_of = args.as_of.date();
    if !args.keep.is_empty() && !args.load && !args.loaded {
        errln!("error: --keep needs --load (pass raw columns through) or --loaded (carry them into the outcomes)");
        return Exit::Usage;
    }
    let compiled = if args.load {
        Ok(compile_load_sql(
            policy.checked(),
            dialect,
            &args.table,
            &args.keep,
        ))
    } else if args.loaded {
        compile_sql_loaded(policy.checked(), dialect, &args.table, as_of, &args.keep)
    } else {
        compile_sql(policy.checked(), dialect, &args.table, as_of)
    };
    match compiled {
        Ok(sql) => {
            match &args.view {
                Some(view) => outln!(
                    "CREATE VIEW {} AS\n{sql};",
                    lq::sql::quote_name(dialect, view)
                ),
                None => outln!("{sql};"),
            }
            Exit::Success
        }
        Err(errors) => {
            for e in &errors {
                style.eprint(e, Some(&policy.source));
            }
            Exit::Failure
        }
    }
}
