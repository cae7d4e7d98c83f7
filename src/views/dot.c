/*
 * dot.c - DOT: the FX graph as a Graphviz digraph (`pt2c show --dot`, `dot -Tsvg` draws it).
 *
 * One DOT node per FX node (the same names and order as print(ep.graph)), labelled with
 * the node's name, what it is (the op, or the input's kind and the state-dict name it
 * reads) and the dtype and shape of its value; one edge per input, first use first. Fill
 * colours say what a node is: user inputs blue, parameters and buffers grey, constants
 * yellow, ops by the partition that runs them (partition/partition.c): green for the x86
 * vector kernels, blue-grey for portable C, red when pt2c has no kernel (so a picture shows
 * at a glance every op a program still needs), the output white. An op's label ends with
 * its partition and backend.
 */
#include "ops/ops.h"
#include "partition/partition.h"
#include "views/fx_graph.h"
#include "views/views.h"

#include <stdio.h>
#include <string.h>

enum { DOT_MAX_LABEL_OP = 60 /* longer op names are cut with "..." */ };

/* s inside a DOT double-quoted string: quotes and backslashes escaped. */
static void put_escaped(pt2c_strbuf *sb, const char *s, size_t max) {
    size_t n = strlen(s);
    bool cut = n > max;
    for (size_t i = 0; i < (cut ? max - 3 : n); i++) {
        if (s[i] == '"' || s[i] == '\\')
            pt2c_strbuf_putc(sb, '\\');
        pt2c_strbuf_putc(sb, s[i] == '\n' ? ' ' : s[i]);
    }
    if (cut)
        pt2c_strbuf_puts(sb, "...");
}

static void put_id(pt2c_strbuf *sb, const char *name) {
    pt2c_strbuf_putc(sb, '"');
    put_escaped(sb, name, (size_t)-1);
    pt2c_strbuf_putc(sb, '"');
}

/* "f32[1, 3, s0]": the value's dtype and sizes, or "Sym(s0)". */
static void put_value(pt2c_strbuf *sb, const fx_node *n) {
    if (n->meta == FX_META_TENSOR) {
        pt2c_strbuf_puts(sb, "\\n");
        fx_put_dtype_sizes(sb, n->tensor);
    } else if (n->meta == FX_META_SYM) {
        pt2c_strbuf_puts(sb, "\\nSym(");
        pt2c_sym_print(n->sym, sb);
        pt2c_strbuf_putc(sb, ')');
    }
}

typedef struct dot_style {
    const char *what; /* second label line */
    const char *fill;
    const char *detail; /* nullable: the state-dict name after `what`, or a line of its own */
    bool detail_own_line;
} dot_style;

static dot_style placeholder_style(const pt2c_input_spec *spec) {
    dot_style s = {"user input", "#cfe2f3", NULL, false};
    if (!spec)
        return s;
    switch (spec->kind) {
    case PT2C_INPUT_PARAMETER:
        return (dot_style){"parameter", "#e6e6e6", spec->target, false};
    case PT2C_INPUT_BUFFER:
        return (dot_style){"buffer", "#e6e6e6", spec->target, false};
    case PT2C_INPUT_TENSOR_CONSTANT:
        return (dot_style){"constant", "#fff2cc", spec->target, false};
    case PT2C_INPUT_CONSTANT_INPUT:
        return (dot_style){"constant input", "#fff2cc", NULL, false};
    case PT2C_INPUT_CUSTOM_OBJ:
        return (dot_style){"custom object", "#fff2cc", spec->target, false};
    case PT2C_INPUT_TOKEN:
        return (dot_style){"token", "#e6e6e6", NULL, false};
    default:
        return s;
    }
}

static void put_node(pt2c_strbuf *sb, const fx_node *n, dot_style st, const char *shape) {
    pt2c_strbuf_puts(sb, "  ");
    put_id(sb, n->name);
    pt2c_strbuf_puts(sb, " [label=\"");
    put_escaped(sb, n->name, DOT_MAX_LABEL_OP);
    pt2c_strbuf_puts(sb, "\\n");
    const char *what = st.what;
    if (strncmp(what, "torch.ops.", 10) == 0) /* "aten.relu.default", as pt2c bench says */
        what += 10;
    put_escaped(sb, what, DOT_MAX_LABEL_OP);
    if (st.detail) {
        pt2c_strbuf_puts(sb, st.detail_own_line ? "\\n" : " ");
        put_escaped(sb, st.detail, DOT_MAX_LABEL_OP);
    }
    put_value(sb, n);
    pt2c_strbuf_printf(sb, "\", fillcolor=\"%s\"%s%s];\n", st.fill, shape ? ", shape=" : "",
                       shape ? shape : "");
}

enum { DOT_PARTITION_LABEL = 48 };

/* The fill of an op run by backend (NULL: none runs it). */
static const char *backend_fill(const char *backend) {
    if (!backend)
        return "#f4cccc";
    return strcmp(backend, "x86") == 0 ? "#d9ead3" : "#d0e0e3";
}

static pt2c_status render_graph(const pt2c_program *prog, const fx_graph *fg,
                                const char *const *backend_of, const int64_t *part_of,
                                pt2c_strbuf *sb) {
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    pt2c_strbuf_puts(sb, "digraph \"ExportedProgram\" {\n"
                         "  rankdir=TB;\n"
                         "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", "
                         "fontsize=10];\n"
                         "  edge [color=\"#555555\", arrowsize=0.6];\n");
    int32_t placeholder = 0;
    for (int64_t i = 0; i < fg->n_nodes; i++) {
        const fx_node *n = &fg->nodes[i];
        switch (n->op) {
        case FX_PLACEHOLDER: {
            const pt2c_input_spec *spec =
                placeholder < sig->n_input_specs ? &sig->input_specs[placeholder] : NULL;
            placeholder++;
            put_node(sb, n, placeholder_style(spec), "ellipse");
            break;
        }
        case FX_GET_ATTR:
            put_node(sb, n, (dot_style){"subgraph", "#fff2cc", n->target, false}, NULL);
            break;
        case FX_CALL: {
            int64_t k = n->src ? n->src - g->nodes : -1;
            bool in_graph = k >= 0 && k < g->n_nodes;
            bool known = pt2c_op_find(n->target) != NULL;
            const char *backend = known && in_graph ? backend_of[k] : NULL;
            char where[DOT_PARTITION_LABEL];
            snprintf(where, sizeof where, "partition %lld: %s",
                     in_graph ? (long long)part_of[k] : -1LL, backend ? backend : "no backend");
            put_node(sb, n,
                     (dot_style){n->target, backend_fill(backend), known ? where : "no pt2c kernel",
                                 true},
                     NULL);
            break;
        }
        case FX_GETITEM: {
            char item[32];
            snprintf(item, sizeof item, "getitem [%lld]", (long long)n->item);
            const fx_node *parent = &fg->nodes[n->parent];
            int64_t k = parent->src ? parent->src - g->nodes : -1;
            const char *backend = k >= 0 && k < g->n_nodes ? backend_of[k] : NULL;
            put_node(sb, n, (dot_style){item, backend_fill(backend), NULL, false}, NULL);
            break;
        }
        case FX_OUTPUT:
            put_node(sb, n, (dot_style){"outputs", "#ffffff", NULL, false}, "ellipse");
            break;
        }
    }
    for (int64_t i = 0; i < fg->n_nodes; i++) {
        const fx_node *n = &fg->nodes[i];
        for (int32_t k = 0; k < n->n_inputs; k++) {
            pt2c_strbuf_puts(sb, "  ");
            put_id(sb, fg->nodes[n->inputs[k]].name);
            pt2c_strbuf_puts(sb, " -> ");
            put_id(sb, n->name);
            pt2c_strbuf_puts(sb, ";\n");
        }
    }
    pt2c_strbuf_puts(sb, "}\n");
    return PT2C_OK;
}

pt2c_status pt2c_view_dot(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err) {
    pt2c_arena arena;
    pt2c_arena_init(&arena, prog->allocator);
    fx_graph fg;
    pt2c_status st = fx_graph_build(&prog->ep.graph_module.graph, &prog->ep.graph_module.signature,
                                    &arena, &fg, err);
    const char **backend_of = NULL;
    int64_t *part_of = NULL;
    if (st == PT2C_OK)
        st = pt2c_partition_owners(prog, &arena, &backend_of, &part_of, err);
    if (st == PT2C_OK)
        st = render_graph(prog, &fg, backend_of, part_of, sb);
    pt2c_arena_deinit(&arena);
    return st;
}
