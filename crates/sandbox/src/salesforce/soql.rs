//! The SOQL the sandbox understands: `SELECT` fields (with parent relationship paths such as
//! `CreatedBy.Email`, and parent-child subqueries such as
//! `(SELECT Id FROM CaseComments ORDER BY CreatedDate)`) or `COUNT()` `FROM` one object, `WHERE` with `=`, `!=`, `<`, `>`, `<=`,
//! `>=`, `LIKE`, `IN (…)`, `NOT IN (…)`, `AND`, `OR`, `NOT` and parentheses, `ORDER BY` fields
//! `ASC`/`DESC` `NULLS FIRST`/`LAST`, `LIMIT` and `OFFSET`. Keywords are case-insensitive,
//! string literals take Salesforce's backslash escapes, and anything else is refused the way
//! Salesforce refuses it (`MALFORMED_QUERY`), so a connector that builds SOQL carelessly fails
//! here first.

use serde_json::Value;
use std::cmp::Ordering;

/// A parsed query.
#[derive(Debug, PartialEq)]
pub struct Query {
    /// Selected field paths; empty for `COUNT()`.
    pub fields: Vec<String>,
    /// Parent-child subqueries (`(SELECT … FROM CaseComments …)`): their `object` is the
    /// child relationship's name.
    pub children: Vec<Query>,
    /// `SELECT COUNT()`.
    pub count: bool,
    /// The object queried.
    pub object: String,
    /// The `WHERE` condition.
    pub condition: Option<Condition>,
    /// `ORDER BY` keys: field, descending, nulls first.
    pub order: Vec<(String, bool, bool)>,
    /// `LIMIT`.
    pub limit: Option<usize>,
    /// `OFFSET`.
    pub offset: usize,
}

/// A `WHERE` condition.
#[derive(Debug, PartialEq)]
pub enum Condition {
    /// Both hold.
    And(Box<Condition>, Box<Condition>),
    /// Either holds.
    Or(Box<Condition>, Box<Condition>),
    /// It does not hold.
    Not(Box<Condition>),
    /// `field op value`.
    Compare(String, Op, Value),
    /// `field [NOT] IN (values)`.
    In(String, bool, Vec<Value>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `LIKE`
    Like,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Num(f64),
    Punct(&'static str),
}

fn tokenize(soql: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = soql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string literal".to_owned()),
                    Some('\'') => break,
                    Some('\\') => {
                        let escaped = match chars.get(i + 1) {
                            Some('n' | 'N') => '\n',
                            Some('r' | 'R') => '\r',
                            Some('t' | 'T') => '\t',
                            Some('b' | 'B') => '\u{8}',
                            Some('f' | 'F') => '\u{c}',
                            Some(c @ ('"' | '\'' | '\\' | '_' | '%')) => {
                                if matches!(c, '_' | '%') {
                                    text.push('\\');
                                }
                                *c
                            }
                            _ => return Err("invalid escape sequence in string literal".to_owned()),
                        };
                        text.push(escaped);
                        i += 2;
                    }
                    Some(c) => {
                        text.push(*c);
                        i += 1;
                    }
                }
            }
            i += 1;
            tokens.push(Token::Str(text));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            tokens.push(Token::Num(
                text.parse().map_err(|_| format!("bad number {text}"))?,
            ));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let punct = match two.as_str() {
                "!=" => "!=",
                "<>" => "!=",
                "<=" => "<=",
                ">=" => ">=",
                _ => match c {
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    '=' => "=",
                    '<' => "<",
                    '>' => ">",
                    _ => return Err(format!("unexpected character '{c}'")),
                },
            };
            i += if punct.len() == 2 || two == "<>" {
                2
            } else {
                1
            };
            tokens.push(Token::Punct(punct));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(word) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), String> {
        if self.keyword(word) {
            Ok(())
        } else {
            Err(format!("expecting '{word}', found '{}'", self.describe()))
        }
    }

    fn punct(&mut self, p: &str) -> bool {
        if self.peek()
            == Some(&Token::Punct(match p {
                "(" => "(",
                ")" => ")",
                "," => ",",
                _ => return false,
            }))
        {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "EOF".to_owned(),
            Some(Token::Word(w)) => w.clone(),
            Some(Token::Str(s)) => format!("'{s}'"),
            Some(Token::Num(n)) => n.to_string(),
            Some(Token::Punct(p)) => (*p).to_owned(),
        }
    }

    fn identifier(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(w)) if !is_reserved(&w) => Ok(w),
            _ => {
                self.at -= 1;
                Err(format!("unexpected token: '{}'", self.describe()))
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Value::String(s)),
            Some(Token::Num(n)) => Ok(serde_json::json!(n)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Value::Null),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => {
                self.at -= 1;
                Err(format!("unexpected token: '{}'", self.describe()))
            }
        }
    }

    fn condition(&mut self) -> Result<Condition, String> {
        let mut left = self.conjunction()?;
        while self.keyword("OR") {
            left = Condition::Or(Box::new(left), Box::new(self.conjunction()?));
        }
        Ok(left)
    }

    fn conjunction(&mut self) -> Result<Condition, String> {
        let mut left = self.factor()?;
        while self.keyword("AND") {
            left = Condition::And(Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Condition, String> {
        if self.keyword("NOT") {
            return Ok(Condition::Not(Box::new(self.factor()?)));
        }
        if self.punct("(") {
            let inner = self.condition()?;
            if !self.punct(")") {
                return Err(format!("expecting ')', found '{}'", self.describe()));
            }
            return Ok(inner);
        }
        let field = self.identifier()?;
        let negated = self.keyword("NOT");
        if self.keyword("IN") {
            if !self.punct("(") {
                return Err(format!("expecting '(', found '{}'", self.describe()));
            }
            let mut values = vec![self.value()?];
            while self.punct(",") {
                values.push(self.value()?);
            }
            if !self.punct(")") {
                return Err(format!("expecting ')', found '{}'", self.describe()));
            }
            return Ok(Condition::In(field, negated, values));
        }
        if negated {
            return Err(format!("expecting 'IN', found '{}'", self.describe()));
        }
        let op = match self.next() {
            Some(Token::Punct("=")) => Op::Eq,
            Some(Token::Punct("!=")) => Op::Ne,
            Some(Token::Punct("<")) => Op::Lt,
            Some(Token::Punct(">")) => Op::Gt,
            Some(Token::Punct("<=")) => Op::Le,
            Some(Token::Punct(">=")) => Op::Ge,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("LIKE") => Op::Like,
            _ => {
                self.at -= 1;
                return Err(format!("unexpected token: '{}'", self.describe()));
            }
        };
        Ok(Condition::Compare(field, op, self.value()?))
    }

    fn count(&mut self) -> Result<usize, String> {
        match self.next() {
            Some(Token::Num(n)) if n >= 0.0 && n.fract() == 0.0 => Ok(n as usize),
            _ => Err("expecting a non-negative integer".to_owned()),
        }
    }
}

fn is_reserved(word: &str) -> bool {
    [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT",
        "OFFSET", "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS",
    ]
    .iter()
    .any(|r| r.eq_ignore_ascii_case(word))
}

/// Parses `soql`; the error is Salesforce's `MALFORMED_QUERY` message.
pub fn parse(soql: &str) -> Result<Query, String> {
    let mut p = Parser {
        tokens: tokenize(soql)?,
        at: 0,
    };
    let query = p.query(true)?;
    if p.peek().is_some() {
        return Err(format!("unexpected token: '{}'", p.describe()));
    }
    Ok(query)
}

impl Parser {
    /// A `SELECT` up to its end; `outer` allows parent-child subqueries in its field list
    /// (Salesforce allows one level of them).
    fn query(&mut self, outer: bool) -> Result<Query, String> {
        self.expect_keyword("SELECT")?;
        let mut fields = Vec::new();
        let mut children = Vec::new();
        let mut count = false;
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case("COUNT")) {
            self.at += 1;
            if !(self.punct("(") && self.punct(")")) {
                return Err("expecting COUNT()".to_owned());
            }
            count = true;
        } else {
            loop {
                if outer && self.punct("(") {
                    children.push(self.query(false)?);
                    if !self.punct(")") {
                        return Err(format!("expecting ')', found '{}'", self.describe()));
                    }
                } else {
                    fields.push(self.identifier()?);
                }
                if !self.punct(",") {
                    break;
                }
            }
        }
        self.expect_keyword("FROM")?;
        let object = self.identifier()?;
        let condition = if self.keyword("WHERE") {
            Some(self.condition()?)
        } else {
            None
        };
        let mut order = Vec::new();
        if self.keyword("ORDER") {
            self.expect_keyword("BY")?;
            loop {
                let field = self.identifier()?;
                let descending = if self.keyword("DESC") {
                    true
                } else {
                    self.keyword("ASC");
                    false
                };
                // Salesforce puts nulls first by default in ascending order, last in descending.
                let mut nulls_first = !descending;
                if self.keyword("NULLS") {
                    nulls_first = if self.keyword("FIRST") {
                        true
                    } else {
                        self.expect_keyword("LAST")?;
                        false
                    };
                }
                order.push((field, descending, nulls_first));
                if !self.punct(",") {
                    break;
                }
            }
        }
        let limit = if self.keyword("LIMIT") {
            Some(self.count()?)
        } else {
            None
        };
        let offset = if self.keyword("OFFSET") {
            self.count()?
        } else {
            0
        };
        Ok(Query {
            fields,
            children,
            count,
            object,
            condition,
            order,
            limit,
            offset,
        })
    }
}

/// Every field a condition names.
pub fn condition_fields(c: &Condition, out: &mut Vec<String>) {
    match c {
        Condition::And(a, b) | Condition::Or(a, b) => {
            condition_fields(a, out);
            condition_fields(b, out);
        }
        Condition::Not(a) => condition_fields(a, out),
        Condition::Compare(f, _, _) | Condition::In(f, _, _) => out.push(f.clone()),
    }
}

/// Whether `lookup(field)` satisfies `c`.
pub fn holds(c: &Condition, lookup: &dyn Fn(&str) -> Value) -> bool {
    match c {
        Condition::And(a, b) => holds(a, lookup) && holds(b, lookup),
        Condition::Or(a, b) => holds(a, lookup) || holds(b, lookup),
        Condition::Not(a) => !holds(a, lookup),
        Condition::In(field, negated, values) => {
            let v = lookup(field);
            values.iter().any(|x| equal(&v, x)) != *negated
        }
        Condition::Compare(field, op, value) => {
            let v = lookup(field);
            match op {
                Op::Eq => equal(&v, value),
                Op::Ne => !equal(&v, value),
                Op::Like => like(&v, value),
                _ if v.is_null() || value.is_null() => false,
                Op::Lt => compare(&v, value) == Ordering::Less,
                Op::Gt => compare(&v, value) == Ordering::Greater,
                Op::Le => compare(&v, value) != Ordering::Greater,
                Op::Ge => compare(&v, value) != Ordering::Less,
            }
        }
    }
}

/// Salesforce compares text case-insensitively, and ids by their first 15 characters.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            if is_id(x) && is_id(y) {
                x[..15] == y[..15]
            } else {
                x.eq_ignore_ascii_case(y)
            }
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn like(v: &Value, pattern: &Value) -> bool {
    let (Value::String(v), Value::String(p)) = (v, pattern) else {
        return false;
    };
    fn matches(v: &[char], p: &[char]) -> bool {
        match p.first() {
            None => v.is_empty(),
            Some('%') => (0..=v.len()).any(|i| matches(&v[i..], &p[1..])),
            Some('_') => !v.is_empty() && matches(&v[1..], &p[1..]),
            Some('\\') if p.len() > 1 => v.first() == p.get(1) && matches(&v[1..], &p[2..]),
            Some(c) => {
                v.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && matches(&v[1..], &p[1..])
            }
        }
    }
    let v: Vec<char> = v.chars().collect();
    let p: Vec<char> = p.chars().collect();
    matches(&v, &p)
}

/// Orders two field values (nulls are handled by the caller).
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// A key equal for any two texts SOQL finds equal: an id's first 15 characters, other text
/// lower-cased (ASCII), each marked so that an id and a text cannot share a key.
pub fn id_or_text_key(s: &str) -> String {
    if is_id(s) {
        format!("id:{}", &s[..15])
    } else {
        format!("text:{}", s.to_ascii_lowercase())
    }
}

/// A syntactically valid Salesforce id: 15 or 18 ASCII alphanumerics.
pub fn is_id(s: &str) -> bool {
    (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_connector_s_queries() {
        let q = parse(
            "SELECT Id, CaseNumber, CreatedBy.Email FROM Case WHERE AccountId IN ('001A','001B') \
             AND (Status = 'New' OR NOT IsClosed = true) ORDER BY CreatedDate DESC, Id LIMIT 10",
        )
        .expect("parses");
        assert_eq!(q.object, "Case");
        assert_eq!(q.fields, ["Id", "CaseNumber", "CreatedBy.Email"]);
        assert_eq!(q.order[0], ("CreatedDate".to_owned(), true, false));
        assert_eq!(q.limit, Some(10));
        let q = parse(
            "SELECT Id, (SELECT Id, CommentBody FROM CaseComments ORDER BY CreatedDate, Id) \
             FROM Case WHERE AccountId IN ('001A')",
        )
        .expect("parses");
        assert_eq!(q.fields, ["Id"]);
        assert_eq!(q.children[0].object, "CaseComments");
        assert_eq!(q.children[0].fields, ["Id", "CommentBody"]);
        assert_eq!(q.children[0].order.len(), 2);
        assert!(
            parse("SELECT Id, (SELECT Id, (SELECT Id FROM A) FROM B) FROM C").is_err(),
            "one level of subqueries"
        );
    }

    #[test]
    fn string_literals_take_salesforce_escapes_and_unescaped_quotes_end_them() {
        let q = parse(r"SELECT Id FROM Account WHERE Name = 'O\'Brien \\ Co'").expect("parses");
        assert_eq!(
            q.condition,
            Some(Condition::Compare(
                "Name".to_owned(),
                Op::Eq,
                Value::String(r"O'Brien \ Co".to_owned())
            ))
        );
        assert!(parse("SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b''").is_err());
        assert!(parse(r"SELECT Id FROM Account WHERE Name = '\q'").is_err());
    }
}
