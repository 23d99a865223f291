//! The fields of an NDJSON record that a reading needs, read straight from
//! its text. Parsing each line into a `serde_json::Value` builds a map of
//! every key (each hashed, each key and text allocated) only for the
//! reader to look up the few the schema and the carried columns name;
//! here the value of each wanted key is kept (a text borrowed from the
//! line when it has no escapes, so most keep no copy) and every other
//! value is parsed but not kept. Every value goes through the same parser
//! calls as for a `Value` (numbers, escapes, nesting depth), so a line is
//! valid or not, and its error reads, exactly as before.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// The keys a reading takes from each JSON record: the schema's columns
/// and the carried columns, each key once.
#[derive(Clone, Debug)]
pub struct JsonFields {
    /// Each wanted key once.
    names: Vec<String>,
    /// Each schema field's key, by its index in `names`.
    fields: Vec<usize>,
    /// Each carried column's key, by its index in `names`.
    carried: Vec<usize>,
}

/// What a JSON text held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An object: its wanted values are read.
    Object,
    /// Any other JSON value, by the words of [`super::reader::json_kind`].
    Other(&'static str),
}

impl JsonFields {
    /// The keys of `columns` (a schema's fields' columns, in order) and
    /// of the carried columns `carried`.
    pub fn new<'a>(columns: impl Iterator<Item = &'a str>, carried: &[String]) -> JsonFields {
        let mut names: Vec<String> = Vec::new();
        let mut index = |name: &str| match names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                names.push(name.to_string());
                names.len() - 1
            }
        };
        let fields = columns.map(&mut index).collect();
        let carried = carried.iter().map(|c| index(c)).collect();
        JsonFields {
            names,
            fields,
            carried,
        }
    }

    /// Parses the JSON text `text` (one value, with nothing but white
    /// space after it), keeping each wanted key's value in `values` (one
    /// per key, `None` where the object lacks it; the last of a key given
    /// twice, as a `Value` map keeps it). `values` is emptied first; its
    /// storage may come from [`recycle`].
    pub fn read<'t>(
        &self,
        text: &'t str,
        values: &mut Vec<Option<Wanted<'t>>>,
    ) -> Result<Shape, serde_json::Error> {
        values.clear();
        values.resize_with(self.names.len(), || None);
        let mut de = serde_json::Deserializer::from_str(text);
        let shape = Top {
            names: &self.names,
            values,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(shape)
    }

    /// Schema field `field`'s value among `values` (as [`JsonFields::read`]
    /// left them).
    pub fn field<'v, 't>(
        &self,
        values: &'v [Option<Wanted<'t>>],
        field: usize,
    ) -> Option<&'v Wanted<'t>> {
        values.get(*self.fields.get(field)?)?.as_ref()
    }

    /// Each carried column's value among `values`, in the order asked.
    pub fn carried<'v, 't>(
        &'v self,
        values: &'v [Option<Wanted<'t>>],
    ) -> impl ExactSizeIterator<Item = Option<&'v Wanted<'t>>> + 'v {
        self.carried
            .iter()
            .map(move |&i| values.get(i).and_then(Option::as_ref))
    }
}

/// The storage of `values`, emptied, for values borrowing another text
/// (no allocation: a vector of the same layout reuses its buffer).
pub fn recycle<'b>(mut values: Vec<Option<Wanted<'_>>>) -> Vec<Option<Wanted<'b>>> {
    values.clear();
    values.into_iter().map(|_| None).collect()
}

/// A wanted key's value: a text (borrowed from the line unless it had
/// escapes), or any other JSON value as a `Value` would hold it.
#[derive(Clone, Debug, PartialEq)]
pub enum Wanted<'t> {
    /// A JSON string.
    Text(Cow<'t, str>),
    /// Any other value.
    Value(Value),
}

impl<'de> Deserialize<'de> for Wanted<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WantedVisitor)
    }
}

/// Reads a [`Wanted`] as `Value`'s own visitor reads a `Value`, but a
/// string as a borrowed text.
struct WantedVisitor;

impl<'de> Visitor<'de> for WantedVisitor {
    type Value = Wanted<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Text(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Text(Cow::Owned(text.to_string())))
    }

    fn visit_string<E>(self, text: String) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Text(Cow::Owned(text)))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Value(Value::Bool(b)))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Value(Value::Number(i.into())))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Value(Value::Number(u.into())))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Value(
            Number::from_f64(f).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_unit<E>(self) -> Result<Wanted<'de>, E> {
        Ok(Wanted::Value(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Wanted<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Wanted::Value(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Wanted<'de>, A::Error> {
        let mut object = Map::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            object.insert(key, value);
        }
        Ok(Wanted::Value(Value::Object(object)))
    }
}

/// The whole JSON text: an object's wanted values, or the kind of value
/// it is.
struct Top<'a, 'de> {
    names: &'a [String],
    values: &'a mut Vec<Option<Wanted<'de>>>,
}

impl<'de> DeserializeSeed<'de> for Top<'_, 'de> {
    type Value = Shape;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, 'de> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        while let Some(key) = map.next_key_seed(Key(self.names))? {
            match key {
                Some(i) => self.values[i] = Some(map.next_value()?),
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(Shape::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Shape::Other("an array"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other("text"))
    }

    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other("null"))
    }
}

/// An object's key: its index among the wanted keys, or `None`.
struct Key<'a>(&'a [String]);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|n| n == key))
    }
}

/// A value parsed as a `Value` would be, and not kept.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Skip, D::Error> {
        deserializer.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line reads as a `Value` map would: the wanted values equal
    /// the map's, other kinds of value are named alike, and a line that
    /// is not JSON fails with the same message.
    #[test]
    fn wanted_fields_read_as_from_a_whole_value() {
        let fields = JsonFields::new(
            ["id", "budget", "role", "id"].into_iter(),
            &["note".to_string(), "budget".to_string()],
        );
        let lines = [
            r#"{"id": 1, "budget": "$5,000", "role": "VP", "note": {"a": [1, 2.5, null]}}"#,
            r#"{"extra": [1, {"x": "y"}], "role": null, "id": -3}"#,
            r#"{"id": 1, "id": 2}"#,
            r#"{"i\u0064": "\u00e9\n", "budget": 1e3}"#,
            r#"{"id": [1, "a", {"b": null, "b": 2}], "budget": {"x": {"y": [true]}, "z": 1}}"#,
            r#"{"id": 18446744073709551615, "budget": -9223372036854775808, "role": 0.1}"#,
            r#"{}"#,
            r#"  {"id": true}  "#,
            r#"[1, {"a": 2}]"#,
            r#""text""#,
            r#"12"#,
            r#"-1.5"#,
            r#"null"#,
            r#"false"#,
            r#"{"id": 1,"#,
            r#"{"id": 1} x"#,
            r#"{"id": 1, "other": 1e400}"#,
            r#"{"id": 1, "other": "\ud800"}"#,
            r#"{"id": 1, "other": "\q"}"#,
            r#"{"id": 1, "other": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
            "",
        ];
        for line in lines {
            let mut values = Vec::new();
            let whole: Result<Value, _> = serde_json::from_str(line);
            let read = fields.read(line, &mut values);
            match (whole, read) {
                (Ok(Value::Object(map)), Ok(Shape::Object)) => {
                    let as_value = |w: Option<&Wanted<'_>>| {
                        w.map(|w| match w {
                            Wanted::Text(t) => Value::String(t.to_string()),
                            Wanted::Value(v) => v.clone(),
                        })
                    };
                    for (f, column) in ["id", "budget", "role", "id"].iter().enumerate() {
                        let read = as_value(fields.field(&values, f));
                        assert_eq!(read.as_ref(), map.get(*column), "{line}");
                    }
                    let carried: Vec<_> = fields.carried(&values).map(as_value).collect();
                    let expected = [map.get("note").cloned(), map.get("budget").cloned()];
                    assert_eq!(carried, expected, "{line}");
                }
                (Ok(other), Ok(Shape::Other(kind))) => {
                    assert_eq!(kind, super::super::reader::json_kind(&other), "{line}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{line}"),
                (whole, read) => panic!("{line}: {whole:?} against {read:?}"),
            }
        }
    }
}
