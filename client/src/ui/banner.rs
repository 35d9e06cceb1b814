//! The problem banner: what went wrong, in words, with a way to dismiss it.

use yew::prelude::*;

use crate::model::Problem;

#[derive(Debug, Properties, PartialEq)]
pub struct BannerProps {
    pub problem: Problem,
    /// Absent where the problem must stay visible (the sign-in form).
    #[prop_or_default]
    pub on_dismiss: Option<Callback<()>>,
}

#[function_component]
pub fn Banner(props: &BannerProps) -> Html {
    let dismiss = props.on_dismiss.as_ref().map(|on_dismiss| {
        let on_dismiss = on_dismiss.clone();
        html! {
            <button type="button" class="dismiss" aria-label="Dismiss"
                onclick={move |_| on_dismiss.emit(())}>{ "×" }</button>
        }
    });
    html! {
        <div class="banner" role="alert">
            <div class="banner-text">
                <p class="banner-summary">{ props.problem.summary() }</p>
                if let Some(detail) = props.problem.detail() {
                    <p class="banner-detail">{ detail }</p>
                }
            </div>
            { for dismiss }
        </div>
    }
}
