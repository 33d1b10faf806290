//! A report's email for one recipient: the HTML and text parts from one template
//! (`templates/email/report.html`), the CSV attachment and, for alert summaries, the chart PNG.

use super::{CHART_CID, DayCounts, ReportMail, Section, Table};
use crate::i18n::Tr;
use crate::store::{Report, ReportRun, Result, StoreError};
use askama::Template;
use chrono::{DateTime, Utc};

struct ReportFields<'a> {
    lang: &'static str,
    /// The chart's content id and its description, when there is one.
    chart: Option<(&'static str, String)>,
    subject: String,
    period: String,
    intro: &'a [String],
    headers: &'a [String],
    rows: &'a [Vec<String>],
    notes: &'a [String],
    /// In the email only, not in the CSV.
    sections: &'a [Section],
    attachment_note: String,
    footer: String,
    unsubscribe: &'a str,
    unsubscribe_label: String,
}

#[derive(Template)]
#[template(path = "email/report.html", escape = "html")]
struct ReportHtml<'a> {
    html: bool,
    m: &'a ReportFields<'a>,
}

#[derive(Template)]
#[template(path = "email/report.html", escape = "none")]
struct ReportText<'a> {
    html: bool,
    m: &'a ReportFields<'a>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn render(
    report: &Report,
    run: &ReportRun,
    table: &Table,
    tr: &Tr,
    zone: crate::domain::TimeZone,
    name: &str,
    account: &str,
    unsubscribe: &str,
) -> Result<ReportMail> {
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&zone.tz())
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    };
    let chart_png = match &table.days {
        Some(days) => Some(
            chart(
                days,
                &tr.t("report-chart-title"),
                &tr.t("severity-critical"),
                &tr.t("report-col-alerts"),
            )
            .map_err(StoreError::Content)?,
        ),
        None => None,
    };
    let fields = ReportFields {
        chart: chart_png
            .as_ref()
            .map(|_| (CHART_CID, tr.t("report-chart-title"))),
        lang: tr.lang(),
        subject: tr.ta("report-subject", &[("name", &report.name)]),
        period: tr.ta(
            "report-period",
            &[
                ("start", &local(run.period_start)),
                ("end", &local(run.period_end)),
            ],
        ),
        intro: &table.intro,
        headers: &table.headers,
        rows: &table.rows,
        notes: &table.notes,
        sections: &table.sections,
        attachment_note: tr.t("report-attachment"),
        footer: tr.ta("mail-footer", &[("name", name), ("account", account)]),
        unsubscribe,
        unsubscribe_label: tr.t("report-unsubscribe"),
    };
    let fail =
        |e: askama::Error| StoreError::Content(format!("the report could not be written: {e}"));
    let html = ReportHtml {
        html: true,
        m: &fields,
    }
    .render()
    .map_err(fail)?;
    let text = ReportText {
        html: false,
        m: &fields,
    }
    .render()
    .map_err(fail)?;
    // The attachment: the kind's own CSV (the alert summary's alerts), else the table; formula
    // cells neutralised.
    let (headers, rows) = match &table.csv {
        Some(csv) => (&csv.headers, &csv.rows),
        None => (&table.headers, &table.rows),
    };
    let csv = crate::domain::csv_cell::write(headers, rows).map_err(StoreError::Content)?;
    Ok(ReportMail {
        subject: fields.subject.clone(),
        text,
        html,
        csv_name: format!(
            "{}-{}.csv",
            report.kind.as_str(),
            run.scheduled_for.format("%Y%m%d")
        ),
        csv,
        unsubscribe: Some(unsubscribe.to_owned()),
        chart_png: chart_png.map(|png| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(png)
        }),
    })
}

/// The chart of alerts per day as a PNG: all alerts in blue, the critical ones in red.
pub fn chart(
    days: &DayCounts,
    title: &str,
    critical_label: &str,
    all_label: &str,
) -> std::result::Result<Vec<u8>, String> {
    use plotters::prelude::*;
    static FONT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let font_ok = *FONT.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    if !font_ok {
        return Err("the chart font could not be loaded".into());
    }
    let (w, h) = (720_u32, 280_u32);
    let mut buffer = vec![255_u8; (w * h * 3) as usize];
    {
        let fail = |e: &dyn std::fmt::Display| e.to_string();
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let top = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
        let n = days.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d((0..n).into_segmented(), 0..top + top / 5 + 1)
            .map_err(|e| fail(&e))?;
        let labels: Vec<String> = days
            .iter()
            .map(|d| d.0.format("%m-%d").to_string())
            .collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(days.len().min(14))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(|e| fail(&e))?;
        let blue = RGBColor(31, 95, 191);
        let red = RGBColor(197, 34, 31);
        chart
            .draw_series(days.iter().enumerate().map(|(i, d)| {
                let x = i as u32;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0),
                        (SegmentValue::Exact(x + 1), d.1),
                    ],
                    blue.filled(),
                )
            }))
            .map_err(|e| fail(&e))?
            .label(all_label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], blue.filled()));
        chart
            .draw_series(days.iter().enumerate().map(|(i, d)| {
                let x = i as u32;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0),
                        (SegmentValue::Exact(x + 1), d.2),
                    ],
                    red.filled(),
                )
            }))
            .map_err(|e| fail(&e))?
            .label(critical_label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], red.filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.2))
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    let image =
        image::RgbImage::from_raw(w, h, buffer).ok_or("the chart buffer has the wrong size")?;
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageOutputFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(png.into_inner())
}
