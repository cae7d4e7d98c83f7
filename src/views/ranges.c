/*
 * ranges.c - RANGE_CONSTRAINTS view.
 *
 * Format (chosen to match torch 2.13 exactly where torch prints something):
 *
 *     {s77: VR[2, 64], s53: VR[8, int_oo]}       <- str(torch.export.load(f).range_constraints)
 *     s77: VR[2, 64]                             <- then one line per symbol, same order
 *     s53: VR[8, int_oo]
 *     # not used by the graph (torch.export.load drops it): s9: VR[0, 4]
 *
 * An unbounded side prints as torch's IntInfinity does: "int_oo" above, "-int_oo" below
 * (a null min_val/max_val in the file). The dict keeps file order, but, like torch's
 * deserializer, only symbols that occur in some symbolic size/stride/offset or sym value of
 * the graph (or a subgraph); the others are listed after it as comments. An empty dict
 * prints "{}".
 */
#include "views/views.h"

#include <string.h>

static bool rng_is_ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* True if symbol occurs in expr as a whole identifier ("s1" is not in "s10"). */
static bool rng_expr_mentions(const char *expr, const char *symbol) {
    size_t n = strlen(symbol);
    if (!expr || n == 0)
        return false;
    for (const char *p = strstr(expr, symbol); p; p = strstr(p + 1, symbol)) {
        bool left_ok = p == expr || !rng_is_ident_char(p[-1]);
        bool right_ok = !rng_is_ident_char(p[n]);
        if (left_ok && right_ok)
            return true;
    }
    return false;
}

static bool rng_sym_mentions(const pt2c_sym *s, const char *symbol) {
    return s->is_expr && rng_expr_mentions(s->expr.expr_str, symbol);
}

static bool rng_graph_mentions(const pt2c_graph *g, const char *symbol, uint32_t depth);

static bool rng_arg_mentions(const pt2c_arg *a, const char *symbol, uint32_t depth) {
    if (a->kind == PT2C_ARG_GRAPH && a->graph)
        return rng_graph_mentions(a->graph, symbol, depth + 1);
    for (int64_t i = 0; a->items && i < a->n_items; i++)
        if (rng_arg_mentions(&a->items[i], symbol, depth + 1))
            return true;
    return false;
}

static bool rng_graph_mentions(const pt2c_graph *g, const char *symbol, uint32_t depth) {
    /* The loader bounds nesting already; this guards a hand-built cyclic IR. */
    if (depth > 256)
        return false;
    for (int64_t i = 0; g->tensor_values && i < g->n_tensor_values; i++) {
        const pt2c_tensor_meta *m = &g->tensor_values[i].meta;
        for (int32_t d = 0; d < m->rank; d++)
            if ((m->sizes && rng_sym_mentions(&m->sizes[d], symbol)) ||
                (m->strides && rng_sym_mentions(&m->strides[d], symbol)))
                return true;
        if (rng_sym_mentions(&m->storage_offset, symbol))
            return true;
    }
    const pt2c_named_sym *lists[3] = {g->sym_int_values, g->sym_bool_values, g->sym_float_values};
    int64_t counts[3] = {g->n_sym_int_values, g->n_sym_bool_values, g->n_sym_float_values};
    for (int l = 0; l < 3; l++)
        for (int64_t i = 0; lists[l] && i < counts[l]; i++)
            if (rng_sym_mentions(&lists[l][i].value, symbol))
                return true;
    for (int64_t i = 0; g->nodes && i < g->n_nodes; i++)
        for (int32_t j = 0; g->nodes[i].inputs && j < g->nodes[i].n_inputs; j++)
            if (rng_arg_mentions(&g->nodes[i].inputs[j].arg, symbol, depth))
                return true;
    return false;
}

static void rng_put_range(pt2c_strbuf *sb, const pt2c_range_constraint *r) {
    pt2c_strbuf_printf(sb, "%s: VR[", r->symbol ? r->symbol : "");
    if (r->has_min)
        pt2c_strbuf_printf(sb, "%lld", (long long)r->min_val);
    else
        pt2c_strbuf_puts(sb, "-int_oo");
    pt2c_strbuf_puts(sb, ", ");
    if (r->has_max)
        pt2c_strbuf_printf(sb, "%lld", (long long)r->max_val);
    else
        pt2c_strbuf_puts(sb, "int_oo");
    pt2c_strbuf_putc(sb, ']');
}

pt2c_status pt2c_view_range_constraints(const pt2c_program *prog, pt2c_strbuf *sb,
                                        pt2c_error *err) {
    PT2C_CHECK(prog && sb, err, PT2C_ERR_ARG, "render: ranges: program and buffer required");
    const pt2c_exported_program *ep = &prog->ep;
    const pt2c_graph *g = &ep->graph_module.graph;

    pt2c_strbuf_putc(sb, '{');
    int32_t n_used = 0;
    for (int32_t i = 0; ep->range_constraints && i < ep->n_range_constraints; i++) {
        const pt2c_range_constraint *r = &ep->range_constraints[i];
        if (!rng_graph_mentions(g, r->symbol ? r->symbol : "", 0))
            continue;
        if (n_used++ > 0)
            pt2c_strbuf_puts(sb, ", ");
        rng_put_range(sb, r);
    }
    pt2c_strbuf_puts(sb, "}\n");

    for (int32_t i = 0; ep->range_constraints && i < ep->n_range_constraints; i++) {
        const pt2c_range_constraint *r = &ep->range_constraints[i];
        bool used = rng_graph_mentions(g, r->symbol ? r->symbol : "", 0);
        if (!used)
            pt2c_strbuf_puts(sb, "# not used by the graph (torch.export.load drops it): ");
        rng_put_range(sb, r);
        pt2c_strbuf_putc(sb, '\n');
    }
    return PT2C_OK;
}
