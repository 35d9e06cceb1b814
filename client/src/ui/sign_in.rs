//! The sign-in form.
//!
//! The inputs are the browser's own (uncontrolled): the password is read once on submit
//! and goes straight into a [`Password`], so it never sits in the model.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::Password;
use crate::model::Problem;
use crate::ui::banner::Banner;

#[derive(Debug, Properties, PartialEq)]
pub struct SignInProps {
    /// Prefills the user name (after a disconnect).
    pub user: AttrValue,
    pub busy: bool,
    pub problem: Option<Problem>,
    pub on_sign_in: Callback<(String, Password)>,
}

#[function_component]
pub fn SignIn(props: &SignInProps) -> Html {
    let user_ref = use_node_ref();
    let password_ref = use_node_ref();
    let onsubmit = {
        let (user_ref, password_ref) = (user_ref.clone(), password_ref.clone());
        let on_sign_in = props.on_sign_in.clone();
        let busy = props.busy;
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if busy {
                return;
            }
            let (Some(user), Some(password)) = (
                user_ref.cast::<HtmlInputElement>(),
                password_ref.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            let name = user.value().trim().to_owned();
            if name.is_empty() {
                let _ = user.focus();
                return;
            }
            on_sign_in.emit((name, Password::new(password.value())));
        })
    };
    html! {
        <main class="signin">
            <div class="signin-card">
                <div class="brand">
                    <img class="brand-logo" src="icon.svg" alt="" width="56" height="56" />
                    <h1>{ "Petrel" }</h1>
                    <p class="tagline">{ "Sign in to read your mail" }</p>
                </div>
                <form class="signin-form" {onsubmit} aria-busy={props.busy.to_string()}>
                    if let Some(problem) = &props.problem {
                        <Banner problem={problem.clone()} />
                    }
                    <div class="field">
                        <label for="user">{ "User name" }</label>
                        <input ref={user_ref} id="user" name="user" type="text"
                            autocomplete="username" autocapitalize="none" spellcheck="false"
                            required=true value={props.user.clone()} />
                    </div>
                    <div class="field">
                        <label for="password">{ "Password" }</label>
                        <input ref={password_ref} id="password" name="password" type="password"
                            autocomplete="current-password" required=true />
                    </div>
                    <button type="submit" class="primary" aria-disabled={props.busy.to_string()}>
                        { "Sign in" }
                    </button>
                    <p class="signin-status" role="status">
                        if props.busy {
                            <span class="spinner" aria-hidden="true"></span>
                            { "Signing in…" }
                        }
                    </p>
                </form>
            </div>
        </main>
    }
}
