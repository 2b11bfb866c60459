//! `groklab report`: a run.json or sweep.json as one self-contained HTML page.

use super::Failure;
use clap::Args;

#[derive(Args)]
pub struct ReportArgs {
    /// The run.json to show (written by `groklab train --out` or saved from the page), or a
    /// sweep.json (`groklab sweep --out`).
    #[arg(value_name = "RUN.json")]
    pub run: String,
    /// Where to write the page [default: RUN with the extension .html].
    #[arg(long, short, value_name = "OUT.html")]
    pub out: Option<String>,
}


/// Write the report page of a run.json; a file that is not a run is bad input (exit 2).
pub fn run(args: &ReportArgs) -> Result<(), Failure> {
    let run = &args.run;
    let text = std::fs::read_to_string(run).map_err(|e| Failure::Usage(format!("{run}: {e}")))?;
    // A sweep.json gets the sweep's page; anything else must be a run.
    let html = if groklab::sweep::SweepResult::is_sweep_file(&text) { groklab::sweep::page::render(&text) } else { groklab::report::render(&text) }
        .map_err(|e| Failure::Usage(format!("{run}: {e}")))?;
    let out = args.out.clone().unwrap_or_else(|| {
        std::path::Path::new(run).with_extension("html").to_string_lossy().into_owned()
    });
    if std::path::Path::new(&out) == std::path::Path::new(run) {
        return Err(Failure::Usage(format!("{run}: the page would overwrite the run; name another with -o")));
    }
    // An output path that cannot be written is a bad argument, as an unreadable input is.
    std::fs::write(&out, html).map_err(|e| Failure::Usage(format!("-o {out}: {e}")))?;
    println!("wrote {out}");
    Ok(())
}
