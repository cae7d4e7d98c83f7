/*
 * ir_names.c - JSON and Python names of the IR's union kinds, expanded from the X-macros in
 * ir.h so the names live in one place.
 */
#include "ir/ir.h"

#include <stddef.h>

const char *pt2c_arg_kind_key(pt2c_arg_kind kind) {
    static const char *const keys[] = {
#define ARG_KEY(name, key) key,
        PT2C_FORALL_ARG_KINDS(ARG_KEY)
#undef ARG_KEY
    };
    return (unsigned)kind < PT2C_ARG_KIND_COUNT ? keys[kind] : "?";
}

const char *pt2c_input_spec_key(pt2c_input_spec_kind kind) {
    static const char *const keys[] = {
#define IN_KEY(name, key, py) key,
        PT2C_FORALL_INPUT_SPEC_KINDS(IN_KEY)
#undef IN_KEY
    };
    return (unsigned)kind < PT2C_INPUT_KIND_COUNT ? keys[kind] : "?";
}

const char *pt2c_input_spec_py(pt2c_input_spec_kind kind) {
    static const char *const names[] = {
#define IN_PY(name, key, py) py,
        PT2C_FORALL_INPUT_SPEC_KINDS(IN_PY)
#undef IN_PY
    };
    return (unsigned)kind < PT2C_INPUT_KIND_COUNT ? names[kind] : "?";
}

const char *pt2c_output_spec_key(pt2c_output_spec_kind kind) {
    static const char *const keys[] = {
#define OUT_KEY(name, key, py) key,
        PT2C_FORALL_OUTPUT_SPEC_KINDS(OUT_KEY)
#undef OUT_KEY
    };
    return (unsigned)kind < PT2C_OUTPUT_KIND_COUNT ? keys[kind] : "?";
}

const char *pt2c_output_spec_target_key(pt2c_output_spec_kind kind) {
    switch (kind) {
    case PT2C_OUTPUT_BUFFER_MUTATION:
        return "buffer_name";
    case PT2C_OUTPUT_GRADIENT_TO_PARAMETER:
    case PT2C_OUTPUT_PARAMETER_MUTATION:
        return "parameter_name";
    case PT2C_OUTPUT_GRADIENT_TO_USER_INPUT:
    case PT2C_OUTPUT_USER_INPUT_MUTATION:
        return "user_input_name";
    default:
        return NULL;
    }
}

const char *pt2c_output_spec_py(pt2c_output_spec_kind kind) {
    static const char *const names[] = {
#define OUT_PY(name, key, py) py,
        PT2C_FORALL_OUTPUT_SPEC_KINDS(OUT_PY)
#undef OUT_PY
    };
    return (unsigned)kind < PT2C_OUTPUT_KIND_COUNT ? names[kind] : "?";
}
