/*
 * cse.c - common-subexpression elimination: a pure node that repeats an earlier node (the
 * same op on the same values and literals) is dropped, and its readers read the earlier
 * node's outputs. Export keeps such repeats: BERT and ViT view the same layer-norm output
 * once per projection (view(x, [197, 384]) three times), and decompositions repeat
 * scalar_tensor and masks per layer.
 *
 * Random and uninitialized ops (rand, dropout, empty, ...) never merge: two draws differ.
 * A graph that still writes in place (after functionalize: into placeholders) is left as
 * it is: the same op on the same name may read different contents before and after a
 * write, through the name or any view of it.
 */
#include "passes/passes.h"

#include <stdio.h>
#include <string.h>

/* Append an argument exactly: names, integers, floats as hex (every bit), lists. */
static void put_arg(pt2c_strbuf *sb, const pt2c_arg *a) {
    pt2c_strbuf_printf(sb, "%d(", (int)a->kind);
    if (a->name)
        pt2c_strbuf_printf(sb, "n=%s;", a->name);
    if (a->str)
        pt2c_strbuf_printf(sb, "s=%zu:%s;", strlen(a->str), a->str);
    pt2c_strbuf_printf(sb, "%lld;%a;%a;%d;", (long long)a->i, a->f, a->f_imag, (int)a->b);
    if (a->kind == PT2C_ARG_DEVICE)
        pt2c_strbuf_printf(sb, "%s:%lld;", a->device.type ? a->device.type : "",
                           (long long)a->device.index);
    if (a->key)
        pt2c_strbuf_printf(sb, "k=%s;", a->key);
    for (int64_t k = 0; k < a->n_items; k++)
        put_arg(sb, &a->items[k]);
    pt2c_strbuf_putc(sb, ')');
}

typedef struct out_list {
    const char *names[64];
    int32_t n;
    bool too_many;
} out_list;

static void collect(void *user, const char **name) {
    out_list *o = user;
    if (o->n < 64)
        o->names[o->n++] = *name;
    else
        o->too_many = true;
}

pt2c_status pt2c_pass_cse(pt2c_pass_ctx *ctx) {
    pt2c_program *prog = ctx->prog;
    pt2c_graph *g = &prog->ep.graph_module.graph;
    for (int64_t i = 0; i < g->n_nodes; i++)
        if (pt2c_node_writes_in_place(&g->nodes[i]))
            return PT2C_OK;
    pt2c_strmap seen; /* key -> index of the first node with it */
    pt2c_strmap_init(&seen, ctx->scratch);
    bool *drop = PT2C_ARENA_ARRAY(ctx->scratch, bool, g->n_nodes + 1);
    PT2C_CHECK(drop, ctx->err, PT2C_ERR_NOMEM, "cse: out of memory");
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, prog->allocator);
    pt2c_status st = PT2C_OK;
    for (int64_t i = 0; i < g->n_nodes && st == PT2C_OK; i++) {
        pt2c_node *n = &g->nodes[i];
        if (!pt2c_node_is_pure(n) || pt2c_node_is_random(n) || n->n_outputs == 0)
            continue;
        sb.len = 0;
        pt2c_strbuf_puts(&sb, n->target);
        for (int32_t k = 0; k < n->n_inputs; k++) {
            pt2c_strbuf_printf(&sb, "|%s=", n->inputs[k].name);
            put_arg(&sb, &n->inputs[k].arg);
        }
        if (sb.failed) {
            st = pt2c_error_set(ctx->err, PT2C_ERR_NOMEM, "cse: out of memory");
            break;
        }
        int64_t first;
        if (!pt2c_strmap_get(&seen, sb.data, &first)) {
            char *key = pt2c_arena_strndup(ctx->scratch, sb.data, sb.len);
            if (!key || pt2c_strmap_put(&seen, key, i) != PT2C_OK)
                st = pt2c_error_set(ctx->err, PT2C_ERR_NOMEM, "cse: out of memory");
            continue;
        }
        /* The same op on the same inputs: read the first one's outputs instead. */
        out_list a = {.n = 0}, b = {.n = 0};
        pt2c_node_visit_outputs(&g->nodes[first], collect, &a);
        pt2c_node_visit_outputs(n, collect, &b);
        if (a.too_many || b.too_many || a.n != b.n || n->n_outputs != g->nodes[first].n_outputs)
            continue;
        for (int32_t k = 0; k < b.n; k++)
            pt2c_graph_replace_uses(prog, b.names[k], a.names[k]);
        drop[i] = true;
        ctx->rewrites++;
    }
    pt2c_strbuf_deinit(&sb);
    PT2C_TRY(st);
    if (ctx->rewrites)
        pt2c_graph_remove_nodes(prog, drop);
    return PT2C_OK;
}
