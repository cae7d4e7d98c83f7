/*
 * decompose_rnn.c - lstm.input, gru.input, rnn_tanh.input and rnn_relu.input unrolled over
 * time as torch/_decomp writes them (lstm_impl / gru_impl / rnn_tanh_input with
 * one_layer_lstm / one_layer_rnn): per layer, the input projection for all steps at once
 * (linear), then per step the hidden projection, the gates (chunk, sigmoid, tanh; a plain
 * RNN: tanh or relu of the sum) and the state update; the steps' outputs are concatenated.
 *
 * Unidirectional, without projections and in eval only (no dropout between layers); other
 * forms stay one node (pt2c runs them natively).
 */
#include "passes/decompose.h"

#include <string.h>

#define ATEN(op) "torch.ops.aten." op

enum { MAX_STEPS = 4096, MAX_LAYERS = 64 };

static pt2c_status nomem(pt2c_decomposer *d) {
    return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
}

/* Shapes of values this file made (always static: every input was checked). */
static dec_shape shape(pt2c_decomposer *d, const char *v) {
    dec_shape s = {0};
    dec_shape_of(d, v, &s);
    return s;
}

static pt2c_status unary(pt2c_decomposer *d, const char *target, const char *x, const char **out) {
    dec_shape xs = shape(d, x), os;
    dec_like_elementwise(&xs, &os);
    pt2c_named_arg args[] = {dec_tensor("self", x)};
    return dec_emit(d, target, args, 1, &os, NULL, out);
}

/* a op b with broadcasting; the result is contiguous (the operands here are). */
static pt2c_status binary(pt2c_decomposer *d, const char *target, const char *a, const char *b,
                          const char **out) {
    dec_shape as = shape(d, a), bs = shape(d, b), os = as;
    os.rank = as.rank > bs.rank ? as.rank : bs.rank;
    for (int32_t k = 0; k < os.rank; k++) {
        int32_t ka = k - (os.rank - as.rank), kb = k - (os.rank - bs.rank);
        int64_t sa = ka >= 0 ? as.size[ka] : 1, sb = kb >= 0 ? bs.size[kb] : 1;
        os.size[k] = sa == 1 ? sb : sa;
    }
    dec_contiguous(&os);
    pt2c_named_arg args[] = {dec_tensor("self", a), dec_tensor("other", b)};
    return dec_emit(d, target, args, 2, &os, NULL, out);
}

static pt2c_status unsqueeze0(pt2c_decomposer *d, const char *x, const char **out) {
    dec_shape xs = shape(d, x), os = xs;
    os.rank = xs.rank + 1;
    os.size[0] = 1;
    os.stride[0] = xs.rank ? xs.size[0] * xs.stride[0] : 1;
    for (int32_t k = 0; k < xs.rank; k++) {
        os.size[k + 1] = xs.size[k];
        os.stride[k + 1] = xs.stride[k];
    }
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_int("dim", 0)};
    return dec_emit(d, ATEN("unsqueeze.default"), args, 2, &os, NULL, out);
}

/* squeeze.dims(x, [0]) named out (NULL: fresh). */
static pt2c_status squeeze0(pt2c_decomposer *d, const char *x, const char *out_name,
                            const char **out) {
    dec_shape xs = shape(d, x), os = xs;
    os.rank = xs.rank - 1;
    for (int32_t k = 0; k < os.rank; k++) {
        os.size[k] = xs.size[k + 1];
        os.stride[k] = xs.stride[k + 1];
    }
    int64_t zero = 0;
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "dim", &zero, 1)};
    return dec_emit(d, ATEN("squeeze.dims"), args, 2, &os, out_name, out);
}

/* Iterating a tensor over dim 0 (unbind): a slice then a squeeze per index. */
static pt2c_status unbind0(pt2c_decomposer *d, const char *x, const char **outs) {
    dec_shape xs = shape(d, x);
    for (int64_t j = 0; j < xs.size[0]; j++) {
        dec_shape s = xs;
        s.size[0] = 1;
        s.offset = xs.offset + j * xs.stride[0];
        const char *sl;
        pt2c_named_arg args[] = {dec_tensor("self", x), dec_int("dim", 0), dec_int("start", j),
                                 dec_int("end", j + 1)};
        PT2C_TRY(dec_emit(d, ATEN("slice.Tensor"), args, 4, &s, NULL, &sl));
        PT2C_TRY(squeeze0(d, sl, NULL, &outs[j]));
    }
    return PT2C_OK;
}

/* chunk(x, parts, dim) with equal parts: split_with_sizes, one list output. */
static pt2c_status split_equal(pt2c_decomposer *d, const char *x, int32_t parts, int32_t dim,
                               const char **outs) {
    pt2c_arena *A = &d->pass->prog->arena;
    dec_shape xs = shape(d, x);
    int64_t piece = xs.size[dim] / parts, sizes[8];
    pt2c_arg *list = PT2C_ARENA_NEW(A, pt2c_arg);
    pt2c_arg *items = PT2C_ARENA_ARRAY(A, pt2c_arg, parts);
    if (!list || !items)
        return nomem(d);
    for (int32_t k = 0; k < parts; k++) {
        sizes[k] = piece;
        dec_shape ps = xs;
        ps.size[dim] = piece;
        ps.offset = xs.offset + k * piece * xs.stride[dim];
        const pt2c_tensor_meta *m = dec_meta_from_shape(d, &ps, dec_meta_of(d, x));
        outs[k] = dec_fresh(d, "getitem");
        if (!m || !outs[k])
            return nomem(d);
        items[k] = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = outs[k]};
        /* Each piece is described through a node-less emit: the list node below makes it. */
        PT2C_TRY(dec_describe(d, outs[k], m));
    }
    *list = (pt2c_arg){.kind = PT2C_ARG_TENSORS, .items = items, .n_items = parts};
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "split_sizes", sizes, parts),
                             dec_int("dim", dim)};
    return dec_emit_list(d, ATEN("split_with_sizes.default"), args, 3, list);
}

/* cat(xs, dim) named out_name (NULL: fresh). */
static pt2c_status cat(pt2c_decomposer *d, const char *const *xs, int64_t n, int64_t dim,
                       const char *out_name, const char **out) {
    pt2c_arg *items = PT2C_ARENA_ARRAY(&d->pass->prog->arena, pt2c_arg, n);
    if (!items)
        return nomem(d);
    dec_shape os = shape(d, xs[0]);
    os.size[dim] = 0;
    for (int64_t k = 0; k < n; k++) {
        items[k] = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = xs[k]};
        os.size[dim] += shape(d, xs[k]).size[dim];
    }
    dec_contiguous(&os);
    pt2c_named_arg args[] = {
        {"tensors", {.kind = PT2C_ARG_TENSORS, .items = items, .n_items = n}, PT2C_PASS_POSITIONAL},
        dec_int("dim", dim)};
    /* (dim 0 is the default, which torch.cat's trace does not write) */
    return dec_emit(d, ATEN("cat.default"), args, dim == 0 ? 1 : 2, &os, out_name, out);
}

/* stack(xs, 0) as Core ATen writes it: cat along dim 0, then a view splitting it, named out. */
static pt2c_status stack0(pt2c_decomposer *d, const char *const *xs, int64_t n, const char *out) {
    const char *c;
    PT2C_TRY(cat(d, xs, n, 0, NULL, &c));
    dec_shape one = shape(d, xs[0]), cs = shape(d, c), vs;
    int64_t sizes[DEC_MAX_RANK];
    sizes[0] = n;
    for (int32_t k = 0; k < one.rank; k++)
        sizes[k + 1] = one.size[k];
    dec_view(&cs, sizes, one.rank + 1, &vs);
    pt2c_named_arg args[] = {dec_tensor("self", c), dec_ints(d, "size", sizes, one.rank + 1)};
    return dec_emit(d, ATEN("view.default"), args, 2, &vs, out, NULL);
}

static pt2c_status permute_102(pt2c_decomposer *d, const char *x, const char *out_name,
                               const char **out) {
    int64_t perm[] = {1, 0, 2};
    dec_shape xs = shape(d, x), os;
    dec_permute(&xs, perm, &os);
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "dims", perm, 3)};
    return dec_emit(d, ATEN("permute.default"), args, 2, &os, out_name, out);
}

/* linear into a fresh value; *ok false when the rule declined. */
static pt2c_status linear(pt2c_decomposer *d, const char *x, const char *w, const char *b,
                          const char **out, bool *ok) {
    *out = dec_fresh(d, "view");
    if (!*out)
        return nomem(d);
    *ok = false;
    return dec_emit_linear(d, x, w, b, *out, ok);
}

typedef struct rnn_args {
    const char *input;
    const pt2c_arg *params;
    bool has_biases, batch_first;
    int64_t layers, steps;
    dec_shape xs;
} rnn_args;

/* The arguments both ops share, checked; false declines. */
static bool read_args(pt2c_decomposer *d, const pt2c_node *n, int32_t n_outputs, rnn_args *a) {
    bool train, bidirectional;
    double dropout = 0;
    const pt2c_arg *p = pt2c_node_arg(n, "params"), *dp = pt2c_node_arg(n, "dropout");
    a->input = dec_input(n, "input");
    if (dp && dp->kind == PT2C_ARG_FLOAT)
        dropout = dp->f;
    if (!a->input || !dec_shape_of(d, a->input, &a->xs) || a->xs.rank != 3 || !p ||
        p->kind != PT2C_ARG_TENSORS || !dec_get_bool(n, "has_biases", true, &a->has_biases) ||
        !dec_get_int(n, "num_layers", 1, &a->layers) || !dec_get_bool(n, "train", false, &train) ||
        !dec_get_bool(n, "bidirectional", false, &bidirectional) ||
        !dec_get_bool(n, "batch_first", false, &a->batch_first) || bidirectional ||
        (train && dropout != 0) || a->layers < 1 || a->layers > MAX_LAYERS ||
        p->n_items != a->layers * (a->has_biases ? 4 : 2) || n->n_outputs != n_outputs)
        return false;
    for (int32_t k = 0; k < n_outputs; k++)
        if (n->outputs[k].kind != PT2C_ARG_TENSOR || !n->outputs[k].name)
            return false;
    for (int64_t k = 0; k < p->n_items; k++) {
        dec_shape ws;
        if (p->items[k].kind != PT2C_ARG_TENSOR || !dec_shape_of(d, p->items[k].name, &ws))
            return false;
    }
    a->params = p;
    a->steps = a->batch_first ? a->xs.size[1] : a->xs.size[0];
    return a->steps >= 1 && a->steps <= MAX_STEPS;
}

static const char *param(const rnn_args *a, int64_t layer, int k) {
    int per = a->has_biases ? 4 : 2;
    return k < per ? a->params->items[layer * per + k].name : NULL;
}

/* The layers' input in time-major order, and the output back in the caller's order. */
static pt2c_status time_major(pt2c_decomposer *d, const rnn_args *a, const char **x) {
    if (!a->batch_first) {
        *x = a->input;
        return PT2C_OK;
    }
    return permute_102(d, a->input, NULL, x);
}

static pt2c_status emit_output(pt2c_decomposer *d, const rnn_args *a, const char *y,
                               const char *out) {
    if (a->batch_first)
        return permute_102(d, y, out, NULL);
    return dec_alias(d, out, y);
}

pt2c_status dec_rule_lstm(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    rnn_args a;
    const pt2c_arg *hx = pt2c_node_arg(n, "hx");
    dec_shape hs, cs;
    if (!read_args(d, n, 3, &a) || !hx || hx->kind != PT2C_ARG_TENSORS || hx->n_items != 2 ||
        !dec_shape_of(d, hx->items[0].name, &hs) || !dec_shape_of(d, hx->items[1].name, &cs) ||
        hs.rank != 3 || cs.rank != 3 || hs.size[0] != a.layers || cs.size[0] != a.layers ||
        hs.size[2] != cs.size[2]) /* projections (proj_size) are kept */
        return PT2C_OK;
    const char **step_out = PT2C_ARENA_ARRAY(d->pass->scratch, const char *, a.steps);
    const char **pre_steps = PT2C_ARENA_ARRAY(d->pass->scratch, const char *, a.steps);
    const char *h0[MAX_LAYERS], *c0[MAX_LAYERS], *hn[MAX_LAYERS], *cn[MAX_LAYERS];
    if (!step_out || !pre_steps)
        return nomem(d);
    const char *x;
    PT2C_TRY(time_major(d, &a, &x));
    PT2C_TRY(unbind0(d, hx->items[0].name, h0));
    PT2C_TRY(unbind0(d, hx->items[1].name, c0));
    for (int64_t layer = 0; layer < a.layers; layer++) {
        const char *hcur, *ccur, *pre;
        bool ok;
        PT2C_TRY(unsqueeze0(d, h0[layer], &hcur));
        PT2C_TRY(unsqueeze0(d, c0[layer], &ccur));
        PT2C_TRY(linear(d, x, param(&a, layer, 0), param(&a, layer, 2), &pre, &ok));
        if (!ok)
            return PT2C_OK;
        PT2C_TRY(unbind0(d, pre, pre_steps));
        for (int64_t t = 0; t < a.steps; t++) {
            const char *g, *gates, *chunk[4], *in, *forget, *cell, *outg, *fc, *ic, *cy, *tc, *hy;
            PT2C_TRY(linear(d, hcur, param(&a, layer, 1), param(&a, layer, 3), &g, &ok));
            if (!ok)
                return PT2C_OK;
            PT2C_TRY(binary(d, ATEN("add.Tensor"), g, pre_steps[t], &gates));
            PT2C_TRY(split_equal(d, gates, 4, 2, chunk));
            PT2C_TRY(unary(d, ATEN("sigmoid.default"), chunk[0], &in));
            PT2C_TRY(unary(d, ATEN("sigmoid.default"), chunk[1], &forget));
            PT2C_TRY(unary(d, ATEN("tanh.default"), chunk[2], &cell));
            PT2C_TRY(unary(d, ATEN("sigmoid.default"), chunk[3], &outg));
            PT2C_TRY(binary(d, ATEN("mul.Tensor"), forget, ccur, &fc));
            PT2C_TRY(binary(d, ATEN("mul.Tensor"), in, cell, &ic));
            PT2C_TRY(binary(d, ATEN("add.Tensor"), fc, ic, &cy));
            PT2C_TRY(unary(d, ATEN("tanh.default"), cy, &tc));
            PT2C_TRY(binary(d, ATEN("mul.Tensor"), outg, tc, &hy));
            hcur = hy;
            ccur = cy;
            step_out[t] = hy;
        }
        PT2C_TRY(cat(d, step_out, a.steps, 0, NULL, &x));
        PT2C_TRY(squeeze0(d, hcur, NULL, &hn[layer]));
        PT2C_TRY(squeeze0(d, ccur, NULL, &cn[layer]));
    }
    PT2C_TRY(emit_output(d, &a, x, n->outputs[0].name));
    PT2C_TRY(stack0(d, hn, a.layers, n->outputs[1].name));
    PT2C_TRY(stack0(d, cn, a.layers, n->outputs[2].name));
    *done = true;
    return PT2C_OK;
}

pt2c_status dec_rule_gru(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    rnn_args a;
    const char *hx = dec_input(n, "hx");
    dec_shape hs;
    if (!read_args(d, n, 2, &a) || !dec_shape_of(d, hx, &hs) || hs.rank != 3 ||
        hs.size[0] != a.layers)
        return PT2C_OK;
    const char **step_out = PT2C_ARENA_ARRAY(d->pass->scratch, const char *, a.steps);
    const char **pre_steps = PT2C_ARENA_ARRAY(d->pass->scratch, const char *, a.steps);
    const char *h0[MAX_LAYERS], *hn[MAX_LAYERS];
    if (!step_out || !pre_steps)
        return nomem(d);
    const char *x;
    PT2C_TRY(time_major(d, &a, &x));
    PT2C_TRY(unbind0(d, hx, h0));
    for (int64_t layer = 0; layer < a.layers; layer++) {
        const char *pre, *hcur;
        bool ok;
        PT2C_TRY(linear(d, x, param(&a, layer, 0), param(&a, layer, 2), &pre, &ok));
        if (!ok)
            return PT2C_OK;
        PT2C_TRY(unsqueeze0(d, h0[layer], &hcur));
        PT2C_TRY(unbind0(d, pre, pre_steps));
        for (int64_t t = 0; t < a.steps; t++) {
            const char *ig[3], *hg[3], *hlin, *s0, *reset, *s1, *update, *hr, *s2, *cand, *diff,
                *scaled, *hy;
            PT2C_TRY(split_equal(d, pre_steps[t], 3, 1, ig));
            PT2C_TRY(linear(d, hcur, param(&a, layer, 1), param(&a, layer, 3), &hlin, &ok));
            if (!ok)
                return PT2C_OK;
            PT2C_TRY(split_equal(d, hlin, 3, 2, hg));
            PT2C_TRY(binary(d, ATEN("add.Tensor"), hg[0], ig[0], &s0));
            PT2C_TRY(unary(d, ATEN("sigmoid.default"), s0, &reset));
            PT2C_TRY(binary(d, ATEN("add.Tensor"), hg[1], ig[1], &s1));
            PT2C_TRY(unary(d, ATEN("sigmoid.default"), s1, &update));
            PT2C_TRY(binary(d, ATEN("mul.Tensor"), hg[2], reset, &hr));
            PT2C_TRY(binary(d, ATEN("add.Tensor"), ig[2], hr, &s2));
            PT2C_TRY(unary(d, ATEN("tanh.default"), s2, &cand));
            PT2C_TRY(binary(d, ATEN("sub.Tensor"), hcur, cand, &diff));
            PT2C_TRY(binary(d, ATEN("mul.Tensor"), diff, update, &scaled));
            PT2C_TRY(binary(d, ATEN("add.Tensor"), scaled, cand, &hy));
            hcur = hy;
            step_out[t] = hy;
        }
        PT2C_TRY(cat(d, step_out, a.steps, 0, NULL, &x));
        PT2C_TRY(squeeze0(d, hcur, NULL, &hn[layer]));
    }
    PT2C_TRY(emit_output(d, &a, x, n->outputs[0].name));
    PT2C_TRY(stack0(d, hn, a.layers, n->outputs[1].name));
    *done = true;
    return PT2C_OK;
}

/* rnn_tanh / rnn_relu (one_layer_rnn with a plain cell): per step,
 * nonlinearity(linear(h, w_hh, b_hh) + the step's input projection). */
static pt2c_status simple_rnn(pt2c_decomposer *d, const pt2c_node *n, const char *nonlinearity,
                              bool *done) {
    rnn_args a;
    const char *hx = dec_input(n, "hx");
    dec_shape hs;
    if (!read_args(d, n, 2, &a) || !dec_shape_of(d, hx, &hs) || hs.rank != 3 ||
        hs.size[0] != a.layers)
        return PT2C_OK;
    const char **step_out = PT2C_ARENA_ARRAY(d->pass->scratch, const char *, a.steps);
    const char **pre_steps = PT2C_ARENA_ARRAY(d->pass->scratch, const char *, a.steps);
    const char *h0[MAX_LAYERS], *hn[MAX_LAYERS];
    if (!step_out || !pre_steps)
        return nomem(d);
    const char *x;
    PT2C_TRY(time_major(d, &a, &x));
    PT2C_TRY(unbind0(d, hx, h0));
    for (int64_t layer = 0; layer < a.layers; layer++) {
        const char *pre, *hcur;
        bool ok;
        PT2C_TRY(linear(d, x, param(&a, layer, 0), param(&a, layer, 2), &pre, &ok));
        if (!ok)
            return PT2C_OK;
        PT2C_TRY(unsqueeze0(d, h0[layer], &hcur));
        PT2C_TRY(unbind0(d, pre, pre_steps));
        for (int64_t t = 0; t < a.steps; t++) {
            const char *hlin, *sum;
            PT2C_TRY(linear(d, hcur, param(&a, layer, 1), param(&a, layer, 3), &hlin, &ok));
            if (!ok)
                return PT2C_OK;
            PT2C_TRY(binary(d, ATEN("add.Tensor"), hlin, pre_steps[t], &sum));
            PT2C_TRY(unary(d, nonlinearity, sum, &hcur));
            step_out[t] = hcur;
        }
        PT2C_TRY(cat(d, step_out, a.steps, 0, NULL, &x));
        PT2C_TRY(squeeze0(d, hcur, NULL, &hn[layer]));
    }
    PT2C_TRY(emit_output(d, &a, x, n->outputs[0].name));
    PT2C_TRY(stack0(d, hn, a.layers, n->outputs[1].name));
    *done = true;
    return PT2C_OK;
}
pt2c_status dec_rule_rnn_tanh(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return simple_rnn(d, n, ATEN("tanh.default"), done);
}
pt2c_status dec_rule_rnn_relu(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return simple_rnn(d, n, ATEN("relu.default"), done);
}
