/*
 * summary.c - SUMMARY view: one screen about a program.
 *
 *     file:           model.pt2
 *     layout:         PT2 archive (model "model", root "model/")
 *     schema version: 8.20
 *     torch version:  2.13.0+cpu
 *     dialect:        ATEN (Core ATen)
 *     nodes:          9
 *     inputs:         x: f32[s77, 3, s53, 16]
 *                     n: SymInt
 *     outputs:        relu: f32[s77, 6, s53 - 4, 12]
 *     parameters:     2 (1,824 bytes)
 *     buffers:        3 (40 bytes)
 *     constants:      1 (8 bytes)
 *     ops:            2  torch.ops.aten.add.Tensor
 *                     1  torch.ops.aten.conv2d.default
 *
 * Ops count the call nodes of the top-level graph, most used first, then by name.
 */
#include "views/views.h"

#include <stdlib.h>
#include <string.h>

#define SUM_LABEL  "%-16s"
#define SUM_INDENT "                "

static void sum_put_count(pt2c_strbuf *sb, uint64_t v) {
    char digits[32];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = n - 1; i >= 0; i--) {
        pt2c_strbuf_putc(sb, digits[i]);
        if (i > 0 && i % 3 == 0)
            pt2c_strbuf_putc(sb, ',');
    }
}

static const pt2c_tensor_meta *sum_find_meta(const pt2c_graph *g, const char *name) {
    if (!name)
        return NULL;
    int64_t idx;
    if (pt2c_strmap_get(&g->tensor_index, name, &idx) && idx >= 0 && idx < g->n_tensor_values)
        return &g->tensor_values[idx].meta;
    for (int64_t i = 0; g->tensor_values && i < g->n_tensor_values; i++)
        if (g->tensor_values[i].name && !strcmp(g->tensor_values[i].name, name))
            return &g->tensor_values[i].meta;
    return NULL;
}

static void sum_put_sym(pt2c_strbuf *sb, const pt2c_sym *s) {
    if (s->is_expr)
        pt2c_strbuf_puts(sb, s->expr.expr_str ? s->expr.expr_str : "?");
    else
        pt2c_strbuf_printf(sb, "%lld", (long long)s->i);
}

/* "f32[s77, 3, 16, 16]" */
static void sum_put_meta(pt2c_strbuf *sb, const pt2c_tensor_meta *m) {
    pt2c_strbuf_printf(sb, "%s[", pt2c_dtype_abbr(m->dtype));
    for (int32_t d = 0; m->sizes && d < m->rank; d++) {
        if (d)
            pt2c_strbuf_puts(sb, ", ");
        sum_put_sym(sb, &m->sizes[d]);
    }
    pt2c_strbuf_putc(sb, ']');
}

/* One user input or output: "name: f32[...]", "n: SymInt", "3 (constant)". */
static void sum_put_arg(pt2c_strbuf *sb, const pt2c_graph *g, const pt2c_arg *a) {
    char buf[40];
    switch (a->kind) {
    case PT2C_ARG_TENSOR: {
        const pt2c_tensor_meta *m = sum_find_meta(g, a->name);
        pt2c_strbuf_printf(sb, "%s: ", a->name ? a->name : "?");
        if (m)
            sum_put_meta(sb, m);
        else
            pt2c_strbuf_puts(sb, "Tensor (no metadata)");
        return;
    }
    case PT2C_ARG_SYM_INT:
    case PT2C_ARG_SYM_FLOAT:
    case PT2C_ARG_SYM_BOOL: {
        const char *type = a->kind == PT2C_ARG_SYM_INT     ? "SymInt"
                           : a->kind == PT2C_ARG_SYM_FLOAT ? "SymFloat"
                                                           : "SymBool";
        if (a->name)
            pt2c_strbuf_printf(sb, "%s: %s", a->name, type);
        else
            pt2c_strbuf_printf(sb, "%s = %lld", type, (long long)a->i);
        return;
    }
    case PT2C_ARG_INT:
        pt2c_strbuf_printf(sb, "%lld (constant)", (long long)a->i);
        return;
    case PT2C_ARG_FLOAT:
        pt2c_format_py_float(a->f, buf, sizeof buf);
        pt2c_strbuf_printf(sb, "%s (constant)", buf);
        return;
    case PT2C_ARG_BOOL:
        pt2c_strbuf_puts(sb, a->b ? "True (constant)" : "False (constant)");
        return;
    case PT2C_ARG_STRING:
        pt2c_strbuf_printf(sb, "'%s' (constant)", a->str ? a->str : "");
        return;
    case PT2C_ARG_NONE:
        pt2c_strbuf_puts(sb, "None");
        return;
    case PT2C_ARG_CUSTOM_OBJ:
        pt2c_strbuf_printf(sb, "%s: %s", a->name ? a->name : "?", a->str ? a->str : "object");
        return;
    default:
        pt2c_strbuf_printf(sb, "(%s)", a->name ? a->name : "argument");
        return;
    }
}

static void sum_line_start(pt2c_strbuf *sb, const char *label, int64_t i) {
    if (i == 0)
        pt2c_strbuf_printf(sb, SUM_LABEL, label);
    else
        pt2c_strbuf_puts(sb, SUM_INDENT);
}

/* numel * element size, 0 when the sizes are invalid. */
static uint64_t sum_nbytes(const pt2c_tensor_data *t) {
    uint64_t n = pt2c_dtype_size(t->dtype);
    for (int32_t d = 0; t->sizes && d < t->rank; d++)
        if (t->sizes[d] < 0 || !pt2c_mul_u64(n, (uint64_t)t->sizes[d], &n))
            return 0;
    return n;
}

enum { SUM_PARAM, SUM_BUFFER, SUM_CONSTANT, SUM_N_ROLES };

/* Counts and bytes of parameters, buffers and constants. The signature says which role a
 * tensor has (non-persistent buffers live among the constants); a map from target to role
 * keeps this linear for models with many thousands of weights. */
static pt2c_status sum_roles(const pt2c_program *prog, int64_t counts[SUM_N_ROLES],
                             uint64_t bytes[SUM_N_ROLES], pt2c_error *err) {
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    pt2c_arena arena;
    pt2c_arena_init(&arena, prog->allocator);
    pt2c_strmap role_of;
    pt2c_strmap_init(&role_of, &arena);
    pt2c_status st = PT2C_OK;
    for (int32_t i = 0; st == PT2C_OK && sig->input_specs && i < sig->n_input_specs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        int role = s->kind == PT2C_INPUT_PARAMETER ? SUM_PARAM
                   : s->kind == PT2C_INPUT_BUFFER  ? SUM_BUFFER
                   : s->kind == PT2C_INPUT_TENSOR_CONSTANT || s->kind == PT2C_INPUT_CUSTOM_OBJ
                       ? SUM_CONSTANT
                       : -1;
        if (role < 0)
            continue;
        counts[role]++;
        if (s->target)
            st = pt2c_strmap_put(&role_of, s->target, role);
    }
    const pt2c_tensor_data *sets[2] = {prog->state_dict, prog->constants};
    int64_t n[2] = {prog->n_state_dict, prog->n_constants};
    for (int k = 0; st == PT2C_OK && k < 2; k++)
        for (int64_t i = 0; sets[k] && i < n[k]; i++) {
            int64_t role;
            if (sets[k][i].name && pt2c_strmap_get(&role_of, sets[k][i].name, &role))
                pt2c_add_u64(bytes[role], sum_nbytes(&sets[k][i]), &bytes[role]);
        }
    pt2c_arena_deinit(&arena);
    if (st != PT2C_OK)
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "render: summary: out of memory");
    return PT2C_OK;
}

typedef struct sum_op {
    const char *target;
    int64_t count;
} sum_op;

static int sum_op_cmp(const void *pa, const void *pb) {
    const sum_op *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->target, b->target);
}

static pt2c_status sum_ops(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err) {
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    if (!g->nodes || g->n_nodes <= 0) {
        pt2c_strbuf_printf(sb, SUM_LABEL "(none)\n", "ops:");
        return PT2C_OK;
    }
    /* Temporary: a map target -> slot in an arena freed before returning. */
    pt2c_arena arena;
    pt2c_arena_init(&arena, sb->allocator);
    pt2c_strmap map;
    pt2c_strmap_init(&map, &arena);
    sum_op *ops = PT2C_ARENA_ARRAY(&arena, sum_op, g->n_nodes);
    pt2c_status st = ops ? PT2C_OK : PT2C_ERR_NOMEM;
    size_t n_ops = 0;
    for (int64_t i = 0; st == PT2C_OK && i < g->n_nodes; i++) {
        const char *target = g->nodes[i].target ? g->nodes[i].target : "?";
        int64_t slot;
        if (pt2c_strmap_get(&map, target, &slot)) {
            ops[slot].count++;
            continue;
        }
        st = pt2c_strmap_put(&map, target, (int64_t)n_ops);
        ops[n_ops].target = target;
        ops[n_ops].count = 1;
        n_ops++;
    }
    if (st != PT2C_OK) {
        pt2c_arena_deinit(&arena);
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "render: summary: out of memory");
    }
    qsort(ops, n_ops, sizeof *ops, sum_op_cmp);
    int width = 1;
    for (int64_t c = ops[0].count; c >= 10; c /= 10)
        width++;
    for (size_t i = 0; i < n_ops; i++) {
        sum_line_start(sb, "ops:", (int64_t)i);
        pt2c_strbuf_printf(sb, "%*lld  %s\n", width, (long long)ops[i].count, ops[i].target);
    }
    pt2c_arena_deinit(&arena);
    return PT2C_OK;
}

pt2c_status pt2c_view_summary(const pt2c_program *prog, pt2c_strbuf *sb, pt2c_error *err) {
    PT2C_CHECK(prog && sb, err, PT2C_ERR_ARG, "render: summary: program and buffer required");
    const pt2c_exported_program *ep = &prog->ep;
    const pt2c_graph *g = &ep->graph_module.graph;
    const pt2c_graph_signature *sig = &ep->graph_module.signature;

    pt2c_strbuf_printf(sb, SUM_LABEL "%s\n", "file:", prog->path ? prog->path : "(memory)");
    pt2c_strbuf_printf(sb, SUM_LABEL, "layout:");
    switch (prog->layout) {
    case PT2C_LAYOUT_PT2:
    case PT2C_LAYOUT_PT2_PICKLED:
        pt2c_strbuf_printf(sb, "PT2 archive (model \"%s\", root \"%s\"%s)\n",
                           prog->model_name ? prog->model_name : "?",
                           prog->archive_root ? prog->archive_root : "",
                           prog->layout == PT2C_LAYOUT_PT2_PICKLED ? ", pickled weights" : "");
        break;
    case PT2C_LAYOUT_LEGACY:
        pt2c_strbuf_puts(sb, "legacy (serialized_exported_program.json)\n");
        break;
    default:
        pt2c_strbuf_puts(sb, "unknown\n");
        break;
    }
    pt2c_strbuf_printf(sb, SUM_LABEL "%d.%d\n", "schema version:", (int)ep->schema_major,
                       (int)ep->schema_minor);
    pt2c_strbuf_printf(sb, SUM_LABEL "%s\n",
                       "torch version:", ep->torch_version ? ep->torch_version : "unknown");

    /* The verifier names the dialect: TRAINING is the pre-dispatch training IR; ATEN (the
     * default when none is recorded) is the decomposed Core ATen IR. */
    pt2c_strbuf_printf(sb, SUM_LABEL, "dialect:");
    if (!ep->verifiers || ep->n_verifiers == 0)
        pt2c_strbuf_puts(sb, "ATEN (Core ATen; no verifier recorded)");
    for (int32_t i = 0; ep->verifiers && i < ep->n_verifiers; i++) {
        const char *v = ep->verifiers[i] ? ep->verifiers[i] : "?";
        pt2c_strbuf_printf(sb, "%s%s", i ? ", " : "", v);
        if (!strcmp(v, "ATEN"))
            pt2c_strbuf_puts(sb, " (Core ATen)");
        else if (!strcmp(v, "TRAINING"))
            pt2c_strbuf_puts(sb, " (training IR)");
    }
    pt2c_strbuf_putc(sb, '\n');
    pt2c_strbuf_printf(sb, SUM_LABEL "%lld\n", "nodes:", (long long)g->n_nodes);

    /* User inputs, in signature order. */
    int64_t n_shown = 0;
    for (int32_t i = 0; sig->input_specs && i < sig->n_input_specs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        if (s->kind == PT2C_INPUT_USER_INPUT) {
            sum_line_start(sb, "inputs:", n_shown++);
            sum_put_arg(sb, g, &s->arg);
            pt2c_strbuf_putc(sb, '\n');
        } else if (s->kind == PT2C_INPUT_CONSTANT_INPUT) {
            sum_line_start(sb, "inputs:", n_shown++);
            pt2c_strbuf_printf(sb, "%s = ", s->target ? s->target : "?");
            sum_put_arg(sb, g, &s->arg);
            pt2c_strbuf_putc(sb, '\n');
        }
    }
    if (n_shown == 0)
        pt2c_strbuf_printf(sb, SUM_LABEL "(none)\n", "inputs:");

    n_shown = 0;
    for (int32_t i = 0; sig->output_specs && i < sig->n_output_specs; i++) {
        const pt2c_output_spec *s = &sig->output_specs[i];
        if (s->kind != PT2C_OUTPUT_USER_OUTPUT && s->kind != PT2C_OUTPUT_LOSS_OUTPUT)
            continue;
        sum_line_start(sb, "outputs:", n_shown++);
        sum_put_arg(sb, g, &s->arg);
        pt2c_strbuf_puts(sb, s->kind == PT2C_OUTPUT_LOSS_OUTPUT ? " (loss)\n" : "\n");
    }
    if (n_shown == 0)
        pt2c_strbuf_printf(sb, SUM_LABEL "(none)\n", "outputs:");

    const char *labels[SUM_N_ROLES] = {"parameters:", "buffers:", "constants:"};
    int64_t counts[SUM_N_ROLES] = {0};
    uint64_t bytes[SUM_N_ROLES] = {0};
    PT2C_TRY(sum_roles(prog, counts, bytes, err));
    for (int k = 0; k < SUM_N_ROLES; k++) {
        pt2c_strbuf_printf(sb, SUM_LABEL "%lld (", labels[k], (long long)counts[k]);
        sum_put_count(sb, bytes[k]);
        pt2c_strbuf_puts(sb, " bytes)\n");
    }
    return sum_ops(prog, sb, err);
}
