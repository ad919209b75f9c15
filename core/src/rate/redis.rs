//! The Redis store: the shared state in one hash per CRM, changed by one Lua
//! script (GCRA, as `super::step` does it) on the Redis server's clock.
//! A small RESP client over one connection, opened on first use and again
//! after an error.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

use super::{Op, Paced};
use crate::error::Error;

const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local op, limit, floor = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'tat', 'pace', 'decreased')
local tat = tonumber(s[1]) or now
local pace = tonumber(s[2]) or limit
local decreased = tonumber(s[3]) or 0
if pace > limit then pace = limit end
local before = pace
local wait = 0
if op == 'acquire' then
  local slot = math.max(tat, now)
  tat = slot + 1000000 / pace
  wait = slot - now
elseif op == 'throttled' then
  if now - decreased >= 1000000 then
    pace = math.max(pace / 2, math.min(floor, limit))
    decreased = now
  end
elseif op == 'succeeded' then
  if pace < limit then pace = math.min(limit, pace + math.max(pace * 0.05, 0.25)) end
end
redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat), 'pace', string.format('%.6f', pace),
  'decreased', string.format('%.0f', decreased))
redis.call('PEXPIRE', KEYS[1], 3600000)
local changed = 0
if pace ~= before then changed = 1 end
return {math.floor(wait), math.floor(pace * 1000), changed, math.floor(before * 1000)}
";

/// A Redis URL the limiter can use: `redis://[[user]:password@]host[:port][/db]`.
pub(crate) fn check_url(name: &str, url: &str) -> Result<String, Error> {
    parse(url).map(|_| url.to_string()).map_err(|why| {
        Error::Config(format!(
            "{name} must be redis://host:port/db (port 6379 and db 0 when left out; a password \
             as redis://:password@host, or user:password), got {}: {why}",
            crate::text::quote(&shown(url))
        ))
    })
}

/// The URL as messages and `Debug` show it: any credentials hidden.
pub(crate) fn shown(url: &str) -> String {
    let Some(rest) = url.strip_prefix("redis://") else {
        return url.to_string();
    };
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once('@') {
        Some((_, host)) => {
            let path = &rest[authority.len()..];
            format!("redis://***@{host}{path}")
        }
        None => url.to_string(),
    }
}

struct Target {
    address: String,
    db: u32,
    /// `AUTH`'s arguments: the user (Redis 6 ACLs) and the password.
    auth: Option<(Option<String>, String)>,
}

fn parse(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or("only redis:// is supported")?;
    let (authority, db) = match rest.split_once('/') {
        Some((hp, "")) => (hp, 0),
        Some((hp, db)) => (hp, db.parse().map_err(|_| "the db is not a number")?),
        None => (rest, 0),
    };
    let (auth, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(credentials(userinfo)?), host_port),
        None => (None, authority),
    };
    if host_port.is_empty() {
        return Err("no host".into());
    }
    let address = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        host_port.to_string()
    } else {
        format!("{host_port}:6379")
    };
    Ok(Target { address, db, auth })
}

/// `user:password` or `:password`, percent-encoded as URLs are.
fn credentials(userinfo: &str) -> Result<(Option<String>, String), String> {
    let Some((user, password)) = userinfo.split_once(':') else {
        return Err("give the password after a colon: redis://:password@host".into());
    };
    let password = percent_decoded(password)?;
    if password.is_empty() {
        return Err("the password is empty".into());
    }
    let user = percent_decoded(user)?;
    Ok(((!user.is_empty()).then_some(user), password))
}

fn percent_decoded(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a % in the credentials is not followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the credentials are not UTF-8 once decoded".to_string())
}

pub(crate) struct RedisState {
    url: String,
    key: String,
    connection: Mutex<Option<BufReader<TcpStream>>>,
}

impl RedisState {
    pub(crate) fn new(url: &str, key: &str) -> RedisState {
        RedisState {
            url: url.to_string(),
            key: format!("kapture-crm:rate:{key}"),
            connection: Mutex::new(None),
        }
    }

    pub(crate) fn apply(
        &self,
        op: &Op,
        limit: f64,
        floor: f64,
    ) -> Result<(Duration, Paced), String> {
        let op = match op {
            Op::Acquire => "acquire",
            Op::Throttled => "throttled",
            Op::Succeeded => "succeeded",
        };
        let (limit, floor) = (limit.to_string(), floor.to_string());
        let command = ["EVAL", SCRIPT, "1", &self.key, op, &limit, &floor];
        let mut connection = crate::sync::lock(&self.connection);
        let reply = match connection.as_mut() {
            Some(stream) => call(stream, &command),
            None => Err(std::io::Error::other("not connected")),
        };
        let reply = match reply {
            Ok(reply) => reply,
            // Once more on a new connection (the server restarted, an idle
            // connection was closed).
            Err(_) => {
                *connection = None;
                let mut stream = self.connect()?;
                let reply = call(&mut stream, &command).map_err(|e| self.failed(&e))?;
                *connection = Some(stream);
                reply
            }
        };
        match reply.as_slice() {
            [wait, pace, changed, before] => Ok((
                Duration::from_micros((*wait).max(0) as u64),
                Paced {
                    before: *before as f64 / 1000.0,
                    pace: *pace as f64 / 1000.0,
                    changed: *changed == 1,
                },
            )),
            _ => Err(format!(
                "the rate limiter at {} gave an unexpected reply",
                shown(&self.url)
            )),
        }
    }

    fn failed(&self, error: &dyn std::fmt::Display) -> String {
        format!(
            "the rate limiter at {} could not be used: {error}",
            shown(&self.url)
        )
    }

    fn connect(&self) -> Result<BufReader<TcpStream>, String> {
        let target = parse(&self.url).map_err(|e| self.failed(&e))?;
        let stream = TcpStream::connect(&target.address).map_err(|e| self.failed(&e))?;
        let timeout = Some(Duration::from_secs(2));
        stream
            .set_read_timeout(timeout)
            .map_err(|e| self.failed(&e))?;
        stream
            .set_write_timeout(timeout)
            .map_err(|e| self.failed(&e))?;
        let _ = stream.set_nodelay(true);
        let mut stream = BufReader::new(stream);
        if let Some((user, password)) = &target.auth {
            let mut args = vec!["AUTH"];
            args.extend(user.as_deref());
            args.push(password);
            call(&mut stream, &args).map_err(|e| self.failed(&e))?;
        }
        if target.db != 0 {
            call(&mut stream, &["SELECT", &target.db.to_string()]).map_err(|e| self.failed(&e))?;
        }
        Ok(stream)
    }
}

/// Sends one command; its reply as integers (an array of them, or one).
fn call(stream: &mut BufReader<TcpStream>, args: &[&str]) -> std::io::Result<Vec<i64>> {
    let mut out = format!("*{}\r\n", args.len());
    for arg in args {
        out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    stream.get_mut().write_all(out.as_bytes())?;
    read_reply(stream)
}

fn read_reply(stream: &mut BufReader<TcpStream>) -> std::io::Result<Vec<i64>> {
    let line = read_line(stream)?;
    let bad = |what: &str| std::io::Error::other(format!("{what}: {line}"));
    match line.split_at_checked(1) {
        Some(("+", _)) => Ok(Vec::new()),
        Some(("-", message)) => Err(std::io::Error::other(message.to_string())),
        Some((":", n)) => Ok(vec![n.parse().map_err(|_| bad("not a number"))?]),
        Some(("*", n)) => {
            let n: usize = n.parse().map_err(|_| bad("not a count"))?;
            let mut values = Vec::with_capacity(n.min(16));
            for _ in 0..n {
                values.extend(read_reply(stream)?);
            }
            Ok(values)
        }
        _ => Err(bad("an unexpected reply")),
    }
}

fn read_line(stream: &mut BufReader<TcpStream>) -> std::io::Result<String> {
    let mut line = String::new();
    if stream.read_line(&mut line)? == 0 {
        return Err(std::io::Error::other("the connection was closed"));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_are_read_and_never_shown() {
        let target = parse("redis://:s%40cret@10.0.0.5:6380/2").unwrap();
        assert_eq!(target.address, "10.0.0.5:6380");
        assert_eq!(target.db, 2);
        assert_eq!(target.auth, Some((None, "s@cret".to_string())));
        let target = parse("redis://worker:pw@cache").unwrap();
        assert_eq!(target.address, "cache:6379");
        assert_eq!(
            target.auth,
            Some((Some("worker".to_string()), "pw".to_string()))
        );
        assert_eq!(shown("redis://worker:pw@cache/1"), "redis://***@cache/1");
        assert_eq!(shown("redis://cache:6379"), "redis://cache:6379");
        for bad in [
            "redis://pw@cache",
            "redis://user:@cache",
            "redis://:%zz@cache",
        ] {
            let error = check_url("rate_limiter", bad).unwrap_err().to_string();
            assert!(!error.contains("pw") && !error.contains("%zz"), "{error}");
        }
    }
}
