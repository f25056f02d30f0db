//! Shared by the plan fuzz targets: load a plan from bytes, then use every part of it the way a
//! run does (locations of every node, CEL conversion, policies, human and JSON rendering), so
//! that a bad span or an unexpected shape shows up as a crash here rather than for a user.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bcpcheck::check::{FileReport, Report};
use bcpcheck::cli::OutputFormat;
use bcpcheck::engine::Outcome;
use bcpcheck::waiver;
use bcpcheck::config::FailOn;
use bcpcheck::document::{self, read, Format, Segment, SourceFile};
use bcpcheck::engine::budget::Meter;
use bcpcheck::engine::Engine;
use bcpcheck::expression::Runtime;
use bcpcheck::policy::{self, PolicySet, PolicySource};
use bcpcheck::render::{self, Style};

const POLICIES: &str = r#"
- id: FUZZ-001
  title: metadata present
  severity: error
  rule: has(doc.metadata) && has(doc.metadata.owner)
- id: FUZZ-002
  title: processes have an owner and an RTO not above the MTPD
  severity: warning
  select: processes[*]
  when: self.tier <= 2
  rule: has(self.owner) && period(self.rto) <= period(self.mtpd)
  messageExpression: "'process ' + string(self.id) + ' lacks something'"
  fieldPath: rto
- id: FUZZ-003
  title: review date
  severity: info
  rule: date(doc.metadata.next_review) >= now
  fieldPath: metadata.next_review
- id: FUZZ-004
  title: every value
  severity: info
  select: "*"
  rule: self != null
- id: FUZZ-005
  title: body sections
  severity: info
  rule: "!has(doc.body) || doc.body.sections.all(s, !isPlaceholder(s.title)) && doc.body.links.all(l, !l.internal || fileExists(l.path))"
"#;

struct Fixture {
    runtime: Runtime,
    set: PolicySet,
    engine: Engine,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = Runtime::new();
        let params = policy::params(None);
        let source = PolicySource {
            name: "fuzz.yaml".into(),
            path: PathBuf::new(),
            text: POLICIES.into(),
            pack: None,
        };
        let set = policy::load(&[source], &params, &runtime);
        assert!(set.errors.is_empty(), "the fuzz policies are valid");
        let now = bcpcheck::expression::parse_date("2026-11-28").unwrap();
        let engine = Engine::new(&runtime, set.policies.clone(), &params, now, "/nonexistent".into());
        Fixture { runtime, set, engine }
    })
}

/// Loads `bytes` as a plan of `format` and uses every part of it.
pub fn exercise(bytes: &[u8], format: Format) {
    let fixture = fixture();
    let _ = &fixture.runtime;
    let name = "plans/fuzz.yaml";
    let mut report = FileReport {
        name: name.into(),
        path: PathBuf::from(name),
        source: None,
        documents: 0,
        findings: Vec::new(),
        outcomes: vec![Outcome::NotApplicable; fixture.set.policies.len()],
        errors: Vec::new(),
        budget: Vec::new(),
        load_error: None,
        skipped: Vec::new(),
        directives: Default::default(),
    };
    match read::decode(bytes.to_vec(), name) {
        Err(e) => report.load_error = Some(e),
        Ok(text) => {
            let source = Arc::new(SourceFile::new(name.into(), PathBuf::from(name), text));
            match document::load_source(source.clone(), format, true) {
                Err(e) => report.load_error = Some(e),
                Ok(loaded) => {
                    let meter = Meter::default();
                    for (index, doc) in loaded.documents.iter().enumerate() {
                        doc.root.walk(&mut |path, node| {
                            let location = doc.locate(path);
                            assert!(location.span.start <= location.span.end);
                            assert!(location.span.end <= source.text.len());
                            assert!(node.span.end <= source.text.len());
                            let mut deeper = path.to_vec();
                            deeper.push(Segment::Key("missing".into()));
                            let _ = doc.locate(&deeper);
                        });
                        let result = fixture.engine.check(doc, index, &meter);
                        report.findings.extend(result.findings);
                        report.errors.extend(result.errors);
                    }
                    report.directives = waiver::inline::scan(&loaded.documents);
                    report.documents = loaded.documents.len();
                    report.skipped = loaded.skipped;
                    report.source = Some(source);
                }
            }
        }
    }
    let as_of = bcpcheck::check::parse_as_of("2026-11-28").unwrap();
    let mut files = vec![report];
    let exceptions = waiver::apply(&mut files, &fixture.set.policies, (None, Vec::new()), as_of);
    let set = PolicySet {
        policies: fixture.set.policies.clone(),
        errors: Vec::new(),
        digest: String::new(),
    };
    let report = Report {
        files,
        policy_set: set,
        discovery_errors: Vec::new(),
        as_of,
        elapsed: Duration::ZERO,
        fail_on: FailOn::Error,
        root: PathBuf::from("/repo"),
        cwd: PathBuf::from("/repo"),
        exceptions,
        baseline: None,
        baseline_errors: Vec::new(),
    };
    let style = Style {
        color: false,
        width: 100,
        quiet: false,
    };
    for format in [
        OutputFormat::Human,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
        OutputFormat::Junit,
        OutputFormat::Markdown,
        OutputFormat::Html,
    ] {
        let text = render::render(&report, format, style);
        assert!(!text.contains('\u{1b}'), "no escape reaches the {format:?} output");
        match format {
            OutputFormat::Json | OutputFormat::Sarif => {
                serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
            }
            OutputFormat::Junit => {
                let mut reader = quick_xml::Reader::from_str(&text);
                loop {
                    match reader.read_event() {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("JUnit output is not XML: {e}"),
                    }
                }
            }
            _ => {}
        }
    }
}
