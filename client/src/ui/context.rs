//! The app context: the model, and the one way to ask for something.
//!
//! [`AppProvider`] owns the reducer and starts the connection task once. Components read the
//! model and send requests through [`use_app`]; none of them holds app state of its own.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::Request;
use crate::model::{Action, Model};
use crate::runtime::net;

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Rc::unwrap_or_clone(self).reduce(action))
    }
}

/// What every component can reach.
#[derive(Debug, Clone, PartialEq)]
pub struct AppContext {
    pub model: UseReducerHandle<Model>,
    /// Updates the model for the request (busy states, navigation) and hands it to the
    /// connection task.
    pub request: Callback<Request>,
    /// For view-only actions that need no server (back navigation, dismissing a banner).
    pub dispatch: Callback<Action>,
}

#[derive(Debug, Properties, PartialEq)]
pub struct AppProviderProps {
    #[prop_or_default]
    pub children: Html,
}

#[function_component]
pub fn AppProvider(props: &AppProviderProps) -> Html {
    let model = use_reducer(Model::default);
    let sender = {
        let dispatcher = model.dispatcher();
        // Started once: the memo keeps the sender, and the task ends when it is dropped.
        use_memo((), move |_| {
            net::spawn(move |action| dispatcher.dispatch(action))
        })
    };
    let request = {
        let dispatcher = model.dispatcher();
        use_callback((), move |request: Request, _| {
            if let Some(action) = Action::requested(&request) {
                dispatcher.dispatch(action);
            }
            // The task lives as long as this provider, so the send cannot fail while anyone
            // can click.
            let _ = sender.unbounded_send(request);
        })
    };
    let dispatch = {
        let dispatcher = model.dispatcher();
        use_callback((), move |action: Action, _| dispatcher.dispatch(action))
    };
    let context = AppContext {
        model,
        request,
        dispatch,
    };
    html! {
        <ContextProvider<AppContext> {context}>
            { props.children.clone() }
        </ContextProvider<AppContext>>
    }
}

/// The app context, when rendered inside [`AppProvider`].
#[hook]
pub fn use_app() -> Option<AppContext> {
    use_context::<AppContext>()
}
