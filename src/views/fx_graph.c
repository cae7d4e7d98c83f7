/*
 * fx_graph.c - rebuild the FX node list torch.export.load makes from a serialized graph
 * (torch/_export/serde/serialize.py, GraphModuleDeserializer), so the printers can match
 * PyTorch's output line for line. See fx_graph.h for what differs from the file's nodes.
 */
#include "views/fx_graph.h"

#include <string.h>

typedef struct builder {
    const pt2c_graph *g;
    const pt2c_graph_signature *sig;
    pt2c_arena *arena;
    pt2c_error *err;
    fx_node *nodes;
    int64_t n, cap;
    pt2c_strmap by_name;
    /* torch.fx _Namespace: names handed out and the last suffix per base name. */
    pt2c_strmap used;
    pt2c_strmap base_count;
} builder;

static pt2c_status nomem(builder *b) {
    return pt2c_error_set(b->err, PT2C_ERR_NOMEM, "show: out of memory");
}

/* _Namespace.create_name: "getitem" -> "getitem", then "getitem_1", ... */
static const char *create_name(builder *b, const char *candidate) {
    size_t len = strlen(candidate);
    size_t base_len = len;
    int64_t num = -1;
    /* Split a trailing _<digits> suffix. */
    size_t i = len;
    while (i > 0 && candidate[i - 1] >= '0' && candidate[i - 1] <= '9')
        i--;
    if (i < len && i >= 2 && candidate[i - 1] == '_' && len - i < 18) {
        base_len = i - 1;
        num = 0;
        for (size_t k = i; k < len; k++)
            num = num * 10 + (candidate[k] - '0');
    }
    char *base = pt2c_arena_strndup(b->arena, candidate, base_len);
    if (!base)
        return NULL;
    const char *name = candidate;
    int64_t dummy;
    if (num < 0 || pt2c_strmap_get(&b->used, candidate, &dummy)) {
        num = 0;
        pt2c_strmap_get(&b->base_count, base, &num);
    }
    while (pt2c_strmap_get(&b->used, name, &dummy)) {
        num++;
        name = pt2c_arena_sprintf(b->arena, "%s_%lld", base, (long long)num);
        if (!name)
            return NULL;
    }
    if (pt2c_strmap_put(&b->used, name, 1) != PT2C_OK ||
        pt2c_strmap_put(&b->base_count, base, num) != PT2C_OK)
        return NULL;
    return name;
}

/* Mark a name as taken without renaming (sync_fx_node assigns names directly). */
static pt2c_status reserve(builder *b, const char *name) {
    return pt2c_strmap_put(&b->used, name, 1) == PT2C_OK ? PT2C_OK : nomem(b);
}

static fx_node *push(builder *b, fx_op op, const char *name) {
    if (b->n == b->cap) {
        int64_t cap = b->cap ? b->cap * 2 : 64;
        fx_node *grown = PT2C_ARENA_ARRAY(b->arena, fx_node, cap);
        if (!grown)
            return NULL;
        if (b->n)
            memcpy(grown, b->nodes, sizeof *grown * (size_t)b->n);
        b->nodes = grown;
        b->cap = cap;
    }
    fx_node *n = &b->nodes[b->n++];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->name = name;
    n->parent = -1;
    return n;
}

static pt2c_status index_name(builder *b, const char *name) {
    return pt2c_strmap_put(&b->by_name, name, b->n - 1) == PT2C_OK ? PT2C_OK : nomem(b);
}

static const char *meta_value(const pt2c_node *node, const char *key) {
    for (int32_t i = 0; i < node->n_metadata; i++)
        if (strcmp(node->metadata[i].key, key) == 0)
            return node->metadata[i].value;
    return NULL;
}

static const pt2c_named_sym *find_sym(const pt2c_named_sym *v, int64_t n, const char *name) {
    for (int64_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

/* node.meta["val"] for a value name: tensor meta, or a symbolic scalar (an int literal in
 * sym_int_values is a plain int in Python, which gets no annotation). */
static void set_meta(builder *b, fx_node *n, const char *value_name, pt2c_arg_kind kind) {
    const pt2c_graph *g = b->g;
    if (kind == PT2C_ARG_TENSOR) {
        int64_t idx;
        if (pt2c_strmap_get(&g->tensor_index, value_name, &idx)) {
            n->meta = FX_META_TENSOR;
            n->tensor = &g->tensor_values[idx].meta;
        }
        return;
    }
    const pt2c_named_sym *s = NULL;
    if (kind == PT2C_ARG_SYM_INT)
        s = find_sym(g->sym_int_values, g->n_sym_int_values, value_name);
    else if (kind == PT2C_ARG_SYM_BOOL)
        s = find_sym(g->sym_bool_values, g->n_sym_bool_values, value_name);
    else if (kind == PT2C_ARG_SYM_FLOAT)
        s = find_sym(g->sym_float_values, g->n_sym_float_values, value_name);
    if (s && s->value.is_expr) {
        n->meta = FX_META_SYM;
        n->sym = &s->value;
    }
}

static bool is_sym_kind(pt2c_arg_kind k) {
    return k == PT2C_ARG_SYM_INT || k == PT2C_ARG_SYM_BOOL || k == PT2C_ARG_SYM_FLOAT;
}

/* Python keywords cannot be keyword arguments; the deserializer passes them positionally. */
static bool is_python_keyword(const char *s) {
    static const char *const kw[] = {
        "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
        "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
        "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
        "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strcmp(s, kw[i]) == 0)
            return true;
    return false;
}

static bool is_aten_like(const char *target) {
    return strncmp(target, "torch.ops.", 10) == 0 &&
           strncmp(target, "torch.ops.higher_order.", 23) != 0;
}

/* Split a node's inputs the way deserialize_inputs / deserialize_hoo_inputs do. Inputs are
 * serialized in schema order, so file order stands in for the schema walk. Without an
 * ArgumentKind (schema 7) the schema's defaults are unknown here and every input is shown
 * positionally. */
static pt2c_status split_inputs(builder *b, fx_node *n, const pt2c_node *src) {
    n->args = PT2C_ARENA_ARRAY(b->arena, const pt2c_named_arg *, src->n_inputs + 1);
    n->kwargs = PT2C_ARENA_ARRAY(b->arena, const pt2c_named_arg *, src->n_inputs + 1);
    if (!n->args || !n->kwargs)
        return nomem(b);
    bool aten = is_aten_like(src->target);
    bool sym_op = strncmp(src->target, "torch.ops.", 10) != 0 ||
                  strncmp(src->target, "torch.ops.aten.sym_", 19) == 0;
    for (int32_t i = 0; i < src->n_inputs; i++) {
        const pt2c_named_arg *in = &src->inputs[i];
        bool keyword;
        if (sym_op)
            keyword = false;
        else if (aten)
            keyword = in->kind == PT2C_PASS_KEYWORD && !is_python_keyword(in->name);
        else
            keyword = in->kind != PT2C_PASS_POSITIONAL && in->name[0] != '\0';
        if (keyword)
            n->kwargs[n->n_kwargs++] = in;
        else
            n->args[n->n_args++] = in;
    }
    return PT2C_OK;
}

/* get_attr nodes for nested graphs, created while the HOP's inputs are deserialized. */
static pt2c_status add_get_attrs(builder *b, const pt2c_node *src, const char *stack_trace) {
    for (int32_t i = 0; i < src->n_inputs; i++) {
        const pt2c_arg *a = &src->inputs[i].arg;
        if (a->kind != PT2C_ARG_GRAPH || !a->name)
            continue;
        const char *name = create_name(b, a->name);
        if (!name)
            return nomem(b);
        fx_node *n = push(b, FX_GET_ATTR, name);
        if (!n)
            return nomem(b);
        n->target = a->name;
        n->subgraph = a->graph;
        n->stack_trace = stack_trace;
        PT2C_TRY(index_name(b, a->name));
    }
    return PT2C_OK;
}

static pt2c_status add_getitem(builder *b, int64_t parent, int64_t item, const pt2c_arg *out,
                               const char *stack_trace);

/* generate_getitems: one getitem per output; lists get an unnamed getitem and nested ones. */
static pt2c_status add_getitems(builder *b, int64_t parent, const pt2c_arg *outs, int64_t n,
                                const char *stack_trace) {
    for (int64_t i = 0; i < n; i++)
        PT2C_TRY(add_getitem(b, parent, i, &outs[i], stack_trace));
    return PT2C_OK;
}

static pt2c_status add_getitem(builder *b, int64_t parent, int64_t item, const pt2c_arg *out,
                               const char *stack_trace) {
    const char *name;
    bool named = out->kind == PT2C_ARG_TENSOR || out->kind == PT2C_ARG_SYM_INT ||
                 out->kind == PT2C_ARG_SYM_FLOAT;
    if (named && out->name)
        name = create_name(b, out->name);
    else if (out->kind == PT2C_ARG_NONE)
        name = create_name(b, "as_none");
    else
        name = create_name(b, "getitem");
    if (!name)
        return nomem(b);
    if (named && out->name) {
        /* sync_fx_node: the value keeps its serialized name. */
        name = out->name;
        PT2C_TRY(reserve(b, name));
    }
    fx_node *n = push(b, FX_GETITEM, name);
    if (!n)
        return nomem(b);
    n->parent = parent;
    n->item = item;
    n->stack_trace = stack_trace;
    int64_t self = b->n - 1;
    PT2C_TRY(index_name(b, name));
    if (named && out->name) {
        set_meta(b, n, out->name, out->kind);
        return PT2C_OK;
    }
    if (out->kind == PT2C_ARG_NONE || out->n_items == 0)
        return PT2C_OK;
    return add_getitems(b, self, out->items, out->n_items, stack_trace);
}

/* The FX name and outputs of one serialized call node (deserialize_node + _outputs). */
static pt2c_status add_call(builder *b, const pt2c_node *src) {
    const char *stack_trace = meta_value(src, "stack_trace");
    PT2C_TRY(add_get_attrs(b, src, stack_trace));

    bool hop = strstr(src->target, "torch.ops.higher_order") != NULL;
    bool single = src->n_outputs == 1;
    const pt2c_arg *o0 = single ? &src->outputs[0] : NULL;
    bool hop_tuple =
        hop && single && src->is_hop_single_tensor_return != 1 && o0->kind != PT2C_ARG_NONE;

    const char *name = create_name(b, src->name);
    if (!name)
        return nomem(b);
    fx_node *n = push(b, FX_CALL, name);
    if (!n)
        return nomem(b);
    int64_t self = b->n - 1;
    n->target = src->target;
    n->src = src;
    n->stack_trace = stack_trace;
    PT2C_TRY(split_inputs(b, n, src));

    if (src->n_outputs == 0) {
        PT2C_TRY(index_name(b, n->name));
        return PT2C_OK;
    }
    if (hop_tuple) {
        PT2C_TRY(index_name(b, n->name));
        return add_getitem(b, self, 0, o0, stack_trace);
    }
    if (single && (o0->kind == PT2C_ARG_TENSOR || is_sym_kind(o0->kind)) && o0->name) {
        /* sync_fx_node: the node takes its output's name. */
        n->name = o0->name;
        PT2C_TRY(reserve(b, n->name));
        set_meta(b, n, o0->name, o0->kind);
        PT2C_TRY(index_name(b, n->name));
        return PT2C_OK;
    }
    if (single && o0->kind == PT2C_ARG_NONE) {
        /* The deserializer renames such a node to "<op>_<overload>_unused". */
        const char *op = src->target;
        if (strncmp(op, "torch.ops.", 10) == 0) {
            op += 10;
            const char *dot = strchr(op, '.');
            if (dot)
                op = dot + 1;
        }
        char *cand = pt2c_arena_sprintf(b->arena, "%s_unused", op);
        if (!cand)
            return nomem(b);
        for (char *p = cand; *p; p++)
            if (*p == '.')
                *p = '_';
        n->name = create_name(b, cand);
        if (!n->name)
            return nomem(b);
        PT2C_TRY(index_name(b, n->name));
        return PT2C_OK;
    }
    PT2C_TRY(index_name(b, n->name));
    if (single && o0->n_items > 0 && o0->kind == PT2C_ARG_TENSORS)
        return add_getitems(b, self, o0->items, o0->n_items, stack_trace);
    return add_getitems(b, self, src->outputs, src->n_outputs, stack_trace);
}

static pt2c_status add_placeholders(builder *b) {
    const pt2c_graph *g = b->g;
    for (int32_t i = 0; i < g->n_inputs; i++) {
        const pt2c_arg *in = &g->inputs[i];
        const char *name = in->name;
        bool constant = !name || (in->kind != PT2C_ARG_TENSOR && in->kind != PT2C_ARG_SYM_INT &&
                                  in->kind != PT2C_ARG_CUSTOM_OBJ);
        if (constant) {
            const pt2c_input_spec *spec =
                b->sig && i < b->sig->n_input_specs ? &b->sig->input_specs[i] : NULL;
            name = spec && spec->target && spec->target[0]
                       ? spec->target
                       : pt2c_arena_sprintf(b->arena, "arg%d", (int)i);
            if (!name)
                return nomem(b);
        }
        PT2C_TRY(reserve(b, name));
        fx_node *n = push(b, FX_PLACEHOLDER, name);
        if (!n)
            return nomem(b);
        n->target = name;
        if (constant)
            n->const_value = in;
        else
            set_meta(b, n, name, in->kind);
        PT2C_TRY(index_name(b, name));
    }
    return PT2C_OK;
}

/* Append v to n's input list unless it is already there (dict order, first use first). */
static pt2c_status add_input(builder *b, fx_node *n, int64_t v, int32_t *cap) {
    for (int32_t i = 0; i < n->n_inputs; i++)
        if (n->inputs[i] == v)
            return PT2C_OK;
    if (n->n_inputs == *cap) {
        int32_t c = *cap ? *cap * 2 : 8;
        int64_t *grown = PT2C_ARENA_ARRAY(b->arena, int64_t, c);
        if (!grown)
            return nomem(b);
        if (n->n_inputs)
            memcpy(grown, n->inputs, sizeof *grown * (size_t)n->n_inputs);
        n->inputs = grown;
        *cap = c;
    }
    n->inputs[n->n_inputs++] = v;
    return PT2C_OK;
}

static pt2c_status collect_arg(builder *b, fx_node *n, const pt2c_arg *a, int32_t *cap, int depth) {
    if (depth > 64)
        return PT2C_OK;
    int64_t v;
    if (a->name && a->kind != PT2C_ARG_STRING && pt2c_strmap_get(&b->by_name, a->name, &v))
        PT2C_TRY(add_input(b, n, v, cap));
    for (int64_t i = 0; i < a->n_items; i++)
        PT2C_TRY(collect_arg(b, n, &a->items[i], cap, depth + 1));
    return PT2C_OK;
}

static pt2c_status collect_inputs(builder *b, int64_t idx) {
    fx_node *n = &b->nodes[idx];
    int32_t cap = 0;
    if (n->op == FX_GETITEM)
        return add_input(b, n, n->parent, &cap);
    if (n->op == FX_CALL) {
        for (int32_t i = 0; i < n->n_args; i++)
            PT2C_TRY(collect_arg(b, n, &n->args[i]->arg, &cap, 0));
        for (int32_t i = 0; i < n->n_kwargs; i++)
            PT2C_TRY(collect_arg(b, n, &n->kwargs[i]->arg, &cap, 0));
    }
    if (n->op == FX_OUTPUT)
        for (int32_t i = 0; i < b->g->n_outputs; i++)
            PT2C_TRY(collect_arg(b, n, &b->g->outputs[i], &cap, 0));
    return PT2C_OK;
}

pt2c_status fx_graph_build(const pt2c_graph *g, const pt2c_graph_signature *sig, pt2c_arena *arena,
                           fx_graph *out, pt2c_error *err) {
    builder b;
    memset(&b, 0, sizeof b);
    b.g = g;
    b.sig = sig;
    b.arena = arena;
    b.err = err;
    pt2c_strmap_init(&b.by_name, arena);
    pt2c_strmap_init(&b.used, arena);
    pt2c_strmap_init(&b.base_count, arena);

    PT2C_TRY(add_placeholders(&b));
    for (int64_t i = 0; i < g->n_nodes; i++) {
        pt2c_status st = add_call(&b, &g->nodes[i]);
        if (st != PT2C_OK) {
            pt2c_error_set_node(err, i, g->nodes[i].name, g->nodes[i].target);
            return st;
        }
    }
    fx_node *o = push(&b, FX_OUTPUT, "output");
    if (!o)
        return nomem(&b);
    o->target = "output";

    for (int64_t i = 0; i < b.n; i++)
        PT2C_TRY(collect_inputs(&b, i));
    for (int64_t i = 0; i < b.n; i++)
        for (int32_t k = 0; k < b.nodes[i].n_inputs; k++)
            b.nodes[b.nodes[i].inputs[k]].n_users++;

    out->graph = g;
    out->nodes = b.nodes;
    out->n_nodes = b.n;
    out->by_name = b.by_name;
    return PT2C_OK;
}
