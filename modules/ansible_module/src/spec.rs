//! Declarative argument specs, the Rust form of AnsibleModule's `argument_spec`.

use crate::convert::Type;
use crate::validate::{Validated, ValidationError};
use serde_json::{Map, Value};

/// `Param::str(name)` and its siblings: one constructor per [`Type`].
macro_rules! typed_constructors {
    ($($fn:ident => $ty:ident, $doc:literal;)*) => {
        $(
            #[doc = $doc]
            pub fn $fn(name: &'static str) -> Self {
                Self::new(name, Type::$ty)
            }
        )*
    };
}

/// One module option: its type and the rules AnsibleModule applies to it.
#[derive(Debug, Clone)]
pub struct Param {
    /// The option's canonical name.
    pub name: &'static str,
    /// The type values are coerced to.
    pub ty: Type,
    /// Whether the option must be given.
    pub required: bool,
    /// The value used when the option is absent.
    pub default: Option<Value>,
    /// The only values accepted, compared after coercion.
    pub choices: Option<Vec<Value>>,
    /// Other names the option may be given under.
    pub aliases: Vec<&'static str>,
    /// Whether the value is a secret never to be echoed.
    pub no_log: bool,
    /// The type of each element of a `list` option.
    pub elements: Option<Type>,
    /// The sub-options of a `dict` option, or of each element of a `list`
    /// option whose elements are dicts (ansible-core's `options`).
    pub options: Option<Box<ArgSpec>>,
    /// Whether an absent or null dict option is validated as `{}`, so that its
    /// sub-options' defaults appear (ansible-core's `apply_defaults`).
    pub apply_defaults: bool,
}

impl Param {
    /// A new optional option of the given type, with no default.
    pub fn new(name: &'static str, ty: Type) -> Self {
        Param {
            name,
            ty,
            required: false,
            default: None,
            choices: None,
            aliases: Vec::new(),
            no_log: false,
            elements: None,
            options: None,
            apply_defaults: false,
        }
    }
    typed_constructors! {
        str => Str, "A `str` option.";
        bool => Bool, "A `bool` option.";
        int => Int, "An `int` option.";
        float => Float, "A `float` option.";
        list => List, "A `list` option.";
        dict => Dict, "A `dict` option.";
        path => Path, "A `path` option.";
        raw => Raw, "A `raw` option.";
    }
    /// Marks the option as required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Sets the default value.
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }
    /// Restricts the option to these string choices.
    pub fn choices(mut self, choices: &[&str]) -> Self {
        self.choices = Some(choices.iter().map(|c| Value::String((*c).into())).collect());
        self
    }
    /// Adds alternative names.
    pub fn aliases(mut self, aliases: &[&'static str]) -> Self {
        self.aliases.extend_from_slice(aliases);
        self
    }
    /// Marks the value as a secret.
    pub fn no_log(mut self) -> Self {
        self.no_log = true;
        self
    }
    /// Sets the element type of a list option.
    pub fn elements(mut self, ty: Type) -> Self {
        self.elements = Some(ty);
        self
    }
    /// Validates the value's keys against `spec` (build it with
    /// [`ArgSpec::suboptions`]): for a `dict` option, or a `list` one with
    /// `elements(Type::Dict)`; ansible-core ignores `options` on any other
    /// type, and so does this crate.
    pub fn options(mut self, spec: ArgSpec) -> Self {
        self.options = Some(Box::new(spec));
        self
    }
    /// Validates an absent or null value as `{}`, filling in the sub-options' defaults.
    pub fn apply_defaults(mut self) -> Self {
        self.apply_defaults = true;
        self
    }
    /// The sub-option spec validation applies, when the option's type takes one.
    pub(crate) fn sub_spec(&self) -> Option<&ArgSpec> {
        let takes_dicts = match self.ty {
            Type::Dict => true,
            Type::List => self.elements == Some(Type::Dict),
            _ => false,
        };
        self.options.as_deref().filter(|_| takes_dicts)
    }
}

/// `required_if`: when `key == value`, the listed options (all, or any one) must be set.
#[derive(Debug, Clone)]
pub struct RequiredIf {
    pub(crate) key: &'static str,
    pub(crate) value: Value,
    pub(crate) requirements: Vec<&'static str>,
    pub(crate) any: bool,
}

/// A module's whole argument specification.
#[derive(Debug, Clone)]
pub struct ArgSpec {
    pub(crate) module: &'static str,
    pub(crate) params: Vec<Param>,
    pub(crate) required_if: Vec<RequiredIf>,
    pub(crate) required_one_of: Vec<Vec<&'static str>>,
    pub(crate) mutually_exclusive: Vec<Vec<&'static str>>,
    pub(crate) required_together: Vec<Vec<&'static str>>,
    pub(crate) supports_check_mode: bool,
}

impl ArgSpec {
    /// An empty spec for the named module; check mode is supported unless said otherwise.
    pub fn new(module: &'static str) -> Self {
        ArgSpec {
            module,
            params: Vec::new(),
            required_if: Vec::new(),
            required_one_of: Vec::new(),
            mutually_exclusive: Vec::new(),
            required_together: Vec::new(),
            supports_check_mode: true,
        }
    }
    /// An empty spec for a dict option's sub-options (see [`Param::options`]);
    /// its cross-option rules apply inside each dict, and unknown keys are
    /// reported in the module's message under their path (`args.foo`).
    pub fn suboptions() -> Self {
        ArgSpec::new("")
    }
    /// Adds an option.
    pub fn param(mut self, p: Param) -> Self {
        self.params.push(p);
        self
    }
    /// When `key` equals `value`, all of `requirements` must be set.
    pub fn required_if(
        self,
        key: &'static str,
        value: impl Into<Value>,
        requirements: &[&'static str],
    ) -> Self {
        self.push_required_if(key, value.into(), requirements, false)
    }
    /// When `key` equals `value`, at least one of `requirements` must be set.
    pub fn required_if_any(
        self,
        key: &'static str,
        value: impl Into<Value>,
        requirements: &[&'static str],
    ) -> Self {
        self.push_required_if(key, value.into(), requirements, true)
    }
    fn push_required_if(
        mut self,
        key: &'static str,
        value: Value,
        requirements: &[&'static str],
        any: bool,
    ) -> Self {
        self.required_if.push(RequiredIf {
            key,
            value,
            requirements: requirements.to_vec(),
            any,
        });
        self
    }
    /// At least one of these options must be set.
    pub fn required_one_of(mut self, names: &[&'static str]) -> Self {
        self.required_one_of.push(names.to_vec());
        self
    }
    /// At most one of these options may be set.
    pub fn mutually_exclusive(mut self, names: &[&'static str]) -> Self {
        self.mutually_exclusive.push(names.to_vec());
        self
    }
    /// Either all or none of these options must be set.
    pub fn required_together(mut self, names: &[&'static str]) -> Self {
        self.required_together.push(names.to_vec());
        self
    }
    /// Declares whether the module can honour check mode.
    pub fn supports_check_mode(mut self, yes: bool) -> Self {
        self.supports_check_mode = yes;
        self
    }
    /// The module's name as used in messages.
    pub fn module_name(&self) -> &'static str {
        self.module
    }
    /// Looks an option up by canonical name.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
    /// Looks an option up by canonical name or alias.
    pub(crate) fn find(&self, key: &str) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.name == key || p.aliases.contains(&key))
    }
    /// Validates and coerces options exactly as a module invocation's are
    /// (aliases, defaults, types, choices, cross-option rules), e.g. for a
    /// dict merged from several sources. Secrets are not recorded: use
    /// [`Module::validate`](crate::Module::validate) inside a module.
    pub fn validate(&self, raw: &Map<String, Value>) -> Result<Validated, ValidationError> {
        crate::validate::validate(self, raw)
    }
}
