//! `groklab report sweep.json`: a sweep as one static HTML page — the phase map (Liu's
//! phases, the playground's badge colours), the delay to generalisation as a second map, and
//! for one axis the log–log plot of steps to test 90 % with the fitted power law.
//!
//! Pure string building with no script at all: tables and one inline SVG, so the page opens
//! anywhere, prints, and reads in a screen reader as the tables it is.

use super::{letter, value_label, SweepResult};
use crate::phase::Phase;

/// The page's styles; the phase colours are those of the playground's phase badge.
const STYLE: &str = r#"
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #111827; }
table.map { border-collapse: collapse; margin: 0.5rem 0 1rem; }
table.map th, table.map td { padding: 0.25rem 0.5rem; text-align: center; font-variant-numeric: tabular-nums; }
table.map td { border: 1px solid #fff; min-width: 2.5rem; }
td[data-phase="memorization"] { background: #fef3c7; color: #92400e; }
td[data-phase="grokking"] { background: #dcfce7; color: #166534; }
td[data-phase="comprehension"] { background: #dbeafe; color: #1e40af; }
td[data-phase="confusion"] { background: #fee2e2; color: #991b1b; }
td[data-phase="tie"] { background: #f3f4f6; color: #374151; }
.legend span { display: inline-block; padding: 0 0.5rem; margin-right: 0.5rem; }
pre { background: #f9fafb; padding: 0.75rem; overflow-x: auto; font-size: 13px; }
svg text { font: 12px system-ui, sans-serif; }
"#;

/// Escape text for HTML (keys and values come from a file).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page for the text of a sweep.json, or why the file is not a sweep.
pub fn render(sweep_json: &str) -> Result<String, String> {
    let r = SweepResult::from_json(sweep_json)?;
    if r.axes.is_empty() || r.axes.len() > 2 {
        return Err(format!("a sweep has one or two axes, this file has {}", r.axes.len()));
    }
    let mut html = String::new();
    html.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Groklab sweep</title>\n<style>");
    html.push_str(STYLE);
    html.push_str("</style>\n</head>\n<body>\n<h1>Groklab sweep</h1>\n");
    let runs = r.cells.len();
    let axes: Vec<String> = r.axes.iter().map(|a| format!("<code>{}</code>", escape(&a.to_string()))).collect();
    html.push_str(&format!(
        "<p>{runs} runs of {} steps: {} × {} seed(s) from seed {}.<br>{}</p>\n",
        r.base.train.steps,
        r.axes.iter().map(|a| a.values.len().to_string()).collect::<Vec<_>>().join(" × "),
        r.seeds,
        r.base.seed,
        axes.join("<br>")
    ));
    html.push_str(&format!(
        "<p>Phases by Liu et al.'s rule (docs/science.md §1): a split passes at {:.0} % accuracy; grokking when test passes ≥ {} steps after train, comprehension when sooner, memorization when only train passes, confusion when train never does — within the run's budget. A cell shows the majority of its seeds (? when they tie).</p>\n",
        100.0 * r.rule.test_threshold,
        r.rule.delay
    ));
    html.push_str("<h2>Phase map</h2>\n");
    html.push_str(&map_table(&r, "Liu's phase of each cell", |runs| {
        let phases: Vec<Phase> = runs.iter().map(|c| c.summary.phase).collect();
        let title: Vec<&str> = phases.iter().map(|p| p.name()).collect();
        let shown = super::majority(phases.into_iter());
        (shown.map_or("tie", |p| p.name()).to_string(), shown.map_or('?', letter).to_string(), title.join(", "))
    }));
    html.push_str("<p class=\"legend\"><span style=\"background:#dbeafe\">C comprehension</span><span style=\"background:#dcfce7\">G grokking</span><span style=\"background:#fef3c7\">M memorization</span><span style=\"background:#fee2e2\">X confusion</span></p>\n");
    html.push_str("<h2>Delay to generalisation</h2>\n<p>Steps from train 90 % to test 90 % (median over the seeds that passed both; – where none did).</p>\n");
    html.push_str(&map_table(&r, "Steps from train 90 % to test 90 %", |runs| {
        let (delay, generalised) = super::median_delay(runs);
        (String::new(), delay.map_or("–".to_string(), |d| d.to_string()), format!("{generalised} of {} seeds generalised", runs.len()))
    }));
    if r.axes.len() == 1 {
        html.push_str(&scaling_section(&r));
    }
    html.push_str("<h2>Base config</h2>\n<pre>");
    html.push_str(&escape(&serde_json::to_string_pretty(&r.base).expect("serialisable")));
    html.push_str("</pre>\n</body>\n</html>\n");
    Ok(html)
}

/// A table over the grid (axis 2's largest value on top); `cell` gives each cell's
/// `data-phase`, its text and its title from the runs there.
fn map_table(r: &SweepResult, caption: &str, cell: impl Fn(&[&super::CellSummary]) -> (String, String, String)) -> String {
    let rows = r.axes.get(1).map_or(1, |a| a.values.len());
    let mut t = format!("<table class=\"map\">\n<caption>{}</caption>\n", escape(caption));
    for row in (0..rows).rev() {
        t.push_str("<tr>");
        match r.axes.get(1) {
            Some(a) => t.push_str(&format!("<th scope=\"row\">{}</th>", escape(&value_label(a.values[row])))),
            None => t.push_str("<th scope=\"row\"></th>"),
        }
        for col in 0..r.axes[0].values.len() {
            let index = if r.axes.len() == 2 { vec![col, row] } else { vec![col] };
            let runs: Vec<&super::CellSummary> = r.runs_at(&index).collect();
            let (phase, text, title) = cell(&runs);
            let phase = if phase.is_empty() { String::new() } else { format!(" data-phase=\"{phase}\"") };
            t.push_str(&format!("<td{phase} title=\"{}\">{}</td>", escape(&title), escape(&text)));
        }
        t.push_str("</tr>\n");
    }
    t.push_str("<tr><th>");
    if let Some(a) = r.axes.get(1) {
        t.push_str(&format!("{} ↑ / ", escape(&a.key)));
    }
    t.push_str(&format!("{} →</th>", escape(&r.axes[0].key)));
    for &v in &r.axes[0].values {
        t.push_str(&format!("<th scope=\"col\">{}</th>", escape(&value_label(v))));
    }
    t.push_str("</tr>\n</table>\n");
    t
}

/// For one axis: steps to test 90 % against the axis on log–log axes, the fitted line, and
/// the exponent with its interval.
fn scaling_section(r: &SweepResult) -> String {
    let key = escape(&r.axes[0].key);
    let mut s = "<h2>Scaling law</h2>\n".to_string();
    let points: Vec<(f64, f64)> = r.scaling_points().into_iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    match &r.scaling {
        Some(law) => s.push_str(&format!(
            "<p>Steps to test 90 % ∝ <code>{key}</code><sup>b</sup>: b = {:.3} ± {:.3} (standard error), 95 % interval {:.3} … {:.3} (Student's t, {} degrees of freedom), R² {:.3}; {} runs fitted, {} left out (never generalised, or a value ≤ 0).</p>\n",
            law.exponent, law.stderr, law.interval.0, law.interval.1, law.n.saturating_sub(2), law.r2, law.n, law.skipped
        )),
        None => s.push_str("<p>Fewer than three runs generalised at distinct values: no power law to fit.</p>\n"),
    }
    if points.is_empty() {
        return s;
    }
    let (w, h, m) = (560.0, 320.0, 48.0);
    let (x0, x1) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let pad = |lo: f64, hi: f64| if hi - lo < 1e-9 { (lo - 0.5, hi + 0.5) } else { (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)) };
    // Ticks at the data's extremes; the frame a little wider so no point sits on it.
    let ticks = ([x0, x1], [y0, y1]);
    let ((x0, x1), (y0, y1)) = (pad(x0, x1), pad(y0, y1));
    let px = |x: f64| m + (x - x0) / (x1 - x0) * (w - 2.0 * m);
    let py = |y: f64| h - m - (y - y0) / (y1 - y0) * (h - 2.0 * m);
    s.push_str(&format!(
        "<svg role=\"img\" aria-label=\"steps to test 90 % against {key}, log–log\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    ));
    s.push_str(&format!("<rect x=\"{m}\" y=\"{m}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#9ca3af\"/>\n", w - 2.0 * m, h - 2.0 * m));
    if let Some(law) = &r.scaling {
        let line = |x: f64| law.log_prefactor + law.exponent * x;
        s.push_str(&format!(
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#2563eb\" stroke-width=\"1.5\"/>\n",
            px(x0), py(line(x0)).clamp(0.0, h), px(x1), py(line(x1)).clamp(0.0, h)
        ));
    }
    for &(x, y) in &points {
        s.push_str(&format!("<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#166534\"><title>{} = {}: {:.0} steps</title></circle>\n", px(x), py(y), key, value_label(x.exp()), y.exp()));
    }
    for (x, anchor) in [(ticks.0[0], "middle"), (ticks.0[1], "middle")] {
        s.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>\n", px(x), h - m + 16.0, value_label(x.exp())));
    }
    for y in ticks.1 {
        s.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{:.0}</text>\n", m - 4.0, py(y) + 4.0, y.exp()));
    }
    s.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{key} (log)</text>\n", w / 2.0, h - 8.0));
    s.push_str(&format!("<text x=\"12\" y=\"{:.1}\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">steps to test 90 % (log)</text>\n", h / 2.0, h / 2.0));
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Axis, CellSummary, Sweep};
    use crate::train::{summarize, Record, Status};

    fn record(step: u64, train: f64, test: f64) -> Record {
        Record { step, train_loss: 1.0, test_loss: 1.0, train_acc: train, test_acc: test, weight_norm: 1.0, grad_norms: vec![], symmetries: vec![], measures: Default::default() }
    }

    /// A one-axis sweep whose runs pass test 90 % at 1000/wd steps (train at step 10).
    fn one_axis() -> SweepResult {
        let base = crate::presets::find("omnigrok-wd0.03").unwrap().config;
        let sweep = Sweep::new(base, vec![Axis::parse("optim.rest.weight_decay=0.1,0.3,1,3").unwrap()], 1).unwrap();
        let cells = sweep
            .cells()
            .iter()
            .map(|c| {
                let t = (1000.0 / c.values[0]).round() as u64;
                let history = vec![record(10, 1.0, 0.1), record(t, 1.0, 1.0)];
                CellSummary::new(c, summarize(&history, 20_000, Status::Finished), 0.0, None)
            })
            .collect();
        SweepResult::new(&sweep, cells)
    }

    #[test]
    fn a_sweep_page_shows_the_map_the_delays_and_the_power_law() {
        let r = one_axis();
        let html = render(&serde_json::to_string(&r).unwrap()).unwrap();
        assert!(html.contains("<td data-phase=\"grokking\" title=\"grokking\">G</td>"), "the phase map");
        assert!(html.contains("<td data-phase=\"comprehension\" title=\"comprehension\">C</td>"), "wd 3: 333 steps, delay 323");
        // Delays: 10000 − 10, 3333 − 10, 1000 − 10, 333 − 10.
        for d in ["9990", "3323", "990", "323"] {
            assert!(html.contains(&format!(">{d}</td>")), "delay {d}");
        }
        assert!(html.contains("b = -1.000"), "the fitted exponent");
        assert_eq!(html.matches("<circle").count(), 4, "one point per run");
        assert!(!html.contains("<script"), "no script");
    }

    #[test]
    fn keys_are_escaped_and_non_sweeps_refused() {
        let mut r = one_axis();
        r.axes[0].key = "<b>".into();
        let html = render(&serde_json::to_string(&r).unwrap()).unwrap();
        assert!(!html.contains("<b>") && html.contains("&lt;b&gt;"));
        assert!(render("{\"version\": 2, \"config\": {}}").unwrap_err().contains("not a Groklab sweep file"));
    }
}
