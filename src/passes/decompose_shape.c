/*
 * decompose_shape.c - decomposition rules for views, data movement and tensor creation
 * (expand_as, movedim, narrow, stack, tile, roll, tril, repeat_interleave, zeros_like, ...):
 * the Core ATen nodes torch/_decomp and torch/_refs (PyTorch 2.13) write for them. The table
 * of rules is in decompose_rules.c.
 *
 * Views need literal sizes and strides (their layouts are computed here, as ATen would); the
 * rules decline on symbolic ones.
 */
#include "passes/decompose.h"

#include <string.h>

#define ATEN(op) "torch.ops.aten." op

static pt2c_status nomem(pt2c_decomposer *d) {
    return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
}

/* unsqueeze(x, dim) (dim in [0, rank]) with ATen's strides. */
static pt2c_status emit_unsqueeze(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                                  int64_t dim, dec_shape *os, const char **out) {
    *os = *xs;
    os->rank = xs->rank + 1;
    for (int32_t k = os->rank - 1; k > dim; k--) {
        os->size[k] = xs->size[k - 1];
        os->stride[k] = xs->stride[k - 1];
    }
    os->size[dim] = 1;
    os->stride[dim] = dim >= xs->rank ? 1 : xs->size[dim] * xs->stride[dim];
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_int("dim", dim)};
    return dec_emit(d, ATEN("unsqueeze.default"), args, 2, os, NULL, out);
}

/* slice(x, dim, start, end) (0 <= start <= end <= size) writing out_name (NULL: fresh). */
static pt2c_status emit_slice(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                              int64_t dim_arg, int64_t k, int64_t start, int64_t end, dec_shape *os,
                              const char *out_name, const char **out) {
    *os = *xs;
    os->size[k] = end - start;
    os->offset = xs->offset + start * xs->stride[k];
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_int("dim", dim_arg),
                             dec_int("start", start), dec_int("end", end)};
    return dec_emit(d, ATEN("slice.Tensor"), args, 4, os, out_name, out);
}

/* arange(0, end) with layout, device and pin_memory, as torch/_refs writes it. */
static pt2c_status emit_arange(pt2c_decomposer *d, int64_t end, const pt2c_tensor_meta *like,
                               const char **out) {
    dec_shape s = {.dtype = PT2C_DTYPE_I64, .rank = 1, .size = {end}};
    dec_contiguous(&s);
    pt2c_named_arg args[] = {dec_int("start", 0), dec_int("end", end), dec_layout_strided(),
                             dec_device(like), dec_kw(dec_bool("pin_memory", false))};
    return dec_emit(d, ATEN("arange.start_step"), args, 5, &s, NULL, out);
}

/* ---------------------------------------------------------------------------------------- */
/* Views                                                                                    */

/* expand_as(x, other) -> expand(x, other's sizes). */
pt2c_status dec_rule_expand_as(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, os, es;
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || !dec_shape_of(d, dec_input(n, "other"), &os) ||
        !dec_output(n) || !dec_expand(&xs, os.size, os.rank, &es))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "size", os.size, os.rank)};
    *done = true;
    return dec_emit(d, ATEN("expand.default"), args, 2, &es, dec_output(n), NULL);
}

/* view_as(x, other) -> view(x, other's sizes); _unsafe_view(x, sizes) -> view(x, sizes). A
 * copy first where the strides forbid the view (as the view rule). */
static pt2c_status view_to(pt2c_decomposer *d, const pt2c_node *n, const int64_t *sizes,
                           int32_t rank, bool *done) {
    dec_shape xs;
    int64_t resolved[DEC_MAX_RANK];
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || !dec_output(n) || rank > DEC_MAX_RANK ||
        !dec_infer_sizes(dec_numel(&xs), sizes, rank, resolved))
        return PT2C_OK;
    *done = true;
    return dec_emit_reshape(d, x, &xs, sizes, rank, dec_output(n), NULL);
}
pt2c_status dec_rule_view_as(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape os;
    if (!dec_shape_of(d, dec_input(n, "other"), &os))
        return PT2C_OK;
    return view_to(d, n, os.size, os.rank, done);
}
pt2c_status dec_rule_unsafe_view(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t sizes[DEC_MAX_RANK];
    int32_t rank;
    if (!dec_get_ints(n, "size", 0, 0, sizes, DEC_MAX_RANK, &rank))
        return PT2C_OK;
    return view_to(d, n, sizes, rank, done);
}

/* movedim(x, src, dst) -> permute: the other dims in order, src inserted at dst. */
pt2c_status dec_rule_movedim(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, ps;
    int64_t src, dst, a, b, perm[DEC_MAX_RANK];
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || xs.rank == 0 || !dec_output(n) ||
        !dec_get_int(n, "source", 0, &src) || !dec_get_int(n, "destination", 0, &dst) ||
        !dec_norm_dim(src, xs.rank, &a) || !dec_norm_dim(dst, xs.rank, &b))
        return PT2C_OK;
    int32_t r = 0;
    for (int64_t k = 0; k < xs.rank; k++) {
        if (r == b)
            perm[r++] = a;
        if (k != a)
            perm[r++] = k;
    }
    if (r == b)
        perm[r++] = a;
    dec_permute(&xs, perm, &ps);
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "dims", perm, xs.rank)};
    *done = true;
    return dec_emit(d, ATEN("permute.default"), args, 2, &ps, dec_output(n), NULL);
}

/* narrow(x, dim, start, length) -> slice(x, dim, start, start + length), start made >= 0. */
pt2c_status dec_rule_narrow(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, os;
    int64_t dim, k, start, length;
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || xs.rank == 0 || !dec_output(n) ||
        !dec_get_int(n, "dim", 0, &dim) || !dec_norm_dim(dim, xs.rank, &k) ||
        !dec_get_int(n, "start", 0, &start) || !dec_get_int(n, "length", 0, &length))
        return PT2C_OK;
    if (start < 0)
        start += xs.size[k];
    if (start < 0 || length < 0 || start > xs.size[k] || length > xs.size[k] - start)
        return PT2C_OK;
    *done = true;
    return emit_slice(d, x, &xs, dim, k, start, start + length, &os, dec_output(n), NULL);
}

/* squeeze(x) -> squeeze.dims(x, every dim). */
pt2c_status dec_rule_squeeze(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, os;
    int64_t dims[DEC_MAX_RANK];
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || !dec_output(n))
        return PT2C_OK;
    os = xs;
    os.rank = 0;
    for (int32_t k = 0; k < xs.rank; k++) {
        dims[k] = k;
        if (xs.size[k] != 1) {
            os.size[os.rank] = xs.size[k];
            os.stride[os.rank++] = xs.stride[k];
        }
    }
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "dim", dims, xs.rank)};
    *done = true;
    return dec_emit(d, ATEN("squeeze.dims"), args, 2, &os, dec_output(n), NULL);
}

/* stack(xs, dim): inside the rank, cat along dim and a view inserting the count; at the end,
 * each unsqueezed and cat. */
pt2c_status dec_rule_stack(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const pt2c_arg *ts = pt2c_node_arg(n, "tensors");
    dec_shape one, s;
    int64_t dim, k;
    if (!ts || ts->kind != PT2C_ARG_TENSORS || ts->n_items < 1 || ts->n_items > 4096 ||
        !dec_output(n) || !dec_get_int(n, "dim", 0, &dim) ||
        !dec_shape_of(d, ts->items[0].name, &one) || one.rank >= DEC_MAX_RANK ||
        !dec_norm_dim(dim, one.rank + 1, &k))
        return PT2C_OK;
    int64_t count = ts->n_items;
    for (int64_t j = 0; j < count; j++) {
        if (ts->items[j].kind != PT2C_ARG_TENSOR || !dec_shape_of(d, ts->items[j].name, &s) ||
            s.rank != one.rank || s.dtype != one.dtype ||
            memcmp(s.size, one.size, sizeof *s.size * (size_t)s.rank) != 0)
            return PT2C_OK;
    }
    pt2c_arg *items = PT2C_ARENA_ARRAY(&d->pass->prog->arena, pt2c_arg, count);
    if (!items)
        return nomem(d);
    dec_shape cs = one;
    if (k < one.rank) {
        memcpy(items, ts->items, sizeof *items * (size_t)count);
        cs.size[k] *= count;
    } else {
        for (int64_t j = 0; j < count; j++) {
            dec_shape xs, us;
            const char *u;
            dec_shape_of(d, ts->items[j].name, &xs);
            PT2C_TRY(emit_unsqueeze(d, ts->items[j].name, &xs, k, &us, &u));
            items[j] = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = u};
        }
        cs.rank = one.rank + 1;
        cs.size[k] = count;
    }
    dec_contiguous(&cs);
    pt2c_named_arg args[] = {{"tensors",
                              {.kind = PT2C_ARG_TENSORS, .items = items, .n_items = count},
                              PT2C_PASS_POSITIONAL},
                             dec_int("dim", k < one.rank ? k : dim)};
    *done = true;
    int32_t n_args = k < one.rank && k == 0 ? 1 : 2;
    if (k == one.rank)
        return dec_emit(d, ATEN("cat.default"), args, n_args, &cs, dec_output(n), NULL);
    const char *c;
    PT2C_TRY(dec_emit(d, ATEN("cat.default"), args, n_args, &cs, NULL, &c));
    int64_t sizes[DEC_MAX_RANK];
    for (int32_t j = 0, r = 0; j <= one.rank; j++)
        sizes[j] = j == k ? count : one.size[r++];
    return dec_emit_view(d, c, &cs, sizes, one.rank + 1, dec_output(n), NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Data movement                                                                            */

/* tile(x, dims) -> repeat(x, dims with leading 1s up to x's rank). */
pt2c_status dec_rule_tile(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t dims[DEC_MAX_RANK], reps[DEC_MAX_RANK];
    int32_t nd;
    const pt2c_tensor_meta *xm = dec_meta_of(d, dec_input(n, "self"));
    if (!xm || xm->rank > DEC_MAX_RANK || !dec_get_ints(n, "dims", 0, 0, dims, DEC_MAX_RANK, &nd))
        return PT2C_OK;
    int32_t r = nd > xm->rank ? nd : xm->rank;
    for (int32_t k = 0; k < r; k++)
        reps[k] = k < r - nd ? 1 : dims[k - (r - nd)];
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")),
                             dec_ints(d, "repeats", reps, r)};
    *done = true;
    return dec_emit_like(d, ATEN("repeat.default"), args, 2, n);
}

/* tril / triu(x, diagonal) -> where(col - row <= diagonal (>= for triu), x, 0). */
static pt2c_status triangle(pt2c_decomposer *d, const pt2c_node *n, bool upper, bool *done) {
    dec_shape xs;
    int64_t diag;
    const char *x = dec_input(n, "self");
    const pt2c_tensor_meta *om = dec_meta_of(d, dec_output(n));
    if (!om || !dec_shape_of(d, x, &xs) || xs.rank < 2 || !dec_get_int(n, "diagonal", 0, &diag))
        return PT2C_OK;
    int64_t rows = xs.size[xs.rank - 2], cols = xs.size[xs.rank - 1];
    const char *c, *cu, *r, *ru, *sub, *mask, *zero;
    dec_shape ms = {.dtype = PT2C_DTYPE_I64, .rank = 2, .size = {rows, cols}};
    dec_contiguous(&ms);
    PT2C_TRY(emit_arange(d, cols, om, &c));
    pt2c_named_arg a1[] = {dec_tensor("self", c), dec_int("dim", -2)};
    dec_shape cus = {.dtype = PT2C_DTYPE_I64, .rank = 2, .size = {1, cols}};
    dec_contiguous(&cus);
    PT2C_TRY(dec_emit(d, ATEN("unsqueeze.default"), a1, 2, &cus, NULL, &cu));
    PT2C_TRY(emit_arange(d, rows, om, &r));
    dec_shape rus = {.dtype = PT2C_DTYPE_I64, .rank = 2, .size = {rows, 1}, .stride = {1, 1}};
    pt2c_named_arg a2[] = {dec_tensor("self", r), dec_int("dim", -1)};
    PT2C_TRY(dec_emit(d, ATEN("unsqueeze.default"), a2, 2, &rus, NULL, &ru));
    pt2c_named_arg a3[] = {dec_tensor("self", cu), dec_tensor("other", ru)};
    PT2C_TRY(dec_emit(d, ATEN("sub.Tensor"), a3, 2, &ms, NULL, &sub));
    ms.dtype = PT2C_DTYPE_BOOL;
    pt2c_named_arg a4[] = {dec_tensor("self", sub), dec_int("other", diag)};
    PT2C_TRY(dec_emit(d, upper ? ATEN("ge.Scalar") : ATEN("le.Scalar"), a4, 2, &ms, NULL, &mask));
    dec_shape s0 = {.dtype = xs.dtype, .rank = 0};
    pt2c_named_arg a5[] = {dec_int("s", 0), dec_scalar_type("dtype", xs.dtype),
                           dec_layout_strided(), dec_device(om)};
    PT2C_TRY(dec_emit(d, ATEN("scalar_tensor.default"), a5, 4, &s0, NULL, &zero));
    pt2c_named_arg a6[] = {dec_tensor("condition", mask), dec_tensor("self", x),
                           dec_tensor("other", zero)};
    *done = true;
    return dec_emit_like(d, ATEN("where.self"), a6, 3, n);
}
pt2c_status dec_rule_tril(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return triangle(d, n, false, done);
}
pt2c_status dec_rule_triu(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return triangle(d, n, true, done);
}

/* One roll step: index_select(x, dim, fmod(arange(size) + (size - shift) mod size, size)). */
static pt2c_status roll_one(pt2c_decomposer *d, const char *x, const dec_shape *xs, int64_t dim,
                            int64_t k, int64_t shift, const pt2c_tensor_meta *like,
                            const char *out_name, const char **out) {
    int64_t size = xs->size[k], start = ((size - shift % size) % size + size) % size;
    const char *ar, *add, *idx;
    dec_shape is = {.dtype = PT2C_DTYPE_I64, .rank = 1, .size = {size}}, os;
    dec_contiguous(&is);
    PT2C_TRY(emit_arange(d, size, like, &ar));
    pt2c_named_arg a1[] = {dec_tensor("self", ar), dec_int("other", start)};
    PT2C_TRY(dec_emit(d, ATEN("add.Tensor"), a1, 2, &is, NULL, &add));
    pt2c_named_arg a2[] = {dec_tensor("self", add), dec_int("other", size)};
    PT2C_TRY(dec_emit(d, ATEN("fmod.Scalar"), a2, 2, &is, NULL, &idx));
    dec_like_elementwise(xs, &os);
    pt2c_named_arg a3[] = {dec_tensor("self", x), dec_int("dim", dim), dec_tensor("index", idx)};
    return dec_emit(d, ATEN("index_select.default"), a3, 3, &os, out_name, out);
}

/* roll(x, shifts, dims): one index_select per dim; without dims, of x flattened, viewed back. */
pt2c_status dec_rule_roll(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, cur;
    int64_t shifts[DEC_MAX_RANK], dims[DEC_MAX_RANK];
    int32_t ns, nd;
    const char *x = dec_input(n, "self"), *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    if (!om || !dec_shape_of(d, x, &xs) || xs.rank == 0 || dec_numel(&xs) == 0 ||
        !dec_get_ints(n, "shifts", 0, 0, shifts, DEC_MAX_RANK, &ns) ||
        !dec_get_ints(n, "dims", 0, 0, dims, DEC_MAX_RANK, &nd) || ns == 0 ||
        (nd != 0 && nd != ns) || (nd == 0 && ns != 1))
        return PT2C_OK;
    for (int32_t j = 0; j < nd; j++) {
        int64_t k;
        if (!dec_norm_dim(dims[j], xs.rank, &k))
            return PT2C_OK;
    }
    *done = true;
    const char *c = x;
    if (nd == 0) {
        int64_t numel = dec_numel(&xs);
        if (xs.rank != 1)
            PT2C_TRY(dec_emit_reshape(d, x, &xs, &numel, 1, NULL, &c));
        dec_shape_of(d, c, &cur);
        PT2C_TRY(roll_one(d, c, &cur, 0, 0, shifts[0], om, NULL, &c));
        dec_shape_of(d, c, &cur);
        return dec_emit_view(d, c, &cur, xs.size, xs.rank, out, NULL);
    }
    cur = xs;
    for (int32_t j = 0; j < nd; j++) {
        int64_t k;
        dec_norm_dim(dims[j], xs.rank, &k);
        PT2C_TRY(roll_one(d, c, &cur, dims[j], k, shifts[j], om, j == nd - 1 ? out : NULL, &c));
        if (j < nd - 1)
            dec_shape_of(d, c, &cur);
    }
    return PT2C_OK;
}

/* A prepend / append tensor of diff: NULL when absent; *ok false when not a tensor. */
static const char *optional_tensor(const pt2c_node *n, const char *arg_name, bool *ok) {
    const pt2c_arg *a = pt2c_node_arg(n, arg_name);
    if (!a || a->kind == PT2C_ARG_NONE || (a->kind == PT2C_ARG_OPTIONAL_TENSOR && !a->name))
        return NULL;
    if ((a->kind != PT2C_ARG_TENSOR && a->kind != PT2C_ARG_OPTIONAL_TENSOR) || !a->name)
        *ok = false;
    return a->name;
}

/* diff(x, n, dim, prepend, append) -> cat(prepend, x, append) along dim when given, then n
 * times sub(slice(x, 1, len), slice(x, 0, len - 1)). */
pt2c_status dec_rule_diff(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, ps, as;
    int64_t times, dim, k;
    bool ok = true;
    const char *x = dec_input(n, "self"), *out = dec_output(n);
    const char *pre = optional_tensor(n, "prepend", &ok), *app = optional_tensor(n, "append", &ok);
    if (!ok || !out || !dec_shape_of(d, x, &xs) || xs.rank == 0 || xs.dtype == PT2C_DTYPE_BOOL ||
        !dec_get_int(n, "n", 1, &times) || !dec_get_int(n, "dim", -1, &dim) ||
        !dec_norm_dim(dim, xs.rank, &k) || (pre && !dec_shape_of(d, pre, &ps)) ||
        (app && !dec_shape_of(d, app, &as)) ||
        (pre && (ps.rank != xs.rank || ps.dtype != xs.dtype)) ||
        (app && (as.rank != xs.rank || as.dtype != xs.dtype)))
        return PT2C_OK;
    dec_shape cs = xs;
    const char *c = x;
    if (pre || app) {
        for (int32_t j = 0; j < xs.rank; j++)
            if (j != k && ((pre && ps.size[j] != xs.size[j]) || (app && as.size[j] != xs.size[j])))
                return PT2C_OK;
        cs.size[k] += (pre ? ps.size[k] : 0) + (app ? as.size[k] : 0);
    }
    if (times < 1 || times >= cs.size[k])
        return PT2C_OK;
    *done = true;
    if (pre || app) {
        pt2c_arg *items = PT2C_ARENA_ARRAY(&d->pass->prog->arena, pt2c_arg, 3);
        if (!items)
            return nomem(d);
        int64_t m = 0;
        const char *parts[] = {pre, x, app};
        for (int j = 0; j < 3; j++)
            if (parts[j])
                items[m++] = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = parts[j]};
        dec_contiguous(&cs);
        pt2c_named_arg args[] = {{"tensors",
                                  {.kind = PT2C_ARG_TENSORS, .items = items, .n_items = m},
                                  PT2C_PASS_POSITIONAL},
                                 dec_int("dim", dim)};
        PT2C_TRY(dec_emit(d, ATEN("cat.default"), args, 2, &cs, NULL, &c));
    }
    for (int64_t j = 0; j < times; j++) {
        const char *lo, *hi;
        dec_shape ls, hs, rs;
        int64_t len = cs.size[k];
        PT2C_TRY(emit_slice(d, c, &cs, dim, k, 0, len - 1, &ls, NULL, &lo));
        PT2C_TRY(emit_slice(d, c, &cs, dim, k, 1, len, &hs, NULL, &hi));
        dec_like_elementwise(&hs, &rs);
        rs.offset = 0;
        pt2c_named_arg args[] = {dec_tensor("self", hi), dec_tensor("other", lo)};
        PT2C_TRY(dec_emit(d, ATEN("sub.Tensor"), args, 2, &rs, j == times - 1 ? out : NULL, &c));
        cs = rs;
    }
    return PT2C_OK;
}

/* repeat_interleave(x, r, dim) -> unsqueeze after dim, expand by r, contiguous clone, view
 * merging the two; without dim, of x flattened. */
pt2c_status dec_rule_repeat_interleave(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, fs, us, es, cs;
    int64_t reps, dim = 0, k = 0;
    const char *x = dec_input(n, "self"), *out = dec_output(n);
    const pt2c_arg *da = pt2c_node_arg(n, "dim");
    bool flat = !da || da->kind == PT2C_ARG_NONE;
    if (!out || !dec_shape_of(d, x, &xs) || xs.rank == 0 || xs.rank >= DEC_MAX_RANK ||
        !dec_get_int(n, "repeats", 0, &reps) || reps < 0 ||
        (!flat && (!dec_get_int(n, "dim", 0, &dim) || !dec_norm_dim(dim, xs.rank, &k))))
        return PT2C_OK;
    *done = true;
    const char *f = x, *u, *e, *c;
    fs = xs;
    if (flat && xs.rank != 1) {
        int64_t numel = dec_numel(&xs);
        PT2C_TRY(dec_emit_reshape(d, x, &xs, &numel, 1, NULL, &f));
        dec_shape_of(d, f, &fs);
    }
    PT2C_TRY(emit_unsqueeze(d, f, &fs, k + 1, &us, &u));
    int64_t sizes[DEC_MAX_RANK];
    memcpy(sizes, us.size, sizeof *sizes * (size_t)us.rank);
    sizes[k + 1] = reps;
    dec_expand(&us, sizes, us.rank, &es);
    pt2c_named_arg a1[] = {dec_tensor("self", u), dec_ints(d, "size", sizes, us.rank)};
    PT2C_TRY(dec_emit(d, ATEN("expand.default"), a1, 2, &es, NULL, &e));
    cs = es;
    dec_contiguous(&cs);
    pt2c_named_arg a2[] = {dec_tensor("self", e), dec_memory_format(DEC_CONTIGUOUS_FORMAT)};
    PT2C_TRY(dec_emit(d, ATEN("clone.default"), a2, 2, &cs, NULL, &c));
    int64_t vs[DEC_MAX_RANK];
    int32_t r = 0;
    for (int32_t j = 0; j < fs.rank; j++)
        vs[r++] = j == k ? fs.size[j] * reps : fs.size[j];
    return dec_emit_view(d, c, &cs, vs, r, out, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Creation                                                                                 */

/* zeros_like / ones_like(x, ...) -> full_like(x, 0 / 1, ..., memory_format). */
static pt2c_status filled_like(pt2c_decomposer *d, const pt2c_node *n, int64_t value, bool *done) {
    const char *x = dec_input(n, "self");
    if (!x || !dec_output(n))
        return PT2C_OK;
    pt2c_named_arg args[7];
    int32_t k = 0;
    args[k++] = dec_tensor("self", x);
    args[k++] = dec_int("fill_value", value);
    const char *kws[] = {"dtype", "layout", "device"};
    for (int j = 0; j < 3; j++) {
        bool f;
        pt2c_named_arg a = dec_copy_arg(n, kws[j], kws[j], &f);
        if (f && a.arg.kind != PT2C_ARG_NONE)
            args[k++] = dec_kw(a);
    }
    args[k++] = dec_kw(dec_bool("pin_memory", false));
    bool f;
    pt2c_named_arg mf = dec_copy_arg(n, "memory_format", "memory_format", &f);
    args[k++] =
        f && mf.arg.kind != PT2C_ARG_NONE ? dec_kw(mf) : dec_memory_format(DEC_PRESERVE_FORMAT);
    *done = true;
    return dec_emit_like(d, ATEN("full_like.default"), args, k, n);
}
pt2c_status dec_rule_zeros_like(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return filled_like(d, n, 0, done);
}
pt2c_status dec_rule_ones_like(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return filled_like(d, n, 1, done);
}

/* empty_like(x) of a contiguous x -> empty_permuted(sizes, identity order, ...). */
pt2c_status dec_rule_empty_like(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t order[DEC_MAX_RANK];
    const pt2c_tensor_meta *om = dec_meta_of(d, dec_output(n));
    const pt2c_arg *mf = pt2c_node_arg(n, "memory_format");
    if (!om || !dec_shape_of(d, dec_input(n, "self"), &xs) || !dec_is_contiguous(&xs) ||
        (mf && mf->kind != PT2C_ARG_NONE &&
         !(mf->kind == PT2C_ARG_MEMORY_FORMAT && mf->i == DEC_PRESERVE_FORMAT)))
        return PT2C_OK;
    for (int32_t k = 0; k < xs.rank; k++)
        order[k] = k;
    pt2c_named_arg args[] = {dec_ints(d, "size", xs.size, xs.rank),
                             dec_ints(d, "physical_layout", order, xs.rank),
                             dec_scalar_type("dtype", om->dtype),
                             dec_layout_strided(),
                             dec_device(om),
                             dec_kw(dec_bool("pin_memory", false))};
    *done = true;
    return dec_emit_like(d, ATEN("empty_permuted.default"), args, 6, n);
}

/* new_full(x, size, v) -> full(size, v, ...); new_empty(x, size) -> empty(size, ...). */
static pt2c_status new_filled(pt2c_decomposer *d, const pt2c_node *n, bool full, bool *done) {
    const pt2c_tensor_meta *om = dec_meta_of(d, dec_output(n));
    bool f1, f2 = true;
    pt2c_named_arg size = dec_copy_arg(n, "size", "size", &f1);
    pt2c_named_arg v = full ? dec_copy_arg(n, "fill_value", "fill_value", &f2) : dec_none("x");
    if (!om || !f1 || !f2)
        return PT2C_OK;
    size.kind = v.kind = PT2C_PASS_POSITIONAL;
    pt2c_named_arg args[6];
    int32_t k = 0;
    args[k++] = size;
    if (full)
        args[k++] = v;
    args[k++] = dec_scalar_type("dtype", om->dtype);
    args[k++] = dec_layout_strided();
    args[k++] = dec_device(om);
    args[k++] = dec_kw(dec_bool("pin_memory", false));
    *done = true;
    return dec_emit_like(d, full ? ATEN("full.default") : ATEN("empty.memory_format"), args, k, n);
}
pt2c_status dec_rule_new_full(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return new_filled(d, n, true, done);
}
pt2c_status dec_rule_new_empty(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return new_filled(d, n, false, done);
}

/* repeat_interleave(x, repeats tensor, dim, output_size) -> index_select(x, dim,
 * repeat_interleave(repeats)) (ATen's CompositeImplicit kernel): x flattened without dim, a
 * 0-d or one-element repeats viewed as [1] and expanded over the dim. The index's length is
 * the output's (data-dependent, unbacked) size along dim, shared with the result. */
pt2c_status dec_rule_repeat_interleave_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, rs;
    int64_t dim = 0, k = 0;
    const char *x = dec_input(n, "self"), *r = dec_input(n, "repeats"), *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    const pt2c_arg *da = pt2c_node_arg(n, "dim"), *os = pt2c_node_arg(n, "output_size");
    bool flat = !da || da->kind == PT2C_ARG_NONE;
    if (!out || !om || !dec_shape_of(d, x, &xs) || !dec_shape_of(d, r, &rs) || rs.rank > 1 ||
        (!flat && (!dec_get_int(n, "dim", 0, &dim) || !dec_norm_dim(dim, xs.rank, &k))) ||
        (os && os->kind != PT2C_ARG_NONE && os->kind != PT2C_ARG_INT) ||
        om->rank != (flat ? 1 : xs.rank))
        return PT2C_OK;
    const char *in = x, *reps = r, *idx;
    dec_shape fs = xs;
    if (flat && xs.rank != 1) {
        int64_t numel = dec_numel(&xs);
        PT2C_TRY(dec_emit_reshape(d, x, &xs, &numel, 1, NULL, &in));
        dec_shape_of(d, in, &fs);
    }
    if (rs.rank == 0 || rs.size[0] == 1) {
        int64_t one = 1, len = fs.size[k];
        dec_shape vs, es;
        const char *v;
        PT2C_TRY(dec_emit_reshape(d, r, &rs, &one, 1, NULL, &v));
        dec_shape_of(d, v, &vs);
        dec_expand(&vs, &len, 1, &es);
        pt2c_named_arg a[] = {dec_tensor("self", v), dec_ints(d, "size", &len, 1)};
        PT2C_TRY(dec_emit(d, ATEN("expand.default"), a, 2, &es, NULL, &reps));
    } else if (rs.size[0] != fs.size[k]) {
        return PT2C_OK;
    }
    pt2c_tensor_meta *im = PT2C_ARENA_NEW(&d->pass->prog->arena, pt2c_tensor_meta);
    pt2c_sym *stride = PT2C_ARENA_NEW(&d->pass->prog->arena, pt2c_sym);
    if (!im || !stride)
        return nomem(d);
    *im = *om;
    *stride = (pt2c_sym){.i = 1};
    im->dtype = rs.dtype;
    im->rank = 1;
    im->sizes = &om->sizes[k];
    im->strides = stride;
    im->storage_offset = (pt2c_sym){.i = 0};
    im->requires_grad = false;
    pt2c_named_arg a1[] = {
        dec_tensor("repeats", reps),
        dec_kw((pt2c_named_arg){"output_size", os ? *os : (pt2c_arg){0}, PT2C_PASS_KEYWORD})};
    PT2C_TRY(dec_emit_meta(d, ATEN("repeat_interleave.Tensor"), a1,
                           os && os->kind == PT2C_ARG_INT ? 2 : 1, im, NULL, &idx));
    pt2c_named_arg a2[] = {dec_tensor("self", in), dec_int("dim", dim), dec_tensor("index", idx)};
    *done = true;
    return dec_emit_like(d, ATEN("index_select.default"), a2, 3, n);
}
