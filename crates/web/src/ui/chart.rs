//! Time charts drawn on the server as SVG: no script, no inline style (the
//! Content-Security-Policy forbids both), colours from classes in `static/vigie.css`. The
//! geometry is computed here; `templates/chart.html` writes it and escapes every label
//! (title, description, series names, times, values).
//!
//! A chart is stacked bars, one bar per time bucket and one colour per series (at most
//! [`MAX_SERIES`]; the rest are summed into "other"). It carries a `<title>` and a `<desc>`
//! (`role="img"`, `aria-labelledby`), each bar a `<title>` with its time and value, and the
//! figures follow in a table inside `<details>` for screen readers and for copying.

use jiff::Timestamp;

use askama::Template;

use super::html::Markup;
use super::i18n::{Catalog, brussels};

/// Series drawn with their own colour; more are summed into one "other" series.
pub const MAX_SERIES: usize = 8;

/// Most buckets drawn (a wider range is cut to its newest buckets).
pub const MAX_BUCKETS: usize = 400;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

/// One named series of `(bucket start, value)` points.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Its name in the legend (empty for a single unnamed series).
    pub name: String,
    /// Values per bucket start.
    pub points: Vec<(Timestamp, f64)>,
}

/// What to draw.
pub struct TimeChart<'a> {
    /// Unique id prefix inside the page (for `aria-labelledby`).
    pub id: &'a str,
    /// The chart's title (also its accessible name).
    pub title: &'a str,
    /// A sentence describing it (its accessible description).
    pub desc: &'a str,
    /// Bucket width in seconds.
    pub span_seconds: i64,
    /// First bucket shown (rounded down to the span); `None`: the first bucket with data.
    pub from: Option<Timestamp>,
    /// Instant after the last bucket shown; `None`: after the last bucket with data.
    pub to: Option<Timestamp>,
    /// The series.
    pub series: Vec<Series>,
}

fn bucket_of(t: Timestamp, span: i64) -> i64 {
    t.as_second().div_euclid(span) * span
}

/// A label for bucket `second` (times for spans under a day, dates otherwise).
fn tick_label(cat: &Catalog, second: i64, span: i64) -> String {
    let Ok(ts) = Timestamp::from_second(second) else {
        return String::new();
    };
    let zoned = ts.to_zoned(brussels());
    let pattern = if span < 86_400 {
        "%H:%M".to_owned()
    } else {
        cat.t("chart-day-pattern")
    };
    jiff::fmt::strtime::format(pattern.as_str(), &zoned).unwrap_or_default()
}

/// A round step for `max` split in about four gridlines.
fn nice_step(max: f64) -> f64 {
    if max <= 4.0 {
        return 1.0;
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let unit = raw / magnitude;
    let nice = if unit <= 1.0 {
        1.0
    } else if unit <= 2.0 {
        2.0
    } else if unit <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

fn value_text(cat: &Catalog, v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        cat.number(v as i64)
    } else {
        format!("{v:.2}")
    }
}

impl TimeChart<'_> {
    /// The chart as SVG followed by its figures in a table.
    pub fn render(&self, cat: &Catalog) -> Markup {
        let span = self.span_seconds.max(1);
        // Keep the largest series; sum the others into "other".
        let mut series: Vec<Series> = self.series.clone();
        series.sort_by(|a, b| {
            let total = |s: &Series| s.points.iter().map(|p| p.1).sum::<f64>();
            total(b)
                .partial_cmp(&total(a))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        if series.len() > MAX_SERIES {
            let rest = series.split_off(MAX_SERIES - 1);
            series.push(Series {
                name: cat.t("chart-other"),
                points: rest.into_iter().flat_map(|s| s.points).collect(),
            });
        }
        // Buckets from..to.
        let seconds = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| bucket_of(p.0, span)));
        let (data_min, data_max) =
            seconds.fold((i64::MAX, i64::MIN), |(lo, hi), s| (lo.min(s), hi.max(s)));
        let first = self.from.map(|t| bucket_of(t, span)).unwrap_or(data_min);
        let end = self
            .to
            .map(|t| bucket_of(t, span) + if t.as_second() % span == 0 { 0 } else { span })
            .unwrap_or(data_max.saturating_add(span));
        if first >= end || first == i64::MAX {
            return Markup::of(&ChartView {
                cat,
                id: self.id,
                title: self.title,
                desc: self.desc,
                plot: None,
            });
        }
        let count = usize::try_from((end - first) / span).unwrap_or(MAX_BUCKETS);
        let count = count.clamp(1, MAX_BUCKETS);
        let first = end - span * count as i64;
        let mut grid = vec![vec![0.0f64; series.len()]; count];
        for (k, s) in series.iter().enumerate() {
            for (t, v) in &s.points {
                let b = bucket_of(*t, span);
                if b >= first && b < end {
                    grid[((b - first) / span) as usize][k] += *v;
                }
            }
        }
        let max = grid
            .iter()
            .map(|row| row.iter().sum::<f64>())
            .fold(0.0, f64::max);
        let step = nice_step(max);
        let top = if max <= 0.0 {
            step * 4.0
        } else {
            (max / step).ceil() * step
        };
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let bar_w = plot_w / count as f64;
        // Gridlines and their values.
        let mut gridlines = Vec::new();
        let mut g = 0.0;
        while g <= top + step / 2.0 {
            let y = TOP + plot_h - g / top * plot_h;
            gridlines.push(GridLine {
                y: format!("{y:.1}"),
                label_x: format!("{:.1}", LEFT - 6.0),
                label_y: format!("{:.1}", y + 4.0),
                value: value_text(cat, g),
            });
            g += step;
        }
        // Bars.
        let mut bars = Vec::new();
        for (i, row) in grid.iter().enumerate() {
            let start = first + span * i as i64;
            let x = LEFT + bar_w * i as f64;
            let mut base = 0.0;
            for (k, v) in row.iter().enumerate() {
                if *v <= 0.0 {
                    continue;
                }
                let y0 = TOP + plot_h - (base + v) / top * plot_h;
                let h = v / top * plot_h;
                base += v;
                bars.push(Bar {
                    series: k,
                    x: format!("{:.2}", x + bar_w * 0.1),
                    y: format!("{y0:.2}"),
                    width: format!("{:.2}", (bar_w * 0.8).max(0.5)),
                    height: format!("{h:.2}"),
                    name: series[k].name.clone(),
                    when: Timestamp::from_second(start)
                        .map(|t| cat.datetime(t))
                        .unwrap_or_default(),
                    value: value_text(cat, *v),
                });
            }
        }
        // Time ticks: about six labels.
        let every = count.div_ceil(6).max(1);
        let ticks = (0..count)
            .step_by(every)
            .map(|i| Tick {
                x: format!("{:.1}", LEFT + bar_w * i as f64 + bar_w / 2.0),
                label: tick_label(cat, first + span * i as i64, span),
            })
            .collect();
        let legend = (series.len() > 1 || series.iter().any(|s| !s.name.is_empty()))
            .then(|| series.iter().map(|s| s.name.clone()).collect());
        // The figures as a table: the buckets with data.
        let columns = series
            .iter()
            .map(|s| {
                if s.name.is_empty() {
                    cat.t("col-value")
                } else {
                    s.name.clone()
                }
            })
            .collect();
        let rows = grid
            .iter()
            .enumerate()
            .filter(|(_, row)| !row.iter().all(|v| *v == 0.0))
            .map(|(i, row)| {
                let when = Timestamp::from_second(first + span * i as i64)
                    .map(|t| cat.datetime(t))
                    .unwrap_or_default();
                (when, row.iter().map(|v| value_text(cat, *v)).collect())
            })
            .collect();
        Markup::of(&ChartView {
            cat,
            id: self.id,
            title: self.title,
            desc: self.desc,
            plot: Some(Plot {
                width: format!("{WIDTH}"),
                height: format!("{HEIGHT}"),
                left: format!("{LEFT}"),
                right: format!("{:.1}", WIDTH - RIGHT),
                base_y: format!("{:.1}", TOP + plot_h),
                tick_y: format!("{:.1}", HEIGHT - BOTTOM + 18.0),
                grid: gridlines,
                bars,
                ticks,
                legend,
                columns,
                rows,
            }),
        })
    }
}

/// A horizontal gridline and its value, coordinates already formatted.
struct GridLine {
    y: String,
    label_x: String,
    label_y: String,
    value: String,
}

/// One bar: its series (colour class), box, and tooltip parts.
struct Bar {
    series: usize,
    x: String,
    y: String,
    width: String,
    height: String,
    name: String,
    when: String,
    value: String,
}

/// A time label under the bars.
struct Tick {
    x: String,
    label: String,
}

/// Everything drawn when there is data.
struct Plot {
    width: String,
    height: String,
    left: String,
    right: String,
    base_y: String,
    tick_y: String,
    grid: Vec<GridLine>,
    bars: Vec<Bar>,
    ticks: Vec<Tick>,
    /// Series names, when there is more than one series or a named one.
    legend: Option<Vec<String>>,
    /// The table's value columns.
    columns: Vec<String>,
    /// The table's rows: bucket time and one value per series.
    rows: Vec<(String, Vec<String>)>,
}

/// A chart (`templates/chart.html`): every label escaped by the template.
#[derive(Template)]
#[template(path = "chart.html", config = "templates/askama.toml")]
struct ChartView<'a> {
    cat: &'a Catalog,
    id: &'a str,
    title: &'a str,
    desc: &'a str,
    plot: Option<Plot>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn bars_stack_per_bucket_with_accessible_names() {
        let cat = Catalog::of(Lang::En);
        let chart = TimeChart {
            id: "c",
            title: "Alerts <per> hour",
            desc: "Last 24 hours",
            span_seconds: 3600,
            from: Some(at("2026-01-01T00:00:00Z")),
            to: Some(at("2026-01-01T04:00:00Z")),
            series: vec![
                Series {
                    name: "a".into(),
                    points: vec![
                        (at("2026-01-01T00:10:00Z"), 3.0),
                        (at("2026-01-01T02:00:00Z"), 1.0),
                    ],
                },
                Series {
                    name: "b".into(),
                    points: vec![(at("2026-01-01T02:30:00Z"), 4.0)],
                },
            ],
        };
        let svg = chart.render(cat).into_string();
        assert!(svg.contains(r#"role="img" aria-labelledby="c-title c-desc""#));
        assert!(svg.contains("<title id=\"c-title\">Alerts &lt;per&gt; hour</title>"));
        // Four buckets, three bars; the 02:00 bucket stacks 1 + 4.
        assert_eq!(svg.matches(r#"<rect class="bar s"#).count(), 3 + 2, "{svg}");
        assert!(svg.contains("2026-01-01 03:00 (UTC+01:00)"), "{svg}");
        assert!(!svg.contains("style="));
        // Figures table: the rows with data only.
        assert_eq!(svg.matches("<tr><th scope=\"row\">").count(), 2);
        // The legend names both series.
        assert!(svg.contains(r#"<ul class="legend">"#));
    }

    #[test]
    fn every_label_is_escaped() {
        let evil = "<script>alert(1)</script>\"'&";
        let shown = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;";
        let chart = TimeChart {
            id: evil,
            title: evil,
            desc: evil,
            span_seconds: 3600,
            from: None,
            to: None,
            series: vec![Series {
                name: evil.to_owned(),
                points: vec![(at("2026-01-01T00:10:00Z"), 2.0)],
            }],
        };
        let svg = chart.render(Catalog::of(Lang::En)).into_string();
        // The id four times, title, description, the bar's tooltip, the legend, the column.
        assert_eq!(svg.matches(shown).count(), 4 + 2 + 1 + 1 + 1, "{svg}");
        assert_eq!(svg.matches("alert(1)").count(), svg.matches(shown).count());
        let empty = TimeChart {
            series: vec![],
            ..chart
        };
        let note = empty.render(Catalog::of(Lang::En)).into_string();
        assert_eq!(note.matches(shown).count(), 1, "{note}");
        assert!(!note.contains("<script>"));
    }

    #[test]
    fn empty_and_many_series() {
        let cat = Catalog::of(Lang::Fr);
        let empty = TimeChart {
            id: "e",
            title: "t",
            desc: "d",
            span_seconds: 60,
            from: None,
            to: None,
            series: vec![],
        };
        assert!(empty.render(cat).as_str().contains("e-empty"));
        let many = TimeChart {
            id: "m",
            title: "t",
            desc: "d",
            span_seconds: 86_400,
            from: None,
            to: None,
            series: (0..12)
                .map(|n| Series {
                    name: format!("s{n}"),
                    points: vec![(at("2026-03-01T12:00:00Z"), f64::from(n + 1))],
                })
                .collect(),
        };
        let svg = many.render(cat).into_string();
        assert_eq!(svg.matches("<li>").count(), MAX_SERIES);
        assert!(svg.contains(&cat.t("chart-other")));
        // A day span labels dates in the language's pattern.
        assert!(svg.contains(">01/03<"), "{svg}");
        assert_eq!(nice_step(37.0), 10.0);
        assert_eq!(nice_step(3.0), 1.0);
        assert_eq!(nice_step(1800.0), 500.0);
    }
}
