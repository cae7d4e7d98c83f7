/*
 * ir.h - the ExportedProgram in C: every field of the torch.export schema (8.20 and the 7.x
 * and 8.x versions before it), typed, so that a program can be shown, checked, run and
 * written back as a .pt2 that torch.export.load accepts.
 *
 * Everything here lives in the program's arena (lifetime: the program). Strings are
 * NUL-terminated. "nullable" marks pointers that may be NULL; counts start with n_.
 *
 * The JSON schema maps 1:1:
 *     ExportedProgram   -> pt2c_exported_program
 *     GraphModule       -> pt2c_graph_module
 *     Graph             -> pt2c_graph (nodes, values by name)
 *     Node              -> pt2c_node (target, named inputs, outputs, metadata)
 *     Argument (union)  -> pt2c_arg (kind + payload; lists hold pt2c_arg items)
 *     InputSpec/OutputSpec (unions) -> pt2c_input_spec / pt2c_output_spec
 *
 * Example: walk the nodes of the top-level graph.
 *     const pt2c_graph *g = &ep->graph_module.graph;
 *     for (int64_t i = 0; i < g->n_nodes; i++)
 *         printf("%s = %s\n", g->nodes[i].name, g->nodes[i].target);
 */
#ifndef PT2C_IR_H
#define PT2C_IR_H

#include "pt2c.h"
#include "util/util.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct pt2c_graph pt2c_graph;
typedef struct pt2c_arg pt2c_arg;

/* ---------------------------------------------------------------------------------------- */
/* Symbolic scalars                                                                         */

/* SymExprHint / SymInt / SymFloat / SymBool: a literal or a sympy expression. */
typedef enum pt2c_hint_kind {
    PT2C_HINT_NONE = 0,
    PT2C_HINT_INT,
    PT2C_HINT_BOOL,
    PT2C_HINT_FLOAT
} pt2c_hint_kind;

typedef struct pt2c_sym_expr {
    const char *expr_str;     /* sympy text: "s0", "2*s0 + 1" or srepr form */
    pt2c_hint_kind hint_kind; /* PT2C_HINT_NONE when the hint is null */
    int64_t hint_int;         /* PT2C_HINT_INT / PT2C_HINT_BOOL (0/1) */
    double hint_float;        /* PT2C_HINT_FLOAT */
} pt2c_sym_expr;

/* A SymInt (as_int | as_expr), SymFloat (as_float | as_expr) or SymBool (as_bool | as_expr). */
typedef struct pt2c_sym {
    bool is_expr;       /* true: expr holds the expression; false: the literal below */
    int64_t i;          /* literal int, or bool as 0/1 */
    double f;           /* literal float (SymFloat) */
    pt2c_sym_expr expr; /* when is_expr */
} pt2c_sym;

/* Append a symbolic value as PyTorch prints it: sympy str form ("s77", "2*s0 + 1"), from
 * the srepr text export files store. Unrecognised text is appended unchanged. */
void pt2c_sym_expr_print(const char *expr_str, pt2c_strbuf *sb);
void pt2c_sym_print(const pt2c_sym *sym, pt2c_strbuf *sb);
/* The value of a symbol (name, len) if known. */
typedef bool (*pt2c_sym_lookup)(void *user, const char *name, size_t len, int64_t *value);
/* Evaluate a symbolic size. PT2C_ERR_SHAPE when a symbol is unbound (*missing names it,
 * pointing into expr_str), PT2C_ERR_UNSUPPORTED for forms pt2c does not evaluate. */
pt2c_status pt2c_sym_expr_eval(const char *expr_str, const pt2c_allocator *allocator,
                               pt2c_sym_lookup lookup, void *user, int64_t *out,
                               const char **missing, size_t *missing_len);
/* True when the expression is one bare Symbol; its name is (*name, *len) in expr_str. */
bool pt2c_sym_expr_symbol(const char *expr_str, const char **name, size_t *len);

/* ---------------------------------------------------------------------------------------- */
/* Tensor metadata                                                                          */

typedef struct pt2c_device {
    const char *type; /* "cpu", "cuda", "meta", ... */
    int64_t index;    /* -1 when null */
} pt2c_device;

typedef struct pt2c_tensor_meta {
    pt2c_dtype dtype;        /* export ScalarType number (0 = unknown) */
    int32_t rank;            /* entries in sizes and strides */
    pt2c_sym *sizes;         /* rank entries, may be symbolic */
    pt2c_sym *strides;       /* rank entries, in elements, may be symbolic */
    pt2c_sym storage_offset; /* in elements */
    bool requires_grad;
    pt2c_device device;
    int32_t layout; /* 7 = strided */
} pt2c_tensor_meta;

/* ---------------------------------------------------------------------------------------- */
/* Arguments: the Argument union. One X-macro row per JSON member name.                     */
/* X(enum suffix, json key)                                                                 */

#define PT2C_FORALL_ARG_KINDS(X)                                                                   \
    X(NONE, "as_none")                                                                             \
    X(TENSOR, "as_tensor")                                                                         \
    X(TENSORS, "as_tensors")                                                                       \
    X(INT, "as_int")                                                                               \
    X(INTS, "as_ints")                                                                             \
    X(FLOAT, "as_float")                                                                           \
    X(FLOATS, "as_floats")                                                                         \
    X(STRING, "as_string")                                                                         \
    X(STRINGS, "as_strings")                                                                       \
    X(SYM_INT, "as_sym_int")                                                                       \
    X(SYM_INTS, "as_sym_ints")                                                                     \
    X(SCALAR_TYPE, "as_scalar_type")                                                               \
    X(MEMORY_FORMAT, "as_memory_format")                                                           \
    X(LAYOUT, "as_layout")                                                                         \
    X(DEVICE, "as_device")                                                                         \
    X(BOOL, "as_bool")                                                                             \
    X(BOOLS, "as_bools")                                                                           \
    X(SYM_BOOL, "as_sym_bool")                                                                     \
    X(SYM_BOOLS, "as_sym_bools")                                                                   \
    X(GRAPH, "as_graph")                                                                           \
    X(OPTIONAL_TENSORS, "as_optional_tensors")                                                     \
    X(CUSTOM_OBJ, "as_custom_obj")                                                                 \
    X(OPERATOR, "as_operator")                                                                     \
    X(SYM_FLOAT, "as_sym_float")                                                                   \
    X(SYM_FLOATS, "as_sym_floats")                                                                 \
    X(OPTIONAL_TENSOR, "as_optional_tensor")                                                       \
    X(COMPLEX, "as_complex")                                                                       \
    X(NESTED_TENSORS, "as_nested_tensors")                                                         \
    X(INT_LISTS, "as_int_lists")                                                                   \
    X(STRING_TO_ARGUMENT, "as_string_to_argument")                                                 \
    X(FLOAT_LISTS, "as_float_lists")

typedef enum pt2c_arg_kind {
#define PT2C_ARG_KIND_ENUM(name, key) PT2C_ARG_##name,
    PT2C_FORALL_ARG_KINDS(PT2C_ARG_KIND_ENUM)
#undef PT2C_ARG_KIND_ENUM
        PT2C_ARG_KIND_COUNT
} pt2c_arg_kind;

/* JSON member name of a kind ("as_tensor"). */
const char *pt2c_arg_kind_key(pt2c_arg_kind kind);

/*
 * One Argument. Scalars use the fields named below; every list kind (TENSORS, INTS, FLOATS,
 * STRINGS, BOOLS, SYM_*S, OPTIONAL_TENSORS, NESTED_TENSORS, INT_LISTS, FLOAT_LISTS,
 * STRING_TO_ARGUMENT) holds its elements in items[0..n_items), each a scalar pt2c_arg:
 *   TENSORS            items are TENSOR
 *   INTS / FLOATS / STRINGS / BOOLS   items are INT / FLOAT / STRING / BOOL
 *   SYM_INTS           items are SYM_INT with name (as_name) or INT (as_int)
 *   SYM_FLOATS         items are SYM_FLOAT with name or FLOAT
 *   SYM_BOOLS          items are SYM_BOOL with name or BOOL
 *   OPTIONAL_TENSORS   items are TENSOR or NONE
 *   NESTED_TENSORS     items are TENSORS
 *   INT_LISTS / FLOAT_LISTS  items are INTS / FLOATS
 *   STRING_TO_ARGUMENT items are any kind, each with key set
 * SYM_INT / SYM_FLOAT / SYM_BOOL as a scalar: name != NULL for as_name, else the literal in
 * i / f / b. OPTIONAL_TENSOR: name != NULL for as_tensor, NULL for as_none.
 */
struct pt2c_arg {
    pt2c_arg_kind kind;
    const char *name;   /* nullable: value name (TENSOR, SYM_* as_name, CUSTOM_OBJ, GRAPH,
                           OPTIONAL_TENSOR); the token name for TokenArgument */
    const char *str;    /* nullable: STRING, OPERATOR, CUSTOM_OBJ class_fqn */
    int64_t i;          /* INT, SCALAR_TYPE, MEMORY_FORMAT, LAYOUT, SYM_INT literal */
    double f;           /* FLOAT, SYM_FLOAT literal, COMPLEX real part */
    double f_imag;      /* COMPLEX imaginary part */
    bool b;             /* BOOL, SYM_BOOL literal */
    pt2c_device device; /* DEVICE */
    pt2c_graph *graph;  /* nullable: GRAPH (owned by the program arena) */
    const char *key;    /* nullable: the key of a STRING_TO_ARGUMENT item */
    pt2c_arg *items;    /* list kinds: n_items elements */
    int64_t n_items;
};

/* ArgumentKind of a NamedArgument. */
typedef enum pt2c_arg_pass {
    PT2C_PASS_UNSPECIFIED = 0, /* null or missing (schema 7.x) or UNKNOWN */
    PT2C_PASS_POSITIONAL = 1,
    PT2C_PASS_KEYWORD = 2
} pt2c_arg_pass;

typedef struct pt2c_named_arg {
    const char *name; /* schema argument name; "" for positional HOP inputs */
    pt2c_arg arg;
    pt2c_arg_pass kind; /* positional / keyword / unspecified */
} pt2c_named_arg;

/* String-to-string metadata, in file order. */
typedef struct pt2c_kv {
    const char *key;
    const char *value;
} pt2c_kv;

/* ---------------------------------------------------------------------------------------- */
/* Nodes and graphs                                                                         */

typedef struct pt2c_node {
    const char *target;     /* "torch.ops.aten.conv2d.default", "_operator.mul", ... */
    const char *name;       /* FX node name: the schema's Node.name, else derived from
                               the outputs as torch's deserializer does (never NULL) */
    bool has_name;          /* true when the file carried Node.name */
    pt2c_named_arg *inputs; /* n_inputs */
    int32_t n_inputs;
    pt2c_arg *outputs; /* n_outputs */
    int32_t n_outputs;
    pt2c_kv *metadata; /* n_metadata: stack_trace, nn_module_stack, ... */
    int32_t n_metadata;
    int8_t is_hop_single_tensor_return; /* -1 null, 0 false, 1 true */
} pt2c_node;

typedef struct pt2c_named_tensor_meta {
    const char *name;
    pt2c_tensor_meta meta;
} pt2c_named_tensor_meta;

typedef struct pt2c_named_sym {
    const char *name;
    pt2c_sym value;
} pt2c_named_sym;

typedef struct pt2c_named_custom_obj {
    const char *name;      /* value name */
    const char *class_fqn; /* CustomObjArgument.class_fqn */
} pt2c_named_custom_obj;

struct pt2c_graph {
    pt2c_arg *inputs; /* n_inputs: placeholders (as_tensor, ...) */
    int32_t n_inputs;
    pt2c_arg *outputs; /* n_outputs */
    int32_t n_outputs;
    pt2c_node *nodes; /* n_nodes, in execution order */
    int64_t n_nodes;
    pt2c_named_tensor_meta *tensor_values; /* n_tensor_values, file order */
    int64_t n_tensor_values;
    pt2c_named_sym *sym_int_values; /* n_sym_int_values */
    int64_t n_sym_int_values;
    pt2c_named_sym *sym_bool_values; /* n_sym_bool_values */
    int64_t n_sym_bool_values;
    pt2c_named_sym *sym_float_values; /* n_sym_float_values */
    int64_t n_sym_float_values;
    pt2c_named_custom_obj *custom_obj_values; /* n_custom_obj_values */
    int64_t n_custom_obj_values;
    bool is_single_tensor_return;
    pt2c_strmap tensor_index; /* name -> index in tensor_values */
};

/* ---------------------------------------------------------------------------------------- */
/* Signature                                                                                */

#define PT2C_FORALL_INPUT_SPEC_KINDS(X)                                                            \
    X(USER_INPUT, "user_input", "USER_INPUT")                                                      \
    X(PARAMETER, "parameter", "PARAMETER")                                                         \
    X(BUFFER, "buffer", "BUFFER")                                                                  \
    X(TENSOR_CONSTANT, "tensor_constant", "CONSTANT_TENSOR")                                       \
    X(CUSTOM_OBJ, "custom_obj", "CUSTOM_OBJ")                                                      \
    X(TOKEN, "token", "TOKEN")                                                                     \
    X(CONSTANT_INPUT, "constant_input", "USER_INPUT")

typedef enum pt2c_input_spec_kind {
#define PT2C_INPUT_SPEC_ENUM(name, key, py) PT2C_INPUT_##name,
    PT2C_FORALL_INPUT_SPEC_KINDS(PT2C_INPUT_SPEC_ENUM)
#undef PT2C_INPUT_SPEC_ENUM
        PT2C_INPUT_KIND_COUNT
} pt2c_input_spec_kind;

typedef struct pt2c_input_spec {
    pt2c_input_spec_kind kind;
    pt2c_arg arg;       /* USER_INPUT: any Argument; PARAMETER/BUFFER/TENSOR_CONSTANT: TENSOR;
                           CUSTOM_OBJ: CUSTOM_OBJ; TOKEN: TENSOR holding the token name;
                           CONSTANT_INPUT: the ConstantValue as NONE/INT/FLOAT/STRING/BOOL */
    const char *target; /* nullable: parameter_name, buffer_name, tensor_constant_name,
                           custom_obj_name; CONSTANT_INPUT: its name */
    bool persistent;    /* BUFFER */
} pt2c_input_spec;

#define PT2C_FORALL_OUTPUT_SPEC_KINDS(X)                                                           \
    X(USER_OUTPUT, "user_output", "USER_OUTPUT")                                                   \
    X(LOSS_OUTPUT, "loss_output", "LOSS_OUTPUT")                                                   \
    X(BUFFER_MUTATION, "buffer_mutation", "BUFFER_MUTATION")                                       \
    X(GRADIENT_TO_PARAMETER, "gradient_to_parameter", "GRADIENT_TO_PARAMETER")                     \
    X(GRADIENT_TO_USER_INPUT, "gradient_to_user_input", "GRADIENT_TO_USER_INPUT")                  \
    X(USER_INPUT_MUTATION, "user_input_mutation", "USER_INPUT_MUTATION")                           \
    X(TOKEN, "token", "TOKEN")                                                                     \
    X(PARAMETER_MUTATION, "parameter_mutation", "PARAMETER_MUTATION")

typedef enum pt2c_output_spec_kind {
#define PT2C_OUTPUT_SPEC_ENUM(name, key, py) PT2C_OUTPUT_##name,
    PT2C_FORALL_OUTPUT_SPEC_KINDS(PT2C_OUTPUT_SPEC_ENUM)
#undef PT2C_OUTPUT_SPEC_ENUM
        PT2C_OUTPUT_KIND_COUNT
} pt2c_output_spec_kind;

typedef struct pt2c_output_spec {
    pt2c_output_spec_kind kind;
    pt2c_arg arg;       /* USER_OUTPUT: any Argument; others: TENSOR (TOKEN: the token name) */
    const char *target; /* nullable: buffer_name, parameter_name, user_input_name */
} pt2c_output_spec;

const char *pt2c_input_spec_key(pt2c_input_spec_kind kind); /* "parameter" */
const char *pt2c_input_spec_py(pt2c_input_spec_kind kind);  /* "PARAMETER" */
const char *pt2c_output_spec_key(pt2c_output_spec_kind kind);
const char *pt2c_output_spec_py(pt2c_output_spec_kind kind);
/* The JSON key naming an output spec's target ("buffer_name", "parameter_name",
 * "user_input_name"), or NULL for kinds without one. */
const char *pt2c_output_spec_target_key(pt2c_output_spec_kind kind);

typedef struct pt2c_graph_signature {
    pt2c_input_spec *input_specs; /* n_input_specs, paired with graph inputs by position */
    int32_t n_input_specs;
    pt2c_output_spec *output_specs; /* n_output_specs, paired with graph outputs */
    int32_t n_output_specs;
} pt2c_graph_signature;

/* ---------------------------------------------------------------------------------------- */
/* Module call graph, graph module, program                                                 */

typedef struct pt2c_module_call_signature {
    pt2c_arg *inputs; /* n_inputs */
    int32_t n_inputs;
    pt2c_arg *outputs; /* n_outputs */
    int32_t n_outputs;
    const char *in_spec;            /* pytree spec JSON text */
    const char *out_spec;           /* pytree spec JSON text */
    const char **forward_arg_names; /* nullable: n_forward_arg_names */
    int32_t n_forward_arg_names;    /* -1 when null */
} pt2c_module_call_signature;

typedef struct pt2c_module_call_entry {
    const char *fqn;                       /* "" for the root module */
    pt2c_module_call_signature *signature; /* nullable */
} pt2c_module_call_entry;

typedef struct pt2c_named_tuple_def {
    const char *type_name;
    const char **field_names; /* n_field_names */
    int32_t n_field_names;
} pt2c_named_tuple_def;

typedef struct pt2c_graph_module {
    pt2c_graph graph;
    pt2c_graph_signature signature;
    pt2c_module_call_entry *module_call_graph; /* n_module_call_graph */
    int32_t n_module_call_graph;
    pt2c_kv *metadata; /* n_metadata */
    int32_t n_metadata;
    pt2c_named_tuple_def *treespec_namedtuple_fields; /* n_treespec_namedtuple_fields */
    int32_t n_treespec_namedtuple_fields;
} pt2c_graph_module;

typedef struct pt2c_range_constraint {
    const char *symbol; /* "s0", "u0" */
    bool has_min;       /* false: unbounded below (-inf) */
    int64_t min_val;
    bool has_max; /* false: unbounded above (int_oo) */
    int64_t max_val;
} pt2c_range_constraint;

typedef struct pt2c_opset {
    const char *ns; /* "aten" */
    int64_t version;
} pt2c_opset;

typedef struct pt2c_exported_program {
    pt2c_graph_module graph_module;
    pt2c_opset *opset_version; /* n_opset_version */
    int32_t n_opset_version;
    pt2c_range_constraint *range_constraints; /* n_range_constraints, file order */
    int32_t n_range_constraints;
    int32_t schema_major;
    int32_t schema_minor;
    const char **verifiers; /* n_verifiers ("ATEN", "TRAINING") */
    int32_t n_verifiers;
    const char *torch_version; /* "<=2.4" when absent */
    const char **guards_code;  /* n_guards_code */
    int32_t n_guards_code;
} pt2c_exported_program;

/* ---------------------------------------------------------------------------------------- */
/* Tensors with data: weights, constants, sample inputs                                     */

typedef struct pt2c_tensor_data {
    const char *name; /* FQN, or the forward argument name for sample inputs */
    pt2c_dtype dtype;
    int32_t rank;
    int64_t *sizes;         /* rank entries */
    int64_t *strides;       /* rank entries, in elements */
    int64_t storage_offset; /* in elements */
    const uint8_t *storage; /* borrowed: the archive map, or the program arena; NULL if
                               the storage is empty */
    uint64_t storage_bytes;
    bool is_param;
    bool requires_grad;
    /* Where it came from, kept for writing back. */
    const char *path_name; /* nullable: payload entry (PT2: "weight_0") or storage key */
    bool use_pickle;       /* PT2 PayloadMeta.use_pickle */
    bool has_meta;         /* meta below is the PayloadMeta tensor_meta */
    pt2c_tensor_meta meta;
} pt2c_tensor_data;

/* Opaque objects (custom objects, tensor subclasses) kept as bytes. */
typedef struct pt2c_opaque_object {
    const char *name;      /* FQN */
    const char *path_name; /* payload entry */
    const uint8_t *bytes;  /* borrowed */
    uint64_t n_bytes;
    const char *why; /* why pt2c keeps it opaque */
} pt2c_opaque_object;

/* Which on-disk layout a program came from. */
typedef enum pt2c_archive_layout {
    PT2C_LAYOUT_PT2 = 0,     /* archive_format "pt2", raw payloads + configs */
    PT2C_LAYOUT_PT2_PICKLED, /* archive_format "pt2", data/weights/<m>.pt pickles */
    PT2C_LAYOUT_LEGACY       /* serialized_exported_program.json + torch.save files */
} pt2c_archive_layout;

#endif /* PT2C_IR_H */
