//! How the task ended, read from ansible-runner's event stream (`--json`:
//! one JSON event per line on stdout, the same events it writes to
//! `artifacts/*/job_events`). 22.2 reads those files with a second Python
//! process in the toolbox; reading the stream saves that exec and ranks
//! events by their `counter` rather than by file name ("10-..." < "2-...").

use ansible_module::{Map, Value};

/// The event that ended the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `runner_on_ok`.
    Ok,
    /// `runner_on_skipped` (e.g. check mode in a module without it).
    Skipped,
    /// `runner_on_failed` or `runner_on_async_failed`.
    Failed,
    /// `runner_on_unreachable`.
    Unreachable,
}

impl Status {
    fn from_event(name: &str) -> Option<Status> {
        Some(match name {
            "runner_on_ok" => Status::Ok,
            "runner_on_skipped" => Status::Skipped,
            "runner_on_failed" | "runner_on_async_failed" => Status::Failed,
            "runner_on_unreachable" => Status::Unreachable,
            _ => return None,
        })
    }
    /// Whether the task counts as a success (22.2: ok or skipped, and not `failed`).
    pub fn succeeded(self) -> bool {
        matches!(self, Status::Ok | Status::Skipped)
    }
}

/// Host events that come before the terminal one and say nothing about the outcome.
const LIFECYCLE: [&str; 4] = [
    "runner_on_start",
    "runner_on_no_hosts",
    "runner_on_async_poll",
    "runner_on_async_ok",
];

/// The JSON events in the stream, in emission order; other lines are ignored.
pub fn parse(stdout: &str) -> Vec<Map<String, Value>> {
    let mut events: Vec<Map<String, Value>> = stdout
        .lines()
        .filter_map(|line| match serde_json::from_str(line.trim()) {
            Ok(Value::Object(event)) if event.get("event").is_some_and(Value::is_string) => {
                Some(event)
            }
            _ => None,
        })
        .collect();
    events.sort_by_key(|e| e.get("counter").and_then(Value::as_u64).unwrap_or(u64::MAX));
    events
}

/// The text the events printed (ansible-playbook's own output), for messages.
pub fn text(events: &[Map<String, Value>]) -> String {
    events
        .iter()
        .filter_map(|e| e.get("stdout").and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.replace("\r\n", "\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The terminal event's status and the module's result, as 22.2 picks them:
/// the first terminal host event, an unknown host event being an error.
pub fn outcome(events: &[Map<String, Value>]) -> Result<(Status, Map<String, Value>), String> {
    if events.is_empty() {
        return Err("ansible-runner printed no events".into());
    }
    for event in events {
        let name = event["event"].as_str().unwrap_or_default();
        if let Some(status) = Status::from_event(name) {
            let mut res = match event.get("event_data").and_then(|d| d.get("res")) {
                Some(Value::Object(res)) => res.clone(),
                _ => Map::new(),
            };
            res.remove("_ansible_no_log");
            return Ok((status, res));
        }
        if name.starts_with("runner_on_") && !LIFECYCLE.contains(&name) {
            return Err(format!("unhandled runner event: {name}"));
        }
    }
    Err(format!(
        "no terminal event found; ansible-playbook said: {}",
        text(events)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ansible_module::json;

    fn line(counter: u64, event: &str, res: Value) -> String {
        json!({"counter": counter, "event": event, "stdout": format!("out {counter}"),
               "event_data": {"res": res}})
        .to_string()
    }

    #[test]
    fn terminal_event_wins_in_counter_order() {
        let stream = [
            "not json".to_string(),
            line(10, "runner_on_failed", json!({"failed": true})),
            line(2, "runner_on_start", json!({})),
            line(
                3,
                "runner_on_ok",
                json!({"changed": true, "_ansible_no_log": false, "db": "x"}),
            ),
            "{\"no_event\": 1}".to_string(),
        ]
        .join("\n");
        let events = parse(&stream);
        assert_eq!(events.len(), 3);
        let (status, res) = outcome(&events).unwrap();
        assert_eq!(status, Status::Ok);
        assert_eq!(Value::Object(res), json!({"changed": true, "db": "x"}));
    }

    #[test]
    fn statuses() {
        for (event, status) in [
            ("runner_on_skipped", Status::Skipped),
            ("runner_on_async_failed", Status::Failed),
            ("runner_on_unreachable", Status::Unreachable),
        ] {
            let events = parse(&line(1, event, json!({"msg": "m"})));
            assert_eq!(outcome(&events).unwrap().0, status);
        }
        assert!(Status::Skipped.succeeded() && !Status::Unreachable.succeeded());
    }

    #[test]
    fn streams_without_an_outcome_are_errors() {
        assert_eq!(
            outcome(&parse("garbage\n")).unwrap_err(),
            "ansible-runner printed no events"
        );
        let err = outcome(&parse(&line(1, "playbook_on_start", json!({})))).unwrap_err();
        assert!(
            err.starts_with("no terminal event found") && err.contains("out 1"),
            "{err}"
        );
        let err = outcome(&parse(&line(1, "runner_on_bogus", json!({})))).unwrap_err();
        assert_eq!(err, "unhandled runner event: runner_on_bogus");
    }
}
