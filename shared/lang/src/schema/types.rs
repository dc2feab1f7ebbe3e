//! Scalar and property types shared by both languages (docs/reference/schema.md, "Types"): their
//! `.pg` spelling and their Arrow mapping.

use arrow_schema::{DataType, Field, TimeUnit};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// Field-metadata key holding an enum's sorted, comma-joined values.
pub const ENUM_VALUES_METADATA_KEY: &str = "enum_values";

/// Largest allowed `Vector(n)` dimension.
pub const MAX_VECTOR_DIM: u32 = 65_536;

/// A scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ScalarType {
    String,
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    Date,
    DateTime,
    Blob,
}

impl ScalarType {
    pub const ALL: [ScalarType; 11] = [
        ScalarType::String,
        ScalarType::Bool,
        ScalarType::I32,
        ScalarType::I64,
        ScalarType::U32,
        ScalarType::U64,
        ScalarType::F32,
        ScalarType::F64,
        ScalarType::Date,
        ScalarType::DateTime,
        ScalarType::Blob,
    ];

    /// Parses the `.pg`/`.gq` spelling (`"I32"`, `"DateTime"` …).
    pub fn from_name(name: &str) -> Option<ScalarType> {
        ScalarType::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The `.pg`/`.gq` spelling.
    pub fn name(self) -> &'static str {
        match self {
            ScalarType::String => "String",
            ScalarType::Bool => "Bool",
            ScalarType::I32 => "I32",
            ScalarType::I64 => "I64",
            ScalarType::U32 => "U32",
            ScalarType::U64 => "U64",
            ScalarType::F32 => "F32",
            ScalarType::F64 => "F64",
            ScalarType::Date => "Date",
            ScalarType::DateTime => "DateTime",
            ScalarType::Blob => "Blob",
        }
    }

    pub fn is_integer(self) -> bool {
        matches!(
            self,
            ScalarType::I32 | ScalarType::I64 | ScalarType::U32 | ScalarType::U64
        )
    }

    pub fn is_float(self) -> bool {
        matches!(self, ScalarType::F32 | ScalarType::F64)
    }

    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float()
    }

    /// The Arrow data type of a column of this scalar.
    pub fn arrow_type(self) -> DataType {
        match self {
            ScalarType::String => DataType::Utf8,
            ScalarType::Bool => DataType::Boolean,
            ScalarType::I32 => DataType::Int32,
            ScalarType::I64 => DataType::Int64,
            ScalarType::U32 => DataType::UInt32,
            ScalarType::U64 => DataType::UInt64,
            ScalarType::F32 => DataType::Float32,
            ScalarType::F64 => DataType::Float64,
            ScalarType::Date => DataType::Date32,
            ScalarType::DateTime => {
                DataType::Timestamp(TimeUnit::Millisecond, Some(Arc::from("UTC")))
            }
            ScalarType::Blob => DataType::LargeBinary,
        }
    }
}

impl std::fmt::Display for ScalarType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The non-nullable shape of a property type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Core {
    Scalar(ScalarType),
    /// `[T]`: items are never null
    List(ScalarType),
    /// `Vector(n)`: `n` non-null `Float32` components
    Vector(u32),
    /// `enum(…)`; in a catalog the values are sorted and distinct
    Enum(Vec<String>),
}

/// A property type: a core shape and nullability (`?`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PropType {
    pub core: Core,
    pub nullable: bool,
}

impl PropType {
    pub fn scalar(s: ScalarType) -> Self {
        PropType {
            core: Core::Scalar(s),
            nullable: false,
        }
    }

    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// The same type with sorted, de-duplicated enum values.
    pub fn normalized(&self) -> PropType {
        let mut t = self.clone();
        if let Core::Enum(v) = &mut t.core {
            v.sort();
            v.dedup();
        }
        t
    }

    /// The scalar, if this is a plain scalar (not list/vector/enum).
    pub fn as_scalar(&self) -> Option<ScalarType> {
        match self.core {
            Core::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_enum(&self) -> bool {
        matches!(self.core, Core::Enum(_))
    }

    pub fn is_list(&self) -> bool {
        matches!(self.core, Core::List(_))
    }

    pub fn is_vector(&self) -> bool {
        matches!(self.core, Core::Vector(_))
    }

    /// Enum values (empty for other types).
    pub fn enum_values(&self) -> &[String] {
        match &self.core {
            Core::Enum(v) => v,
            _ => &[],
        }
    }

    /// The `.pg` spelling, e.g. `String?`, `[I32]`, `Vector(3)`, `enum(a, b)`.
    pub fn pg(&self) -> String {
        let core = match &self.core {
            Core::Scalar(s) => s.name().to_string(),
            Core::List(s) => format!("[{s}]"),
            Core::Vector(n) => format!("Vector({n})"),
            Core::Enum(v) => format!("enum({})", v.join(", ")),
        };
        if self.nullable {
            format!("{core}?")
        } else {
            core
        }
    }

    /// The Arrow data type of the column.
    pub fn arrow_type(&self) -> DataType {
        match &self.core {
            Core::Scalar(s) => s.arrow_type(),
            Core::List(s) => DataType::List(Arc::new(Field::new("item", s.arrow_type(), false))),
            Core::Vector(n) => DataType::FixedSizeList(
                Arc::new(Field::new("item", DataType::Float32, false)),
                i32::try_from(*n).unwrap_or(i32::MAX),
            ),
            Core::Enum(_) => DataType::Utf8,
        }
    }

    /// The Arrow field for a property named `name` (nullable iff `?`; enums carry
    /// `enum_values` metadata).
    pub fn arrow_field(&self, name: &str) -> Field {
        let field = Field::new(name, self.arrow_type(), self.nullable);
        match &self.core {
            Core::Enum(values) => {
                let mut v = values.clone();
                v.sort();
                v.dedup();
                let mut md = HashMap::new();
                md.insert(ENUM_VALUES_METADATA_KEY.to_string(), v.join(","));
                field.with_metadata(md)
            }
            _ => field,
        }
    }
}

impl std::fmt::Display for PropType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.pg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ScalarType::ALL {
            assert_eq!(ScalarType::from_name(s.name()), Some(s));
        }
        assert_eq!(ScalarType::from_name("Int"), None);
    }

    #[test]
    fn arrow_mapping() {
        assert_eq!(ScalarType::Date.arrow_type(), DataType::Date32);
        assert_eq!(
            ScalarType::DateTime.arrow_type(),
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
        );
        let l = PropType {
            core: Core::List(ScalarType::String),
            nullable: true,
        };
        assert_eq!(l.pg(), "[String]?");
        let f = l.arrow_field("tags");
        assert!(f.is_nullable());
        assert_eq!(
            f.data_type(),
            &DataType::List(Arc::new(Field::new("item", DataType::Utf8, false)))
        );
        let v = PropType {
            core: Core::Vector(3),
            nullable: false,
        };
        assert_eq!(
            v.arrow_type(),
            DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, false)), 3)
        );
        let e = PropType {
            core: Core::Enum(vec!["b".into(), "a".into()]),
            nullable: false,
        };
        let f = e.arrow_field("s");
        assert_eq!(
            f.metadata().get("enum_values").map(String::as_str),
            Some("a,b")
        );
        assert_eq!(e.normalized().pg(), "enum(a, b)");
    }
}
