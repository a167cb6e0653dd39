//! The result as the reference shapes it, plus `differences` and the diff;
//! a failure keeps what was changed and found before it.

use crate::actions::Outcome;
use crate::args::Task;
use ansible_module::{Failure, Map, Response, Value};

/// The module's answer for `task` after `outcome`.
pub fn respond(task: &Task, outcome: Outcome) -> Result<Response, Failure> {
    let Outcome {
        changed,
        result,
        answer,
        differences,
        error,
    } = outcome;
    if let Some(e) = error {
        let mut f = Failure::from(e).changed(changed);
        for (k, v) in result {
            f = f.set(&k, v);
        }
        return Err(f);
    }
    let mut resp = Response::new(changed);
    if task.action.answers() {
        resp.insert("result", answer.unwrap_or(false));
    }
    if let Some(diffs) = &differences {
        let names: Vec<&str> = diffs.iter().map(|d| d.name.as_str()).collect();
        resp.insert("differences", names);
        if !diffs.is_empty() {
            let side = |f: fn(&crate::fields::Difference) -> &Value| -> Map<String, Value> {
                diffs
                    .iter()
                    .map(|d| (d.name.clone(), f(d).clone()))
                    .collect()
            };
            resp = resp.diff(side(|d| &d.before), side(|d| &d.after));
        }
    }
    for (k, v) in result {
        resp.insert(&k, v);
    }
    Ok(resp)
}
