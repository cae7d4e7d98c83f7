/* op_ctx.c - the accessors ops use at parse and shape time (declared in ops/ops.h). They
 * translate the node's named Arguments into values, slots and literals, with errors that name
 * the argument, the node and the op. */
#include "runtime/runtime.h"

#include <stdio.h>
#include <string.h>

pt2c_arena *pt2c_op_arena(pt2c_op_ctx *ctx) { return &ctx->plan->arena; }
pt2c_error *pt2c_op_error(pt2c_op_ctx *ctx) { return ctx->err; }
const pt2c_node *pt2c_op_node(const pt2c_op_ctx *ctx) { return ctx->step->node; }

pt2c_status pt2c_op_fail(pt2c_op_ctx *ctx, pt2c_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pt2c_error_setv(ctx->err, code, fmt, ap);
    va_end(ap);
    pt2c_error_set_node(ctx->err, ctx->step->node_index, ctx->step->node->name,
                        ctx->step->node->target);
    return code;
}

const pt2c_arg *pt2c_op_arg(const pt2c_op_ctx *ctx, const char *name) {
    const pt2c_node *node = ctx->step->node;
    for (int32_t i = 0; i < node->n_inputs; i++)
        if (strcmp(node->inputs[i].name, name) == 0)
            return &node->inputs[i].arg;
    return NULL;
}

void *pt2c_op_params(pt2c_op_ctx *ctx, size_t size) {
    void *p = pt2c_arena_alloc(&ctx->plan->arena, size, 16);
    /* Remembered so the shape cache can keep what shape functions store in params. */
    ctx->last_params = p;
    ctx->last_params_bytes = size;
    return p;
}

static const char *arg_kind_text(const pt2c_arg *a) { return pt2c_arg_kind_key(a->kind); }

/* ---------------------------------------------------------------------------------------- */
/* Slots                                                                                    */

static pt2c_status slot_of(pt2c_op_ctx *ctx, const char *what, const char *name, int32_t *slot) {
    int64_t s;
    if (!name || !pt2c_strmap_get(&ctx->plan->slot_by_name, name, &s))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument '%s': value '%s' is not defined before use", what,
                            name ? name : "(null)");
    *slot = (int32_t)s;
    return PT2C_OK;
}

/* A new constant slot holding a wrapped Python number as a 0-dim tensor. */
static pt2c_status wrapped_number(pt2c_op_ctx *ctx, const pt2c_arg *a, int32_t *slot) {
    pt2c_plan *plan = ctx->plan;
    if (plan->n_values == plan->cap_values)
        return pt2c_op_fail(ctx, PT2C_ERR_INTERNAL, "plan: value table full");
    pt2c_value *v = &plan->values[plan->n_values];
    memset(v, 0, sizeof *v);
    v->kind = PT2C_VALUE_TENSOR;
    v->name = "(literal)";
    v->is_wrapped = true;
    v->is_constant = true;
    v->user_input = -1;
    v->alias_of = -1;
    v->view_base = -1;
    v->t.rank = 0;
    v->t.numel = 1;
    void *data = pt2c_arena_alloc(&plan->arena, 8, 8);
    if (!data)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    switch (a->kind) {
    case PT2C_ARG_INT:
        v->t.dtype = PT2C_DTYPE_I64;
        *(int64_t *)data = a->i;
        break;
    case PT2C_ARG_FLOAT:
        v->t.dtype = PT2C_DTYPE_F64;
        *(double *)data = a->f;
        break;
    case PT2C_ARG_BOOL:
        v->t.dtype = PT2C_DTYPE_BOOL;
        *(uint8_t *)data = a->b ? 1 : 0;
        break;
    default:
        return PT2C_ERR_ARG;
    }
    v->t.data = data;
    *slot = plan->n_values++;
    return PT2C_OK;
}

static pt2c_status push_input(pt2c_op_ctx *ctx, int32_t slot, int32_t *index) {
    if (ctx->n_inputs == ctx->cap_inputs) {
        int32_t cap = ctx->cap_inputs ? ctx->cap_inputs * 2 : 8;
        int32_t *grown = PT2C_ARENA_ARRAY(&ctx->plan->arena, int32_t, cap);
        if (!grown)
            return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
        if (ctx->n_inputs)
            memcpy(grown, ctx->inputs, sizeof *grown * (size_t)ctx->n_inputs);
        ctx->inputs = grown;
        ctx->cap_inputs = cap;
    }
    if (index)
        *index = ctx->n_inputs;
    ctx->inputs[ctx->n_inputs++] = slot;
    return PT2C_OK;
}

static pt2c_status declare_input(pt2c_op_ctx *ctx, const char *name, bool optional,
                                 int32_t *index) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (index)
        *index = -1;
    if (!a || a->kind == PT2C_ARG_NONE || (a->kind == PT2C_ARG_OPTIONAL_TENSOR && !a->name)) {
        if (optional)
            return PT2C_OK;
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing (expected a tensor)",
                            name);
    }
    int32_t slot = -1;
    if (a->kind == PT2C_ARG_TENSOR || a->kind == PT2C_ARG_OPTIONAL_TENSOR) {
        PT2C_TRY(slot_of(ctx, name, a->name, &slot));
        if (ctx->plan->values[slot].kind != PT2C_VALUE_TENSOR &&
            ctx->plan->values[slot].kind != PT2C_VALUE_UNSET)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': '%s' is not a tensor", name,
                                a->name);
    } else if (a->kind == PT2C_ARG_INT || a->kind == PT2C_ARG_FLOAT || a->kind == PT2C_ARG_BOOL) {
        PT2C_TRY(wrapped_number(ctx, a, &slot));
    } else {
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected a tensor, found %s",
                            name, arg_kind_text(a));
    }
    return push_input(ctx, slot, index);
}

pt2c_status pt2c_op_input(pt2c_op_ctx *ctx, const char *name, int32_t *index) {
    return declare_input(ctx, name, false, index);
}

pt2c_status pt2c_op_input_optional(pt2c_op_ctx *ctx, const char *name, int32_t *index) {
    return declare_input(ctx, name, true, index);
}

pt2c_status pt2c_op_input_list(pt2c_op_ctx *ctx, const char *name, int32_t *first, int32_t *count) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (!a || a->kind != PT2C_ARG_TENSORS)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument '%s': expected a list of tensors, found %s", name,
                            a ? arg_kind_text(a) : "nothing");
    *first = ctx->n_inputs;
    *count = (int32_t)a->n_items;
    for (int64_t i = 0; i < a->n_items; i++) {
        int32_t slot = -1;
        PT2C_TRY(slot_of(ctx, name, a->items[i].name, &slot));
        PT2C_TRY(push_input(ctx, slot, NULL));
    }
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Scalars                                                                                  */

static pt2c_status int_item(pt2c_op_ctx *ctx, const char *name, const pt2c_arg *a, pt2c_iarg *out) {
    out->slot = -1;
    if (a->kind == PT2C_ARG_INT) {
        out->value = a->i;
        return PT2C_OK;
    }
    if (a->kind == PT2C_ARG_BOOL) {
        out->value = a->b;
        return PT2C_OK;
    }
    if (a->kind == PT2C_ARG_SYM_INT) {
        if (!a->name) {
            out->value = a->i;
            return PT2C_OK;
        }
        return slot_of(ctx, name, a->name, &out->slot);
    }
    return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected an int, found %s", name,
                        arg_kind_text(a));
}

pt2c_status pt2c_op_int(pt2c_op_ctx *ctx, const char *name, int64_t dflt, pt2c_iarg *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (!a) {
        out->value = dflt;
        out->slot = -1;
        return PT2C_OK;
    }
    return int_item(ctx, name, a, out);
}

pt2c_status pt2c_op_optional_int(pt2c_op_ctx *ctx, const char *name, bool *present,
                                 pt2c_iarg *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    *present = a && a->kind != PT2C_ARG_NONE;
    out->value = 0;
    out->slot = -1;
    return *present ? int_item(ctx, name, a, out) : PT2C_OK;
}

pt2c_status pt2c_op_ints(pt2c_op_ctx *ctx, const char *name, const int64_t *dflt, int32_t n_dflt,
                         int32_t expand_to, pt2c_iarg_list *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    memset(out, 0, sizeof *out);
    if (!a || a->kind == PT2C_ARG_NONE) {
        if (!dflt)
            return PT2C_OK;
        out->items = PT2C_ARENA_ARRAY(&ctx->plan->arena, pt2c_iarg, n_dflt ? n_dflt : 1);
        if (!out->items)
            return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
        for (int32_t i = 0; i < n_dflt; i++)
            out->items[i] = (pt2c_iarg){dflt[i], -1};
        out->n = n_dflt;
        out->present = true;
        return PT2C_OK;
    }
    out->present = true;
    if (a->kind == PT2C_ARG_INT || a->kind == PT2C_ARG_SYM_INT) {
        int32_t n = expand_to > 0 ? expand_to : 1;
        out->items = PT2C_ARENA_ARRAY(&ctx->plan->arena, pt2c_iarg, n);
        if (!out->items)
            return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
        PT2C_TRY(int_item(ctx, name, a, &out->items[0]));
        for (int32_t i = 1; i < n; i++)
            out->items[i] = out->items[0];
        out->n = n;
        return PT2C_OK;
    }
    if (a->kind != PT2C_ARG_INTS && a->kind != PT2C_ARG_SYM_INTS)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument '%s': expected a list of ints, found %s", name,
                            arg_kind_text(a));
    if (a->n_items > PT2C_MAX_RANK * 4)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "argument '%s': %lld entries is too many", name,
                            (long long)a->n_items);
    int32_t n = (int32_t)a->n_items;
    if (n == 1 && expand_to > 1)
        n = expand_to;
    out->items = PT2C_ARENA_ARRAY(&ctx->plan->arena, pt2c_iarg, n ? n : 1);
    if (!out->items)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    for (int32_t i = 0; i < n; i++)
        PT2C_TRY(int_item(ctx, name, &a->items[a->n_items == 1 ? 0 : i], &out->items[i]));
    out->n = n;
    return PT2C_OK;
}

static pt2c_status float_of(pt2c_op_ctx *ctx, const char *name, const pt2c_arg *a, double *out) {
    switch (a->kind) {
    case PT2C_ARG_FLOAT:
        *out = a->f;
        return PT2C_OK;
    case PT2C_ARG_INT:
        *out = (double)a->i;
        return PT2C_OK;
    case PT2C_ARG_BOOL:
        *out = a->b ? 1.0 : 0.0;
        return PT2C_OK;
    case PT2C_ARG_SYM_FLOAT:
        if (!a->name) {
            *out = a->f;
            return PT2C_OK;
        }
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument '%s': symbolic floats are not supported here", name);
    default:
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected a float, found %s", name,
                            arg_kind_text(a));
    }
}

pt2c_status pt2c_op_float(pt2c_op_ctx *ctx, const char *name, double dflt, double *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (!a) {
        *out = dflt;
        return PT2C_OK;
    }
    return float_of(ctx, name, a, out);
}

pt2c_status pt2c_op_optional_float(pt2c_op_ctx *ctx, const char *name, bool *present, double *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    *present = a && a->kind != PT2C_ARG_NONE;
    *out = 0;
    return *present ? float_of(ctx, name, a, out) : PT2C_OK;
}

pt2c_status pt2c_op_bool(pt2c_op_ctx *ctx, const char *name, bool dflt, bool *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (!a || a->kind == PT2C_ARG_NONE) {
        *out = dflt;
        return PT2C_OK;
    }
    if (a->kind == PT2C_ARG_BOOL || (a->kind == PT2C_ARG_SYM_BOOL && !a->name)) {
        *out = a->b;
        return PT2C_OK;
    }
    if (a->kind == PT2C_ARG_INT) {
        *out = a->i != 0;
        return PT2C_OK;
    }
    return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected a bool, found %s", name,
                        arg_kind_text(a));
}

static pt2c_status scalar_of(pt2c_op_ctx *ctx, const char *name, const pt2c_arg *a,
                             pt2c_scalar *out) {
    memset(out, 0, sizeof *out);
    out->slot = -1;
    switch (a->kind) {
    case PT2C_ARG_INT:
        out->dtype = PT2C_DTYPE_I64;
        out->i = a->i;
        out->f = (double)a->i;
        return PT2C_OK;
    case PT2C_ARG_FLOAT:
        out->dtype = PT2C_DTYPE_F64;
        out->f = a->f;
        out->i = pt2c_f64_to_i64(a->f);
        return PT2C_OK;
    case PT2C_ARG_BOOL:
        out->dtype = PT2C_DTYPE_BOOL;
        out->i = a->b;
        out->f = a->b;
        return PT2C_OK;
    case PT2C_ARG_SYM_INT:
        out->dtype = PT2C_DTYPE_I64;
        if (!a->name) {
            out->i = a->i;
            out->f = (double)a->i;
            return PT2C_OK;
        }
        return slot_of(ctx, name, a->name, &out->slot);
    case PT2C_ARG_SYM_FLOAT:
        out->dtype = PT2C_DTYPE_F64;
        if (!a->name) {
            out->f = a->f;
            return PT2C_OK;
        }
        return slot_of(ctx, name, a->name, &out->slot);
    case PT2C_ARG_SYM_BOOL:
        out->dtype = PT2C_DTYPE_BOOL;
        if (!a->name) {
            out->i = a->b;
            out->f = a->b;
            return PT2C_OK;
        }
        return slot_of(ctx, name, a->name, &out->slot);
    default:
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected a number, found %s",
                            name, arg_kind_text(a));
    }
}

pt2c_status pt2c_op_scalar(pt2c_op_ctx *ctx, const char *name, const pt2c_scalar *dflt,
                           pt2c_scalar *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (!a || a->kind == PT2C_ARG_NONE) {
        if (!dflt)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing (expected a number)",
                                name);
        *out = *dflt;
        return PT2C_OK;
    }
    return scalar_of(ctx, name, a, out);
}

pt2c_status pt2c_op_optional_scalar(pt2c_op_ctx *ctx, const char *name, bool *present,
                                    pt2c_scalar *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    *present = a && a->kind != PT2C_ARG_NONE;
    memset(out, 0, sizeof *out);
    out->slot = -1;
    return *present ? scalar_of(ctx, name, a, out) : PT2C_OK;
}

pt2c_status pt2c_op_dtype(pt2c_op_ctx *ctx, const char *name, pt2c_dtype *out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    *out = PT2C_DTYPE_UNKNOWN;
    if (!a || a->kind == PT2C_ARG_NONE)
        return PT2C_OK;
    if (a->kind != PT2C_ARG_SCALAR_TYPE || !pt2c_dtype_valid((int)a->i))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected a dtype, found %s", name,
                            arg_kind_text(a));
    *out = (pt2c_dtype)a->i;
    return PT2C_OK;
}

pt2c_status pt2c_op_string(pt2c_op_ctx *ctx, const char *name, const char *dflt, const char **out) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (!a || a->kind == PT2C_ARG_NONE) {
        *out = dflt;
        return PT2C_OK;
    }
    if (a->kind != PT2C_ARG_STRING)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected a string, found %s",
                            name, arg_kind_text(a));
    *out = a->str;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Shape time                                                                               */

const pt2c_ktensor *pt2c_op_in(const pt2c_op_ctx *ctx, int32_t index) {
    return &ctx->plan->values[ctx->step->inputs[index]].t;
}

int32_t pt2c_op_n_in(const pt2c_op_ctx *ctx) { return ctx->step->n_inputs; }
int32_t pt2c_op_n_out(const pt2c_op_ctx *ctx) { return ctx->step->n_outputs; }

bool pt2c_op_in_is_wrapped(const pt2c_op_ctx *ctx, int32_t index) {
    return ctx->plan->values[ctx->step->inputs[index]].is_wrapped;
}

int64_t pt2c_op_iarg(const pt2c_op_ctx *ctx, const pt2c_iarg *arg) {
    if (arg->slot < 0)
        return arg->value;
    const pt2c_value *v = &ctx->plan->values[arg->slot];
    return v->kind == PT2C_VALUE_FLOAT ? pt2c_f64_to_i64(v->f) : v->i;
}

double pt2c_op_scalar_f64(const pt2c_op_ctx *ctx, const pt2c_scalar *s) {
    if (s->slot < 0)
        return s->dtype == PT2C_DTYPE_F64 ? s->f : (double)s->i;
    const pt2c_value *v = &ctx->plan->values[s->slot];
    return v->kind == PT2C_VALUE_FLOAT ? v->f : (double)v->i;
}

bool pt2c_op_scalar_is_float(const pt2c_op_ctx *ctx, const pt2c_scalar *s) {
    if (s->slot < 0)
        return s->dtype == PT2C_DTYPE_F64;
    return ctx->plan->values[s->slot].kind == PT2C_VALUE_FLOAT;
}

int64_t pt2c_op_scalar_i64(const pt2c_op_ctx *ctx, const pt2c_scalar *s) {
    if (s->slot < 0)
        return s->dtype == PT2C_DTYPE_F64 ? pt2c_f64_to_i64(s->f) : s->i;
    const pt2c_value *v = &ctx->plan->values[s->slot];
    return v->kind == PT2C_VALUE_FLOAT ? pt2c_f64_to_i64(v->f) : v->i;
}

pt2c_status pt2c_op_set_out(pt2c_op_ctx *ctx, int32_t index, pt2c_dtype dtype, int32_t rank,
                            const int64_t *sizes) {
    if (index < 0 || index >= ctx->step->n_outputs)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "shape: the node lists %d outputs, the op produces output %d",
                            (int)ctx->step->n_outputs, (int)index);
    if (rank < 0 || rank > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: rank %d exceeds %d", (int)rank,
                            PT2C_MAX_RANK);
    int32_t slot = ctx->step->outputs[index];
    if (slot < 0)
        return PT2C_OK; /* an output the graph discards (as_none) */
    pt2c_value *v = &ctx->plan->values[slot];
    v->kind = PT2C_VALUE_TENSOR;
    v->t.dtype = dtype;
    v->t.rank = rank;
    int64_t numel = 1;
    for (int32_t d = 0; d < rank; d++) {
        if (sizes[d] < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: output %d has negative size %lld in dim %d", (int)index,
                                (long long)sizes[d], (int)d);
        v->t.sizes[d] = sizes[d];
        uint64_t n;
        if (!pt2c_mul_u64((uint64_t)numel, (uint64_t)sizes[d], &n) || n > (uint64_t)INT64_MAX / 16)
            return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: output %d is too large", (int)index);
        numel = (int64_t)n;
    }
    v->t.numel = numel;
    return PT2C_OK;
}

void pt2c_op_in_layout(const pt2c_op_ctx *ctx, int32_t index, pt2c_layout *out) {
    int32_t base;
    pt2c_plan_layout(ctx->plan, ctx->step->inputs[index], &base, out);
}

/* Input 0's storage: the value whose bytes it views in PyTorch, and its layout there. */
static int32_t storage_of(const pt2c_plan *plan, int32_t slot, pt2c_layout *out) {
    const pt2c_value *v = &plan->values[slot];
    if (v->view_base < 0 || v->view_copy || (v->alias_of < 0 && !v->materialized)) {
        pt2c_layout_dense(out, v->t.rank, v->t.sizes);
        return slot;
    }
    out->rank = v->t.rank;
    for (int32_t d = 0; d < v->t.rank; d++) {
        out->sizes[d] = v->t.sizes[d];
        out->strides[d] = v->view_strides[d];
    }
    out->offset = v->view_offset;
    return v->view_base;
}

void pt2c_op_in_storage_layout(const pt2c_op_ctx *ctx, pt2c_layout *out, int64_t *storage_numel) {
    int32_t base = storage_of(ctx->plan, ctx->step->inputs[0], out);
    *storage_numel = ctx->plan->values[base].t.numel;
}

static pt2c_status set_layout(pt2c_op_ctx *ctx, int32_t index, const pt2c_layout *l, bool copy,
                              bool storage) {
    PT2C_TRY(pt2c_op_set_out(ctx, index, pt2c_op_in(ctx, 0)->dtype, l->rank, l->sizes));
    int32_t slot = ctx->step->outputs[index];
    if (slot < 0)
        return PT2C_OK;
    pt2c_value *v = &ctx->plan->values[slot];
    pt2c_layout in;
    if (storage)
        v->view_base = storage_of(ctx->plan, ctx->step->inputs[0], &in);
    else
        pt2c_plan_layout(ctx->plan, ctx->step->inputs[0], &v->view_base, &in);
    for (int32_t d = 0; d < l->rank; d++)
        v->view_strides[d] = l->strides[d];
    v->view_offset = l->offset;
    v->view_copy = copy;
    return PT2C_OK;
}

pt2c_status pt2c_op_set_view(pt2c_op_ctx *ctx, int32_t index, const pt2c_layout *l) {
    return set_layout(ctx, index, l, false, false);
}

pt2c_status pt2c_op_set_copy(pt2c_op_ctx *ctx, int32_t index, const pt2c_layout *l) {
    return set_layout(ctx, index, l, true, false);
}

pt2c_status pt2c_op_set_storage_view(pt2c_op_ctx *ctx, int32_t index, const pt2c_layout *l) {
    return set_layout(ctx, index, l, false, true);
}

static pt2c_value *scalar_out(pt2c_op_ctx *ctx, int32_t index) {
    if (index < 0 || index >= ctx->step->n_outputs || ctx->step->outputs[index] < 0)
        return NULL;
    return &ctx->plan->values[ctx->step->outputs[index]];
}

pt2c_status pt2c_op_set_out_int(pt2c_op_ctx *ctx, int32_t index, int64_t value) {
    pt2c_value *v = scalar_out(ctx, index);
    if (!v)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "shape: the node has no output %d", (int)index);
    v->kind = PT2C_VALUE_INT;
    v->i = value;
    return PT2C_OK;
}

pt2c_status pt2c_op_set_out_float(pt2c_op_ctx *ctx, int32_t index, double value) {
    pt2c_value *v = scalar_out(ctx, index);
    if (!v)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "shape: the node has no output %d", (int)index);
    v->kind = PT2C_VALUE_FLOAT;
    v->f = value;
    return PT2C_OK;
}

pt2c_status pt2c_op_wrap_dim(pt2c_op_ctx *ctx, const char *what, int64_t dim, int32_t rank,
                             int32_t *out) {
    int64_t r = rank > 0 ? rank : 1; /* a 0-dim tensor accepts dim 0 and -1 */
    if (dim < -r || dim >= r)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %s %lld is out of range for a tensor of rank %d", what,
                            (long long)dim, (int)rank);
    *out = (int32_t)(dim < 0 ? dim + r : dim);
    return PT2C_OK;
}

pt2c_status pt2c_op_broadcast(pt2c_op_ctx *ctx, const pt2c_ktensor *a, const pt2c_ktensor *b,
                              int32_t *rank, int64_t *sizes) {
    int32_t r = a->rank > b->rank ? a->rank : b->rank;
    for (int32_t i = 0; i < r; i++) {
        int32_t ia = a->rank - r + i, ib = b->rank - r + i;
        int64_t sa = ia >= 0 ? a->sizes[ia] : 1, sb = ib >= 0 ? b->sizes[ib] : 1;
        if (sa != sb && sa != 1 && sb != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: cannot broadcast size %lld with size %lld in dim %d",
                                (long long)sa, (long long)sb, (int)i);
        sizes[i] = sa == 1 ? sb : sa;
    }
    *rank = r;
    return PT2C_OK;
}

/* Tensor?[] (index.Tensor's indices): like pt2c_op_input_list, with None entries. */
pt2c_status pt2c_op_input_optional_list(pt2c_op_ctx *ctx, const char *name, int32_t *index,
                                        int32_t cap, int32_t *count) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    if (!a || (a->kind != PT2C_ARG_OPTIONAL_TENSORS && a->kind != PT2C_ARG_TENSORS))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument '%s': expected a list of optional tensors, found %s", name,
                            a ? pt2c_arg_kind_key(a->kind) : "nothing");
    if (a->n_items > cap)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "argument '%s': %lld entries (max %d)", name,
                            (long long)a->n_items, (int)cap);
    *count = (int32_t)a->n_items;
    for (int64_t k = 0; k < a->n_items; k++) {
        const pt2c_arg *it = &a->items[k];
        index[k] = -1;
        if (it->kind == PT2C_ARG_NONE || !it->name)
            continue;
        if (it->kind != PT2C_ARG_TENSOR && it->kind != PT2C_ARG_OPTIONAL_TENSOR)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument '%s': entry %lld is a %s, expected a tensor or None",
                                name, (long long)k, pt2c_arg_kind_key(it->kind));
        int64_t slot;
        if (!pt2c_strmap_get(&ctx->plan->slot_by_name, it->name, &slot))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument '%s': value '%s' is not defined before use", name,
                                it->name);
        const pt2c_value *v = &ctx->plan->values[slot];
        if (v->kind != PT2C_VALUE_TENSOR && v->kind != PT2C_VALUE_UNSET)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': '%s' is not a tensor", name,
                                it->name);
        /* Append to the declared inputs, growing the array as op_ctx.c does. */
        if (ctx->n_inputs == ctx->cap_inputs) {
            int32_t cap_new = ctx->cap_inputs ? ctx->cap_inputs * 2 : 8;
            int32_t *grown = PT2C_ARENA_ARRAY(&ctx->plan->arena, int32_t, cap_new);
            if (!grown)
                return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
            if (ctx->n_inputs)
                memcpy(grown, ctx->inputs, sizeof *grown * (size_t)ctx->n_inputs);
            ctx->inputs = grown;
            ctx->cap_inputs = cap_new;
        }
        index[k] = ctx->n_inputs;
        ctx->inputs[ctx->n_inputs++] = (int32_t)slot;
    }
    return PT2C_OK;
}

void pt2c_op_set_data_dependent(pt2c_op_ctx *ctx) { ctx->step->data_dependent = true; }

pt2c_dtype pt2c_op_value_dtype(const pt2c_op_ctx *ctx, const char *value_name) {
    const pt2c_graph *g = &ctx->plan->prog->ep.graph_module.graph;
    int64_t idx;
    if (!value_name || !pt2c_strmap_get(&g->tensor_index, value_name, &idx))
        return PT2C_DTYPE_UNKNOWN;
    return g->tensor_values[idx].meta.dtype;
}

const pt2c_allocator *pt2c_op_allocator(const pt2c_op_ctx *ctx) {
    return ctx->plan->prog->allocator;
}

const pt2c_cpu *pt2c_op_cpu(const pt2c_op_ctx *ctx) { return ctx->plan->cpu; }

int pt2c_op_n_threads(const pt2c_op_ctx *ctx) { return ctx->plan->n_threads; }

bool pt2c_op_in_is_constant(const pt2c_op_ctx *ctx, int32_t index) {
    if (index < 0 || index >= ctx->step->n_inputs)
        return false;
    const pt2c_value *v = &ctx->plan->values[ctx->step->inputs[index]];
    return v->is_constant && !v->is_mutated && !v->is_written && !v->is_wrapped && v->alias_of < 0;
}

void *pt2c_op_persistent_alloc(pt2c_op_ctx *ctx, size_t bytes) {
    /* Large packed weights on huge pages (util.h): the GEMM streams them every run. */
    void *p = bytes >= (1u << 20)
                  ? pt2c_arena_alloc_huge(&ctx->plan->arena, bytes, false)
                  : pt2c_arena_alloc_uninit(&ctx->plan->arena, bytes ? bytes : 1, 64);
    if (p)
        ctx->plan->packed_bytes += bytes;
    return p;
}

void pt2c_op_set_flops(pt2c_op_ctx *ctx, double flops) { ctx->step->flops = flops; }

const pt2c_kernel_epilogue *pt2c_op_epilogue(const pt2c_op_ctx *ctx) { return ctx->step->epilogue; }

void pt2c_op_release_input(pt2c_op_ctx *ctx, int32_t index) {
    const pt2c_program *prog = ctx->plan->prog;
    if (!prog || index < 0 || index >= ctx->step->n_inputs || prog->file_borrowed)
        return;
    const pt2c_value *v = &ctx->plan->values[ctx->step->inputs[index]];
    if (v->kind == PT2C_VALUE_TENSOR && v->is_constant && !v->owns_copy && v->t.data)
        pt2c_file_release(&prog->file, v->t.data, (size_t)v->t.numel * pt2c_dtype_size(v->t.dtype));
}
