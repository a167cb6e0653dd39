//! kolla-ansible's `update_nested_conf`, object for object: a mapping in a
//! later source is merged key by key into a fresh copy; anything else
//! replaces what was there, by reference (so a list reached through an
//! alias stays one list, and `yaml.dump` anchors it); with `extend_lists` a
//! list is extended in place by the later source's list.

use crate::error::YamlError;
use crate::value::{self, Map, Scalar, Value};
use std::cell::RefCell;
use std::rc::Rc;

fn key_text(k: &Scalar) -> String {
    match k {
        Scalar::Str(s) => s.clone(),
        Scalar::Null => "null".into(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(i) => i.to_decimal(),
        Scalar::Float(f) => f.to_string(),
        Scalar::Bytes(_) => "<binary>".into(),
        Scalar::Date(d) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        Scalar::DateTime(_) => "<timestamp>".into(),
    }
}

fn path_of(parent: &str, k: &Scalar) -> String {
    if parent.is_empty() {
        key_text(k)
    } else {
        format!("{parent}.{}", key_text(k))
    }
}

/// Merges `update` into `conf` in place.
pub fn update_nested(
    conf: &Rc<RefCell<Map>>,
    update: &Map,
    extend_lists: bool,
    at: &str,
) -> Result<(), YamlError> {
    let mut guard = conf.borrow_mut();
    let mut dict = value::Indexed::new(&mut guard);
    for (k, v) in update {
        let here = || path_of(at, k);
        match (v, dict.get(k).cloned()) {
            (Value::Map(sub), existing) => {
                let sub = sub.borrow();
                let target = match existing {
                    Some(Value::Map(m)) => m,
                    None => Rc::new(RefCell::new(Vec::new())),
                    // An empty mapping leaves whatever is there (the loop over it does nothing).
                    Some(_) if sub.is_empty() => continue,
                    Some(other) => {
                        return Err(YamlError::MappingOverScalar {
                            key: here(),
                            found: other.type_name(),
                        })
                    }
                };
                update_nested(&target, &sub, extend_lists, &here())?;
                dict.insert(k.clone(), Value::Map(target));
            }
            (v, Some(Value::List(list))) if extend_lists => {
                let Value::List(more) = v else {
                    return Err(YamlError::ExtendNotList {
                        key: here(),
                        found: v.type_name(),
                    });
                };
                let items: Vec<Value> = more.borrow().clone();
                list.borrow_mut().extend(items);
            }
            (v, _) => dict.insert(k.clone(), v.clone()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load;

    fn map(text: &str) -> Map {
        match load(text).unwrap().unwrap() {
            Value::Map(m) => m.borrow().clone(),
            _ => panic!(),
        }
    }

    #[test]
    fn rules() {
        let out = Rc::new(RefCell::new(Vec::new()));
        update_nested(&out, &map("a: {b: 1, l: [1]}\ns: x\n"), true, "").unwrap();
        update_nested(&out, &map("a: {l: [2], c: 3}\ns: {}\n"), true, "").unwrap();
        let err = update_nested(&out, &map("a: {l: 5}\n"), true, "").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot extend the list at key a.l with a int; give a list there too (extend_lists is on)"
        );
        let err = update_nested(&out, &map("s: {x: 1}\n"), false, "").unwrap_err();
        assert!(err.to_string().contains("key s"), "{err}");
        let o = out.borrow();
        let Value::Map(a) = &o[0].1 else { panic!() };
        let Value::List(l) = &a.borrow()[1].1 else {
            panic!()
        };
        assert_eq!(l.borrow().len(), 2);
        assert!(matches!(&o[1].1, Value::Scalar(s) if matches!(&**s, Scalar::Str(x) if x == "x")));
    }
}
