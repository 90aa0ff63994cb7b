use super::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn refusal(text: &str) -> String {
    match WebhookConfig::parse(text) {
        Err(e) => e.at(Path::new("webhooks.toml")).to_string(),
        Ok(c) => panic!("accepted: {c:?}"),
    }
}

#[test]
fn a_full_subscription_parses_with_its_filters_and_defaults() {
    let c = WebhookConfig::parse(&format!(
        r#"
        [delivery]
        backoff_base_ms = 5
        [[subscription]]
        id = "crm"
        url = "https://crm.example.com:8443/hooks?x=1"
        secret = "{SECRET}"
        kinds = ["to_sql", "won"]
        stages = ["sql"]
        grades = ["A", "B"]
        [[subscription]]
        id = "slack"
        url = "http://127.0.0.1:9/services/T/B/X"
        template = "slack"
        allow_private = true
        "#
    ))
    .unwrap();
    assert_eq!(c.delivery.backoff_base, Duration::from_millis(5));
    assert_eq!(c.delivery.max_attempts, Delivery::default().max_attempts);
    let crm = c.get("crm").unwrap();
    assert_eq!(crm.kinds, [ChangeKind::ToSql, ChangeKind::Won]);
    assert_eq!(crm.stages, Some(vec![Stage::Sql]));
    assert_eq!(crm.grades, Some(vec![Grade::A, Grade::B]));
    assert_eq!(
        (crm.target.host.as_str(), crm.target.port, crm.target.https),
        ("crm.example.com", 8443, true)
    );
    assert_eq!(crm.secret.as_ref().unwrap().len(), 24);
    let slack = c.get("slack").unwrap();
    assert_eq!(slack.template, Template::Slack);
    assert!(slack.secret.is_none() && slack.allow_private);
    assert_eq!(
        slack.kinds.len(),
        ChangeKind::ALL.len(),
        "every kind by default"
    );
}

#[test]
fn each_refusal_names_the_subscription_and_the_field() {
    let sub = |extra: &str| format!("[[subscription]]\nid = \"crm\"\n{extra}");
    let url = "url = \"https://x.example\"\n";
    let cases = [
        (
            sub(&format!("url = \"ftp://x\"\nsecret = \"{SECRET}\"")),
            "subscription \"crm\".url: must start with http:// or https://",
        ),
        (sub(url), "subscription \"crm\".secret: is required"),
        (
            sub(&format!("{url}secret = \"abc\"")),
            "subscription \"crm\".secret: must start with \"whsec_\"",
        ),
        (
            sub(&format!("{url}secret = \"whsec_AAAA\"")),
            "decodes to 3 bytes",
        ),
        (
            sub(&format!("{url}secret = \"{SECRET}\"\nkinds = [\"to_sq\"]")),
            "subscription \"crm\".kinds[0]: unknown change kind \"to_sq\"",
        ),
        (
            sub(&format!("{url}secret = \"{SECRET}\"\ngrades = [\"E\"]")),
            "subscription \"crm\".grades[0]: unknown grade \"E\"",
        ),
        (
            sub(&format!("{url}secret = \"{SECRET}\"\ntemplate = \"teams\"")),
            "subscription \"crm\".template: unknown template",
        ),
        (
            "[delivery]\ntimeout_ms = 40000\n".into(),
            "delivery.lease_ms: must be longer than timeout_ms",
        ),
        (
            "[[subscription]]\nid = \"a b\"\nurl = \"http://x\"".into(),
            "subscription[0].id: must be 1 to 64",
        ),
        (
            "[[subscription]]\nid = \"crm\"\nurl = \"http://x\"\ncolour = 1".into(),
            "unknown field `colour`",
        ),
    ];
    for (text, want) in cases {
        let got = refusal(&text);
        assert!(got.starts_with("webhooks file webhooks.toml: "), "{got}");
        assert!(got.contains(want), "{got:?} should contain {want:?}");
    }
    let twice = format!(
        "{}\n{}",
        sub(&format!("{url}secret = \"{SECRET}\"")),
        sub(&format!("{url}secret = \"{SECRET}\""))
    );
    assert!(refusal(&twice).contains("subscription[1].id: \"crm\" is used twice"));
}
