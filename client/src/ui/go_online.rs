//! The bar shown over the stored mail after a reload: the password, to go online. The
//! password is never stored, so a reload asks for it again (the mail on the device shows
//! meanwhile). Like the sign-in form, the input is the browser's own and is read once on
//! submit.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::engine::Password;

#[derive(Debug, Properties, PartialEq)]
pub struct GoOnlineProps {
    pub user: AttrValue,
    pub busy: bool,
    pub on_sign_in: Callback<(String, Password)>,
}

#[function_component]
pub fn GoOnline(props: &GoOnlineProps) -> Html {
    let password_ref = use_node_ref();
    let onsubmit = {
        let password_ref = password_ref.clone();
        let on_sign_in = props.on_sign_in.clone();
        let (user, busy) = (props.user.to_string(), props.busy);
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if busy {
                return;
            }
            if let Some(password) = password_ref.cast::<HtmlInputElement>() {
                on_sign_in.emit((user.clone(), Password::new(password.value())));
            }
        })
    };
    html! {
        <form class="go-online" {onsubmit} aria-busy={props.busy.to_string()}>
            <p class="go-online-text">
                { "You are reading the mail kept on this device. To go online as " }
                <strong>{ props.user.clone() }</strong>{ ", enter your password." }
            </p>
            <input type="text" name="user" autocomplete="username" value={props.user.clone()}
                hidden=true readonly=true />
            <label class="visually-hidden" for="go-online-password">{ "Password" }</label>
            <input ref={password_ref} id="go-online-password" name="password" type="password"
                autocomplete="current-password" required=true placeholder="Password" />
            <button type="submit" class="primary" aria-disabled={props.busy.to_string()}>
                { if props.busy { "Going online…" } else { "Go online" } }
            </button>
        </form>
    }
}
