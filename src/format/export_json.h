/*
 * export_json.h - Export IR JSON (the torch.export schema) -> pt2c_exported_program.
 *
 * Accepts schema majors 7, 8 and 9. Follows the rules of docs/pt2-format.md section 5:
 * a missing key, null and the default are the same; unknown struct keys are ignored; an
 * unknown union member is an error naming it; as_none may hold anything; floats may be
 * numbers, bare Infinity/-Infinity/NaN tokens or the strings "Infinity"/"-Infinity"/"NaN";
 * integers are exact int64 (json-c keeps them so).
 *
 * Errors name the entry and the JSON path: "json: models/model.json: graph_module.graph.
 * nodes[3].inputs[1].arg: unknown Argument member 'as_foo'".
 *
 * export_write.c is the inverse: pt2c_export_json_write gives back the JSON text.
 *
 * Example:
 *     pt2c_exported_program ep;
 *     PT2C_TRY(pt2c_export_json_parse(text, n, "models/model.json", &arena, &limits, &ep, err));
 */
#ifndef PT2C_EXPORT_JSON_H
#define PT2C_EXPORT_JSON_H

#include "ir/ir.h"

/* Parse an ExportedProgram. Strings and arrays go to arena. Node names are filled in as
 * torch's deserializer does when the file has no Node.name (from the first output). */
pt2c_status pt2c_export_json_parse(const char *text, size_t len, const char *where,
                                   pt2c_arena *arena, const pt2c_limits *limits,
                                   pt2c_exported_program *out, pt2c_error *err);

/* One entry of a PayloadConfig ({"config": {fqn: PayloadMeta}}). */
typedef struct pt2c_payload_meta {
    const char *fqn;
    const char *path_name;
    bool is_param;
    bool use_pickle;
    bool has_tensor_meta;
    pt2c_tensor_meta tensor_meta;
} pt2c_payload_meta;

pt2c_status pt2c_export_json_parse_payload_config(const char *text, size_t len, const char *where,
                                                  pt2c_arena *arena, const pt2c_limits *limits,
                                                  pt2c_payload_meta **out, int64_t *n_out,
                                                  pt2c_error *err);

/* ---------------------------------------------------------------------------------------- */
/* Writing (export_write.c): the inverse, as torch 2.13 writes schema 8.20.                  */

/* The schema version written, whatever the program was read from. */
enum { PT2C_WRITE_SCHEMA_MAJOR = 8, PT2C_WRITE_SCHEMA_MINOR = 20 };

/* Append the ExportedProgram JSON of ep to out (torch's models/<m>.json). Errors: a
 * required string is NULL or a kind is out of range (PT2C_ERR_ARG), out of memory. */
pt2c_status pt2c_export_json_write(const pt2c_exported_program *ep, pt2c_strbuf *out,
                                   pt2c_error *err);
/* Append {"config": {fqn: PayloadMeta}} for metas[0..n), in that order. */
pt2c_status pt2c_export_json_write_payload_config(const pt2c_payload_meta *metas, int64_t n,
                                                  pt2c_strbuf *out, pt2c_error *err);

#endif /* PT2C_EXPORT_JSON_H */
