//! The change feed of one process: ONE reader follows the store's change
//! log, and every watcher is served from what it read.
//!
//! - **The reader** is a task that runs while anyone watches. It reads the
//!   log in pages of [`PAGE`] when this process writes and every
//!   [`POLL`] (for the writes of other replicas), and keeps the newest
//!   [`WINDOW`] changes in memory, shared by every watcher.
//! - **A watcher** whose cursor is inside that window is served from
//!   memory. One further back (resuming, or starting from 0) first catches
//!   up from the store in pages of [`CATCH_UP_PAGE`], at most
//!   [`CATCH_UP_READS`] watchers reading at once, then joins the window.
//!   Cursors are committed in order (see [`super::ops`]), so every change
//!   after the window's floor is in the window: nothing is missed or sent
//!   twice at the join.
//! - **A slow watcher** has [`WATCHER_BUFFER`] changes queued at most. One
//!   that stops reading stops taking from the window; once the window has
//!   moved past it, it is ended with [`LiveError::FellBehind`], which names
//!   the cursor to resume from. It never holds the others back, and its
//!   memory stays bounded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Semaphore, mpsc, watch};

use super::{LiveError, LiveStore, POLL};
use crate::handoff::StageChange;

/// Changes kept in memory for the watchers: how far (in changes) a watcher
/// may fall behind the newest before it is ended.
pub const WINDOW: usize = 4_096;
/// Changes the reader reads per store call.
pub const PAGE: usize = 500;
/// Changes queued for one watcher (sent, not yet taken by its stream).
pub const WATCHER_BUFFER: usize = 64;
/// Changes a catching-up watcher reads per store call.
pub const CATCH_UP_PAGE: usize = 256;
/// Watchers reading the store to catch up at once (the others wait).
pub const CATCH_UP_READS: usize = 4;

/// What one change costs a watcher: shared, never copied per watcher.
pub type Shared = Arc<StageChange>;

/// One item of a watcher's feed.
pub type Watched = Result<Shared, LiveError>;

/// The in-memory window and who uses it.
#[derive(Debug, Default)]
struct Window {
    /// Every change after this cursor, up to the newest the reader read, is
    /// in `changes`; `None` while no reader runs.
    floor: Option<i64>,
    /// The newest changes, oldest first, at most [`WINDOW`].
    changes: VecDeque<Shared>,
    /// Watchers alive.
    watchers: usize,
    /// Whether a reader task runs.
    reading: bool,
}

/// Where a watcher at some cursor stands.
#[derive(Debug)]
enum Next {
    /// The changes that follow it (at most [`WATCHER_BUFFER`]).
    Changes(Vec<Shared>),
    /// Nothing newer yet.
    Wait,
    /// The window has moved past it.
    Behind,
}

/// The window, the signal that it moved, and the catch-up permits.
#[derive(Debug)]
pub struct ChangeFeed {
    /// Shared by the reader and every watcher; held only briefly.
    window: Mutex<Window>,
    /// Bumped whenever the window moves.
    moved: watch::Sender<u64>,
    /// One permit per catch-up read at once.
    catch_up: Semaphore,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            window: Mutex::default(),
            moved: watch::channel(0).0,
            catch_up: Semaphore::new(CATCH_UP_READS),
        }
    }
}

impl ChangeFeed {
    fn window(&self) -> MutexGuard<'_, Window> {
        // The window is consistent after every statement, so a panic
        // elsewhere while it was held leaves nothing half-done.
        self.window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a new watcher in; true when no reader runs (start one).
    fn join(&self) -> bool {
        let mut w = self.window();
        w.watchers += 1;
        !std::mem::replace(&mut w.reading, true)
    }

    fn leave(&self) {
        self.window().watchers -= 1;
    }

    /// False (and the window emptied) once nobody watches: the reader stops.
    fn keep_reading(&self) -> bool {
        let mut w = self.window();
        if w.watchers == 0 {
            *w = Window::default();
        }
        w.reading
    }

    /// Starts the window at the log's newest cursor.
    fn open(&self, newest: i64) {
        let mut w = self.window();
        w.floor = Some(newest);
        w.changes.clear();
        drop(w);
        self.moved.send_modify(|n| *n += 1);
    }

    /// Appends what the reader read, dropping the oldest past [`WINDOW`].
    fn push(&self, page: Vec<StageChange>) {
        let mut w = self.window();
        w.changes.extend(page.into_iter().map(Arc::new));
        while w.changes.len() > WINDOW {
            let oldest = w.changes.pop_front().map(|c| c.cursor);
            w.floor = oldest.or(w.floor);
        }
        drop(w);
        self.moved.send_modify(|n| *n += 1);
    }

    fn next(&self, after: i64) -> Next {
        let w = self.window();
        match w.floor {
            None => Next::Wait,
            Some(floor) if after < floor => Next::Behind,
            Some(_) => {
                let from = w.changes.partition_point(|c| c.cursor <= after);
                if from == w.changes.len() {
                    return Next::Wait;
                }
                let batch = w.changes.range(from..).take(WATCHER_BUFFER);
                Next::Changes(batch.cloned().collect())
            }
        }
    }
}

/// A watcher's membership; dropping it counts the watcher out.
struct Watching(Arc<LiveStore>);

impl Watching {
    fn start(book: &Arc<LiveStore>) -> Watching {
        if book.feed().join() {
            tokio::spawn(read_log(book.clone()));
        }
        Watching(book.clone())
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.0.feed().leave();
    }
}

/// The one reader: follows the log into the window while anyone watches.
async fn read_log(book: Arc<LiveStore>) {
    let feed = book.feed();
    let mut written = book.written();
    let mut newest = None;
    while feed.keep_reading() {
        written.borrow_and_update();
        let read = match newest {
            None => book.last_change().await.map(|n| {
                feed.open(n);
                newest = Some(n);
                false
            }),
            Some(after) => book.changes_after(after, PAGE).await.map(|page| {
                let full = page.len() == PAGE;
                newest = page.last().map(|c| c.cursor).or(newest);
                feed.push(page);
                full
            }),
        };
        match read {
            // More is waiting: read on at once.
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "change feed: reading the log failed; retrying"),
        }
        tokio::select! {
            _ = written.changed() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Catch-up: the page of the store's log after `after`, under a permit.
async fn catch_up(book: &LiveStore, after: i64) -> Result<Vec<Shared>, LiveError> {
    let _permit = book
        .feed()
        .catch_up
        .acquire()
        .await
        .map_err(|e| LiveError::Aborted(e.to_string()))?;
    let page = book.changes_after(after, CATCH_UP_PAGE).await?;
    Ok(page.into_iter().map(Arc::new).collect())
}

/// Feeds one watcher from `after` on until it goes away, falls behind or
/// the store fails (the last two end its feed with the error).
async fn feed_watcher(book: Arc<LiveStore>, mut after: i64, tx: mpsc::Sender<Watched>) {
    let _watching = Watching::start(&book);
    let mut moved = book.feed().moved.subscribe();
    let mut live = false;
    loop {
        moved.borrow_and_update();
        let batch = match book.feed().next(after) {
            Next::Changes(batch) => {
                live = true;
                batch
            }
            Next::Behind if live => {
                let _ = tx.send(Err(LiveError::FellBehind { cursor: after })).await;
                return;
            }
            Next::Behind => match catch_up(&book, after).await {
                Ok(page) => page,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            },
            Next::Wait => Vec::new(),
        };
        if batch.is_empty() {
            tokio::select! {
                _ = moved.changed() => {}
                () = tx.closed() => return,
            }
        }
        for change in batch {
            after = change.cursor;
            if tx.send(Ok(change)).await.is_err() {
                return;
            }
        }
    }
}

impl LiveStore {
    /// Every change after `after`, then each new one as it is recorded,
    /// until the receiver is dropped. An error ends the feed: the store
    /// failed, or the watcher fell behind ([`LiveError::FellBehind`]).
    pub fn watch(self: &Arc<Self>, after: i64) -> mpsc::Receiver<Watched> {
        let (tx, rx) = mpsc::channel(WATCHER_BUFFER);
        tokio::spawn(feed_watcher(self.clone(), after, tx));
        rx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::ChangeKind;
    use crate::qualification::Stage;

    fn change(cursor: i64) -> StageChange {
        StageChange {
            cursor,
            lead_id: format!("l{cursor}"),
            kind: ChangeKind::Assigned,
            stage: Stage::Nurturing,
            score: 0.0,
            owner: None,
            reason: String::new(),
            at: crate::time::Timestamp::now(),
        }
    }

    fn cursors(next: Next) -> Vec<i64> {
        match next {
            Next::Changes(batch) => batch.iter().map(|c| c.cursor).collect(),
            other => panic!("expected changes, got {other:?}"),
        }
    }

    #[test]
    fn the_window_serves_what_follows_a_cursor_and_says_when_it_moved_past() {
        let feed = ChangeFeed::default();
        assert!(matches!(feed.next(0), Next::Wait), "no reader yet");
        feed.open(10);
        assert!(matches!(feed.next(9), Next::Behind));
        assert!(matches!(feed.next(10), Next::Wait));
        feed.push((11..=13).map(change).collect());
        assert_eq!(cursors(feed.next(10)), [11, 12, 13]);
        assert_eq!(cursors(feed.next(12)), [13]);
        assert!(matches!(feed.next(13), Next::Wait));
        let last = 13 + WINDOW as i64;
        feed.push((14..=last).map(change).collect());
        assert!(matches!(feed.next(12), Next::Behind), "13 was dropped");
        let first = cursors(feed.next(13));
        assert_eq!(first.len(), WATCHER_BUFFER, "at most one buffer a step");
        assert_eq!(first[0], 14);
    }

    #[test]
    fn the_reader_stops_and_forgets_the_window_when_nobody_watches() {
        let feed = ChangeFeed::default();
        assert!(feed.join(), "the first watcher starts the reader");
        assert!(!feed.join(), "one reader for every watcher");
        feed.open(0);
        feed.push(vec![change(1)]);
        feed.leave();
        assert!(feed.keep_reading());
        feed.leave();
        assert!(!feed.keep_reading());
        assert!(matches!(feed.next(0), Next::Wait), "the window is gone");
        assert!(feed.join(), "the next watcher starts a reader again");
    }
}
