//! Man pages: `contextcore(1)`, one page per subcommand (`contextcore-manifest-export(1)`, …)
//! as the top page's SEE ALSO names them, and `git-contextcore(1)`, which `git contextcore
//! --help` opens. Every page ends with the exit codes.

use std::path::Path;

use clap::CommandFactory;

use super::args::Cli;
use crate::error::{Error, Result};

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
success
.TP
\fB1\fR
a check failed: a lineage violation (hook, verify, report), a strict-quality shortfall, an unhealthy export gate
.TP
\fB2\fR
bad usage or bad input, found before anything is written; input errors read \fIfile\fR:\fIline\fR:\fIcol\fR: error: \fImessage\fR
"#;

/// Prints `contextcore(1)`, or with `out_dir` writes every page there.
pub fn run(out_dir: Option<&Path>) -> Result<i32> {
    let Some(dir) = out_dir else {
        let page = render(Cli::command())?;
        print!("{}", String::from_utf8_lossy(&page));
        return Ok(0);
    };
    crate::fsio::create_dir(dir)?;
    let workspace = crate::workspace::Workspace::current();
    workspace.refuse_git_dir(dir)?;
    let backups = crate::output::backups_for(&workspace, false, dir);
    let mut written = 0;
    for (name, cmd) in pages() {
        let path = crate::paths::resolve(
            dir,
            format!("{name}.1"),
            crate::paths::WriteStrategy::UpdateExisting,
        )?;
        crate::fsio::write_atomic(&path, &render(cmd)?, &backups)?;
        written += 1;
    }
    println!(
        "{written} man page(s) in {}; `git contextcore --help` opens git-contextcore(1) when that directory is on MANPATH",
        crate::quote::fs_path(dir)
    );
    Ok(0)
}

/// Every page: (file stem, command named as the page is).
fn pages() -> Vec<(String, clap::Command)> {
    let top = Cli::command();
    let mut out = vec![
        ("contextcore".to_string(), top.clone()),
        (
            "git-contextcore".to_string(),
            top.clone()
                .name("git-contextcore")
                .bin_name("git contextcore"),
        ),
    ];
    let mut stack: Vec<(String, clap::Command)> = top
        .get_subcommands()
        .map(|s| (format!("contextcore-{}", s.get_name()), s.clone()))
        .collect();
    while let Some((name, cmd)) = stack.pop() {
        for sub in cmd.get_subcommands() {
            stack.push((format!("{name}-{}", sub.get_name()), sub.clone()));
        }
        let bin = name.replace('-', " ");
        out.push((name.clone(), cmd.name(name).bin_name(bin)));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn render(cmd: clap::Command) -> Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .map_err(|e| Error::io("man page", e))?;
    page.extend_from_slice(EXIT_STATUS.as_bytes());
    Ok(page)
}
