//! Reading an answer's body: a query's split as it arrives and handed to a
//! [`Receiver`] piece by piece, yielding between pieces and counting only the
//! time spent waiting for the server; any other answer read whole.

use std::time::{Duration, Instant};

use futures::FutureExt as _;
use http::StatusCode;
use http_body_util::BodyExt as _;
use hyper::body::{Bytes, Incoming};
use serde::de::IgnoredAny;

use super::{Answered, Api, Params, Receiver, Stop};
use crate::answer::{Reply, decode, judge_split, malformed};
use crate::error::PromError;
use crate::split::{Envelope, Fault, Splitter};

/// Pieces of a body taken one after the other without waiting before the
/// command yields, so that one poll never decodes a whole fast answer: the
/// host meters CPU and memory, and delivers cancellation, per poll.
const READY_BEFORE_YIELD: u32 = 16;

impl Api {
    pub(super) async fn split_answer(
        &self,
        path: &str,
        params: &Params,
        receiver: &mut dyn Receiver,
    ) -> Result<Vec<String>, PromError> {
        let (answered, mut left) = self.send(path, params, true).await?;
        let mut splitter = Splitter::default();
        let status = match answered {
            Answered::Whole(reply) => {
                // Not a 2xx JSON answer: the error it describes, in the
                // words `get` uses. Should it be an API success after all
                // (a JSON body under another content type), split it whole.
                decode::<IgnoredAny>(&self.url, &reply)?;
                self.feed(&mut splitter, reply.status, &reply.body, receiver)?;
                reply.status
            }
            Answered::Split { status, mut body } => {
                let mut ready = 0;
                while let Some(bytes) = self
                    .next_bytes(&mut body, &mut left, &mut ready, receiver)
                    .await?
                {
                    self.feed(&mut splitter, status, &bytes, receiver)?;
                }
                status
            }
        };
        let envelope = splitter
            .finish::<Stop>()
            .map_err(|fault| self.fault(fault, status, splitter.envelope()))?;
        judge_split(&self.url, status, &envelope)?;
        receiver.end().map_err(|stop| self.stopped(stop))?;
        Ok(envelope.warnings)
    }

    /// Passes one piece of the body through the splitter to `receiver`.
    fn feed(
        &self,
        splitter: &mut Splitter,
        status: StatusCode,
        bytes: &[u8],
        receiver: &mut dyn Receiver,
    ) -> Result<(), PromError> {
        match splitter.feed(bytes, &mut |piece| receiver.piece(piece)) {
            Ok(()) => Ok(()),
            Err(fault) => Err(self.fault(fault, status, splitter.envelope())),
        }
    }

    fn fault(&self, fault: Fault<Stop>, status: StatusCode, envelope: &Envelope) -> PromError {
        match fault {
            Fault::Malformed(reason) => malformed(&self.url, status, envelope, &reason),
            Fault::Receiver(stop) => self.stopped(stop),
        }
    }

    fn stopped(&self, stop: Stop) -> PromError {
        match stop {
            Stop::Output(e) => PromError::Output(e),
            Stop::Undecodable(reason) => PromError::Protocol {
                url: self.url.clone(),
                reason: format!("cannot decode the answer: {reason}"),
            },
        }
    }

    /// The next bytes of `body`, `None` at its end. Before waiting for the
    /// server it lets `receiver` pass on what it has; only the waiting
    /// counts against the time `left`.
    async fn next_bytes(
        &self,
        body: &mut Incoming,
        left: &mut Duration,
        ready: &mut u32,
        receiver: &mut dyn Receiver,
    ) -> Result<Option<Bytes>, PromError> {
        loop {
            let frame = match body.frame().now_or_never() {
                Some(frame) if *ready < READY_BEFORE_YIELD => {
                    *ready += 1;
                    frame
                }
                Some(frame) => {
                    *ready = 0;
                    tokio::task::yield_now().await;
                    frame
                }
                None => {
                    *ready = 0;
                    receiver.idle().map_err(|stop| self.stopped(stop))?;
                    let waiting = Instant::now();
                    let frame = tokio::time::timeout(*left, body.frame())
                        .await
                        .map_err(|_| self.timed_out())?;
                    *left = left.saturating_sub(waiting.elapsed());
                    frame
                }
            };
            match frame {
                None => return Ok(None),
                Some(Err(e)) => return Err(self.broken(e)),
                // Trailers, and empty frames, carry nothing for us.
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(bytes) if !bytes.is_empty() => return Ok(Some(bytes)),
                    _ => {}
                },
            }
        }
    }

    /// The whole reply, reading a body left to read (which `send` leaves
    /// only when asked to split) within the time `left`.
    pub(super) async fn whole(
        &self,
        answered: Answered,
        left: Duration,
    ) -> Result<Reply, PromError> {
        let (status, body) = match answered {
            Answered::Whole(reply) => return Ok(reply),
            Answered::Split { status, body } => (status, body),
        };
        let body = tokio::time::timeout(left, body.collect())
            .await
            .map_err(|_| self.timed_out())?
            .map_err(|e| self.broken(e))?
            .to_bytes();
        Ok(Reply {
            status,
            json: true,
            body: body.into(),
        })
    }
}
