//! Taking what intake claimed as it stored it (`runtime::desk`): each hand-off is sent as a
//! claimed batch is, in the order they came, each of its places in the dispatcher's room freed
//! once that notification's outcome is recorded. Once stopping, what is still handed over goes
//! back to the queue.

use super::Dispatcher;
use crate::domain::NotificationId;
use crate::runtime::{HandOff, Shutdown};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;

impl Dispatcher {
    /// Sends what is handed over until `shutdown`; then gives back what came too late.
    pub(super) async fn take_handed(
        self: Arc<Self>,
        mut handed: UnboundedReceiver<HandOff>,
        shutdown: Shutdown,
    ) {
        loop {
            tokio::select! {
                next = handed.recv() => match next {
                    Some(next) => self.start_handed(next).await,
                    None => break,
                },
                () = shutdown.wait() => break,
            }
        }
        handed.close();
        let mut late = Vec::new();
        while let Ok(next) = handed.try_recv() {
            late.extend(next.claimed.into_iter().map(|n| n.id));
        }
        self.give_back(&late).await;
    }

    /// Starts sending one hand-off; each place of its room is freed when its outcome is
    /// recorded.
    async fn start_handed(self: &Arc<Self>, handed: HandOff) {
        let HandOff {
            claimed,
            contexts,
            at,
            room,
        } = handed;
        let ids: Vec<NotificationId> = claimed.iter().map(|n| n.id.clone()).collect();
        self.in_flight.add(ids.iter().cloned());
        match self.prepare(claimed, contexts, at).await {
            Ok(batch) => {
                let sent = self.dispatch(batch, Some(room));
                let me = Arc::clone(self);
                tokio::spawn(async move {
                    sent.await;
                    me.in_flight.done(&ids);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading what handed-over notifications need failed");
                self.give_back(&ids).await;
                self.in_flight.done(&ids);
            }
        }
    }

    /// Gives back claims this node will not send.
    async fn give_back(&self, ids: &[NotificationId]) {
        if let Err(e) = self.store.give_back(ids).await {
            tracing::warn!(error = %e, "giving claims back failed; they go again after their lease");
        }
    }
}
