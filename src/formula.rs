//! A task its user defines by a formula over a and b (issue 23, `task.kind = formula`):
//! integer arithmetic, parsed by pest from the grammar in `formula.pest`, so a formula that
//! does not parse gets pest's message, with the line and a caret under the character where it
//! stopped. Pure: no burn, no I/O.
//!
//! Operators, loosest first (Python's order): `||`; `&&`; `==` `!=` `<` `<=` `>` `>=` (1 or 0);
//! `|`; `^` (xor); `&`; `+` `-`; `*` `/` `//` `%` (`/` and `//` both floor, `%` takes the
//! divisor's sign, as Python's); unary `-` and `!`; `**` (power, right to left). Functions:
//! `min`, `max` (any number of arguments), `gcd`, `abs`, `if(c, x, y)`. Names: `a` and `b`,
//! the operands, and `p`: they run over 0…p−1 (so `(a + b) % p` is modular addition).

use pest::error::{Error, ErrorVariant};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "formula.pest"]
struct Grammar;

/// A parsed formula, ready to evaluate at any (a, b).
#[derive(Clone, Debug, PartialEq)]
pub enum Formula {
    /// A whole number.
    Number(i64),
    /// `a`, `b` or `p`.
    Name(Name),
    /// A unary operator.
    Unary(Unary, Box<Formula>),
    /// A binary operator.
    Binary(Binary, Box<Formula>, Box<Formula>),
    /// A function call.
    Call(Function, Vec<Formula>),
}

/// The names a formula can use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Name {
    /// The first operand.
    A,
    /// The second operand.
    B,
    /// The operands' range, 0…p−1.
    P,
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unary {
    /// −x.
    Neg,
    /// 1 when x is 0, else 0.
    Not,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Binary {
    /// `||`: 1 when either is not 0.
    Or,
    /// `&&`: 1 when both are not 0.
    And,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `|`, bitwise.
    BitOr,
    /// `^`, bitwise exclusive or.
    Xor,
    /// `&`, bitwise.
    BitAnd,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*` or `×`.
    Mul,
    /// `/`, `//` or `÷`: floor division.
    Div,
    /// `%`: the remainder with the divisor's sign.
    Rem,
    /// `**`.
    Pow,
}

/// Functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Function {
    /// The least argument.
    Min,
    /// The greatest argument.
    Max,
    /// The greatest common divisor of two (gcd(0, 0) = 0).
    Gcd,
    /// |x|.
    Abs,
    /// `if(c, x, y)`: x when c is not 0, else y.
    If,
}

/// What went wrong evaluating a formula at one pair.
#[derive(Clone, Debug, PartialEq)]
pub enum EvalError {
    /// x / 0 or x % 0.
    DivisionByZero,
    /// A result beyond ±2⁶³.
    Overflow,
    /// x ** y with y < 0.
    NegativePower,
}

impl std::fmt::Display for EvalError {
    /// What the formula does at the pair, as the end of a sentence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EvalError::DivisionByZero => "divides by zero",
            EvalError::Overflow => "overflows 64-bit integers",
            EvalError::NegativePower => "raises to a negative power",
        })
    }
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::infix(Rule::eq, Assoc::Left) | Op::infix(Rule::ne, Assoc::Left) | Op::infix(Rule::lt, Assoc::Left) | Op::infix(Rule::le, Assoc::Left) | Op::infix(Rule::gt, Assoc::Left) | Op::infix(Rule::ge, Assoc::Left))
            .op(Op::infix(Rule::bor, Assoc::Left))
            .op(Op::infix(Rule::xor, Assoc::Left))
            .op(Op::infix(Rule::band, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left) | Op::infix(Rule::floordiv, Assoc::Left) | Op::infix(Rule::rem, Assoc::Left))
            .op(Op::prefix(Rule::neg) | Op::prefix(Rule::not))
            .op(Op::infix(Rule::pow, Assoc::Right))
    })
}

impl Formula {
    /// Parse `text`. The error is pest's: a few lines with a caret under the character where
    /// the formula stopped making sense.
    pub fn parse(text: &str) -> Result<Formula, String> {
        let mut pairs = Grammar::parse(Rule::formula, text).map_err(|e| e.renamed_rules(rule_name).to_string())?;
        let expr = pairs.next().and_then(|f| f.into_inner().next()).ok_or("an empty formula")?;
        build(expr.into_inner()).map_err(|e| e.to_string())
    }

    /// The value at (a, b) when the operands run over 0…p−1.
    pub fn eval(&self, a: i64, b: i64, p: i64) -> Result<i64, EvalError> {
        use EvalError::*;
        Ok(match self {
            Formula::Number(x) => *x,
            Formula::Name(name) => match name {
                Name::A => a,
                Name::B => b,
                Name::P => p,
            },
            Formula::Unary(op, x) => {
                let x = x.eval(a, b, p)?;
                match op {
                    Unary::Neg => x.checked_neg().ok_or(Overflow)?,
                    Unary::Not => i64::from(x == 0),
                }
            }
            Formula::Binary(op, x, y) => {
                let (x, y) = (x.eval(a, b, p)?, y.eval(a, b, p)?);
                match op {
                    Binary::Or => i64::from(x != 0 || y != 0),
                    Binary::And => i64::from(x != 0 && y != 0),
                    Binary::Eq => i64::from(x == y),
                    Binary::Ne => i64::from(x != y),
                    Binary::Lt => i64::from(x < y),
                    Binary::Le => i64::from(x <= y),
                    Binary::Gt => i64::from(x > y),
                    Binary::Ge => i64::from(x >= y),
                    Binary::BitOr => x | y,
                    Binary::Xor => x ^ y,
                    Binary::BitAnd => x & y,
                    Binary::Add => x.checked_add(y).ok_or(Overflow)?,
                    Binary::Sub => x.checked_sub(y).ok_or(Overflow)?,
                    Binary::Mul => x.checked_mul(y).ok_or(Overflow)?,
                    Binary::Div => floor_div(x, y)?,
                    Binary::Rem => floor_rem(x, y)?,
                    Binary::Pow => {
                        let e = u32::try_from(y).map_err(|_| if y < 0 { NegativePower } else { Overflow })?;
                        x.checked_pow(e).ok_or(Overflow)?
                    }
                }
            }
            Formula::Call(f, args) => {
                let v = args.iter().map(|x| x.eval(a, b, p)).collect::<Result<Vec<i64>, EvalError>>()?;
                match f {
                    Function::Min => *v.iter().min().expect("arity checked"),
                    Function::Max => *v.iter().max().expect("arity checked"),
                    Function::Abs => v[0].checked_abs().ok_or(Overflow)?,
                    Function::Gcd => gcd(v[0], v[1])?,
                    Function::If => if v[0] != 0 { v[1] } else { v[2] },
                }
            }
        })
    }
}

/// ⌊x / y⌋, as Python's `//`.
fn floor_div(x: i64, y: i64) -> Result<i64, EvalError> {
    if y == 0 {
        return Err(EvalError::DivisionByZero);
    }
    let q = x.checked_div(y).ok_or(EvalError::Overflow)?;
    Ok(if (x % y != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q })
}

/// x − y·⌊x / y⌋: the remainder with the divisor's sign, as Python's `%` (so (−1) % 5 = 4).
fn floor_rem(x: i64, y: i64) -> Result<i64, EvalError> {
    if y == 0 {
        return Err(EvalError::DivisionByZero);
    }
    let r = x.checked_rem(y).unwrap_or(0);
    Ok(if r != 0 && ((r < 0) != (y < 0)) { r + y } else { r })
}

fn gcd(x: i64, y: i64) -> Result<i64, EvalError> {
    let (mut x, mut y) = (x.unsigned_abs(), y.unsigned_abs());
    while y != 0 {
        (x, y) = (y, x % y);
    }
    i64::try_from(x).map_err(|_| EvalError::Overflow)
}

/// How pest's messages name the rules (the characters, not the rules' names).
fn rule_name(rule: &Rule) -> String {
    match rule {
        Rule::EOI => "the end",
        Rule::expr | Rule::primary => "a number, a name or '('",
        Rule::number => "a number",
        Rule::name => "a name",
        Rule::call => "a function",
        Rule::or => "'||'",
        Rule::and => "'&&'",
        Rule::eq => "'=='",
        Rule::ne => "'!='",
        Rule::le => "'<='",
        Rule::ge => "'>='",
        Rule::lt => "'<'",
        Rule::gt => "'>'",
        Rule::bor => "'|'",
        Rule::xor => "'^'",
        Rule::band => "'&'",
        Rule::add => "'+'",
        Rule::sub => "'-'",
        Rule::pow => "'**'",
        Rule::mul => "'*'",
        Rule::floordiv => "'//'",
        Rule::div => "'/'",
        Rule::rem => "'%'",
        Rule::neg => "'-'",
        Rule::not => "'!'",
        _ => "something else",
    }
    .to_string()
}

fn custom(pair: &Pair<Rule>, message: String) -> Error<Rule> {
    Error::new_from_span(ErrorVariant::CustomError { message }, pair.as_span())
}

/// The tree of an `expr`'s pairs, by precedence.
fn build(pairs: Pairs<Rule>) -> Result<Formula, Error<Rule>> {
    pratt()
        .map_primary(primary_of)
        .map_prefix(|op, x| {
            let op = if op.as_rule() == Rule::neg { Unary::Neg } else { Unary::Not };
            Ok(Formula::Unary(op, Box::new(x?)))
        })
        .map_infix(|x, op, y| {
            let op = match op.as_rule() {
                Rule::or => Binary::Or,
                Rule::and => Binary::And,
                Rule::eq => Binary::Eq,
                Rule::ne => Binary::Ne,
                Rule::lt => Binary::Lt,
                Rule::le => Binary::Le,
                Rule::gt => Binary::Gt,
                Rule::ge => Binary::Ge,
                Rule::bor => Binary::BitOr,
                Rule::xor => Binary::Xor,
                Rule::band => Binary::BitAnd,
                Rule::add => Binary::Add,
                Rule::sub => Binary::Sub,
                Rule::mul => Binary::Mul,
                Rule::div | Rule::floordiv => Binary::Div,
                Rule::rem => Binary::Rem,
                Rule::pow => Binary::Pow,
                r => unreachable!("the grammar's infix rules: {r:?}"),
            };
            Ok(Formula::Binary(op, Box::new(x?), Box::new(y?)))
        })
        .parse(pairs)
}

fn primary_of(pair: Pair<Rule>) -> Result<Formula, Error<Rule>> {
    match pair.as_rule() {
        Rule::expr => build(pair.into_inner()),
        Rule::number => pair.as_str().parse().map(Formula::Number).map_err(|_| custom(&pair, "this number is too large".into())),
        Rule::name => Ok(Formula::Name(match pair.as_str() {
            "a" => Name::A,
            "b" => Name::B,
            "p" => Name::P,
            other => return Err(custom(&pair, format!("unknown name {other:?}: a formula can use a, b and p"))),
        })),
        Rule::call => {
            let mut inner = pair.clone().into_inner();
            let name = inner.next().expect("a call starts with its name");
            let args = inner.map(|arg| build(arg.into_inner())).collect::<Result<Vec<_>, _>>()?;
            let (f, arity): (Function, &dyn Fn(usize) -> bool) = match name.as_str() {
                "min" => (Function::Min, &|k| k >= 1),
                "max" => (Function::Max, &|k| k >= 1),
                "gcd" => (Function::Gcd, &|k| k == 2),
                "abs" => (Function::Abs, &|k| k == 1),
                "if" => (Function::If, &|k| k == 3),
                other => return Err(custom(&name, format!("unknown function {other:?}: min, max, gcd, abs and if(c, x, y) are known"))),
            };
            if !arity(args.len()) {
                return Err(custom(&pair, format!("{} takes {} arguments, not {}", name.as_str(), match f {
                    Function::Min | Function::Max => "one or more",
                    Function::Gcd => "two",
                    Function::Abs => "one",
                    Function::If => "three (if(condition, then, else))",
                }, args.len())));
            }
            Ok(Formula::Call(f, args))
        }
        r => unreachable!("the grammar's primary rules: {r:?}"),
    }
}

/// The most answers a formula's table may have (one class each).
pub const MAX_CLASSES: usize = 2048;

/// A formula's table over (a, b) in 0…p−1 × 0…p−1, in that order (a outer, as the modular
/// task's pairs): each pair with its class, class k standing for the value `lowest + k`.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// (a, b, class).
    pub pairs: Vec<(u32, u32, u32)>,
    /// The value of class 0, the least the formula takes.
    pub lowest: i64,
    /// How many classes: the values run over lowest…lowest + classes − 1.
    pub classes: usize,
}

/// Parse `text` and evaluate it at every pair of 0…p−1; the error says what is wrong, with
/// the caret of a parse error or the first pair where evaluating fails.
pub fn table(text: &str, p: u32) -> Result<Table, String> {
    let formula = Formula::parse(text)?;
    let mut values = Vec::with_capacity((p * p) as usize);
    for a in 0..p as i64 {
        for b in 0..p as i64 {
            let v = formula.eval(a, b, p as i64).map_err(|e| format!("at a = {a}, b = {b} the formula {e}"))?;
            values.push((a as u32, b as u32, v));
        }
    }
    let lowest = values.iter().map(|v| v.2).min().unwrap_or(0);
    let highest = values.iter().map(|v| v.2).max().unwrap_or(0);
    let classes = highest.abs_diff(lowest).saturating_add(1);
    if classes < 2 {
        return Err(format!("the formula is {lowest} at every pair: there is nothing to learn"));
    }
    if classes > MAX_CLASSES as u64 {
        return Err(format!(
            "its values run from {lowest} to {highest}, {classes} answers (at most {MAX_CLASSES}, one class each): reduce them, e.g. with % p"
        ));
    }
    let pairs = values.into_iter().map(|(a, b, v)| (a, b, (v - lowest) as u32)).collect();
    Ok(Table { pairs, lowest, classes: classes as usize })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, a: i64, b: i64, p: i64) -> Result<i64, EvalError> {
        Formula::parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).eval(a, b, p)
    }

    #[test]
    fn arithmetic_follows_pythons_rules() {
        // Precedence: * before +, ** before unary minus, comparisons after arithmetic.
        assert_eq!(at("a + b * 2", 3, 4, 7), Ok(11));
        assert_eq!(at("-a ** 2", 3, 0, 7), Ok(-9));
        assert_eq!(at("2 ** 3 ** 2", 0, 0, 7), Ok(512), "** groups to the right");
        assert_eq!(at("a + 1 < b", 3, 5, 7), Ok(1));
        assert_eq!(at("a - b - 1", 9, 4, 7), Ok(4), "- groups to the left");
        // Floor division and the divisor's sign, as Python: -7 // 2 = -4, -1 % 5 = 4, 7 % -3 = -2.
        assert_eq!(at("(a - b) / 2", 0, 7, 7), Ok(-4));
        assert_eq!(at("(a - b) // 2", 0, 7, 7), Ok(-4));
        assert_eq!(at("(a - b) % p", 0, 1, 5), Ok(4));
        assert_eq!(at("a % -3", 7, 0, 5), Ok(-2));
        assert_eq!(at("a ^ b", 6, 3, 7), Ok(5), "^ is xor");
        assert_eq!(at("a & b | 8", 6, 3, 7), Ok(10));
        assert_eq!(at("max(a, b, 4) + min(a, b) + gcd(a, b) + abs(a - b)", 6, 9, 10), Ok(9 + 6 + 3 + 3));
        assert_eq!(at("if(a > b, a, b * 10)", 2, 3, 10), Ok(30));
        assert_eq!(at("!(a == b) && a != 0 || 0", 2, 3, 10), Ok(1));
        assert_eq!(at("(a*a + a*b) % p", 4, 5, 7), Ok(36 % 7));
        assert_eq!(at("a × b ÷ 2", 3, 5, 7), Ok(7));
    }

    #[test]
    fn failures_are_named() {
        assert_eq!(at("a / b", 1, 0, 5), Err(EvalError::DivisionByZero));
        assert_eq!(at("a % (b - 2)", 1, 2, 5), Err(EvalError::DivisionByZero));
        assert_eq!(at("a ** (b - 2)", 2, 0, 5), Err(EvalError::NegativePower));
        assert_eq!(at("a ** 70", 2, 0, 5), Err(EvalError::Overflow));
        // A table names the first pair that fails.
        assert_eq!(table("a / b", 3).unwrap_err(), "at a = 0, b = 0 the formula divides by zero");
        assert_eq!(table("a / (b - 1)", 3).unwrap_err(), "at a = 0, b = 1 the formula divides by zero");
        // A parse error points at the character: the caret sits under the second '*'.
        let e = Formula::parse("a + * b").unwrap_err();
        assert!(e.contains("1:5") && e.contains("a + * b") && e.contains("    ^"), "{e}");
        let e = Formula::parse("a + c").unwrap_err();
        assert!(e.contains("unknown name \"c\"") && e.contains("1:5"), "{e}");
        let e = Formula::parse("sqrt(a)").unwrap_err();
        assert!(e.contains("unknown function \"sqrt\""), "{e}");
        let e = Formula::parse("gcd(a)").unwrap_err();
        assert!(e.contains("gcd takes two arguments, not 1"), "{e}");
        assert!(Formula::parse("(a + b").is_err() && Formula::parse("").is_err() && Formula::parse("a b").is_err());
        assert!(table("a - a", 5).unwrap_err().contains("is 0 at every pair"));
        assert!(table("a * b * 1000", 5).unwrap_err().contains("answers (at most 2048"));
    }

    #[test]
    fn a_table_is_every_pair_in_the_modular_tasks_order() {
        let t = table("(b + a) % p", 5).unwrap();
        assert_eq!((t.lowest, t.classes, t.pairs.len()), (0, 5, 25));
        assert_eq!(t.pairs, crate::tasks::modular_pairs(5, crate::config::ModOp::Add));
        // Values below 0 shift the classes: a − b over 0…2 runs from −2 to 2.
        let t = table("a - b", 3).unwrap();
        assert_eq!((t.lowest, t.classes), (-2, 5));
        assert_eq!(t.pairs[2], (0, 2, 0));
        assert_eq!(t.pairs[6], (2, 0, 4));
    }
}
