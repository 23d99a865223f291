//! The batch engine's one-thread loop with the columnar engine: records
//! are read a batch at a time (with what each sink needs of them: the
//! carried columns, the second policy's reading), decided together by
//! [`Columnar`], and handed to the sink one by one in input order, as
//! the row loop hands them.

use super::{status_of, Failed, Flow, Record, Sink, Tally};
use crate::data::{RecordError, RecordReader};
use crate::eval::columnar::{Columnar, Lanes};
use crate::eval::{Datum, Decision, Status};

/// Records per batch: enough that each condition's loop runs long, few
/// enough that the batch's columns stay in the processor's cache.
pub const BATCH: usize = 1024;

/// The most text a batch holds: a batch of large records (each may be up
/// to the reader's record limit) ends early, so memory stays flat.
pub const BATCH_BYTES: usize = 4 << 20;

/// The bytes of text a record holds.
fn text_bytes(values: &[Datum]) -> usize {
    values
        .iter()
        .map(|d| match d {
            Datum::Text(t) => t.len(),
            Datum::List(items) => items.iter().map(String::len).sum(),
            _ => 0,
        })
        .sum()
}

/// One record of a batch, in input order.
enum Item {
    /// Read: its row within its input, and its lane in the batch.
    Read { row: usize, lane: usize },
    /// Unreadable (its row within its input).
    Unreadable(RecordError),
}

/// The second policy's reading of an item ([`RecordReader::also`]).
#[derive(Default)]
struct Other {
    values: Vec<Datum>,
    read: Option<Result<(), RecordError>>,
    /// The second policy reads alike ([`RecordReader::other`]): its values
    /// are the item's lane in the first reading.
    alike: bool,
}

/// A batch being filled, its buffers reused from batch to batch.
#[derive(Default)]
pub struct Pending {
    items: Vec<Item>,
    /// The read records; lane `i` is `rows[i]`, the first `len` in use.
    rows: Vec<Vec<Datum>>,
    len: usize,
    /// Each item's carried columns.
    carried: Vec<Vec<String>>,
    /// Each item's second reading, when the reader reads for two policies.
    others: Vec<Other>,
    lanes: Lanes,
    /// The second policy's decisions, lane for item.
    second: Lanes,
    decision: Decision,
    failure: Option<crate::data::DataError>,
}

impl AsRef<[Datum]> for Other {
    fn as_ref(&self) -> &[Datum] {
        &self.values
    }
}

impl Pending {
    /// Reads up to [`BATCH`] records of `reader`; `false` when it had
    /// none left. Rows are as the reader numbers them. An input that
    /// cannot be read ends the batch with the records before it; the
    /// error is then [`Pending::failure`]. The columns `engine` reads are
    /// decoded as the records are read ([`Columnar::decode_read`]).
    pub fn fill(&mut self, reader: &mut RecordReader<'_>, engine: &Columnar<'_>) -> bool {
        self.items.clear();
        self.len = 0;
        engine.start_batch(BATCH, &mut self.lanes);
        let mut bytes = 0;
        while self.items.len() < BATCH && bytes < BATCH_BYTES && self.failure.is_none() {
            if self.rows.len() == self.len {
                self.rows.push(Vec::new());
            }
            let Some(item) = reader.next_into(&mut self.rows[self.len]) else {
                break;
            };
            let item = match item {
                Err(e) => {
                    self.failure = Some(e);
                    break;
                }
                Ok(item) => item,
            };
            let item = match item {
                Ok(row) => {
                    bytes += text_bytes(&self.rows[self.len]);
                    self.len += 1;
                    engine.decode_read(&self.rows[..self.len], &mut self.lanes);
                    Item::Read {
                        row,
                        lane: self.len - 1,
                    }
                }
                Err(e) => Item::Unreadable(e),
            };
            let at = self.items.len();
            if self.carried.len() == at {
                self.carried.push(Vec::new());
            }
            // `clone_into` reuses the strings of the last batch.
            reader.carried().clone_into(&mut self.carried[at]);
            bytes += self.carried[at].iter().map(String::len).sum::<usize>();
            if self.others.len() == at {
                self.others.push(Other::default());
            }
            let other = &mut self.others[at];
            other.read = None;
            other.alike = false;
            if let Some(read) = reader.other() {
                other.read = Some(match read {
                    // Read as the first policy read it: its lane's values.
                    Ok(None) => {
                        other.alike = true;
                        Ok(())
                    }
                    Ok(Some(values)) => {
                        // Reuses the texts' storage from the last batch.
                        values.clone_into(&mut other.values);
                        bytes += text_bytes(values);
                        Ok(())
                    }
                    Err(e) => Err(e.clone()),
                });
            }
            self.items.push(item);
        }
        engine.finish_batch(&self.rows[..self.len], &mut self.lanes);
        !self.items.is_empty()
    }

    /// Why the input could not be read further, once (after the records
    /// read before it were delivered).
    pub fn failure(&mut self) -> Option<crate::data::DataError> {
        self.failure.take()
    }

    /// The row within its input of the last record read.
    pub fn last_row(&self) -> Option<usize> {
        self.items.last().map(|item| match item {
            Item::Read { row, .. } => *row,
            Item::Unreadable(e) => e.row,
        })
    }

    /// Decides the batch (read by [`Pending::fill`] with `engine`) and
    /// hands every record to `sink` in order, rows numbered from
    /// `row_offset`; `Ok(Flow::Stop)` if the sink stopped.
    pub fn deliver<S: Sink>(
        &mut self,
        engine: &Columnar<'_>,
        second: Option<&Columnar<'_>>,
        as_of: i32,
        row_offset: usize,
        tally: &mut Tally,
        sink: &mut S,
    ) -> Result<Flow, Failed<S::Error>> {
        let plan = engine.plan();
        if sink.watches() {
            self.lanes.watch();
        }
        engine.decide(&self.rows[..self.len], as_of, &mut self.lanes);
        // Whether the second policy reads alike (a reader's readings are
        // all alike or none is): then it decides the first reading's
        // lanes, and no item's reading was copied.
        let items = self.items.len().min(self.others.len());
        let alike = self.others[..items].iter().any(|o| o.alike);
        if let Some(second) = second {
            if alike {
                second.run(&self.rows[..self.len], as_of, &mut self.second);
            } else {
                // Every item's second reading, lane for item (those that
                // did not read are decided on stale values, and not used).
                second.run(&self.others[..items], as_of, &mut self.second);
            }
        }
        for (at, item) in self.items.drain(..).enumerate() {
            sink.advanced(1);
            let carried = &self.carried[at];
            let row = match &item {
                Item::Read { row, .. } => row_offset + row,
                Item::Unreadable(e) => row_offset + e.row,
            };
            if let Some(Other {
                values,
                read: Some(read),
                alike,
            }) = self.others.get(at)
            {
                // The second reading's values and lane.
                let (values, lane) = match (&item, alike) {
                    (Item::Read { lane, .. }, true) => (&self.rows[*lane][..], *lane),
                    _ => (&values[..], at),
                };
                sink.other(row, read.as_ref().map(|()| values));
                if second.is_some() {
                    match read {
                        Ok(()) => {
                            self.second.decision_into(lane, &mut self.decision);
                            sink.other_decided(row, Ok((values, &self.decision)));
                        }
                        Err(e) => sink.other_decided(row, Err(e)),
                    }
                }
            }
            let flow = match item {
                Item::Read { lane, .. } => {
                    self.lanes.decision_into(lane, &mut self.decision);
                    let (status, tier) = status_of(plan, &self.decision);
                    tally.add_indexed(status, tier);
                    let record = Record {
                        row,
                        values: &self.rows[lane],
                        carried,
                    };
                    sink.decided(record, &self.decision)
                }
                Item::Unreadable(mut e) => {
                    e.row = row;
                    tally.add_indexed(Status::Error, None);
                    sink.unreadable(e, carried)
                }
            };
            if flow.map_err(Failed::Sink)? == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        if sink.watches() {
            sink.lanes(&self.lanes);
        }
        Ok(Flow::Go)
    }
}
