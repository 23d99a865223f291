//! The I/O floor: read a CSV file and write every record back with the csv
//! crate, no rules at all — what any CSV→CSV program pays.
//!
//! Usage: io_floor INPUT.csv > OUTPUT.csv

fn main() {
    let path = std::env::args().nth(1).expect("an input CSV");
    let mut reader = csv::ReaderBuilder::new()
        .from_path(&path)
        .expect("readable input");
    let mut writer = csv::WriterBuilder::new().from_writer(std::io::BufWriter::with_capacity(
        1 << 16,
        std::io::stdout().lock(),
    ));
    let mut record = csv::ByteRecord::new();
    writer
        .write_byte_record(reader.byte_headers().expect("a header"))
        .expect("write");
    while reader.read_byte_record(&mut record).expect("a record") {
        writer.write_byte_record(&record).expect("write");
    }
    writer.flush().expect("flush");
}
