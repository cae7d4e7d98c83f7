/*
 * symbols.c - bind the symbolic sizes of a dynamic program to the real inputs and check them
 * before anything runs: every dim that is a bare symbol (s0) binds it, two dims with the
 * same symbol must agree, dims that are expressions (2*s0 + 1) must equal their value, and
 * each symbol must lie in its range constraint. A violation names the input, the dim, the
 * symbol and what was allowed; the program never runs on sizes its export did not admit.
 */
#include "runtime/runtime.h"

#include <stdio.h>
#include <string.h>

typedef struct binding {
    const char *name; /* points into the tensor metadata's expression text */
    size_t len;
    int64_t value;
    int32_t input; /* where it was bound: user input index and dim */
    int32_t dim;
} binding;

typedef struct binder {
    pt2c_plan *plan;
    binding *b;
    int32_t n, cap;
} binder;

static binding *find(binder *bd, const char *name, size_t len) {
    for (int32_t i = 0; i < bd->n; i++)
        if (bd->b[i].len == len && memcmp(bd->b[i].name, name, len) == 0)
            return &bd->b[i];
    return NULL;
}

static bool lookup(void *user, const char *name, size_t len, int64_t *value) {
    binding *b = find(user, name, len);
    if (b)
        *value = b->value;
    return b != NULL;
}

static const pt2c_tensor_meta *input_meta(const pt2c_plan *plan, int32_t i) {
    const pt2c_graph *g = &plan->prog->ep.graph_module.graph;
    const pt2c_value *v = &plan->values[plan->user_inputs[i]];
    int64_t idx;
    if (v->kind != PT2C_VALUE_TENSOR || !v->name ||
        !pt2c_strmap_get(&g->tensor_index, v->name, &idx))
        return NULL;
    return &g->tensor_values[idx].meta;
}

static const char *input_name(const pt2c_plan *plan, int32_t i) {
    const char *n = plan->values[plan->user_inputs[i]].name;
    return n ? n : "?";
}

static pt2c_status check_range(binder *bd, const binding *b, pt2c_error *err) {
    const pt2c_exported_program *ep = &bd->plan->prog->ep;
    for (int32_t r = 0; r < ep->n_range_constraints; r++) {
        const pt2c_range_constraint *rc = &ep->range_constraints[r];
        if (strlen(rc->symbol) != b->len || memcmp(rc->symbol, b->name, b->len) != 0)
            continue;
        if ((rc->has_min && b->value < rc->min_val) || (rc->has_max && b->value > rc->max_val)) {
            char lo[32] = "-inf", hi[32] = "inf";
            if (rc->has_min)
                snprintf(lo, sizeof lo, "%lld", (long long)rc->min_val);
            if (rc->has_max)
                snprintf(hi, sizeof hi, "%lld", (long long)rc->max_val);
            return pt2c_error_set(err, PT2C_ERR_SHAPE,
                                  "run: input %d '%s' has size %lld in dim %d, but its symbol "
                                  "%.*s must be in [%s, %s]",
                                  (int)b->input, input_name(bd->plan, b->input),
                                  (long long)b->value, (int)b->dim, (int)b->len, b->name, lo, hi);
        }
    }
    return PT2C_OK;
}

pt2c_status pt2c_plan_bind_symbols(pt2c_plan *plan, pt2c_error *err) {
    binder bd = {plan, NULL, 0, 0};
    for (int32_t i = 0; i < plan->n_user_inputs; i++) {
        const pt2c_tensor_meta *m = input_meta(plan, i);
        if (m)
            bd.cap += m->rank;
    }
    if (bd.cap == 0)
        return PT2C_OK;
    /* Scratch from the shape arena: rebuilt with every new input shape anyway. */
    bd.b = PT2C_ARENA_ARRAY(plan->shape_arena, binding, bd.cap);
    PT2C_CHECK(bd.b, err, PT2C_ERR_NOMEM, "run: out of memory");

    /* Bare symbols bind; a second dim with the same symbol must agree with the first. */
    for (int32_t i = 0; i < plan->n_user_inputs; i++) {
        const pt2c_tensor_meta *m = input_meta(plan, i);
        const pt2c_ktensor *t = &plan->values[plan->user_inputs[i]].t;
        for (int32_t d = 0; m && d < m->rank && d < t->rank; d++) {
            const char *name;
            size_t len;
            if (!m->sizes[d].is_expr ||
                !pt2c_sym_expr_symbol(m->sizes[d].expr.expr_str, &name, &len))
                continue;
            binding *b = find(&bd, name, len);
            if (!b) {
                bd.b[bd.n++] = (binding){name, len, t->sizes[d], i, d};
                continue;
            }
            if (b->value != t->sizes[d])
                return pt2c_error_set(
                    err, PT2C_ERR_SHAPE,
                    "run: input %d '%s' has size %lld in dim %d, but it must equal input %d "
                    "'%s' dim %d (both are symbol %.*s, which that input makes %lld)",
                    (int)i, input_name(plan, i), (long long)t->sizes[d], (int)d, (int)b->input,
                    input_name(plan, b->input), (int)b->dim, (int)len, name, (long long)b->value);
        }
    }
    for (int32_t k = 0; k < bd.n; k++)
        PT2C_TRY(check_range(&bd, &bd.b[k], err));

    /* Dims that are expressions of the symbols must have their value. */
    for (int32_t i = 0; i < plan->n_user_inputs; i++) {
        const pt2c_tensor_meta *m = input_meta(plan, i);
        const pt2c_ktensor *t = &plan->values[plan->user_inputs[i]].t;
        for (int32_t d = 0; m && d < m->rank && d < t->rank; d++) {
            const char *name;
            size_t len;
            const char *expr = m->sizes[d].expr.expr_str;
            if (!m->sizes[d].is_expr || pt2c_sym_expr_symbol(expr, &name, &len))
                continue;
            int64_t want;
            /* Unbound symbols or forms pt2c cannot evaluate leave the check to the shapes. */
            if (pt2c_sym_expr_eval(expr, plan->prog->allocator, lookup, &bd, &want, NULL, NULL) !=
                PT2C_OK)
                continue;
            if (want != t->sizes[d]) {
                pt2c_strbuf sb;
                pt2c_strbuf_init(&sb, plan->prog->allocator);
                pt2c_sym_expr_print(expr, &sb);
                pt2c_error_set(err, PT2C_ERR_SHAPE,
                               "run: input %d '%s' has size %lld in dim %d, expected %s = %lld",
                               (int)i, input_name(plan, i), (long long)t->sizes[d], (int)d,
                               sb.data ? sb.data : "?", (long long)want);
                pt2c_strbuf_deinit(&sb);
                return PT2C_ERR_SHAPE;
            }
        }
    }
    return PT2C_OK;
}
