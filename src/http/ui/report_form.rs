//! The report form of Configure > Reports: its fields as posted, the domain input they make,
//! and the form filled from a saved report or with a new report's defaults.

use super::Web;
use super::contacts::ContactFormData;
use crate::domain::report::{ReportInput, ScheduleInput};
use crate::domain::{CompaniesInput, CompanyAccess};
use crate::store::Report;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub companies: Vec<String>,
    /// `calendar` or `cron`.
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub every: String,
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub cron: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub enabled: Option<String>,
}

impl ReportForm {
    pub(super) fn input(&self) -> ReportInput {
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let schedule = if self.mode == "cron" {
            ScheduleInput {
                cron: Some(self.cron.clone()),
                timezone: text(&self.timezone),
                ..ScheduleInput::default()
            }
        } else {
            ScheduleInput {
                every: text(&self.every),
                weekday: (self.every == "week").then(|| self.weekday.clone()),
                day: (self.every == "month").then(|| self.day.trim().parse().unwrap_or(0)),
                at: text(&self.at),
                timezone: text(&self.timezone),
                ..ScheduleInput::default()
            }
        };
        ReportInput {
            name: Some(self.name.clone()),
            kind: Some(self.kind.clone()),
            companies: Some(if self.access == "chosen" {
                CompaniesInput::Chosen(self.companies.clone())
            } else {
                CompaniesInput::All
            }),
            schedule: Some(schedule),
            recipients: Some(self.recipients.clone()),
            enabled: Some(self.enabled.is_some()),
        }
    }

    pub(super) fn of(report: &Report) -> Self {
        let s = report.schedule.to_json();
        Self {
            name: report.name.clone(),
            kind: report.kind.as_str().to_owned(),
            access: match report.companies {
                CompanyAccess::All => "all".to_owned(),
                CompanyAccess::Only(_) => "chosen".to_owned(),
            },
            companies: report.companies.chosen().map(ToString::to_string).collect(),
            mode: if s.cron.is_some() { "cron" } else { "calendar" }.to_owned(),
            every: s.every.unwrap_or_default(),
            weekday: s.weekday.unwrap_or_default(),
            day: s.day.map(|d| d.to_string()).unwrap_or_default(),
            at: s.at.unwrap_or_default(),
            cron: s.cron.unwrap_or_default(),
            timezone: s.timezone.unwrap_or_default(),
            recipients: report.recipients.iter().map(ToString::to_string).collect(),
            enabled: report.enabled.then(|| "on".to_owned()),
        }
    }

    pub(super) fn fresh(web: &Web) -> Self {
        Self {
            kind: "alert_summary".into(),
            access: "all".into(),
            mode: "calendar".into(),
            every: "week".into(),
            weekday: "mon".into(),
            day: "1".into(),
            at: "08:00".into(),
            timezone: web.timezone.as_str().to_owned(),
            enabled: Some("on".into()),
            ..Self::default()
        }
    }

    pub fn access_form(&self) -> ContactFormData {
        ContactFormData {
            name: self.name.clone(),
            access: self.access.clone(),
            companies: self.companies.clone(),
        }
    }

    pub fn has_recipient(&self, id: &str) -> bool {
        self.recipients.iter().any(|r| r == id)
    }
}
