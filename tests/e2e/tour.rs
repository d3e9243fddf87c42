//! The README's tour, run as written against `attain dev` with the demo seeded, on whatever day
//! the suite runs: every `$ attain …` command of the tour succeeds, and its output has the shape
//! the README shows (the same first line and the same headings and table headers, with any
//! numbers and dates), so a tour written with relative days (`--as-of yesterday`) keeps working
//! after the day it was written.

use crate::{attain, read_until, run_ok, spawn};

/// A command of the tour and the output the README shows for it.
#[derive(Debug)]
struct Step {
    command: String,
    shown: Vec<String>,
}

/// The `$ attain …` commands of the README's console blocks, each with the lines after it up to
/// the next prompt or the block's end.
fn tour(readme: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let (mut in_console, mut current): (bool, Option<Step>) = (false, None);
    for line in readme.lines() {
        if line.starts_with("```") {
            in_console = line.trim() == "```console";
            steps.extend(current.take());
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            steps.extend(current.take());
            current = command.starts_with("attain ").then(|| Step {
                command: command.to_string(),
                shown: Vec::new(),
            });
        } else if let Some(step) = current.as_mut() {
            step.shown.push(line.to_string());
        }
    }
    steps.extend(current);
    steps
}

/// Splits a command line as a POSIX shell would for the tour's simple commands: words apart by
/// spaces, double quotes around a word with spaces.
fn words(command: &str) -> Vec<String> {
    let (mut out, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in command.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// A line as its shape: every run of digits (in numbers, dates, money) is `#`, and runs of
/// spaces (column padding, which follows the widths of the values) are one space.
fn shape(line: &str) -> String {
    let mut out = String::new();
    let mut last = ' ';
    for c in line.trim_end().chars() {
        let c = if c.is_ascii_digit() { '#' } else { c };
        if (c == '#' && last == '#') || (c == ' ' && last == ' ') {
            continue;
        }
        out.push(c);
        last = c;
    }
    out.trim().to_string()
}

/// Lines whose presence does not depend on the day or the data: section headings (in capitals)
/// and table headers.
fn structural(line: &str) -> bool {
    const HEADERS: [&str; 6] = ["Metric", "Rep", "Step", "Rate", "When", "Rank"];
    let t = line.trim();
    let first = t.split_whitespace().next().unwrap_or_default();
    !t.is_empty()
        && !t.chars().any(|c| c.is_ascii_digit())
        && (t.chars().all(|c| c.is_ascii_uppercase() || c == ' ') || HEADERS.contains(&first))
}

#[test]
fn the_readme_tour_runs_as_written_on_any_day() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let steps = tour(&readme);
    let shown: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    assert!(shown.len() >= 5, "the tour shows the CLI: {shown:?}");
    // The tour is written with relative days, so that it works after the day it was written.
    for s in &steps {
        assert!(
            !s.command.contains(" --as-of 20")
                && !s.command.contains(" --date 20")
                && !s.command.contains(" --from 20"),
            "a fixed date in the tour: {}",
            s.command
        );
    }

    let data_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tour-{}", std::process::id()));
    let port = crate::dev_base_port() + 1;
    let mut dev = spawn(
        attain()
            .arg("dev")
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--base-port")
            .arg((port - 1).to_string()),
    );
    let banner = read_until(&mut dev, "Press Ctrl-C");
    let key = crate::admin_key(&banner);
    let cli = |args: &[String]| {
        let mut cmd = attain();
        cmd.args(args)
            .env("ATTAIN_API_KEY", &key)
            .env("ATTAIN_ORG_URL", format!("http://127.0.0.1:{port}"))
            .env("ATTAIN_METRICS_URL", format!("http://127.0.0.1:{}", port - 1))
            .env("ATTAIN_COACHING_URL", format!("http://127.0.0.1:{}", port + 1))
            .env("ATTAIN_HIRING_URL", format!("http://127.0.0.1:{}", port + 2))
            .env("NO_COLOR", "1");
        cmd
    };
    run_ok(&mut cli(&["demo".into(), "seed".into()]));

    for step in &steps {
        let args = words(&step.command);
        let out = run_ok(&mut cli(&args[1..]));
        let got: Vec<String> = out.lines().map(shape).collect();
        let first = step.shown.iter().find(|l| !l.trim().is_empty());
        if let Some(first) = first {
            assert_eq!(
                got.first().map(String::as_str),
                Some(shape(first).as_str()),
                "{}: first line\n{out}",
                step.command
            );
        }
        for line in step.shown.iter().filter(|l| structural(l)) {
            assert!(
                got.contains(&shape(line)),
                "{}: the README shows {line:?}, the run printed\n{out}",
                step.command
            );
        }
    }
}

#[test]
fn the_tour_parser_finds_commands_and_shapes_lines() {
    let readme = "text\n```console\n$ attain scorecard \"Ana Lopez\" --as-of yesterday\nAna Lopez (person)\n  Metric  Actual\n$ attain-call -d x\n{}\n```\n```sh\n$ attain no\n```\n";
    let steps = tour(readme);
    assert_eq!(steps.len(), 1);
    assert_eq!(
        words(&steps[0].command),
        ["attain", "scorecard", "Ana Lopez", "--as-of", "yesterday"]
    );
    assert_eq!(steps[0].shown, ["Ana Lopez (person)", "  Metric  Actual"]);
    assert_eq!(shape("  Calls    1,164   $12.50  2026-11-20"), "Calls #,# $#.# #-#-#");
    assert!(structural("ACTIVITIES") && structural("  Metric   Actual  Target"));
    assert!(!structural("  Calls  1,164") && !structural("Behind pace:"));
}
