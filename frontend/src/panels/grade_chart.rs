//! A class's grade distribution as a small bar chart, drawn as inline SVG.
//!
//! Eight bars (one per grade of the scale) need no chart library: a few
//! rectangles and labels are a few hundred bytes of markup, where a chart
//! crate would add tens of kilobytes of wasm to every phone's download for
//! one small picture. Inline SVG also scales with the text, prints, and is
//! read by a screen reader from its title and description.

use leptos::prelude::*;
use shared_types::Grade;

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 140.0;
/// Room under the bars for the grade labels, and above for the counts.
const LABEL_ROOM: f64 = 18.0;
const COUNT_ROOM: f64 = 16.0;

/// How many students hold each grade of the scale, lowest grade first.
pub fn distribution(grades: impl IntoIterator<Item = Grade>) -> Vec<(Grade, usize)> {
    let mut scale: Vec<Grade> = Grade::all().collect();
    scale.sort();
    let mut counts: Vec<(Grade, usize)> = scale.into_iter().map(|g| (g, 0)).collect();
    for grade in grades {
        if let Some((_, count)) = counts.iter_mut().find(|(g, _)| *g == grade) {
            *count += 1;
        }
    }
    counts
}

/// The chart of `counts` (see [`distribution`]) for the class `code`.
pub fn grade_chart(code: String, counts: Signal<Vec<(Grade, usize)>>) -> impl IntoView {
    let graded = move || counts.with(|c| c.iter().map(|(_, n)| n).sum::<usize>());
    let summary = move || {
        counts.with(|c| {
            let parts: Vec<String> = c
                .iter()
                .rev()
                .filter(|(_, n)| *n > 0)
                .map(|(g, n)| format!("{g}: {n}"))
                .collect();
            if parts.is_empty() {
                "No grades yet.".to_owned()
            } else {
                format!("{} graded. {}.", graded(), parts.join(", "))
            }
        })
    };
    let title = format!("Grade distribution of {code}");
    let bars = move || {
        counts.with(|c| {
            let most = c.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
            let slot = WIDTH / c.len().max(1) as f64;
            let room = HEIGHT - LABEL_ROOM - COUNT_ROOM;
            c.iter()
                .enumerate()
                .map(|(i, (grade, n))| {
                    let height = room * (*n as f64) / most;
                    let x = i as f64 * slot;
                    let y = HEIGHT - LABEL_ROOM - height;
                    let centre = x + slot / 2.0;
                    view! {
                        <g data-grade=grade.to_string() data-count=*n>
                            <rect x=x + slot * 0.15 y=y width=slot * 0.7 height=height class="bar" />
                            <text x=centre y=y - 4.0 class="count">
                                {(*n > 0).then(|| n.to_string())}
                            </text>
                            <text x=centre y=HEIGHT - 4.0 class="grade">
                                {grade.to_string()}
                            </text>
                        </g>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <figure class="grade-chart" data-testid="grade-chart">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-label=move || format!("{title}. {}", summary())
                preserveAspectRatio="xMidYMid meet"
            >
                <line x1="0" y1=HEIGHT - LABEL_ROOM x2=WIDTH y2=HEIGHT - LABEL_ROOM class="axis" />
                {bars}
            </svg>
            <figcaption class="muted small">{summary}</figcaption>
        </figure>
    }
}
