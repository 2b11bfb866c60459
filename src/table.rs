//! A task its user defines by a table (issue 23, `task.kind = table`): a CSV of `a,b,c` rows,
//! or a grid whose first line names the columns b (its first cell empty) and whose other lines
//! each start with a row's a. Tokens are any text: numbers or names (a group's elements). A
//! pair that is not in the table (an empty cell, a row not written) is simply not in the data
//! set. Read by the csv crate; every error names its line. Pure: no burn, no I/O.
//!
//! A table rides in a link as `~z:` and the deflated text in base64url ([`link_value`]) when it
//! has at most [`LINK_OPERANDS`] operands; a larger one stays in the page and in run.json.

use base64::Engine;
use std::collections::HashMap;

/// The most operands (distinct a and b tokens) a table may have: the same bound as p.
pub const MAX_OPERANDS: usize = crate::config::MAX_P as usize;

/// The most operands a table may have and still ride in a link (97 × 97 pairs).
pub const LINK_OPERANDS: usize = 97;

/// How a link's `task.table` value says it is a deflated table and not the text itself.
pub const LINK_PREFIX: &str = "~z:";

/// A table read from its text: the operands and answers by name, and every pair it defines.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The operand tokens (a and b), in order: numerically when every token is a number, else
    /// as they first appear in the text. Token i is the network's input i.
    pub operands: Vec<String>,
    /// The answer tokens (c), in the same order; class k is `classes[k]`.
    pub classes: Vec<String>,
    /// (a, b, class) for every pair the table defines, a then b ascending.
    pub pairs: Vec<(u32, u32, u32)>,
}

impl Table {
    /// When the operands are exactly 0…n−1 and so are the answers, n: the table is an
    /// operation on Z_n, and the Fourier views read it as they read modular arithmetic.
    pub fn residue_modulus(&self) -> Option<usize> {
        let counts = |tokens: &[String]| tokens.iter().enumerate().all(|(i, t)| t.parse::<usize>() == Ok(i));
        (self.operands.len() == self.classes.len() && counts(&self.operands) && counts(&self.classes)).then_some(self.operands.len())
    }
}

/// A record of the text: its line (from 1) and its fields, trimmed.
struct Line {
    number: u64,
    fields: Vec<String>,
}

/// Read the text's records: comma-separated, or tab-separated when the first line has a tab
/// and no comma (a spreadsheet's copy); `#` starts a comment line; blank lines are skipped.
fn records(text: &str) -> Result<Vec<Line>, String> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // The csv crate counts records' lines without the comments and blank lines, and a record's
    // offset is where the reader started, before the comments and blank lines it skipped:
    // number the lines as an editor does, from that offset past the skipped ones.
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let line_at = |byte: u64| {
        let mut line = starts.partition_point(|&s| s <= byte as usize).max(1);
        while line < starts.len() && {
            let l = text[starts[line - 1]..starts[line]].trim();
            l.is_empty() || l.starts_with('#')
        } {
            line += 1;
        }
        line as u64
    };
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(at) => format!("line {}: {}", line_at(at.byte()), csv_message(&e)),
            None => csv_message(&e),
        })?;
        let number = record.position().map_or(0, |p| line_at(p.byte()));
        lines.push(Line { number, fields: record.iter().map(str::to_string).collect() });
    }
    Ok(lines)
}

/// The csv crate's error without its position (the caller puts the line first).
fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not text (UTF-8)".to_string(),
        _ => e.to_string(),
    }
}

/// Parse a table's text; the error names the line (or both lines, for a pair given two answers).
pub fn parse(text: &str) -> Result<Table, String> {
    let lines = records(text)?;
    let Some(head) = lines.first() else {
        return Err("the table is empty: write rows a,b,c (e.g. 0,1,1), or a grid whose first line is ,b1,b2,…".to_string());
    };
    // (a, b, c, line) as written.
    let mut rows: Vec<(&str, &str, &str, u64)> = Vec::new();
    if head.fields[0].is_empty() {
        // A grid: the first line names the columns.
        let columns = &head.fields[1..];
        if columns.is_empty() {
            return Err(format!("line {}: a grid's first line names its columns b after an empty cell (,b1,b2,…)", head.number));
        }
        for (i, b) in columns.iter().enumerate() {
            if b.is_empty() {
                return Err(format!("line {}: column {} has no name", head.number, i + 2));
            }
            if columns[..i].contains(b) {
                return Err(format!("line {}: the column b = {b} appears twice", head.number));
            }
        }
        let mut seen: HashMap<&str, u64> = HashMap::new();
        for line in &lines[1..] {
            let a = line.fields[0].as_str();
            if a.is_empty() {
                return Err(format!("line {}: a grid's row starts with its a, and this one starts with an empty cell", line.number));
            }
            if let Some(first) = seen.insert(a, line.number) {
                return Err(format!("lines {first} and {}: the row a = {a} appears twice", line.number));
            }
            let cells = &line.fields[1..];
            if cells.len() > columns.len() {
                return Err(format!("line {}: {} cells after a = {a}, but line {} names {} columns", line.number, cells.len(), head.number, columns.len()));
            }
            for (b, c) in columns.iter().zip(cells) {
                if !c.is_empty() {
                    rows.push((a, b, c, line.number));
                }
            }
        }
    } else {
        for line in &lines {
            match line.fields.as_slice() {
                [a, b, c] if !a.is_empty() && !b.is_empty() && !c.is_empty() => rows.push((a, b, c, line.number)),
                [_, _, _] => return Err(format!("line {}: an empty token; a row is a,b,c with all three written", line.number)),
                fields => {
                    return Err(format!(
                        "line {}: {} field{} (`{}`); a row is a,b,c (a grid starts its first line with a comma)",
                        line.number,
                        fields.len(),
                        if fields.len() == 1 { "" } else { "s" },
                        fields.join(",")
                    ))
                }
            }
        }
    }
    // A pair given two answers is an error naming both lines; given the same answer twice, one pair.
    let mut answer: HashMap<(&str, &str), (&str, u64)> = HashMap::new();
    let mut unique = Vec::with_capacity(rows.len());
    for (a, b, c, line) in rows {
        match answer.get(&(a, b)) {
            Some(&(first, at)) if first != c => return Err(format!("lines {at} and {line}: a = {a}, b = {b} has two answers, {first} and {c}")),
            Some(_) => {}
            None => {
                answer.insert((a, b), (c, line));
                unique.push((a, b, c, line));
            }
        }
    }
    let rows = unique;
    if rows.len() < 2 {
        return Err(format!("the table defines {} pair{}: a task needs at least 2", rows.len(), if rows.len() == 1 { "" } else { "s" }));
    }
    // One order for every token, as they first appear; then operands, and answers, that are
    // all numbers are sorted as numbers.
    let mut order: Vec<&str> = Vec::new();
    let mut place: HashMap<&str, usize> = HashMap::new();
    let head_tokens = if head.fields[0].is_empty() { head.fields[1..].iter().map(String::as_str).collect() } else { Vec::new() };
    for t in head_tokens.into_iter().chain(rows.iter().flat_map(|&(a, b, c, _)| [a, b, c])) {
        if !place.contains_key(t) {
            place.insert(t, order.len());
            order.push(t);
        }
    }
    let is_operand: std::collections::HashSet<&str> = rows.iter().flat_map(|&(a, b, _, _)| [a, b]).collect();
    let is_class: std::collections::HashSet<&str> = rows.iter().map(|&(_, _, c, _)| c).collect();
    let ordered = |kept: &std::collections::HashSet<&str>| {
        let mut tokens: Vec<String> = order.iter().filter(|t| kept.contains(*t)).map(|t| t.to_string()).collect();
        if tokens.iter().all(|t| t.parse::<i64>().is_ok()) {
            tokens.sort_by_key(|t| t.parse::<i64>().unwrap_or(0));
        }
        tokens
    };
    let (operands, classes) = (ordered(&is_operand), ordered(&is_class));
    if operands.len() > MAX_OPERANDS {
        return Err(format!("{} operands (distinct a and b): at most {MAX_OPERANDS}, the memory a run may take", operands.len()));
    }
    if classes.len() > crate::formula::MAX_CLASSES {
        return Err(format!("{} answers (distinct c): at most {}, one class each", classes.len(), crate::formula::MAX_CLASSES));
    }
    if classes.len() < 2 {
        return Err(format!("every pair has the answer {}: there is nothing to learn", classes[0]));
    }
    let index = |tokens: &[String]| tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect::<HashMap<String, u32>>();
    let (op, class) = (index(&operands), index(&classes));
    let mut pairs: Vec<(u32, u32, u32)> = rows.iter().map(|&(a, b, c, _)| (op[a], op[b], class[c])).collect();
    pairs.sort_unstable();
    Ok(Table { operands, classes, pairs })
}

/// A table's text as a link carries it (`~z:` + base64url of the deflated text), or None when
/// it has more than [`LINK_OPERANDS`] operands or does not parse.
pub fn link_value(text: &str) -> Option<String> {
    let table = parse(text).ok()?;
    (table.operands.len() <= LINK_OPERANDS).then(|| {
        let packed = miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9);
        format!("{LINK_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
    })
}

/// A link's `task.table` value as the table's text: a `~z:` value unpacked, any other taken as
/// the text itself (a hand-written link).
pub fn from_link(value: &str) -> Result<String, String> {
    let Some(packed) = value.strip_prefix(LINK_PREFIX) else {
        return Ok(value.to_string());
    };
    let broken = |why: &str| format!("the link's table is damaged ({why}): was the link cut short?");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(packed.trim_end_matches('=')).map_err(|_| broken("not base64url"))?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, 64 << 20).map_err(|_| broken("it does not inflate"))?;
    String::from_utf8(text).map_err(|_| broken("not text"))
}

/// Composition in the dihedral group D₅ as a grid: e and the rotations r…r4, the reflections
/// s, sr…sr4; the row is the left factor (`task.kind = table` starts from it).
pub const DIHEDRAL_D5_GRID: &str = ",e,r,r2,r3,r4,s,sr,sr2,sr3,sr4
e,e,r,r2,r3,r4,s,sr,sr2,sr3,sr4
r,r,r2,r3,r4,e,sr4,s,sr,sr2,sr3
r2,r2,r3,r4,e,r,sr3,sr4,s,sr,sr2
r3,r3,r4,e,r,r2,sr2,sr3,sr4,s,sr
r4,r4,e,r,r2,r3,sr,sr2,sr3,sr4,s
s,s,sr,sr2,sr3,sr4,e,r,r2,r3,r4
sr,sr,sr2,sr3,sr4,s,r4,e,r,r2,r3
sr2,sr2,sr3,sr4,s,sr,r3,r4,e,r,r2
sr3,sr3,sr4,s,sr,sr2,r2,r3,r4,e,r
sr4,sr4,s,sr,sr2,sr3,r,r2,r3,r4,e
";

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).expect_err(text)
    }

    #[test]
    fn rows_and_grids_read_the_same_table() {
        let rows = parse("# x plus y, mod 3, one pair missing\n0,0,0\n0,1,1\n0,2,2\n1,0,1\n1,1,2\n1,2,0\n\n2,0,2\n2,1,0\n").unwrap();
        let grid = parse(",0,1,2\n0,0,1,2\n1,1,2,0\n2,2,0,\n").unwrap();
        assert_eq!(rows, grid);
        assert_eq!(rows.operands, ["0", "1", "2"]);
        assert_eq!(rows.pairs.len(), 8, "(2, 2) is not written, so it is not in the data");
        assert_eq!(rows.pairs[5], (1, 2, 0));
        assert_eq!(rows.residue_modulus(), Some(3));
        // Tab-separated (a spreadsheet's copy), quotes and spaces read too.
        assert_eq!(parse("\t0\t1\t2\n0\t0\t1\t2\n1\t1\t2\t0\n2\t2\t0\t\n").unwrap(), grid);
        assert_eq!(parse(" 0 , 0 , 0\n\"0\",1,1\n").unwrap().pairs, [(0, 0, 0), (0, 1, 1)]);
    }

    #[test]
    fn tokens_are_names_or_numbers() {
        let d5 = parse(DIHEDRAL_D5_GRID).unwrap();
        assert_eq!(d5.operands, ["e", "r", "r2", "r3", "r4", "s", "sr", "sr2", "sr3", "sr4"]);
        assert_eq!(d5.classes, d5.operands, "the answers are the elements, in the same order");
        assert_eq!(d5.pairs.len(), 100);
        assert_eq!(d5.residue_modulus(), None);
        // r·s = s·r⁴: row r, column s.
        assert_eq!(d5.pairs[10 + 5], (1, 5, 9));
        // Numbers sort as numbers (10 after 9), not as text; answers get their own order.
        let t = parse("10,9,x\n9,10,y\n2,2,x\n").unwrap();
        assert_eq!((t.operands.clone(), t.classes.clone()), (vec!["2".to_string(), "9".into(), "10".into()], vec!["x".to_string(), "y".into()]));
        assert_eq!(t.pairs, [(0, 0, 0), (1, 2, 1), (2, 1, 0)]);
        let t = parse("10,9,1\n9,10,2\n").unwrap();
        assert_eq!((t.operands, t.classes), (vec!["9".to_string(), "10".into()], vec!["1".to_string(), "2".into()]));
    }

    #[test]
    fn every_malformed_table_is_refused_by_its_line() {
        assert!(err("").contains("the table is empty"));
        assert!(err("# only a comment\n\n").contains("the table is empty"));
        assert_eq!(err("0,0,0\n0,1\n1,1,0\n"), "line 2: 2 fields (`0,1`); a row is a,b,c (a grid starts its first line with a comma)");
        assert!(err("0,0,0\n1,1,0,7\n").starts_with("line 2: 4 fields"));
        assert_eq!(err("0,0,0\n1,,1\n"), "line 2: an empty token; a row is a,b,c with all three written");
        assert_eq!(err("x,y,1\n\n# again\nx,y,2\n"), "lines 1 and 4: a = x, b = y has two answers, 1 and 2");
        assert_eq!(parse("x,y,1\nx,y,1\ny,x,2\n").unwrap().pairs.len(), 2, "the same answer twice is one pair");
        assert_eq!(err("0,0,1\n0,1,1\n"), "every pair has the answer 1: there is nothing to learn");
        assert_eq!(err("0,0,1\n"), "the table defines 1 pair: a task needs at least 2");
        // Grids.
        assert!(err(",\n0,1\n").starts_with("line 1: column 2 has no name"));
        assert_eq!(err(",a,b,a\n"), "line 1: the column b = a appears twice");
        assert_eq!(err(",a,b\na,a,b\nb,b,a\na,b,a\n"), "lines 2 and 4: the row a = a appears twice");
        assert_eq!(err(",a,b\na,a,b,b\n"), "line 2: 3 cells after a = a, but line 1 names 2 columns");
        assert!(err(",a,b\n,a,b\n").starts_with("line 2: a grid's row starts with its a"));
        // A quote left open, and bytes that are not text.
        assert!(err("0,0,0\n1,\"1,0\n").starts_with("line 2"), "{}", err("0,0,0\n1,\"1,0\n"));
        assert!(parse(std::str::from_utf8(b"0,0,0\n1,1,1\n").unwrap()).is_ok());
        // Too many tokens for the memory a run may take, or for one class each.
        let wide: String = (0..=MAX_OPERANDS).map(|i| format!("{i},0,{}\n", i % 2)).collect();
        assert!(err(&wide).contains(&format!("{} operands (distinct a and b): at most {MAX_OPERANDS}", MAX_OPERANDS + 1)));
        let many: String = (0..=crate::formula::MAX_CLASSES).map(|i| format!("{},{},{i}\n", i / 50, i % 50)).collect();
        assert!(err(&many).contains("2049 answers (distinct c): at most 2048"));
    }

    #[test]
    fn a_table_rides_in_a_link_and_back() {
        let packed = link_value(DIHEDRAL_D5_GRID).unwrap();
        assert!(packed.starts_with(LINK_PREFIX));
        assert!(packed.chars().skip(3).all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "base64url needs no escaping in a link");
        assert_eq!(from_link(&packed).unwrap(), DIHEDRAL_D5_GRID);
        // A 97 × 97 table rides compactly; 98 operands do not ride at all.
        let grid = |n: usize| {
            let mut s: String = (0..n).map(|b| format!(",{b}")).collect();
            for a in 0..n {
                s += &format!("\n{a}");
                s += &(0..n).map(|b| format!(",{}", (a * a + 3 * b + a * b) % 97)).collect::<String>();
            }
            s
        };
        let big = link_value(&grid(97)).unwrap();
        // (14.0 kB for the 27.7 kB of this one's text: its answers are hardly repetitive.)
        assert!(big.len() < 16_000, "{} characters for {}", big.len(), grid(97).len());
        assert_eq!(from_link(&big).unwrap(), grid(97));
        assert_eq!(link_value(&grid(98)), None);
        // Text as itself (a hand-written link), and a packed table cut short.
        assert_eq!(from_link("0,0,0\n0,1,1").unwrap(), "0,0,0\n0,1,1");
        assert!(from_link(&packed[..packed.len() - 9]).unwrap_err().contains("the link's table is damaged"));
    }
}
