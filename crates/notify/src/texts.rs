//! The messages, in the recipient's language: Fluent catalogues (`locales/*.ftl`) embedded
//! in the binary, one per language the platform speaks.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The languages of the messages, as BCP 47 tags.
pub const LANGUAGES: [&str; 4] = ["fr", "nl", "de", "en"];

const SOURCES: [(&str, &str); 4] = [
    ("fr", include_str!("../locales/fr.ftl")),
    ("nl", include_str!("../locales/nl.ftl")),
    ("de", include_str!("../locales/de.ftl")),
    ("en", include_str!("../locales/en.ftl")),
];

/// Every catalogue, parsed once.
pub struct Texts {
    bundles: Vec<(&'static str, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Texts").finish_non_exhaustive()
    }
}

/// Arguments of a message: names and text values.
pub type Args<'a> = &'a [(&'a str, String)];

impl Texts {
    /// Parses the embedded catalogues (a syntax error in one is a build defect, found by
    /// the tests).
    pub fn load() -> anyhow::Result<Self> {
        let mut bundles = Vec::new();
        for (tag, source) in SOURCES {
            let resource = FluentResource::try_new(source.to_owned())
                .map_err(|(_, errors)| anyhow::anyhow!("locales/{tag}.ftl: {errors:?}"))?;
            let lang: unic_langid::LanguageIdentifier = tag.parse()?;
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // Plain-text e-mail: no Unicode isolation marks around values.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| anyhow::anyhow!("locales/{tag}.ftl: {errors:?}"))?;
            bundles.push((tag, bundle));
        }
        Ok(Self { bundles })
    }

    fn bundle(&self, lang: &str) -> &FluentBundle<FluentResource> {
        self.bundles
            .iter()
            .find(|(tag, _)| *tag == lang)
            .or_else(|| self.bundles.iter().find(|(tag, _)| *tag == "en"))
            .map(|(_, b)| b)
            .expect("the English catalogue is embedded")
    }

    /// Message `key` in `lang` (English for an unknown language) with `args`; the key itself
    /// when the catalogue lacks it (the tests make sure none does).
    pub fn get(&self, lang: &str, key: &str, args: Args<'_>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, FluentValue::from(value.as_str()));
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, lang, ?errors, "notification text");
        }
        text.into_owned()
    }

    /// Every message key of a catalogue.
    #[cfg(test)]
    fn keys(source: &str) -> std::collections::BTreeSet<String> {
        source
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .filter(|k| !k.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message_and_they_differ() {
        let texts = Texts::load().unwrap();
        let english = Texts::keys(SOURCES[3].1);
        assert!(english.len() > 30);
        for (tag, source) in SOURCES {
            assert_eq!(Texts::keys(source), english, "locales/{tag}.ftl");
        }
        let args: &[(&str, String)] = &[
            ("tenant", "commune-a".into()),
            ("incident", "7".into()),
            ("title", "Phishing".into()),
        ];
        let subjects: std::collections::BTreeSet<String> = LANGUAGES
            .iter()
            .map(|l| texts.get(l, "question-subject", args))
            .collect();
        assert_eq!(subjects.len(), 4, "{subjects:?}");
        assert!(
            texts
                .get("nl", "question-subject", args)
                .contains("vraag over incident nr. 7")
        );
        assert_eq!(texts.get("xx", "test-subject", &[]), "vigie test message");
    }
}
