//! A swept key and its values, in the CLI's syntax (`KEY=a..b:log:N`, `KEY=a..b:N`,
//! `KEY=v1,v2,…`), and how a value is written back.

use super::MAX_AXIS_VALUES;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One swept config key and the values it takes, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// A numeric leaf of the config, as `--set` names it, e.g. `optim.rest.weight_decay`.
    pub key: String,
    /// The values, in the order the grid shows them.
    pub values: Vec<f64>,
}

impl Axis {
    /// Parse `KEY=a..b:log:N` (N log-spaced values from a to b), `KEY=a..b:N` (N evenly
    /// spaced) or `KEY=v1,v2,…` (a list). The key is checked later, against the config.
    pub fn parse(spec: &str) -> Result<Axis, String> {
        let bad = |why: String| format!("--axis {spec}: {why}");
        let (key, range) = split(spec).map_err(bad)?;
        let number = |s: &str| -> Result<f64, String> {
            s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| bad(format!("{:?} is not a finite number", s.trim())))
        };
        let values = match range {
            Range::Span { from, to, log, count } => {
                let (a, b) = (number(from)?, number(to)?);
                let n: usize = count
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| (2..=MAX_AXIS_VALUES).contains(n))
                    .ok_or_else(|| bad(format!("N = {}: must be a whole number between 2 and {MAX_AXIS_VALUES}", count.trim())))?;
                if log && (a <= 0.0 || b <= 0.0) {
                    return Err(bad(format!("{a}..{b}: a log-spaced range must have both ends above 0 (use a list to include 0)")));
                }
                if a == b {
                    return Err(bad(format!("{a}..{b}: the range is empty (both ends equal)")));
                }
                (0..n)
                    .map(|i| {
                        let t = i as f64 / (n - 1) as f64;
                        round_sig(if log { a * (b / a).powf(t) } else { a + (b - a) * t })
                    })
                    .collect()
            }
            Range::List(list) => list.split(',').map(number).collect::<Result<Vec<f64>, String>>()?,
        };
        if values.len() > MAX_AXIS_VALUES {
            return Err(bad(format!("{} values: at most {MAX_AXIS_VALUES}", values.len())));
        }
        if let Some(i) = (1..values.len()).find(|&i| values[..i].contains(&values[i])) {
            return Err(bad(format!("{} appears twice", values[i])));
        }
        Ok(Axis { key: key.to_string(), values })
    }
}

/// The right side of an axis spec, as written.
enum Range<'a> {
    /// `from..to:N` or `from..to:log:N`.
    Span { from: &'a str, to: &'a str, log: bool, count: &'a str },
    /// `v1,v2,…`.
    List(&'a str),
}

/// An axis spec split into its key and range, or what is malformed about it: the one reader
/// of the syntax, for [`Axis::parse`] and [`RangeParts::of`].
fn split(spec: &str) -> Result<(&str, Range<'_>), String> {
    let (key, range) = spec.split_once('=').ok_or("expected KEY=a..b:log:N, KEY=a..b:N or KEY=v1,v2,…")?;
    let key = key.trim();
    if key.is_empty() {
        return Err("the key is empty (e.g. optim.rest.weight_decay)".into());
    }
    let Some((from, rest)) = range.split_once("..") else { return Ok((key, Range::List(range))) };
    let parts: Vec<&str> = rest.split(':').collect();
    let (to, log, count) = match parts.as_slice() {
        [to, count] => (*to, false, *count),
        [to, "log", count] => (*to, true, *count),
        _ => return Err(format!("{range:?}: expected a..b:N (linear) or a..b:log:N (log spaced)")),
    };
    Ok((key, Range::Span { from, to, log, count }))
}

/// A range spec's parts as written: what the page's sweep panel shows of a link's axis, and
/// what it hands back (the page never writes the syntax itself: [`AxisSpec`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RangeParts {
    /// The swept key.
    pub key: String,
    /// The first value, as written.
    pub from: String,
    /// The last value, as written.
    pub to: String,
    /// How many values, as written (a whole number when read by [`RangeParts::of`]; what the
    /// panel sends is checked when the spec is parsed, with [`Axis::parse`]'s message).
    pub count: String,
    /// Log spaced (`:log:`) rather than evenly.
    pub log: bool,
}

impl RangeParts {
    /// The parts of `spec` when it is a range spec with a whole count; `None` for a list or a
    /// malformed spec (the panel then shows its defaults, and planning says what is wrong).
    pub fn of(spec: &str) -> Option<RangeParts> {
        match split(spec).ok()? {
            (key, Range::Span { from, to, log, count }) => Some(RangeParts {
                key: key.to_string(),
                from: from.trim().to_string(),
                to: to.trim().to_string(),
                count: count.trim().parse::<usize>().ok().map(|_| count.trim().to_string())?,
                log,
            }),
            (_, Range::List(_)) => None,
        }
    }
}

impl fmt::Display for RangeParts {
    /// The spec the parts were read from: `KEY=from..to:N` or `KEY=from..to:log:N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log = if self.log { "log:" } else { "" };
        write!(f, "{}={}..{}:{log}{}", self.key, self.from, self.to, self.count)
    }
}

/// An axis as a caller gives it: a spec in the CLI's syntax (a link's `sweep.x`), or a range's
/// parts (the page's sweep panel).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum AxisSpec {
    /// `KEY=a..b:log:N`, `KEY=a..b:N` or `KEY=v1,v2,…`.
    Spec(String),
    /// A range's parts.
    Parts(RangeParts),
}

impl AxisSpec {
    /// The spec in the CLI's syntax.
    pub fn spec(&self) -> String {
        match self {
            AxisSpec::Spec(s) => s.clone(),
            AxisSpec::Parts(p) => p.to_string(),
        }
    }
}

/// Round to 12 significant digits, so 1e-3..1:log:4 gives 0.01, not 0.009999999999999998.
fn round_sig(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// A value as an override's text: whole numbers without a fraction (integer keys such as
/// `task.train_count` refuse `30.0`), others in Rust's shortest round-trip form.
pub fn value_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A value as a grid label: short (three significant digits).
pub fn value_label(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-2 || x.abs() >= 1e4) {
        let s = format!("{x:.2e}");
        let (mantissa, exponent) = s.split_once('e').expect("scientific notation has an e");
        format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'))
    } else if x == 0.0 {
        "0".to_string()
    } else {
        let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<String> = self.values.iter().map(|&v| value_label(v)).collect();
        write!(f, "{} = {}", self.key, values.join(", "))
    }
}
