//! `groklab report`: one self-contained HTML file that shows a run.json with the playground's
//! own views (curves, inside views, step scrubber), opening offline from `file://`.
//!
//! Pure string building. The page's ES modules are carried by the binary (`include_str!`) and
//! embedded as inert `<script type="text/x-groklab-module">` blocks; a small inline loader
//! turns each into a Blob URL, rewriting relative imports to the Blob URLs of the modules they
//! name, because a `file://` page may not import module files (Chrome refuses them as
//! cross-origin) and the CLI has no bundler to flatten them.

use crate::run::RunFile;

/// Every module the report page runs, by its path relative to `www/` (the path the modules
/// import each other by; uPlot is `vendor/uPlot.esm.js`, as in the built playground). The one
/// list: a module missing here fails `every_relative_import_is_embedded`.
const MODULES: &[(&str, &str)] = &[
    ("vendor/uPlot.esm.js", include_str!("../vendor/uplot/uPlot.esm.js")),
    ("link.js", include_str!("../www/link.js")),
    ("status.js", include_str!("../www/status.js")),
    ("curves.js", include_str!("../www/curves.js")),
    ("export.js", include_str!("../www/export.js")),
    ("views/parts.js", include_str!("../www/views/parts.js")),
    ("views/scrubber.js", include_str!("../www/views/scrubber.js")),
    ("views/embedding.js", include_str!("../www/views/embedding.js")),
    ("views/spectrum.js", include_str!("../www/views/spectrum.js")),
    ("views/answers.js", include_str!("../www/views/answers.js")),
    ("views/neurons.js", include_str!("../www/views/neurons.js")),
    ("views/measures.js", include_str!("../www/views/measures.js")),
    ("views/parallelograms.js", include_str!("../www/views/parallelograms.js")),
    ("views/graph.js", include_str!("../www/views/graph.js")),
    ("views/dynamics.js", include_str!("../www/views/dynamics.js")),
    ("vendor/d3/d3-force.esm.js", include_str!("../vendor/d3/d3-force.esm.js")),
    ("views/inside.js", include_str!("../www/views/inside.js")),
    ("report.js", include_str!("../www/report.js")),
];

/// The module the loader imports once every module has its Blob URL.
const ENTRY: &str = "report.js";

/// uPlot's licence, which must travel with every copy of it (the report is one).
const UPLOT_LICENSE: &str = include_str!("../vendor/uplot/LICENSE");
/// d3's licence (ISC), for the same reason.
const D3_LICENSE: &str = include_str!("../vendor/d3/LICENSE");

/// The stylesheets, inlined: uPlot's and the playground's.
const STYLES: &[&str] = &[include_str!("../vendor/uplot/uPlot.min.css"), include_str!("../www/style.css")];

/// Turns the embedded modules into Blob URLs, dependencies first, each with its relative
/// import specifiers replaced by the Blob URLs of the modules they resolve to, then imports the
/// entry. Paths resolve against a made-up `module:` scheme, so the file names no web address.
const LOADER: &str = r#"
const sources = new Map([...document.querySelectorAll('script[type="text/x-groklab-module"]')]
  .map((s) => [s.dataset.path, s.textContent]));
const urls = new Map();
const IMPORT = /(\bfrom\s*|\bimport\s*)(['"])(\.\.?\/[^'"]*)\2/g;
function load(path, chain = []) {
  if (urls.has(path)) return urls.get(path);
  if (!sources.has(path)) throw new Error(`${chain.at(-1)} imports ${path}, which the report does not embed`);
  if (chain.includes(path)) throw new Error(`import cycle through ${path}: a Blob URL cannot name itself`);
  const code = sources.get(path).replace(IMPORT, (_, keyword, quote, spec) =>
    keyword + quote + load(new URL(spec, `module:/${path}`).pathname.slice(1), [...chain, path]) + quote);
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  urls.set(path, url);
  return url;
}
try {
  await import(load(ENTRY));
} catch (e) {
  const box = Object.assign(document.createElement('div'), { className: 'message error', textContent: `The report could not be drawn: ${e.message}` });
  document.getElementById('messages').append(box);
  throw e;
}
"#;

/// The report page for the text of a run.json, or why the file is not a run.
pub fn render(run_json: &str) -> Result<String, String> {
    let run = RunFile::from_json(run_json)?;
    // The algorithm graph view draws an overlay (its node ids); one run overlays as itself.
    let overlay = run.algorithm_graph.as_ref().map(|g| crate::analysis::algorithms::overlay(std::slice::from_ref(g)));
    let mut html = String::with_capacity(run_json.len() + 300_000);
    html.push_str(HEAD);
    html.push_str("<style>\n");
    for css in STYLES {
        html.push_str(&raw_text(css));
        html.push('\n');
    }
    html.push_str("</style>\n</head>\n");
    html.push_str(BODY);
    // The run as this build writes it (an older version migrated): the page reads no format.
    html.push_str("<script id=\"run\" type=\"application/json\">");
    html.push_str(&json_text(&serde_json::to_string(&run).expect("serialisable")));
    html.push_str("</script>\n");
    if let Some(o) = overlay {
        html.push_str("<script id=\"overlay\" type=\"application/json\">");
        html.push_str(&json_text(&serde_json::to_string(&o).expect("serialisable")));
        html.push_str("</script>\n");
    }
    html.push_str("<!--\nuPlot, embedded below as vendor/uPlot.esm.js:\n\n");
    html.push_str(&UPLOT_LICENSE.replace("--", "- -"));
    html.push_str("\nd3-force, d3-dispatch, d3-quadtree and d3-timer, embedded below as vendor/d3/d3-force.esm.js:\n\n");
    html.push_str(&D3_LICENSE.replace("--", "- -"));
    html.push_str("-->\n");
    for (path, source) in MODULES {
        html.push_str(&format!("<script type=\"text/x-groklab-module\" data-path=\"{path}\">\n"));
        html.push_str(&raw_text(&strip_comment_lines(source)));
        html.push_str("</script>\n");
    }
    html.push_str("<script type=\"module\">\nconst ENTRY = '");
    html.push_str(ENTRY);
    html.push_str("';");
    html.push_str(LOADER);
    html.push_str("</script>\n</body>\n</html>\n");
    Ok(html)
}

/// Everything before the styles. The icon is inline so the browser asks for no favicon file.
const HEAD: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Groklab report</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%232563eb'/%3E%3C/svg%3E">
"#;

/// The page's elements, with the ids the playground's views and status line look for.
const BODY: &str = r#"<body>
<header>
  <h1>Groklab</h1>
  <p class="tagline">report of one run</p>
</header>
<div id="messages" role="status" aria-live="polite"></div>
<noscript><p class="message error">This report draws its charts with JavaScript; please allow it for this file.</p></noscript>
<main class="report">
  <section class="views">
    <dl id="run-facts" class="run-facts" aria-label="What was trained"></dl>
    <div class="statusbar">
      <span id="phase" class="phase" data-phase="">–</span>
      <span id="status"></span>
    </div>
    <div class="chart-tools">
      <label><input type="checkbox" id="log-x" checked> log steps</label>
    </div>
    <div id="loss-chart" class="chart" role="img" aria-label="Train and test loss over training steps" aria-describedby="latest"></div>
    <div id="acc-chart" class="chart" role="img" aria-label="Train and test accuracy over training steps" aria-describedby="latest"></div>
    <p id="latest" class="latest">No record.</p>
    <section id="inside" class="inside" aria-label="Inside the network">
      <h2>Inside the network</h2>
      <div class="scrubber"></div>
      <div class="inside-grid"></div>
    </section>
  </section>
</main>
"#;

/// Text safe inside a `<script>` or `<style>` element: `</` cannot end it early. `<\/` means
/// `</` wherever `</` can occur in JavaScript or CSS (strings, regular expressions, comments).
fn raw_text(text: &str) -> String {
    text.replace("</", "<\\/")
}

/// JSON safe inside `<script type="application/json">`: as [`raw_text`], and `<!--` (which,
/// followed by `<script`, would change how the browser finds the end) as `\u003c!--`. JSON
/// has `<` only inside strings, where both escapes read back as the same text.
fn json_text(json: &str) -> String {
    raw_text(json).replace("<!--", "\\u003c!--")
}

/// A module's source without its whole-line comments (`// …` lines and `/* … */` blocks that
/// start a line). uPlot's comments cite web pages, and the report is to name none; its licence
/// is carried separately. Code is kept byte for byte: a comment after code on the same line
/// stays. Correct because no embedded module has a string spanning lines (tested).
fn strip_comment_lines(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut in_block = false;
    for line in source.lines() {
        let trimmed = line.trim_start();
        if in_block {
            if let Some(end) = line.find("*/") {
                in_block = false;
                let rest = &line[end + 2..];
                if !rest.trim().is_empty() {
                    out.push_str(rest);
                    out.push('\n');
                }
            }
            continue;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        if let Some(body) = trimmed.strip_prefix("/*") {
            match body.find("*/") {
                None => {
                    in_block = true;
                    continue;
                }
                Some(end) if body[end + 2..].trim().is_empty() => continue,
                Some(_) => {} // code follows the comment on this line: keep the line
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relative import specifiers of a module (`from './x.js'`, `import '../y.js'`), as the
    /// loader's pattern finds them.
    fn relative_imports(source: &str) -> Vec<String> {
        let mut specs = Vec::new();
        for keyword in ["from", "import"] {
            for (at, _) in source.match_indices(keyword) {
                let before = source[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
                    continue;
                }
                let rest = source[at + keyword.len()..].trim_start();
                let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else { continue };
                let Some(len) = rest[1..].find(quote) else { continue };
                let spec = &rest[1..1 + len];
                if spec.starts_with("./") || spec.starts_with("../") {
                    specs.push(spec.to_string());
                }
            }
        }
        specs
    }

    /// `spec` resolved against the module at `path` (both relative to www/).
    fn resolve(path: &str, spec: &str) -> String {
        let mut parts: Vec<&str> = path.split('/').collect();
        parts.pop(); // the importing file's own name
        for segment in spec.split('/') {
            match segment {
                "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    }

    fn embedded(path: &str) -> bool {
        MODULES.iter().any(|(p, _)| *p == path)
    }

    fn quick_run() -> String {
        let config = crate::presets::find("quick-grok").unwrap().config;
        serde_json::json!({
            "version": crate::run::RUN_FILE_VERSION,
            "config": config,
            "history": [{"step": 1, "train_loss": 3.1, "test_loss": null, "train_acc": 0.1, "test_acc": 0.0, "weight_norm": 10.0, "grad_norms": []}],
            "layers": [],
            "summary": {"phase": "confusion", "phase_by_loss": "confusion", "train_step_90": null, "test_step_90": null,
                        "final_train_acc": 0.1, "final_test_acc": 0.0, "steps": 1, "status": "finished",
                        "wall_time_s": 0.1, "steps_per_s": 10.0, "backend": "cpu"},
        })
        .to_string()
    }

    #[test]
    fn every_relative_import_is_embedded() {
        let mut checked = 0;
        for (path, source) in MODULES {
            for spec in relative_imports(source) {
                let target = resolve(path, &spec);
                assert!(embedded(&target), "{path} imports {spec} ({target}), which MODULES does not embed");
                checked += 1;
            }
        }
        // inside.js alone imports six modules: the parser must find them.
        assert!(checked >= 15, "only {checked} imports found: the parser is broken");
        assert!(embedded(ENTRY));
    }

    #[test]
    fn the_import_parser_and_resolver_find_what_the_loader_rewrites() {
        let specs = relative_imports("import uPlot from '../../vendor/uPlot.esm.js';\nimport { a } from \"./parts.js\";\nimport './side.js';\nArray.from('x'); import x from 'bare';");
        assert_eq!(specs, ["../../vendor/uPlot.esm.js", "./parts.js", "./side.js"]);
        assert_eq!(resolve("views/measures.js", "../../vendor/uPlot.esm.js"), "vendor/uPlot.esm.js");
        assert_eq!(resolve("views/measures.js", "../curves.js"), "curves.js");
        assert_eq!(resolve("views/inside.js", "./parts.js"), "views/parts.js");
        assert_eq!(resolve("curves.js", "../vendor/uPlot.esm.js"), "vendor/uPlot.esm.js");
    }

    #[test]
    fn embedded_modules_can_run_from_blob_urls_and_lose_only_comments() {
        for (path, source) in MODULES {
            // A Blob URL has no base a module could resolve its own files against.
            assert!(!source.contains("import.meta") && !source.contains("import("), "{path} resolves files at run time");
            assert!(!source.contains("<!--"), "{path}: `<!--` could change where its script element ends");
            // strip_comment_lines is line based: a template literal spanning lines could hold a
            // line that looks like a comment.
            for (n, line) in source.lines().enumerate() {
                assert_eq!(line.matches('`').count() % 2, 0, "{path}:{}: a template literal spans lines", n + 1);
            }
            let stripped = strip_comment_lines(source);
            let code = |s: &str| s.lines().filter(|l| !l.trim().is_empty()).count();
            assert!(code(&stripped) > 0 && code(&stripped) <= code(source), "{path}");
        }
        let src = "/**\n * see https://example.org\n */\nconst a = 1; // why\n  // https://x.org\nconst b = '//'; /* c */ const d = 2;\n/* e */ const f = 3;\n/* g\n h */ const i = 4;\n";
        assert_eq!(strip_comment_lines(src), "const a = 1; // why\nconst b = '//'; /* c */ const d = 2;\n/* e */ const f = 3;\n const i = 4;\n");
    }

    #[test]
    fn a_report_holds_the_run_every_module_and_no_web_address() {
        let html = render(&quick_run()).unwrap();
        assert!(html.contains(r#"<script id="run" type="application/json">{"#));
        assert!(html.contains(r#""phase_by_loss":"confusion""#), "the run is embedded");
        for (path, _) in MODULES {
            assert_eq!(html.matches(&format!("data-path=\"{path}\"")).count(), 1, "{path}");
        }
        assert!(html.contains("Permission is hereby granted"), "uPlot's licence travels with it");
        assert!(html.contains(".uplot") && html.contains(".inside-grid"), "both stylesheets are inlined");
        let mut rest = html.as_str();
        while let Some(at) = rest.find("://") {
            let before = &rest[..at];
            let scheme_start = before.rfind(|c: char| !c.is_ascii_alphanumeric()).map_or(0, |i| i + 1);
            let url = &rest[scheme_start..(at + 40).min(rest.len())];
            assert!(!url.starts_with("http") || url.starts_with("http://www.w3.org/2000/svg"), "a web address: {url}");
            rest = &rest[at + 3..];
        }
    }

    #[test]
    fn a_string_in_the_run_cannot_close_its_script_element() {
        let run = quick_run().replace(r#""backend":"cpu""#, r#""backend":"</script><script>alert(1)</script><!--<script>""#);
        let html = render(&run).unwrap();
        let body = &html[html.find(r#"<script id="run""#).unwrap()..];
        let end = body.find("</script>").unwrap();
        let embedded = &body[body.find('>').unwrap() + 1..end];
        assert!(!embedded.contains("</") && !embedded.contains("<!--"));
        let back: serde_json::Value = serde_json::from_str(embedded).expect("still JSON");
        assert_eq!(back["summary"]["backend"], "</script><script>alert(1)</script><!--<script>");
    }

    #[test]
    fn a_file_that_is_not_a_run_is_refused_by_name() {
        assert!(render("{").unwrap_err().contains("not a Groklab run file"));
        let no_history = quick_run().replace(r#""history""#, r#""histories""#);
        assert!(render(&no_history).unwrap_err().contains("history"));
        let future = quick_run().replace(r#""version":2"#, r#""version":99"#);
        assert!(render(&future).unwrap_err().contains("newer"));
    }

    #[test]
    fn a_version_1_run_is_embedded_as_this_build_writes_it() {
        let mut v: serde_json::Value = serde_json::from_str(&quick_run()).unwrap();
        v.as_object_mut().unwrap().remove("version"); // version 1 had none
        let old = v.to_string();
        let html = render(&old).unwrap();
        let body = &html[html.find(r#"<script id="run""#).unwrap()..];
        let embedded = &body[body.find('>').unwrap() + 1..body.find("</script>").unwrap()];
        let back: serde_json::Value = serde_json::from_str(embedded).unwrap();
        assert_eq!(back["version"], crate::run::RUN_FILE_VERSION, "migrated to the current version");
        assert_eq!(back["history"], v["history"], "the records as they were (a null loss stays null)");
    }
}
