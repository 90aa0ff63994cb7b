//! SVG charts for the report (SVG needs no fonts on the machine).

use std::path::Path;

use plotters::prelude::*;

use crate::error::OutputError;

/// A named line of (x, y) points.
pub struct Series<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Points.
    pub points: Vec<(f64, f64)>,
}

/// Line chart on the unit square with a dashed diagonal (ROC, calibration).
pub fn unit_lines(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Series<'_>],
) -> Result<(), OutputError> {
    draw(path, |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .draw()?;
        chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.3)))?;
        for (i, s) in series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(s.points.clone(), color.stroke_width(2)))?
                .label(s.label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
                });
            chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 2, color.filled())))?;
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()?;
        Ok(())
    })
}

/// Width of the plot area of a bar chart, beside its labels.
const BAR_PLOT_WIDTH: u32 = 530;
/// Approximate width of one label character at the axis font size (SVG
/// text is measured by the viewer, so the label area is sized by length).
const LABEL_CHAR_WIDTH: u32 = 7;
/// Narrowest label area.
const MIN_LABEL_AREA: u32 = 120;

/// A vertical reference line on a bar chart, with its legend text.
pub struct Reference<'a> {
    /// Where it crosses the value axis.
    pub at: f64,
    /// Legend text.
    pub label: &'a str,
}

/// Horizontal bar chart of labelled values (weights, lift), its label
/// area as wide as the longest label, with an optional reference line.
pub fn bars(
    path: &Path,
    title: &str,
    x_desc: &str,
    bars: &[(String, f64)],
    reference: Option<Reference<'_>>,
) -> Result<(), OutputError> {
    let marks = bars
        .iter()
        .map(|b| b.1)
        .chain(reference.as_ref().map(|r| r.at));
    let lo = marks.clone().fold(0.0, f64::min);
    let hi = marks.fold(0.0, f64::max);
    let pad = ((hi - lo) * 0.05).max(1e-3);
    let n = bars.len();
    let longest = bars.iter().map(|b| b.0.chars().count()).max().unwrap_or(0) as u32;
    let label_area = (longest * LABEL_CHAR_WIDTH + 24).max(MIN_LABEL_AREA);
    let height = 120 + 24 * n as u32;
    draw_sized(path, (label_area + BAR_PLOT_WIDTH, height), |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_area)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0f64..n as f64)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|y| {
                let i = y.floor() as usize;
                if (y - i as f64 - 0.5).abs() < 1e-6 && i < n {
                    bars[n - 1 - i].0.clone()
                } else {
                    String::new()
                }
            })
            .disable_y_mesh()
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
            let y = (n - 1 - i) as f64;
            let color = if *v >= 0.0 {
                BLUE.mix(0.7)
            } else {
                RED.mix(0.7)
            };
            Rectangle::new([(0.0, y + 0.15), (*v, y + 0.85)], color.filled())
        }))?;
        if let Some(r) = reference {
            let line = BLACK.stroke_width(2);
            chart
                .draw_series(LineSeries::new([(r.at, 0.0), (r.at, n as f64)], line))?
                .label(r.label)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], line));
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE)
                .draw()?;
        }
        Ok(())
    })
}

/// The SVG drawing area a chart is drawn on.
type Canvas<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
/// Result of drawing a chart.
type Drawn<'a> = Result<(), Box<dyn std::error::Error + 'a>>;

/// Draws on a 640×480 SVG.
fn draw(path: &Path, f: impl for<'a> FnOnce(Canvas<'a>) -> Drawn<'a>) -> Result<(), OutputError> {
    draw_sized(path, (640, 480), f)
}

/// Draws on an SVG of `size` and saves it.
fn draw_sized(
    path: &Path,
    size: (u32, u32),
    f: impl for<'a> FnOnce(Canvas<'a>) -> Drawn<'a>,
) -> Result<(), OutputError> {
    let plot_err = |reason: String| OutputError::Plot {
        path: path.to_owned(),
        reason,
    };
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(e.to_string()))?;
    f(root.clone()).map_err(|e| plot_err(e.to_string()))?;
    root.present().map_err(|e| plot_err(e.to_string()))
}
