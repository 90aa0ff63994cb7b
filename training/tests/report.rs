//! The report: weight charts per feature kind with their own axis titles
//! and room for long labels, a base-rate line on the lift chart, the unit
//! of count columns and points for every feature kind.

mod common;

use std::fmt::Write as _;

use leadscore_core::model::LinearModel;
use leadscore_train::{output, points, train};

/// A wide export with a seconds column and a long categorical column.
fn export() -> String {
    let mut s =
        "id,converted,Total Time Spent on Website,What is your current occupation\n".to_owned();
    for i in 0..600u64 {
        let seconds = (i * 7919) % 300 * 6;
        let job = ["Working Professional", "Unemployed", "Student"][(i % 3) as usize];
        let won = seconds > 900 || (job == "Working Professional" && i % 2 == 0);
        let _ = writeln!(s, "l{i},{},{seconds},{job}", u8::from(won));
    }
    s
}

/// The `width` attribute of an SVG's root element.
fn svg_width(svg: &str) -> u32 {
    let start = svg.find("width=\"").unwrap() + 7;
    svg[start..].split('"').next().unwrap().parse().unwrap()
}

#[test]
fn charts_are_titled_per_feature_kind_and_sized_for_their_labels() {
    let dir = tempfile::tempdir().unwrap();
    let wide = common::write(dir.path(), "leads.csv", &export());
    let out = dir.path().join("models");
    let shown = out.display().to_string();
    let mut flags = common::wide_flags(&wide, "converted", &shown);
    flags.extend_from_slice(&["--c-grid", "1"]);
    let args = common::fit_args(&flags);
    let mut trained = train::train(args.input.load().unwrap(), &args.settings).unwrap();
    let written = output::write(&out, &mut trained).unwrap();
    let images = out.join(&written.version);
    let report = std::fs::read_to_string(&written.report).unwrap();

    let unit = trained.file.features.activities[0].unit.unwrap();
    let activity = std::fs::read_to_string(images.join("weights.svg")).unwrap();
    assert!(
        activity.contains("ln(1 + count / unit)")
            && activity.contains(&format!("total_time_spent_on_website (unit {unit})")),
        "{activity}"
    );
    let categories = std::fs::read_to_string(images.join("weights_categories.svg")).unwrap();
    let longest = "what_is_your_current_occupation=working professional";
    assert!(
        categories.contains("logit when the value is present")
            && !categories.contains("ln(1+count)")
            && categories.contains(longest),
        "{categories}"
    );
    // The label area holds the longest label (7 px a character at the axis font).
    assert!(
        svg_width(&categories) >= 530 + 7 * longest.len() as u32,
        "width {}",
        svg_width(&categories)
    );
    let lift = std::fs::read_to_string(images.join("lift.svg")).unwrap();
    assert!(
        lift.contains(&format!(
            "base rate {:.3} (lift 1)",
            trained.evaluation.base_rate
        )),
        "{lift}"
    );

    assert!(
        report.contains("weights_categories.svg")
            && report.contains(&format!("| total_time_spent_on_website (unit {unit}) | ")),
        "{report}"
    );
    let model = LinearModel::new(trained.file.clone());
    for i in 0..model.weights().len() {
        let row = format!(
            "| {:+.4} | {} |",
            model.weights()[i],
            points::of_feature(&model, i)
        );
        assert!(report.contains(&row), "{row} in {report}");
    }
    let category = trained.file.features.activities.len();
    assert_ne!(points::of_feature(&model, category), 0);
}
