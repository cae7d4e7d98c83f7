/*
 * fx_graph.h - the FX graph torch.export.load would rebuild from a serialized graph.
 *
 * PyTorch's printers (print_readable, str(graph), graph_module.code) work on FX nodes, and
 * the deserializer does not map serialized nodes 1:1 onto them: it adds a placeholder per
 * graph input, a get_attr node before each nested-graph argument, getitem nodes after each
 * multi-output node, and an output node. fx_graph.c rebuilds that list (same names, same
 * positional/keyword split, same users) so fx_print.c can print exactly what PyTorch prints.
 */
#ifndef PT2C_FX_GRAPH_H
#define PT2C_FX_GRAPH_H

#include "ir/ir.h"

typedef enum fx_op { FX_PLACEHOLDER, FX_GET_ATTR, FX_CALL, FX_GETITEM, FX_OUTPUT } fx_op;

/* What node.meta["val"] holds, which decides the readable annotation. */
typedef enum fx_meta_kind {
    FX_META_NONE,   /* no annotation: None, tuples of outputs, constants */
    FX_META_TENSOR, /* "f32[1, 3]cpu" */
    FX_META_SYM     /* "Sym(s0)" */
} fx_meta_kind;

typedef struct fx_node {
    fx_op op;
    const char *name;
    const char *target;          /* CALL: op name as serialized; GET_ATTR: attribute */
    const pt2c_node *src;        /* CALL: the serialized node */
    const pt2c_named_arg **args; /* CALL: positional inputs, in order */
    int32_t n_args;
    const pt2c_named_arg **kwargs; /* CALL: keyword inputs, in order */
    int32_t n_kwargs;
    const pt2c_arg *const_value; /* PLACEHOLDER of a constant input: its value */
    int64_t parent;              /* GETITEM: index of the node it indexes */
    int64_t item;                /* GETITEM: the index */
    const pt2c_graph *subgraph;  /* GET_ATTR: the nested graph */
    const char *stack_trace;     /* nullable */
    fx_meta_kind meta;
    const pt2c_tensor_meta *tensor; /* FX_META_TENSOR */
    const pt2c_sym *sym;            /* FX_META_SYM */
    int64_t *inputs;                /* indices of the nodes this one reads, first use first */
    int32_t n_inputs;
    int64_t n_users; /* distinct nodes that read this one */
} fx_node;

typedef struct fx_graph {
    const pt2c_graph *graph;
    fx_node *nodes; /* n_nodes, in execution order; the last is the output node */
    int64_t n_nodes;
    pt2c_strmap by_name; /* name -> index */
} fx_graph;

/* "f32[1, s0, 3]": a value's dtype and sizes as the readable module annotates them, without
 * the device (fx_print.c). */
void fx_put_dtype_sizes(pt2c_strbuf *sb, const pt2c_tensor_meta *m);

/* Rebuild the FX graph of g in arena. sig (nullable) names constant user inputs. */
pt2c_status fx_graph_build(const pt2c_graph *g, const pt2c_graph_signature *sig, pt2c_arena *arena,
                           fx_graph *out, pt2c_error *err);

#endif /* PT2C_FX_GRAPH_H */
