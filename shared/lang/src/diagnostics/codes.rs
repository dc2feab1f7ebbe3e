//! The catalog of every stable diagnostic code (docs/reference/diagnostics.md, "Codes"): its
//! severity and a one-line meaning. Codes are never reused and a code's severity never changes.

use crate::diagnostics::diagnostic::Severity;

/// One entry of the diagnostic code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    pub severity: Severity,
    pub meaning: &'static str,
}

/// Codes only the engine can raise: they need committed rows, the whole input, or run-time
/// values (duplicates across rows, endpoints, cardinality, overwrite orphans, embeddings,
/// overflow, zero vectors, parameter ranges). Their cases live in the engine's integration
/// suite (`tests/tests/integration/diagnostics.rs`); this crate's suite covers every other code.
pub const ENGINE_RAISED: &[&str] = &[
    "E-D009", "E-D010", "E-D011", "E-D014", "E-D015", "E-R001", "E-R002", "E-R003", "E-R004",
    "E-R005",
];

/// Every diagnostic code, in table order.
pub const CODES: &[CodeInfo] = &[
    CodeInfo { code: "E-P001", severity: Severity::Error, meaning: "invalid character or invalid UTF-8" },
    CodeInfo { code: "E-P002", severity: Severity::Error, meaning: "unexpected token or end of input (message lists what was expected)" },
    CodeInfo { code: "E-P003", severity: Severity::Error, meaning: "unterminated string or block comment" },
    CodeInfo { code: "E-P004", severity: Severity::Error, meaning: "invalid escape sequence in a string" },
    CodeInfo { code: "E-P005", severity: Severity::Error, meaning: "malformed or out-of-range number literal" },
    CodeInfo { code: "E-P006", severity: Severity::Error, meaning: "invalid `date(…)`/`datetime(…)` text" },
    CodeInfo { code: "E-P007", severity: Severity::Error, meaning: "identifier has the wrong initial case for its role" },
    CodeInfo { code: "E-P008", severity: Severity::Error, meaning: "reserved word used as a name" },
    CodeInfo { code: "E-S001", severity: Severity::Error, meaning: "duplicate type name (ignoring case)" },
    CodeInfo { code: "E-S002", severity: Severity::Error, meaning: "duplicate property in a type" },
    CodeInfo { code: "E-S003", severity: Severity::Error, meaning: "unknown interface, or edge endpoint that is not a node type" },
    CodeInfo { code: "E-S004", severity: Severity::Error, meaning: "conflicting declarations of an interface property" },
    CodeInfo { code: "E-S005", severity: Severity::Error, meaning: "reserved property name (`id`; `src`/`dst`/`from`/`to` on edges)" },
    CodeInfo { code: "E-S006", severity: Severity::Error, meaning: "invalid type: vector size, list element type, enum values" },
    CodeInfo { code: "E-S007", severity: Severity::Error, meaning: "invalid `@key`: several, composite, nullable, disallowed type, or on an edge" },
    CodeInfo { code: "E-S008", severity: Severity::Error, meaning: "constraint names an unknown property" },
    CodeInfo { code: "E-S009", severity: Severity::Error, meaning: "constraint not allowed on the property's type" },
    CodeInfo { code: "E-S010", severity: Severity::Error, meaning: "constraint or annotation not allowed on this kind of declaration" },
    CodeInfo { code: "E-S011", severity: Severity::Error, meaning: "invalid `@range` bounds" },
    CodeInfo { code: "E-S012", severity: Severity::Error, meaning: "invalid `@check` regex" },
    CodeInfo { code: "E-S013", severity: Severity::Error, meaning: "invalid `@card` bounds" },
    CodeInfo { code: "E-S014", severity: Severity::Error, meaning: "invalid `@embed` (target not a node `Vector`; source missing or not a `String` scalar)" },
    CodeInfo { code: "E-S015", severity: Severity::Error, meaning: "misused `@description`/`@instruction` (empty, repeated, `@instruction` on a property)" },
    CodeInfo { code: "E-S016", severity: Severity::Error, meaning: "the same constraint declared twice on one target" },
    CodeInfo { code: "E-S017", severity: Severity::Error, meaning: "edge name unusable in queries (its lower-cased form is a reserved word)" },
    CodeInfo { code: "E-S018", severity: Severity::Error, meaning: "misused `@rename_from` (empty, repeated, names itself)" },
    CodeInfo { code: "W-S001", severity: Severity::Warning, meaning: "unknown annotation, kept as metadata" },
    CodeInfo { code: "W-S002", severity: Severity::Warning, meaning: "redundant constraint (e.g. `@unique` or `@index` on the key)" },
    CodeInfo { code: "E-M001", severity: Severity::Error, meaning: "type removed" },
    CodeInfo { code: "E-M002", severity: Severity::Error, meaning: "property removed" },
    CodeInfo { code: "E-M003", severity: Severity::Error, meaning: "non-nullable property added" },
    CodeInfo { code: "E-M004", severity: Severity::Error, meaning: "property type changed (other than `T` → `T?` or enum widening)" },
    CodeInfo { code: "E-M005", severity: Severity::Error, meaning: "edge endpoint types changed" },
    CodeInfo { code: "E-M006", severity: Severity::Error, meaning: "`@key` added, removed or changed" },
    CodeInfo { code: "E-M007", severity: Severity::Error, meaning: "invalid rename (`@rename_from` source missing, target exists, or source reused)" },
    CodeInfo { code: "E-M008", severity: Severity::Error, meaning: "existing data violates a constraint being added or tightened" },
    CodeInfo { code: "E-T001", severity: Severity::Error, meaning: "unknown node type in a binding (or an interface/edge named there)" },
    CodeInfo { code: "E-T002", severity: Severity::Error, meaning: "unknown property in a binding" },
    CodeInfo { code: "E-T003", severity: Severity::Error, meaning: "invalid binding value: wrong type, blob/vector property, list compared to list" },
    CodeInfo { code: "E-T004", severity: Severity::Error, meaning: "unknown edge type in a traversal" },
    CodeInfo { code: "E-T005", severity: Severity::Error, meaning: "a variable's type is not a valid endpoint of the edge" },
    CodeInfo { code: "E-T006", severity: Severity::Error, meaning: "unbound or out-of-scope variable, or unknown property in an expression" },
    CodeInfo { code: "E-T007", severity: Severity::Error, meaning: "incompatible operand or assigned types; uncomparable types; literal invalid for its type" },
    CodeInfo { code: "E-T008", severity: Severity::Error, meaning: "invalid aggregate argument" },
    CodeInfo { code: "E-T009", severity: Severity::Error, meaning: "aggregate query item that is neither an aggregate nor a group key" },
    CodeInfo { code: "E-T010", severity: Severity::Error, meaning: "unknown mutation target type" },
    CodeInfo { code: "E-T011", severity: Severity::Error, meaning: "unknown, blob or vector property in a `where` condition" },
    CodeInfo { code: "E-T012", severity: Severity::Error, meaning: "insert omits a required property or `from`/`to`" },
    CodeInfo { code: "E-T013", severity: Severity::Error, meaning: "property assigned twice in one statement" },
    CodeInfo { code: "E-T014", severity: Severity::Error, meaning: "undeclared parameter referenced" },
    CodeInfo { code: "E-T015", severity: Severity::Error, meaning: "invalid hop bounds" },
    CodeInfo { code: "E-T016", severity: Severity::Error, meaning: "assignment to an immutable field (`@key` property, `id` outside a keyless insert, `from`/`to` in an update)" },
    CodeInfo { code: "E-T017", severity: Severity::Error, meaning: "`nearest` or `rrf` ordering without `limit`" },
    CodeInfo { code: "E-T018", severity: Severity::Error, meaning: "ranking function misplaced (not first, repeated, with `asc`/`desc`, in an aggregate query, `rrf` returned without ordering by it)" },
    CodeInfo { code: "E-T019", severity: Severity::Error, meaning: "invalid `search`/`fuzzy` arguments" },
    CodeInfo { code: "E-T020", severity: Severity::Error, meaning: "invalid `match_text`/`bm25` arguments" },
    CodeInfo { code: "E-T021", severity: Severity::Error, meaning: "invalid `rrf` arguments" },
    CodeInfo { code: "E-T022", severity: Severity::Error, meaning: "invalid `nearest` arguments (not a vector property, dimension mismatch, bad query type)" },
    CodeInfo { code: "E-T023", severity: Severity::Error, meaning: "`not` block mentions no outer variable" },
    CodeInfo { code: "E-T024", severity: Severity::Error, meaning: "variable bound to two types, or a name used as both parameter and variable" },
    CodeInfo { code: "E-T025", severity: Severity::Error, meaning: "duplicate result column name" },
    CodeInfo { code: "E-T026", severity: Severity::Error, meaning: "misuse of `$_` or of an edge variable" },
    CodeInfo { code: "E-T027", severity: Severity::Error, meaning: "invalid parameter declaration (duplicate name, unsupported type)" },
    CodeInfo { code: "E-T028", severity: Severity::Error, meaning: "`limit 0`" },
    CodeInfo { code: "E-T029", severity: Severity::Error, meaning: "`null` outside an assignment, or assigned to a non-nullable property" },
    CodeInfo { code: "E-T030", severity: Severity::Error, meaning: "duplicate query name in a file" },
    CodeInfo { code: "E-V001", severity: Severity::Error, meaning: "required parameter missing" },
    CodeInfo { code: "E-V002", severity: Severity::Error, meaning: "`null` given for a non-nullable parameter" },
    CodeInfo { code: "E-V003", severity: Severity::Error, meaning: "wrong JSON type for the declared type" },
    CodeInfo { code: "E-V004", severity: Severity::Error, meaning: "value out of range for its type" },
    CodeInfo { code: "E-V005", severity: Severity::Error, meaning: "malformed date or datetime text" },
    CodeInfo { code: "E-V006", severity: Severity::Error, meaning: "bad vector (length, non-finite or out-of-range component) or non-finite float" },
    CodeInfo { code: "E-V007", severity: Severity::Error, meaning: "undeclared parameter supplied" },
    CodeInfo { code: "E-V008", severity: Severity::Error, meaning: "invalid blob value (bad base64, unsupported URI scheme)" },
    CodeInfo { code: "E-V009", severity: Severity::Error, meaning: "parameters are not a JSON object" },
    CodeInfo { code: "E-D001", severity: Severity::Error, meaning: "line is not valid JSON" },
    CodeInfo { code: "E-D002", severity: Severity::Error, meaning: "record shape: not exactly one of `type`/`edge`, unknown top-level field, `data` not an object" },
    CodeInfo { code: "E-D003", severity: Severity::Error, meaning: "unknown node or edge type" },
    CodeInfo { code: "E-D004", severity: Severity::Error, meaning: "unknown property" },
    CodeInfo { code: "E-D005", severity: Severity::Error, meaning: "required property missing or null" },
    CodeInfo { code: "E-D006", severity: Severity::Error, meaning: "value not in the enum" },
    CodeInfo { code: "E-D007", severity: Severity::Error, meaning: "`@range` violated" },
    CodeInfo { code: "E-D008", severity: Severity::Error, meaning: "`@check` violated" },
    CodeInfo { code: "E-D009", severity: Severity::Error, meaning: "`@key`/`@unique` violated (reports the duplicate value tuple and the existing row's id)" },
    CodeInfo { code: "E-D010", severity: Severity::Error, meaning: "edge endpoint does not exist" },
    CodeInfo { code: "E-D011", severity: Severity::Error, meaning: "`@card` violated (reports the source node, its edge count and the bounds)" },
    CodeInfo { code: "E-D012", severity: Severity::Error, meaning: "id rule violated (key mismatch, empty or too long id, edge endpoints changed by id, ambiguous edge merge)" },
    CodeInfo { code: "E-D013", severity: Severity::Error, meaning: "edge record missing `from` or `to`" },
    CodeInfo { code: "E-D014", severity: Severity::Error, meaning: "overwrite would orphan edges of an untouched edge type" },
    CodeInfo { code: "E-D015", severity: Severity::Error, meaning: "duplicate id in `append` (existing) or within one input" },
    CodeInfo { code: "E-R001", severity: Severity::Error, meaning: "embedding provider not configured or failed" },
    CodeInfo { code: "E-R002", severity: Severity::Error, meaning: "embedding has the wrong dimension" },
    CodeInfo { code: "E-R003", severity: Severity::Error, meaning: "integer overflow in `sum`" },
    CodeInfo { code: "E-R004", severity: Severity::Error, meaning: "zero query vector in `nearest`" },
    CodeInfo { code: "E-R005", severity: Severity::Error, meaning: "parameter value invalid for its use (`rrf` k ≤ 0, `fuzzy` edits outside 0..=2)" },
    CodeInfo { code: "W-L001", severity: Severity::Warning, meaning: "a nullable, non-key, non-embed property of a node type that has update statements in the file is never assigned by any of them" },
    CodeInfo { code: "W-L002", severity: Severity::Warning, meaning: "mutation without parameters (hard-coded values)" },
    CodeInfo { code: "W-L003", severity: Severity::Warning, meaning: "declared parameter never used" },
    CodeInfo { code: "W-L004", severity: Severity::Warning, meaning: "match is a cross product of disconnected parts" },
    CodeInfo { code: "W-L005", severity: Severity::Warning, meaning: "`is null` on a non-nullable property (always false)" },
    CodeInfo { code: "W-L006", severity: Severity::Warning, meaning: "text search on a property without `@index` (full scan)" },
];

/// Looks a code up in [`CODES`].
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code == code)
}

/// Severity of a code: from the table, else from its prefix (`W-` is a warning).
pub fn severity_of(code: &str) -> Severity {
    match lookup(code) {
        Some(info) => info.severity,
        None if code.starts_with('W') => Severity::Warning,
        None => Severity::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "duplicate {}", c.code);
            assert_eq!(c.code.len(), 6, "{}", c.code);
            let warn = c.code.starts_with('W');
            assert_eq!(warn, c.severity == Severity::Warning, "{}", c.code);
            assert!(!c.meaning.is_empty());
        }
        assert_eq!(CODES.len(), 101);
        assert_eq!(severity_of("W-S001"), Severity::Warning);
        assert_eq!(severity_of("E-S001"), Severity::Error);
    }
}
