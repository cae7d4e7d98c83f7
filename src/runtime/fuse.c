/*
 * fuse.c - plan-level fusion: a convolution, linear or addmm (ops flagged PT2C_OP_EPILOGUE)
 * absorbs the nodes that follow it when nothing else reads what lies between:
 *
 *     conv2d -> batch_norm (eval, constant weight and statistics)   folded into the weights
 *            -> dropout (eval)                                       skipped (the identity)
 *            -> add(_)(x, other)                                     other added as residual
 *            -> relu / hardtanh / sigmoid / silu / gelu / hardswish / tanh     activation
 *
 * in that order, each step optional (the batch norm only after a convolution). The producer
 * then writes the last absorbed node's output itself, applying a pt2c_kernel_epilogue as it
 * stores (cpu.h: bias, residual, activation), and the intermediate tensors never exist:
 * they become views of that output (plan.c close_chain), so the absorbed nodes still run
 * their shape functions and every value keeps its sizes. Views between (the view and
 * permute-free reshapes of core ATen's linear) pass through.
 * The fused step runs where the last absorbed node ran, so a residual computed after the
 * producer (ResNet's downsampling shortcut) is ready; nothing in between may write the
 * producer's inputs in place.
 *
 * Results: the residual add and the activations compute exactly what the separate nodes
 * would (same operations, same order, same vector code), so a fused plan gives the same bits
 * as an unfused one; only the folded batch norm rounds differently (w * s rounded once when
 * the weight is packed, instead of (x - mean) * s + b per element), within PyTorch's own
 * tolerance.
 *
 * The graph is not changed: this rewrites the plan's steps only (graph passes that rewrite
 * the program come with issue 10 and will use the same kernel epilogue). Chains of
 * elementwise ops are fused last, by fuse_elementwise.c. Runners fuse unless
 * pt2c_run_options.no_fusion is set.
 */
#include "runtime/runtime.h"

#include "ops/op_decls.h"

#include <math.h>
#include <string.h>

enum { MAX_CHAIN = 8 };

typedef struct chain {
    int64_t steps[MAX_CHAIN]; /* absorbed steps, in order */
    int n;
    int64_t bn;       /* the batch norm step folded into the producer, or -1 */
    int32_t residual; /* value slot added after the bias, or -1 */
    pt2c_act act;
    float lo, hi;
    int32_t out_slot; /* what the fused step writes */
} chain;

/* How many times each value is read: step inputs, graph outputs, mutations. */
static pt2c_status count_uses(const pt2c_plan *plan, int32_t *uses, int64_t *reader,
                              pt2c_error *err) {
    (void)err;
    for (int64_t s = 0; s < plan->n_steps; s++) {
        const pt2c_step *st = &plan->steps[s];
        for (int32_t i = 0; i < st->n_inputs; i++) {
            uses[st->inputs[i]]++;
            reader[st->inputs[i]] = s;
        }
    }
    for (int32_t o = 0; o < plan->n_user_outputs; o++)
        if (plan->user_outputs[o] >= 0)
            uses[plan->user_outputs[o]] += 2; /* never an intermediate */
    for (int32_t m = 0; m < plan->n_mutations; m++) {
        uses[plan->mutations[2 * m]] += 2;
        uses[plan->mutations[2 * m + 1]] += 2;
    }
    return PT2C_OK;
}

static bool slot_is_f32(pt2c_plan *plan, pt2c_step *step, int32_t slot) {
    pt2c_op_ctx ctx = {.plan = plan, .step = step};
    const char *name = plan->values[slot].name;
    return name && pt2c_op_value_dtype(&ctx, name) == PT2C_DTYPE_F32;
}

/* The exported sizes of two values are the same (static or the same symbol text). */
static bool same_meta_sizes(const pt2c_plan *plan, int32_t a, int32_t b) {
    const pt2c_graph *g = &plan->prog->ep.graph_module.graph;
    int64_t ia, ib;
    const char *na = plan->values[a].name, *nb = plan->values[b].name;
    if (!na || !nb || !pt2c_strmap_get(&g->tensor_index, na, &ia) ||
        !pt2c_strmap_get(&g->tensor_index, nb, &ib))
        return false;
    const pt2c_tensor_meta *ma = &g->tensor_values[ia].meta, *mb = &g->tensor_values[ib].meta;
    if (ma->rank != mb->rank || ma->dtype != mb->dtype)
        return false;
    for (int32_t d = 0; d < ma->rank; d++) {
        const pt2c_sym *x = &ma->sizes[d], *y = &mb->sizes[d];
        if (x->is_expr != y->is_expr)
            return false;
        if (!x->is_expr && x->i != y->i)
            return false;
        if (x->is_expr && (!x->expr.expr_str || !y->expr.expr_str ||
                           strcmp(x->expr.expr_str, y->expr.expr_str) != 0))
            return false;
    }
    return true;
}

/* A weight-like value fixed for the plan's lifetime, float32 with n elements. */
static const float *constant_f32(const pt2c_plan *plan, int32_t slot, int64_t n) {
    const pt2c_value *v = &plan->values[slot];
    if (v->kind != PT2C_VALUE_TENSOR || !v->is_constant || v->is_written || v->is_wrapped ||
        v->t.dtype != PT2C_DTYPE_F32 || !v->t.data || (n >= 0 && v->t.numel != n))
        return NULL;
    return v->t.data;
}

/* Follow the single reader of the producer's output while it is something to absorb. Views
 * (same bytes, same order: view, reshape, flatten, eval dropout) pass through. */
static void find_chain(pt2c_plan *plan, int64_t s, const int32_t *uses, const int64_t *reader,
                       chain *c) {
    pt2c_step *prod = &plan->steps[s];
    int32_t conv_bias;
    bool is_conv = pt2c_fuse_conv(prod->op, prod->params, &conv_bias);
    int n_work = 0; /* absorbed steps that do something (not views) */
    c->n = 0;
    c->bn = -1;
    c->residual = -1;
    c->act = PT2C_ACT_NONE;
    c->lo = c->hi = 0.0f;
    c->out_slot = prod->outputs[0];
    int32_t cur = prod->outputs[0], out_at_work = cur;
    while (c->n < MAX_CHAIN) {
        if (cur < 0 || uses[cur] != 1)
            break;
        int64_t r = reader[cur];
        pt2c_step *st = &plan->steps[r];
        if (st->absorbed || st->n_outputs < 1 || st->outputs[0] < 0 || st->n_inputs < 1)
            break; /* another producer took it (both operands of an add are ours) */
        /* Other outputs (batch norm's saved statistics) must be unused. */
        bool others_unused = true;
        for (int32_t o = 1; o < st->n_outputs; o++)
            others_unused &= st->outputs[o] < 0 || uses[st->outputs[o]] == 0;
        if (!others_unused)
            break;
        int32_t idx[4];
        double eps;
        pt2c_act act;
        float lo, hi;
        bool view = ((st->op->flags & PT2C_OP_VIEW) || pt2c_fuse_identity(st->op, st->params)) &&
                    st->inputs[0] == cur;
        if (view) {
            /* passes through */
        } else if (pt2c_fuse_batch_norm(st->op, st->params, idx, &eps) && st->inputs[0] == cur) {
            if (!is_conv || c->n > 0)
                break;
            c->bn = r;
        } else if (pt2c_fuse_add(st->op, st->params) && st->n_inputs == 2) {
            /* a + b is b + a bit for bit; add_ writes its self, which must be ours. */
            bool inplace = (st->op->flags & PT2C_OP_INPLACE) != 0;
            int32_t other = st->inputs[0] == cur ? st->inputs[1] : st->inputs[0];
            if (c->residual >= 0 || c->act != PT2C_ACT_NONE || other == cur ||
                (st->inputs[0] != cur && (inplace || st->inputs[1] != cur)) ||
                !same_meta_sizes(plan, cur, other) || !slot_is_f32(plan, st, other))
                break;
            c->residual = other;
        } else if (pt2c_fuse_activation(st->op, st->params, &act, &lo, &hi) &&
                   st->inputs[0] == cur) {
            if (c->act != PT2C_ACT_NONE)
                break;
            c->act = act;
            c->lo = lo;
            c->hi = hi;
        } else {
            break;
        }
        if (!slot_is_f32(plan, st, st->outputs[0]))
            break;
        c->steps[c->n++] = r;
        cur = st->outputs[0];
        if (!view) {
            n_work = c->n;
            out_at_work = cur;
        }
    }
    /* Views after the last fused work stay ordinary steps. */
    c->n = n_work;
    c->out_slot = out_at_work;
}

/* The fused step moves to the last absorbed node's place: no step in between may write its
 * inputs (or the residual) in place. */
static bool can_move(const pt2c_plan *plan, int64_t s, const chain *c) {
    int64_t last = c->steps[c->n - 1];
    for (int64_t t = s + 1; t < last; t++) {
        bool absorbed = false;
        for (int k = 0; k < c->n; k++)
            absorbed |= c->steps[k] == t;
        if (!absorbed && plan->steps[t].writes_self)
            return false;
    }
    return true;
}

/* A new constant value slot holding data (plan memory). */
static pt2c_status add_constant(pt2c_plan *plan, const char *name, const pt2c_ktensor *like,
                                void *data, int32_t *slot, pt2c_error *err) {
    PT2C_CHECK(plan->n_values < plan->cap_values, err, PT2C_ERR_INTERNAL,
               "plan: value table full while fusing");
    pt2c_value *v = &plan->values[plan->n_values];
    memset(v, 0, sizeof *v);
    v->kind = PT2C_VALUE_TENSOR;
    v->name = name;
    v->is_constant = true;
    v->user_input = -1;
    v->alias_of = -1;
    v->view_base = -1;
    v->t = *like;
    v->t.data = data;
    *slot = plan->n_values++;
    return PT2C_OK;
}

/* conv(x, W, b) then batch norm (gamma, beta, mean, var, eps) is conv(x, W', b') with
 * W'[o] = W[o] * s[o], b'[o] = (b[o] - mean[o]) * s[o] + beta[o], s = gamma / sqrt(var + eps).
 * s and b' become new constants (computed in double, rounded once); the convolution packs
 * W * s at plan time (pt2c_kernel_epilogue.weight_scale), so W' is never stored twice.
 * *ok is false (nothing changed) when a parameter is not a float32 constant of the right
 * size, or the weight is not constant (it could not be packed). */
static pt2c_status fold_batch_norm(pt2c_plan *plan, pt2c_step *prod, int32_t conv_bias,
                                   const pt2c_step *bn, int32_t *scale_slot, int32_t *bias_slot,
                                   bool *ok, pt2c_error *err) {
    *ok = false;
    int32_t wslot = prod->inputs[1];
    const pt2c_value *wv = &plan->values[wslot];
    if (!constant_f32(plan, wslot, -1) || wv->t.rank < 3 || wv->t.sizes[0] < 1)
        return PT2C_OK;
    int64_t O = wv->t.sizes[0];
    int32_t idx[4];
    double eps;
    pt2c_fuse_batch_norm(bn->op, bn->params, idx, &eps);
    const float *p[4] = {NULL, NULL, NULL, NULL}; /* gamma, beta, mean, var */
    for (int k = 0; k < 4; k++) {
        if (idx[k] < 0)
            continue;
        p[k] = constant_f32(plan, bn->inputs[idx[k]], O);
        if (!p[k])
            return PT2C_OK;
    }
    if (!p[2] || !p[3])
        return PT2C_OK;
    const float *cb = NULL;
    if (conv_bias >= 0 && !(cb = constant_f32(plan, prod->inputs[conv_bias], O)))
        return PT2C_OK;
    float *s2 = pt2c_arena_alloc(&plan->arena, sizeof(float) * (size_t)O, 64);
    float *b2 = pt2c_arena_alloc(&plan->arena, sizeof(float) * (size_t)O, 64);
    PT2C_CHECK(s2 && b2, err, PT2C_ERR_NOMEM, "plan: out of memory folding a batch norm");
    plan->packed_bytes += sizeof(float) * (size_t)(2 * O);
    for (int64_t o = 0; o < O; o++) {
        double sc = (p[0] ? (double)p[0][o] : 1.0) / sqrt((double)p[3][o] + eps);
        s2[o] = (float)sc;
        double b = cb ? (double)cb[o] : 0.0;
        b2[o] = (float)((b - (double)p[2][o]) * sc + (p[1] ? (double)p[1][o] : 0.0));
    }
    pt2c_ktensor vec = wv->t;
    vec.rank = 1;
    vec.sizes[0] = O;
    vec.numel = O;
    const char *base = prod->node->name ? prod->node->name : "conv";
    const char *sn = pt2c_arena_sprintf(&plan->arena, "%s.folded_scale", base);
    const char *bname = pt2c_arena_sprintf(&plan->arena, "%s.folded_bias", base);
    PT2C_CHECK(sn && bname, err, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(add_constant(plan, sn, &vec, s2, scale_slot, err));
    PT2C_TRY(add_constant(plan, bname, &vec, b2, bias_slot, err));
    *ok = true;
    return PT2C_OK;
}

static const char *short_target(const char *t) {
    return strncmp(t, "torch.ops.", 10) == 0 ? t + 10 : t;
}

/* A zero pad whose only reader is a convolution becomes the convolution's padding: the
 * padded copy is never made. Nothing between the two may write the pad's input in place. */
static void fuse_pads(pt2c_plan *plan, const int32_t *uses, const int64_t *reader) {
    for (int64_t s = 0; s < plan->n_steps; s++) {
        pt2c_step *pad = &plan->steps[s];
        int32_t n_pad;
        int64_t amounts[4];
        if (pad->absorbed || pad->n_outputs < 1 || pad->outputs[0] < 0 ||
            !pt2c_fuse_pad(pad->op, pad->params, &n_pad, amounts) || uses[pad->outputs[0]] != 1 ||
            !slot_is_f32(plan, pad, pad->outputs[0]))
            continue;
        int64_t r = reader[pad->outputs[0]];
        pt2c_step *conv = &plan->steps[r];
        bool clear = conv->inputs[0] == pad->outputs[0] && !conv->prologue;
        for (int64_t t = s + 1; clear && t < r; t++)
            clear = !plan->steps[t].writes_self;
        if (!clear || !pt2c_fuse_conv_pad(conv->op, conv->params, n_pad, amounts))
            continue;
        conv->inputs[0] = pad->inputs[0];
        conv->prologue = pad;
        conv->n_fused++;
        conv->final_slot = conv->outputs[0];
        pad->absorbed = true; /* shaped, never run: nothing reads its output now */
    }
}

/* "aten.pad.default+aten.conv2d.default+aten.relu.default" for each step that absorbed
 * nodes (profiles, run --meta). */
static pt2c_status label_fused(pt2c_plan *plan, pt2c_error *err) {
    for (int64_t s = 0; s < plan->n_steps; s++) {
        pt2c_step *st = &plan->steps[s];
        if (st->n_fused == 0)
            continue;
        pt2c_strbuf sb;
        pt2c_strbuf_init(&sb, plan->prog->allocator);
        if (st->prologue) {
            pt2c_strbuf_puts(&sb, short_target(st->prologue->node->target));
            pt2c_strbuf_putc(&sb, '+');
        }
        pt2c_strbuf_puts(&sb, short_target(st->node->target));
        for (int32_t k = 0; k < st->n_chain; k++) {
            pt2c_strbuf_putc(&sb, '+');
            pt2c_strbuf_puts(&sb, short_target(plan->steps[st->chain_steps[k]].node->target));
        }
        st->label = sb.failed ? NULL : pt2c_arena_strdup(&plan->arena, sb.data);
        pt2c_strbuf_deinit(&sb);
        PT2C_CHECK(st->label, err, PT2C_ERR_NOMEM, "plan: out of memory fusing");
    }
    return PT2C_OK;
}

/* Rewrite producer s to run chain c. */
static pt2c_status apply(pt2c_plan *plan, int64_t s, const chain *c, pt2c_error *err) {
    pt2c_step *prod = &plan->steps[s];
    int32_t conv_bias = -1;
    bool is_conv = pt2c_fuse_conv(prod->op, prod->params, &conv_bias);
    int32_t folded_s = -1, folded_b = -1;
    if (c->bn >= 0 && is_conv) {
        bool ok;
        PT2C_TRY(fold_batch_norm(plan, prod, conv_bias, &plan->steps[c->bn], &folded_s, &folded_b,
                                 &ok, err));
        if (!ok)
            return PT2C_OK; /* not foldable: leave the chain alone */
    }
    int32_t n_in = prod->n_inputs;
    int32_t *inputs = PT2C_ARENA_ARRAY(&plan->arena, int32_t, n_in + 3);
    const pt2c_ktensor **in_ptrs = PT2C_ARENA_ARRAY(&plan->arena, const pt2c_ktensor *, n_in + 4);
    int32_t *chain_slots = PT2C_ARENA_ARRAY(&plan->arena, int32_t, c->n + 1);
    pt2c_kernel_epilogue *epi = PT2C_ARENA_NEW(&plan->arena, pt2c_kernel_epilogue);
    PT2C_CHECK(inputs && in_ptrs && chain_slots && epi, err, PT2C_ERR_NOMEM,
               "plan: out of memory fusing");
    memcpy(inputs, prod->inputs, sizeof *inputs * (size_t)n_in);
    epi->bias = -1;
    epi->weight_scale = -1;
    epi->residual = -1;
    epi->act = c->act;
    epi->act_lo = c->lo;
    epi->act_hi = c->hi;
    if (folded_s >= 0) {
        epi->weight_scale = n_in;
        inputs[n_in++] = folded_s;
        epi->bias = n_in;
        inputs[n_in++] = folded_b;
    }
    if (c->residual >= 0) {
        epi->residual = n_in;
        inputs[n_in++] = c->residual;
    }
    /* The producer's own output, and each absorbed node's but the last, view the final
     * value's bytes. */
    chain_slots[0] = prod->outputs[0];
    for (int k = 0; k + 1 < c->n; k++)
        chain_slots[k + 1] = plan->steps[c->steps[k]].outputs[0];
    prod->inputs = inputs;
    prod->n_inputs = n_in;
    prod->in_ptrs = in_ptrs;
    prod->epilogue = epi;
    prod->n_fused += c->n;
    prod->chain_steps = PT2C_ARENA_ARRAY(&plan->arena, int64_t, c->n);
    PT2C_CHECK(prod->chain_steps, err, PT2C_ERR_NOMEM, "plan: out of memory fusing");
    memcpy(prod->chain_steps, c->steps, sizeof *c->steps * (size_t)c->n);
    prod->chain = chain_slots;
    prod->n_chain = c->n;
    prod->final_slot = c->out_slot;
    for (int k = 0; k < c->n; k++)
        plan->steps[c->steps[k]].absorbed = true;
    plan->steps[c->steps[c->n - 1]].closes = s;
    return PT2C_OK;
}

pt2c_status pt2c_plan_fuse(pt2c_plan *plan, pt2c_error *err) {
    if (plan->data_dependent || plan->n_steps < 2)
        return PT2C_OK;
    const pt2c_allocator *a = plan->prog->allocator;
    size_t nv = (size_t)plan->n_values + 1, ns = (size_t)plan->n_steps;
    int32_t *uses = pt2c_alloc(a, sizeof *uses * nv);
    int64_t *reader = pt2c_alloc(a, sizeof *reader * nv);
    int64_t *run_at = pt2c_alloc(a, sizeof *run_at * ns);
    int64_t *arrive = pt2c_alloc(a, sizeof *arrive * ns);
    pt2c_status st = PT2C_OK;
    if (!uses || !reader || !run_at || !arrive) {
        st = pt2c_error_set(err, PT2C_ERR_NOMEM, "plan: out of memory fusing");
        goto done;
    }
    memset(uses, 0, sizeof *uses * nv);
    /* Folds add two constants each: make room for every candidate first. */
    int64_t producers = 0;
    for (int64_t s = 0; s < plan->n_steps; s++)
        producers += (plan->steps[s].op->flags & PT2C_OP_EPILOGUE) != 0;
    if (plan->n_values + 2 * producers > plan->cap_values) {
        int32_t cap = plan->n_values + (int32_t)(2 * producers) + 1;
        pt2c_value *grown = PT2C_ARENA_ARRAY(&plan->arena, pt2c_value, cap);
        if (!grown) {
            st = pt2c_error_set(err, PT2C_ERR_NOMEM, "plan: out of memory fusing");
            goto done;
        }
        memcpy(grown, plan->values, sizeof *grown * (size_t)plan->n_values);
        plan->values = grown;
        plan->cap_values = cap;
    }
    if ((st = count_uses(plan, uses, reader, err)) != PT2C_OK)
        goto done;
    for (int64_t s = 0; s < plan->n_steps; s++)
        run_at[s] = s, arrive[s] = -1;
    fuse_pads(plan, uses, reader);
    for (int64_t s = 0; s < plan->n_steps; s++) {
        pt2c_step *prod = &plan->steps[s];
        int32_t b;
        if (!(prod->op->flags & PT2C_OP_EPILOGUE) || prod->absorbed || prod->n_outputs < 1 ||
            prod->outputs[0] < 0 ||
            (prod->op->kernel == pt2c_k_conv && !pt2c_fuse_conv(prod->op, prod->params, &b)) ||
            !slot_is_f32(plan, prod, prod->outputs[0]))
            continue;
        chain c;
        find_chain(plan, s, uses, reader, &c);
        if (c.n == 0 || !can_move(plan, s, &c))
            continue;
        if ((st = apply(plan, s, &c, err)) != PT2C_OK)
            goto done;
        if (prod->n_chain > 0) {
            run_at[s] = c.steps[c.n - 1];
            arrive[run_at[s]] = s;
        }
    }
    /* Execution order: absorbed steps dropped, producers where their last node was. */
    int64_t n = 0;
    for (int64_t t = 0; t < plan->n_steps; t++) {
        if (!plan->steps[t].absorbed && run_at[t] == t)
            plan->exec_order[n++] = t;
        if (arrive[t] >= 0)
            plan->exec_order[n++] = arrive[t];
    }
    plan->n_exec = n;
    if ((st = label_fused(plan, err)) != PT2C_OK)
        goto done;
    st = pt2c_plan_fuse_elementwise(plan, err);
done:
    pt2c_dealloc(a, uses, sizeof *uses * nv);
    pt2c_dealloc(a, reader, sizeof *reader * nv);
    pt2c_dealloc(a, run_at, sizeof *run_at * ns);
    pt2c_dealloc(a, arrive, sizeof *arrive * ns);
    return st;
}
