//! Whole starts and checks against a temporary tree (as root, like a container start).

use super::*;
use std::fs;

struct Tree {
    root: PathBuf,
    layout: Layout,
}

impl Tree {
    fn new(tag: &str) -> Self {
        let root = std::env::temp_dir().join(format!("ksc-flow-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("src")).unwrap();
        fs::create_dir_all(root.join("etc")).unwrap();
        let layout = Layout {
            run_command: root.join("run_command"),
            configured: root.join("configured"),
            defaults: Defaults::new(root.join("defaults")),
        };
        Tree { root, layout }
    }

    fn p(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }

    fn config(&self, files: &[(&str, &str)]) -> Config {
        let entries: Vec<_> = files
            .iter()
            .map(|(s, d)| {
                serde_json::json!({"source": self.p(s), "dest": self.p(d), "owner": "root", "perm": "0600"})
            })
            .collect();
        config::parse(&serde_json::json!({"command": "svc", "config_files": entries}).to_string())
            .unwrap()
    }

    fn read(&self, rel: &str) -> Option<String> {
        fs::read_to_string(self.root.join(rel)).ok()
    }

    fn start(&self, config: &Config) {
        assert_eq!(
            configure(config, Strategy::CopyAlways, &self.layout).unwrap(),
            Started::Configured
        );
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

#[test]
fn removed_entries_get_the_image_files_back_on_every_later_start() {
    let t = Tree::new("defaults");
    fs::write(t.root.join("etc/image.conf"), "image\n").unwrap();
    fs::write(t.root.join("src/a.conf"), "config\n").unwrap();
    fs::write(t.root.join("src/new.conf"), "new\n").unwrap();
    let both = t.config(&[
        ("src/a.conf", "etc/image.conf"),
        ("src/new.conf", "etc/new.conf"),
    ]);
    let none = t.config(&[]);
    for _ in 0..3 {
        t.start(&both);
        assert_eq!(t.read("etc/image.conf").as_deref(), Some("config\n"));
        assert_eq!(t.read("etc/new.conf").as_deref(), Some("new\n"));
        assert_eq!(
            fs::read_to_string(format!("{}{}", t.p("defaults"), t.p("etc/image.conf"))).unwrap(),
            "image\n",
            "the backup keeps the image's file, however often the container starts"
        );
        assert!(check(&both, &t.layout).unwrap().is_empty());
    }
    let stale = check(&none, &t.layout).unwrap();
    assert!(
        stale.iter().any(|s| s.contains("no longer in config.json")),
        "{stale:?}"
    );
    t.start(&none);
    assert_eq!(t.read("etc/image.conf").as_deref(), Some("image\n"));
    assert_eq!(t.read("etc/new.conf"), None, "the image had none");
    assert!(
        check(&none, &t.layout).unwrap().is_empty(),
        "settled after the restart"
    );
    let state = t.layout.defaults.load().unwrap();
    assert!(state.is_empty(), "{state:?}");
    // Listed again: installed again, and the image's file kept again.
    t.start(&both);
    t.start(&none);
    assert_eq!(t.read("etc/image.conf").as_deref(), Some("image\n"));
}

#[test]
fn state_file_is_kollas_format() {
    let t = Tree::new("state");
    fs::write(t.root.join("etc/image.conf"), "image\n").unwrap();
    fs::write(t.root.join("src/a.conf"), "config\n").unwrap();
    t.start(&t.config(&[
        ("src/a.conf", "etc/image.conf"),
        ("src/a.conf", "etc/fresh"),
    ]));
    let text = fs::read_to_string(t.root.join("defaults/state")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dst = t.p("etc/image.conf");
    assert_eq!(
        v[&dst],
        serde_json::json!({"source": dst, "preserve_properties": true,
                           "dest": format!("{}{dst}", t.p("defaults"))})
    );
    assert_eq!(v[t.p("etc/fresh")]["dest"], serde_json::Value::Null);
    assert!(
        text.contains("\n    \""),
        "indented by four like json.dump(indent=4)"
    );
}

#[test]
fn copy_once_configures_only_the_first_start() {
    let t = Tree::new("once");
    fs::write(t.root.join("src/a.conf"), "one\n").unwrap();
    let c = t.config(&[("src/a.conf", "etc/a.conf")]);
    assert_eq!(
        configure(&c, Strategy::CopyOnce, &t.layout).unwrap(),
        Started::Configured
    );
    fs::write(t.root.join("src/a.conf"), "two\n").unwrap();
    assert_eq!(
        configure(&c, Strategy::CopyOnce, &t.layout).unwrap(),
        Started::AlreadyConfigured
    );
    assert_eq!(t.read("etc/a.conf").as_deref(), Some("one\n"));
    assert_eq!(check(&c, &t.layout).unwrap().len(), 1);
}

#[test]
fn a_bad_entry_changes_nothing() {
    let t = Tree::new("bad");
    fs::write(t.root.join("src/a.conf"), "new\n").unwrap();
    fs::write(t.root.join("etc/a.conf"), "old\n").unwrap();
    let text = serde_json::json!({"command": "svc", "config_files": [
        {"source": t.p("src/a.conf"), "dest": t.p("etc/a.conf"), "owner": "root", "perm": "0600"},
        {"source": t.p("src/a.conf"), "dest": t.p("etc/b.conf"), "owner": "no-such-user-ksc", "perm": "0600"}]})
    .to_string();
    let c = config::parse(&text).unwrap();
    let err = configure(&c, Strategy::CopyAlways, &t.layout).unwrap_err();
    assert!(
        err.is_config() && err.to_string().contains("no-such-user-ksc"),
        "{err}"
    );
    assert_eq!(t.read("etc/a.conf").as_deref(), Some("old\n"));
    assert!(!t.layout.run_command.exists() && !t.root.join("defaults").exists());
}

#[test]
fn check_sees_content_mode_command_and_extra_files() {
    let t = Tree::new("check");
    fs::create_dir_all(t.root.join("src/dir")).unwrap();
    fs::write(t.root.join("src/dir/k"), "k").unwrap();
    fs::write(t.root.join("src/a.conf"), "a").unwrap();
    let c = t.config(&[("src/a.conf", "etc/a.conf"), ("src/dir", "etc/dir")]);
    assert!(check(&c, &t.layout)
        .unwrap()
        .iter()
        .any(|s| s.contains("missing")));
    t.start(&c);
    assert!(check(&c, &t.layout).unwrap().is_empty());
    fs::write(t.root.join("etc/dir/extra"), "").unwrap();
    assert_eq!(check(&c, &t.layout).unwrap(), [t.p("etc/dir")]);
    t.start(&c);
    fs::write(t.root.join("etc/a.conf"), "b").unwrap();
    assert_eq!(check(&c, &t.layout).unwrap(), [t.p("etc/a.conf")]);
    t.start(&c);
    fs::write(&t.layout.run_command, "other").unwrap();
    assert!(check(&c, &t.layout).unwrap()[0].contains("running command differs"));
}
