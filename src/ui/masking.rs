//! Presenter mode in drawing: the session's [`Mask`] is active while a frame is drawn, and
//! every string the drawers write passes through [`shown`] before it is cut to fit.
//!
//! The mask is reached through a thread-local rather than a parameter: the few writers every
//! drawer uses ([`super::put`], [`super::wrap`], the detail's paragraphs and JSON pane) are
//! then the one place masking happens, and a new screen cannot forget it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use crate::app::App;
use crate::mask::Mask;
use crate::store::EntryIx;

thread_local! {
    static ACTIVE: RefCell<Option<Arc<Mask>>> = const { RefCell::new(None) };
}

/// Runs `draw` with the app's mask active when presenter mode is on.
pub(crate) fn drawing<R>(app: &App, draw: impl FnOnce() -> R) -> R {
    if !app.present {
        return draw();
    }
    app.mask.learn_directory(&app.directory);
    app.mask.learn_principals(&app.store.principals);
    let before = ACTIVE.with(|active| active.replace(Some(Arc::clone(&app.mask))));
    // Put back what was there even if drawing panics: a later frame must not inherit it.
    struct Restore(Option<Option<Arc<Mask>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take().flatten();
            ACTIVE.with(|active| active.replace(before));
        }
    }
    let _restore = Restore(Some(before));
    draw()
}

/// Whether presenter mode is on for the frame being drawn.
pub(crate) fn active() -> bool {
    ACTIVE.with(|active| active.borrow().is_some())
}

/// `text` as it may be shown: masked in presenter mode.
pub(crate) fn shown(text: &str) -> Cow<'_, str> {
    ACTIVE.with(|active| match active.borrow().as_ref() {
        Some(mask) => mask.text(text),
        None => Cow::Borrowed(text),
    })
}

/// An OU path as it may be shown (OU names are masked where shown as OUs, see
/// [`Mask::ou_path`]).
pub(crate) fn ou_path(path: &str) -> Cow<'_, str> {
    ACTIVE.with(|active| match active.borrow().as_ref() {
        Some(mask) => Cow::Owned(mask.ou_path(path)),
        None => Cow::Borrowed(path),
    })
}

/// Learns the names a queue row shows before it is drawn: the account's name as the record
/// states it, the principal, the buckets and users among its resources.
pub(crate) fn learn_row(app: &App, ix: EntryIx) {
    learn(|mask| mask.learn_entry(&app.store, ix));
}

/// Learns what a record holds (a finding opened, a log event shown) before it is drawn.
pub(crate) fn learn(learn: impl FnOnce(&Mask)) {
    ACTIVE.with(|active| {
        if let Some(mask) = active.borrow().as_ref() {
            learn(mask);
        }
    });
}

/// A filter as it may be shown: in presenter mode the OU names of its `ou:` terms are masked
/// as OUs are (account names and ids in it are masked as all text is). Only the directory's OU
/// names are: a part being typed, or a wildcard, stays as it is.
pub(crate) fn filter<'t>(text: &'t str, directory: &crate::model::Directory) -> Cow<'t, str> {
    use crate::query::{Query, Test, TextField};
    if !active() || !text.contains(['o', 'O']) {
        return Cow::Borrowed(text);
    }
    let known = |part: &str| {
        directory
            .iter()
            .any(|a| a.ou_path.split('/').any(|p| p.eq_ignore_ascii_case(part)))
    };
    let Ok(query) = Query::parse(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::new();
    let mut at = 0;
    for term in &query.terms {
        let Test::Text(TextField::Ou, globs) = &term.test else {
            continue;
        };
        let Some(term_text) = text.get(term.span.clone()) else {
            continue;
        };
        let Some(op_end) = term_text.find([':', '=']).map(|i| i + 1) else {
            continue;
        };
        out.push_str(&text[at..term.span.start]);
        out.push_str(&term_text[..op_end]);
        let values: Vec<String> = globs
            .iter()
            .map(|glob| {
                let path: Vec<String> = glob
                    .original()
                    .split('/')
                    .map(|part| {
                        if known(part) {
                            ou_path(part).into_owned()
                        } else {
                            part.to_string()
                        }
                    })
                    .collect();
                crate::query::quote_value(&path.join("/"))
            })
            .collect();
        out.push_str(&values.join(","));
        at = term.span.end;
    }
    if at == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}
