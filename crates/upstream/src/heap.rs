//! How much heap a decoded record holds, estimated by walking it with serde.
//!
//! The cache's budget is memory, so entries must weigh what they take in memory, not what they
//! take on the wire: a record's JSON names every field but stores a date as ten characters,
//! while the decoded record pays a buffer per string and a slot per list element. Walking the
//! value's `Serialize` impl reaches every string and collection, and at each list element the
//! element's type, so its inline size is known too.

use serde::ser::{self, Serialize};
use std::fmt::Display;

/// The heap `value` holds beyond its own inline size: every string's buffer and every list's and
/// map's slots, with what their elements hold in turn.
pub(crate) fn heap_bytes<V: Serialize + ?Sized>(value: &V) -> usize {
    let mut heap = Heap {
        bytes: 0,
        in_slot: false,
    };
    // Only a value's own `Serialize` impl could fail, and that is a bug of the impl: it then
    // weighs what it reached.
    let _ = value.serialize(&mut heap);
    heap.bytes
}

/// What one allocation of `len` bytes takes: allocators hand out size classes, 16 bytes apart
/// at the sizes records' strings have.
fn allocation(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.next_multiple_of(16)
    }
}

/// A hash map's cost per entry beyond its key and value: the control byte and load-factor slack
/// of a SwissTable.
const MAP_ENTRY_OVERHEAD: usize = 8;

/// The walk's tally, and whether the value it is about to enter sits in a collection's slot.
///
/// Collections hand their elements over by reference, so an element's inline size is not the
/// size of the type serde sees; it is read off the element's first call instead: a struct's
/// fields arrive with their own types, a string takes a `String`'s slot, a number its width.
struct Heap {
    bytes: usize,
    in_slot: bool,
}

impl Heap {
    /// Counts `inline` if the value being entered fills a collection's slot (once per value).
    fn slot(&mut self, inline: usize) -> bool {
        let in_slot = std::mem::replace(&mut self.in_slot, false);
        if in_slot {
            self.bytes += inline;
        }
        in_slot
    }

    /// A compound value's fields, counted inline when the compound fills a slot itself.
    fn fields(&mut self, tag: usize) -> Fields<'_> {
        let counting = self.slot(tag);
        Fields {
            heap: self,
            counting,
            inline: 0,
        }
    }
}

/// Never produced: walking a value cannot fail on its own.
#[derive(Debug)]
pub(crate) struct Unweighable(String);

impl Display for Unweighable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unweighable {}

impl ser::Error for Unweighable {
    fn custom<T: Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

type Done = Result<(), Unweighable>;

macro_rules! scalars {
    ($($method:ident($ty:ty)),+ $(,)?) => {$(
        fn $method(self, _: $ty) -> Done {
            self.slot(std::mem::size_of::<$ty>());
            Ok(())
        }
    )+};
}

impl<'a> ser::Serializer for &'a mut Heap {
    type Ok = ();
    type Error = Unweighable;
    type SerializeSeq = Collection<'a>;
    type SerializeTuple = Fields<'a>;
    type SerializeTupleStruct = Fields<'a>;
    type SerializeTupleVariant = Fields<'a>;
    type SerializeMap = Collection<'a>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = Fields<'a>;

    scalars!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
    );

    fn serialize_str(self, v: &str) -> Done {
        self.slot(std::mem::size_of::<String>());
        self.bytes += allocation(v.len());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        self.slot(std::mem::size_of::<Vec<u8>>());
        self.bytes += allocation(v.len());
        Ok(())
    }
    /// Dates, times and decimals write themselves through `Display`: inline values, no buffer.
    fn collect_str<T: Display + ?Sized>(self, _: &T) -> Done {
        self.slot(16);
        Ok(())
    }
    fn serialize_none(self) -> Done {
        self.slot(std::mem::size_of::<usize>());
        Ok(())
    }
    /// An option is the size of what it holds (or a word more, which the value's slot absorbs).
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.slot(0);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.slot(0);
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        self.slot(1);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Done {
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Collection<'a>, Unweighable> {
        self.slot(std::mem::size_of::<Vec<u8>>());
        Ok(Collection(self))
    }
    fn serialize_tuple(self, _: usize) -> Result<Fields<'a>, Unweighable> {
        Ok(self.fields(0))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, Unweighable> {
        Ok(self.fields(0))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Fields<'a>, Unweighable> {
        Ok(self.fields(std::mem::size_of::<usize>()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Collection<'a>, Unweighable> {
        self.slot(std::mem::size_of::<std::collections::HashMap<u8, u8>>());
        Ok(Collection(self))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a>, Unweighable> {
        Ok(self.fields(0))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Fields<'a>, Unweighable> {
        Ok(self.fields(std::mem::size_of::<usize>()))
    }
}

/// A list or map: its elements live in a heap buffer, each taking its inline size there.
pub(crate) struct Collection<'a>(&'a mut Heap);

impl Collection<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.0.in_slot = true;
        let done = value.serialize(&mut *self.0);
        self.0.in_slot = false;
        done
    }
}

impl ser::SerializeSeq for Collection<'_> {
    type Ok = ();
    type Error = Unweighable;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

impl ser::SerializeMap for Collection<'_> {
    type Ok = ();
    type Error = Unweighable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.0.bytes += MAP_ENTRY_OVERHEAD;
        self.element(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

/// A tuple's or struct's fields: inline in their parent, so only what they point to counts,
/// unless the compound fills a collection's slot, where each field arrives with its own type
/// and adds its size.
pub(crate) struct Fields<'a> {
    heap: &'a mut Heap,
    counting: bool,
    inline: usize,
}

impl Fields<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        if self.counting {
            self.inline += std::mem::size_of_val(value);
        }
        value.serialize(&mut *self.heap)
    }

    /// The slot: the fields, padded to a word as the compiler lays structs out.
    fn end(self) -> Done {
        self.heap.bytes += self.inline.next_multiple_of(std::mem::size_of::<usize>());
        Ok(())
    }
}

macro_rules! fields {
    ($($trait:ident :: $method:ident $(($key:ty))?),+ $(,)?) => {$(
        impl ser::$trait for Fields<'_> {
            type Ok = ();
            type Error = Unweighable;
            fn $method<T: Serialize + ?Sized>(&mut self, $(_: $key,)? value: &T) -> Done {
                self.field(value)
            }
            fn end(self) -> Done {
                Fields::end(self)
            }
        }
    )+};
}

fields!(
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
    SerializeStruct::serialize_field(&'static str),
    SerializeStructVariant::serialize_field(&'static str),
);

#[cfg(test)]
mod tests {
    use super::heap_bytes;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Row {
        name: String,
        date: chrono::NaiveDate,
        amount: i64,
        tags: Vec<String>,
    }

    #[test]
    fn a_list_weighs_its_slots_and_what_each_element_points_to() {
        let row = |name: &str| Row {
            name: name.to_owned(),
            date: chrono::NaiveDate::MIN,
            amount: 1,
            tags: vec!["a".to_owned()],
        };
        let one = heap_bytes(&vec![row("Initech")]);
        assert_eq!(
            one,
            std::mem::size_of::<Row>() + 16 + std::mem::size_of::<String>() + 16,
            "a row's slot, its name's buffer, its tag's slot and buffer; the date is inline"
        );
        assert_eq!(heap_bytes(&vec![row("Initech"), row("Globex")]), 2 * one);
        assert_eq!(heap_bytes(&Vec::<Row>::new()), 0);
    }
}
