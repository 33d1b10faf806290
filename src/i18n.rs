//! Translations: Fluent files in `locales/{en,es}`, one message id per visible string.

use crate::domain::{FieldError, Invalid, Locale};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The language of one page.
#[derive(Debug, Clone)]
pub struct Tr {
    locale: Locale,
    id: LanguageIdentifier,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        let id = match locale {
            Locale::En => langid!("en"),
            Locale::Es => langid!("es"),
        };
        Self { locale, id }
    }

    /// The user's setting, else the first of `en`/`es` in `Accept-Language`, else English.
    pub fn choose(setting: Option<Locale>, accept_language: Option<&str>) -> Self {
        Self::new(
            setting
                .or_else(|| accept_language.and_then(from_header))
                .unwrap_or(Locale::En),
        )
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }

    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        LOCALES.lookup(&self.id, id)
    }

    /// The message `id` with arguments.
    pub fn ta(&self, id: &str, args: &[(&str, &str)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(*v)))
            .collect();
        LOCALES.lookup_with_args(&self.id, id, &args)
    }

    /// A refused field's message in this language.
    pub fn error(&self, error: &Invalid) -> String {
        let id = format!("error-{}", error.code());
        match error {
            Invalid::TooLong { max } => self.ta(&id, &[("max", &max.to_string())]),
            Invalid::TooShort { min } => self.ta(&id, &[("min", &min.to_string())]),
            Invalid::Range { min, max } => {
                self.ta(&id, &[("min", &min.to_string()), ("max", &max.to_string())])
            }
            Invalid::OneOf { allowed } => self.ta(&id, &[("allowed", allowed)]),
            Invalid::RepeatsLine { line } | Invalid::DiffersFromLine { line } => {
                self.ta(&id, &[("line", &line.to_string())])
            }
            Invalid::TooManyCells { max } => self.ta(&id, &[("max", &max.to_string())]),
            _ => self.t(&id),
        }
    }
}

fn from_header(header: &str) -> Option<Locale> {
    let mut ranked: Vec<(f32, Locale)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next()?;
            Locale::parse(primary).ok().map(|l| (q, l))
        })
        .filter(|(q, _)| *q > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map(|(_, l)| *l)
}

/// Field errors of a form, translated, by field name.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(HashMap<String, String>);

impl FormErrors {
    pub fn new(tr: &Tr, errors: &[FieldError]) -> Self {
        let mut map = HashMap::new();
        for e in errors {
            map.entry(e.field.clone())
                .or_insert_with(|| tr.error(&e.error));
        }
        Self(map)
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(from_header("es-ES,es;q=0.9,en;q=0.8"), Some(Locale::Es));
        assert_eq!(from_header("fr-FR, en;q=0.5, es;q=0.7"), Some(Locale::Es));
        assert_eq!(from_header("de"), None);
        assert_eq!(Tr::choose(Some(Locale::En), Some("es")).lang(), "en");
        assert_eq!(Tr::choose(None, None).lang(), "en");
    }

    #[test]
    fn both_languages_have_the_pinned_wording() {
        let (en, es) = (Tr::new(Locale::En), Tr::new(Locale::Es));
        for (id, english, spanish) in [
            ("nav-configure", "Configure", "Configurar"),
            ("nav-contacts", "Contacts", "Contactos"),
            ("nav-my-account", "My Account", "Mi cuenta"),
            ("add-contact", "Add a Contact", "Añadir un contacto"),
            (
                "add-method",
                "Add Contact Method",
                "Añadir método de contacto",
            ),
            ("edit", "Edit", "Editar"),
            ("delete", "Delete", "Eliminar"),
            ("save", "Save", "Guardar"),
            ("ok", "OK", "Aceptar"),
            ("cancel", "Cancel", "Cancelar"),
            ("field-name", "Name", "Nombre"),
            ("field-companies", "Companies", "Empresas"),
            ("field-type", "Type", "Tipo"),
            ("field-address", "Address", "Dirección"),
            ("type-email", "Email", "Correo electrónico"),
            ("type-sms", "Text message", "Mensaje de texto"),
            ("type-phone", "Phone", "Teléfono"),
            ("type-webhook", "Webhook", "Webhook"),
        ] {
            assert_eq!(
                (en.t(id).as_str(), es.t(id).as_str()),
                (english, spanish),
                "{id}"
            );
        }
        assert_eq!(en.error(&Invalid::Email), "Enter a valid email address");
        assert_eq!(
            es.error(&Invalid::Email),
            "Introduce una dirección de correo válida"
        );
    }
}

#[cfg(test)]
mod ids {
    use std::collections::BTreeSet;

    fn ids(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages_once() {
        let en = ids(include_str!("../locales/en/main.ftl"));
        let es = ids(include_str!("../locales/es/main.ftl"));
        for (lang, list) in [("en", &en), ("es", &es)] {
            let unique: BTreeSet<_> = list.iter().collect();
            assert_eq!(unique.len(), list.len(), "{lang} has a message twice");
        }
        let (en, es): (BTreeSet<_>, BTreeSet<_>) =
            (en.into_iter().collect(), es.into_iter().collect());
        assert_eq!(
            en.difference(&es).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in es"
        );
        assert_eq!(
            es.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in en"
        );
    }
}
