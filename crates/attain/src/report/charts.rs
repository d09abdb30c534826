//! Inline SVG charts, written by hand: two kinds (bars of a gap and lines
//! over years) need about 200 lines, where a plotting crate would add a
//! dependency tree and its own fonts and styles to a file that must load
//! nothing from outside. Colours are Okabe–Ito (safe for colour-blind
//! readers) and every series also differs in line style and marker, so the
//! charts read in greyscale.

use std::fmt::Write;

use super::document::escape;

/// Okabe–Ito blue, vermillion, bluish green, reddish purple, orange, sky blue.
const COLOURS: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];
const DASHES: [&str; 6] = ["", "6 4", "2 3", "8 3 2 3", "1 2", "10 4"];

fn open(out: &mut String, id: &str, width: u32, height: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
    let _ = write!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, size: u32, content: &str) {
    let _ = write!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"{size}\" font-family=\"system-ui, Arial, sans-serif\" fill=\"#1a1a1a\">{}</text>",
        escape(content)
    );
}

/// A round step for an axis spanning `span`.
fn step(span: f64) -> f64 {
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.abs().max(1e-9).log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// Horizontal bars, one per label, from 0; `None` bars are drawn as
/// "withheld". Values in `unit` (points, say).
pub fn bars(
    id: &str,
    title: &str,
    desc: &str,
    bars: &[(String, Option<f64>)],
    unit: &str,
) -> String {
    let (width, row, left, right, top) = (640.0, 30.0, 190.0, 40.0, 36.0);
    let height = top + row * bars.len() as f64 + 40.0;
    let values: Vec<f64> = bars.iter().filter_map(|(_, v)| *v).collect();
    let low = values.iter().copied().fold(0.0f64, f64::min);
    let high = values.iter().copied().fold(0.0f64, f64::max);
    let tick = step((high - low).max(1.0));
    let (low, high) = ((low / tick).floor() * tick, (high / tick).ceil() * tick);
    let span = (high - low).max(tick);
    let x = |v: f64| left + (v - low) / span * (width - left - right);
    let mut out = String::new();
    open(&mut out, id, width as u32, height as u32, title, desc);
    let mut t = low;
    while t <= high + 1e-9 {
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#d9d9d9\"/>",
            x(t),
            height - 30.0
        );
        text(
            &mut out,
            x(t),
            height - 14.0,
            "middle",
            12,
            &format!("{t:+.0}").replace("+0", "0"),
        );
        t += tick;
    }
    let _ = write!(out, "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#1a1a1a\" stroke-width=\"1.5\"/>", x(0.0), height - 30.0);
    text(&mut out, width / 2.0, 20.0, "middle", 13, unit);
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        text(&mut out, left - 8.0, y + row * 0.65, "end", 13, label);
        match value {
            Some(v) => {
                let (a, b) = (x(0.0).min(x(*v)), x(0.0).max(x(*v)));
                // Below zero in vermillion with a hatch-free darker edge,
                // above in blue: the sign is also in the label.
                let colour = if *v < 0.0 { COLOURS[1] } else { COLOURS[0] };
                let _ = write!(
                    out,
                    "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" stroke=\"#1a1a1a\" stroke-width=\"0.5\"/>",
                    y + 6.0,
                    (b - a).max(1.0),
                    row - 12.0
                );
                let at = if *v < 0.0 { a - 4.0 } else { b + 4.0 };
                let anchor = if *v < 0.0 { "end" } else { "start" };
                if (*v < 0.0 && a - 4.0 > left + 30.0) || *v >= 0.0 {
                    text(
                        &mut out,
                        at,
                        y + row * 0.65,
                        anchor,
                        12,
                        &format!("{v:+.1}"),
                    );
                }
            }
            None => {
                // Beside the axis, on the side with room.
                let (at, anchor) = if x(0.0) > width - right - 70.0 {
                    (x(0.0) - 6.0, "end")
                } else {
                    (x(0.0) + 6.0, "start")
                };
                text(&mut out, at, y + row * 0.65, anchor, 12, "withheld")
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// One series of a line chart: a name, and (year, value, interval) points.
pub struct Series {
    pub name: String,
    pub points: Vec<(u16, Option<f64>, Option<(f64, f64)>)>,
}

/// Lines over years, each with its 95% interval as a band, a distinct
/// colour, dash pattern and marker; a legend names them.
pub fn lines(id: &str, title: &str, desc: &str, series: &[Series], unit: &str) -> String {
    // The legend sits right of the plot, as wide as its longest name needs
    // (about 7 px a character at 12 px) so that no name runs off the image.
    let longest = series
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let right = (46.0 + 7.2 * longest + 12.0).max(170.0);
    let (width, height, left, top, bottom) = (470.0 + right, 320.0, 56.0, 30.0, 40.0);
    let years: Vec<u16> = {
        let mut years: Vec<u16> = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .collect();
        years.sort_unstable();
        years.dedup();
        years
    };
    let mut values: Vec<f64> = Vec::new();
    for s in series {
        for (_, v, band) in &s.points {
            values.extend(v);
            if let Some((l, h)) = band {
                values.push(*l);
                values.push(*h);
            }
        }
    }
    let mut out = String::new();
    open(&mut out, id, width as u32, height as u32, title, desc);
    if years.is_empty() || values.is_empty() {
        text(
            &mut out,
            width / 2.0,
            height / 2.0,
            "middle",
            14,
            "no figures to draw",
        );
        out.push_str("</svg>");
        return out;
    }
    let (mut low, mut high) = (
        values.iter().copied().fold(f64::INFINITY, f64::min),
        values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let tick = step((high - low).max(1e-6));
    low = (low / tick).floor() * tick;
    high = (high / tick).ceil() * tick;
    let span = (high - low).max(tick);
    let x = |year: u16| {
        let at = years.iter().position(|y| *y == year).unwrap_or(0) as f64;
        left + 20.0 + at / (years.len().max(2) - 1) as f64 * (width - left - right - 40.0)
    };
    let y = |v: f64| top + (high - v) / span * (height - top - bottom);
    let mut t = low;
    while t <= high + 1e-9 {
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#d9d9d9\"/>",
            y(t),
            width - right
        );
        text(
            &mut out,
            left - 6.0,
            y(t) + 4.0,
            "end",
            12,
            &format!("{}", (t * 100.0).round() / 100.0),
        );
        t += tick;
    }
    for year in &years {
        text(
            &mut out,
            x(*year),
            height - bottom + 18.0,
            "middle",
            12,
            &year.to_string(),
        );
    }
    text(&mut out, 14.0, top - 10.0, "start", 12, unit);
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        // The interval band: a light fill between the lower and upper ends.
        let band: Vec<(u16, f64, f64)> = s
            .points
            .iter()
            .filter_map(|(year, _, band)| band.map(|(l, h)| (*year, l, h)))
            .collect();
        if band.len() >= 2 {
            let mut path = String::new();
            for (k, (year, _, h)) in band.iter().enumerate() {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if k == 0 { "M" } else { "L" },
                    x(*year),
                    y(*h)
                );
            }
            for (year, l, _) in band.iter().rev() {
                let _ = write!(path, "L{:.1},{:.1} ", x(*year), y(*l));
            }
            let _ = write!(
                out,
                "<path d=\"{path}Z\" fill=\"{colour}\" fill-opacity=\"0.15\" stroke=\"none\"/>"
            );
        }
        let points: Vec<(u16, f64)> = s
            .points
            .iter()
            .filter_map(|(year, v, _)| v.map(|v| (*year, v)))
            .collect();
        if points.len() >= 2 {
            let path: Vec<String> = points
                .iter()
                .map(|(year, v)| format!("{:.1},{:.1}", x(*year), y(*v)))
                .collect();
            let dash = DASHES[i % DASHES.len()];
            let _ = write!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"{}/>",
                path.join(" "),
                if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") }
            );
        }
        for (year, v) in &points {
            marker(&mut out, i, x(*year), y(*v), colour);
        }
        // Legend.
        let ly = top + 10.0 + 22.0 * i as f64;
        let lx = width - right + 14.0;
        let dash = DASHES[i % DASHES.len()];
        let _ = write!(
            out,
            "<line x1=\"{lx}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{colour}\" stroke-width=\"2.5\"{}/>",
            lx + 26.0,
            if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") }
        );
        marker(&mut out, i, lx + 13.0, ly, colour);
        text(&mut out, lx + 32.0, ly + 4.0, "start", 12, &s.name);
    }
    out.push_str("</svg>");
    out
}

/// Markers differ in shape as well as colour: circle, square, triangle,
/// diamond, cross, plus.
fn marker(out: &mut String, series: usize, x: f64, y: f64, colour: &str) {
    let _ = match series % 6 {
        0 => write!(out, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{colour}\"/>"),
        1 => write!(out, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"{colour}\"/>", x - 4.0, y - 4.0),
        2 => write!(out, "<polygon points=\"{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{colour}\"/>", y - 5.0, x - 5.0, y + 4.0, x + 5.0, y + 4.0),
        3 => write!(out, "<polygon points=\"{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}\" fill=\"{colour}\"/>", y - 5.0, x + 5.0, y + 5.0, x - 5.0),
        4 => write!(out, "<path d=\"M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}\" stroke=\"{colour}\" stroke-width=\"2.5\"/>", x - 4.0, y - 4.0, x + 4.0, y + 4.0, x - 4.0, y + 4.0, x + 4.0, y - 4.0),
        _ => write!(out, "<path d=\"M{:.1},{y:.1} L{:.1},{y:.1} M{x:.1},{:.1} L{x:.1},{:.1}\" stroke=\"{colour}\" stroke-width=\"2.5\"/>", x - 5.0, x + 5.0, y - 5.0, y + 5.0),
    };
}
