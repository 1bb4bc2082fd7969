//! Recursive-descent parser for landscape expressions, with errors that point at the column.

use super::fold::{F32_MAX_TEXT, describe, fits_f32, fold};
use super::{Expr, Func};
use crate::error::{Error, did_you_mean};

/// Longest expression accepted, in characters.
pub const MAX_LEN: usize = 4096;
/// Deepest nesting accepted: parentheses, function calls, unary minus and `^` each add a level.
pub const MAX_DEPTH: usize = 200;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Op(char),
    End,
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    at: usize,
    params: &'a [String],
    depth: usize,
}

/// Whether a number the user typed is usable as is: zero or a normal f32 (`1e39` and
/// `1e-40` are not).
pub fn typed_fits_f32(v: f64) -> bool {
    v == 0.0 || (v as f32).is_normal()
}

/// The error for a typed number `s` at byte `col` of `text` that does not fit in f32.
pub fn typed_error(text: &str, col: usize, s: &str) -> Error {
    error_at(
        text,
        col,
        &format!("`{s}` does not fit in f32 (use 0 or a magnitude from 1.2e-38 to {F32_MAX_TEXT})"),
    )
}

/// An input error pointing at byte `col` of `text` with a caret.
pub(crate) fn error_at(text: &str, col: usize, message: &str) -> Error {
    let chars = text[..col.min(text.len())].chars().count();
    Error::input(
        "--landscape",
        format!("{message} at column {}\n    {text}\n    {}^", chars + 1, " ".repeat(chars)),
    )
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, Error> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    i = j;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s = &text[start..i];
            let v: f64 = s.parse().map_err(|_| error_at(text, start, &format!("`{s}` is not a number")))?;
            if !typed_fits_f32(v) {
                return Err(typed_error(text, start, s));
            }
            toks.push((Tok::Num(v), start));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            toks.push((Tok::Ident(text[start..i].to_string()), start));
        } else if "+-*/^(),".contains(c) {
            toks.push((Tok::Op(c), i));
            i += 1;
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            return Err(error_at(text, i, &format!("unexpected character `{ch}`")));
        }
    }
    toks.push((Tok::End, text.len()));
    Ok(toks)
}

/// Parses `text` into a tree; identifiers other than `x`, `y`, `pi`, `e` and functions must
/// be among `params`.
pub fn parse(text: &str, params: &[String]) -> Result<Expr, Error> {
    if text.trim().is_empty() {
        return Err(Error::input("--landscape", "the expression is empty; write e.g. expr:x^2 + 3*y^2"));
    }
    if text.chars().count() > MAX_LEN {
        return Err(Error::input(
            "--landscape",
            format!(
                "the expression has {} characters, more than the {MAX_LEN} allowed",
                text.chars().count()
            ),
        ));
    }
    let mut p = Parser { text, toks: lex(text)?, at: 0, params, depth: 0 };
    let e = p.sum()?;
    match p.peek() {
        Tok::End => Ok(e),
        Tok::Op(')') => Err(p.fail("unbalanced `)`: no `(` opens it")),
        _ => Err(p.fail("expected an operator (+ - * / ^) or the end")),
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.at].0
    }

    fn col(&self) -> usize {
        self.toks[self.at].1
    }

    fn fail(&self, message: &str) -> Error {
        error_at(self.text, self.col(), message)
    }

    fn eat(&mut self, op: char) -> bool {
        if *self.peek() == Tok::Op(op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn deeper(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.fail(&format!(
                "nested more than {MAX_DEPTH} levels deep (parentheses, function calls, unary minus and `^` each add a level)"
            )));
        }
        Ok(())
    }

    /// The text of bytes `start..end`, trimmed.
    fn span(&self, start: usize, end: usize) -> &str {
        self.text[start..end.min(self.text.len())].trim()
    }

    /// `e`, the folded sub-expression at bytes `start..end`, or an error with a caret under
    /// it when it folded to a constant that is not a finite f32 (`1/0`, `log(0)`, `2^1000`).
    fn checked(&self, e: Expr, start: usize, end: usize) -> Result<Expr, Error> {
        match e {
            Expr::Num(v) if !fits_f32(v) => Err(error_at(
                self.text,
                start,
                &format!(
                    "the constant `{}` is {}; constant parts must be finite f32 values (magnitude at most {F32_MAX_TEXT})",
                    self.span(start, end),
                    describe(v)
                ),
            )),
            e => Ok(e),
        }
    }

    /// An operand of a `+ -` or `* /` chain: what `parse` reads, with its span.
    fn operand(
        &mut self,
        inverse: bool,
        parse: fn(&mut Self) -> Result<Expr, Error>,
    ) -> Result<Operand, Error> {
        let start = self.col();
        let e = parse(self)?;
        Ok(Operand { e, inverse, start, end: self.col() })
    }

    /// A chain `a op b op c ...` of one precedence level, built as a balanced tree (depth
    /// log2 of its length, so long sums stay shallow for every recursive walk).
    fn chain(&mut self, ops: [char; 2], parse: fn(&mut Self) -> Result<Expr, Error>) -> Result<Expr, Error> {
        let mut terms = vec![self.operand(false, parse)?];
        loop {
            let inverse = if self.eat(ops[0]) {
                false
            } else if self.eat(ops[1]) {
                true
            } else {
                break;
            };
            terms.push(self.operand(inverse, parse)?);
        }
        let op = if ops[0] == '+' { Chain::Sum } else { Chain::Product };
        self.balance(&mut terms, false, op)
    }

    /// The value of `terms` (the first one taken as direct, the others as `+`/`*` or, when
    /// `inverse` differs from `flip`, `-`/`/`), split at the middle: `l + r`, or `l - r'` where
    /// `r'` has every sign flipped when `r` starts with a `-`.
    fn balance(&self, terms: &mut [Operand], flip: bool, op: Chain) -> Result<Expr, Error> {
        if let [one] = terms {
            return Ok(std::mem::replace(&mut one.e, Expr::Num(0.0)));
        }
        let (start, end) = (terms[0].start, terms[terms.len() - 1].end);
        let (left, right) = terms.split_at_mut(terms.len().div_ceil(2));
        let inverse = right[0].inverse != flip;
        let l = Box::new(self.balance(left, flip, op)?);
        let r = Box::new(self.balance(right, flip != inverse, op)?);
        let e = match (op, inverse) {
            (Chain::Sum, false) => Expr::Add(l, r),
            (Chain::Sum, true) => Expr::Sub(l, r),
            (Chain::Product, false) => Expr::Mul(l, r),
            (Chain::Product, true) => Expr::Div(l, r),
        };
        self.checked(fold(e), start, end)
    }

    fn sum(&mut self) -> Result<Expr, Error> {
        self.chain(['+', '-'], Self::product)
    }

    fn product(&mut self) -> Result<Expr, Error> {
        self.chain(['*', '/'], Self::unary)
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        if self.eat('-') {
            self.deeper()?;
            let e = fold(Expr::Neg(Box::new(self.unary()?)));
            self.depth -= 1;
            return Ok(e);
        }
        if self.eat('+') {
            return self.unary();
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr, Error> {
        let start = self.col();
        let base = self.atom()?;
        if self.eat('^') {
            self.deeper()?;
            let exp = self.unary()?;
            self.depth -= 1;
            return self.checked(power(base, exp), start, self.col());
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr, Error> {
        let col = self.col();
        match self.peek().clone() {
            Tok::Num(v) => {
                self.at += 1;
                Ok(Expr::Num(v))
            }
            Tok::Op('(') => {
                self.at += 1;
                self.deeper()?;
                let e = self.sum()?;
                self.depth -= 1;
                if !self.eat(')') {
                    return Err(match self.peek() {
                        Tok::End => error_at(self.text, col, "unbalanced `(`: no `)` closes it"),
                        _ => self.fail("expected `)`"),
                    });
                }
                Ok(e)
            }
            Tok::Ident(name) => {
                self.at += 1;
                if self.eat('(') {
                    return self.call(&name, col);
                }
                match name.as_str() {
                    "x" => Ok(Expr::X),
                    "y" => Ok(Expr::Y),
                    "pi" => Ok(Expr::Num(std::f64::consts::PI)),
                    "e" => Ok(Expr::Num(std::f64::consts::E)),
                    _ => match self.params.iter().position(|p| *p == name) {
                        Some(k) => Ok(Expr::Param(k)),
                        None if Func::USER.iter().any(|(n, _, _)| *n == name) => Err(error_at(
                            self.text,
                            col,
                            &format!("`{name}` is a function: write {name}(...)"),
                        )),
                        None => Err(error_at(
                            self.text,
                            col,
                            &format!(
                                "unknown name `{name}`: use x, y, pi, e, a function, or a parameter given after `;` (e.g. `; {name}=1`)"
                            ),
                        )),
                    },
                }
            }
            Tok::End => {
                Err(self.fail("expected a number, a name or `(`, found the end (trailing operator?)"))
            }
            Tok::Op(c) => Err(self.fail(&format!("expected a number, a name or `(`, found `{c}`"))),
        }
    }

    fn call(&mut self, name: &str, col: usize) -> Result<Expr, Error> {
        let Some(&(_, f, arity)) = Func::USER.iter().find(|(n, _, _)| *n == name) else {
            let names = Func::USER.iter().map(|(n, _, _)| *n);
            return Err(error_at(
                self.text,
                col,
                &format!("unknown function `{name}`{}", did_you_mean(name, names)),
            ));
        };
        self.deeper()?;
        let mut args = vec![self.sum()?];
        while self.eat(',') {
            args.push(self.sum()?);
        }
        self.depth -= 1;
        if !self.eat(')') {
            return Err(match self.peek() {
                Tok::End => error_at(self.text, col, &format!("unbalanced `(`: `{name}(` is not closed")),
                _ => self.fail("expected `,` or `)`"),
            });
        }
        if args.len() != arity {
            return Err(error_at(
                self.text,
                col,
                &format!(
                    "`{name}` takes {arity} argument{}, got {}",
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        let e = match f {
            Func::Pow => power(args.remove(0), args.remove(0)),
            _ => fold(Expr::Call(f, args)),
        };
        self.checked(e, col, self.col())
    }
}

/// `base ^ exp`, folded: whole constant exponents (|n| <= 16) become repeated
/// multiplication, `u^0` is 1 and `u^1` is `u`.
fn power(base: Expr, exp: Expr) -> Expr {
    match exp {
        Expr::Num(0.0) => Expr::Num(1.0),
        Expr::Num(1.0) => base,
        Expr::Num(n) if n.fract() == 0.0 && n.abs() <= 16.0 => fold(Expr::PowI(Box::new(base), n as i32)),
        exp => fold(Expr::Call(Func::Pow, vec![base, exp])),
    }
}

/// Which chain [`Parser::balance`] builds.
#[derive(Clone, Copy)]
enum Chain {
    /// `+ -`.
    Sum,
    /// `* /`.
    Product,
}

/// One operand of a chain, with its byte span in the text (for carets).
struct Operand {
    e: Expr,
    /// Whether it follows a `-` or `/`.
    inverse: bool,
    start: usize,
    end: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str) -> String {
        parse(text, &[]).unwrap_err().to_string()
    }

    #[test]
    fn precedence_and_associativity() {
        let e = parse("-x^2 + 2*y^3^1 - 1/4", &[]).unwrap();
        assert_eq!(e.eval([3.0f64, 2.0], [0.0; 4]), -9.0 + 16.0 - 0.25);
        assert_eq!(parse("2^3^2", &[]).unwrap().eval([0.0f64, 0.0], [0.0; 4]), 512.0);
        assert_eq!(parse(".5e1 + 1E-1", &[]).unwrap().eval([0.0f64, 0.0], [0.0; 4]), 5.1);
    }

    #[test]
    fn errors_point_at_the_column() {
        assert!(msg("(x + y").contains("unbalanced `(`") && msg("(x + y").contains("column 1"));
        assert!(msg("x + y)").contains("unbalanced `)`"));
        assert!(msg("x +").contains("trailing operator"));
        assert!(msg("sinn(x)").contains("did you mean `sin`"));
        assert!(msg("x + q").contains("unknown name `q`"));
        assert!(msg("x $ y").contains("unexpected character `$` at column 3\n    x $ y\n      ^"));
        assert!(msg("").contains("empty"));
        assert!(msg(&"x+".repeat(3000)).contains("characters"));
        assert!(msg(&format!("{}x{}", "(".repeat(500), ")".repeat(500))).contains("nested"));
        assert!(msg("pow(x)").contains("takes 2 arguments"));
    }
}
