/*
 * decompose_math.c - decomposition rules for elementwise ops, reductions and normalisations
 * (clamp_min, rsub, where with Scalars, all, std/var, logsumexp, rms_norm, ...): the Core
 * ATen nodes torch/_decomp and torch/_refs (PyTorch 2.13) write for them. The table of rules
 * is in decompose_rules.c.
 *
 * Intermediates shaped like the node's input or output copy that value's metadata, so these
 * rules also work on symbolic sizes unless they need a literal size (group_norm's HxW).
 */
#include "passes/decompose.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define ATEN(op) "torch.ops.aten." op

static pt2c_status nomem(pt2c_decomposer *d) {
    return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
}

/* like's metadata with another dtype (program arena), or NULL. */
static const pt2c_tensor_meta *meta_as(pt2c_decomposer *d, const pt2c_tensor_meta *like,
                                       pt2c_dtype dtype) {
    pt2c_tensor_meta *m = like ? PT2C_ARENA_NEW(&d->pass->prog->arena, pt2c_tensor_meta) : NULL;
    if (!m)
        return NULL;
    *m = *like;
    m->dtype = dtype;
    m->requires_grad = false;
    return m;
}

/* A Scalar argument of n (int, float or bool literal), or NULL. */
static const pt2c_arg *scalar_arg(const pt2c_node *n, const char *arg_name) {
    const pt2c_arg *a = pt2c_node_arg(n, arg_name);
    if (!a || (a->kind != PT2C_ARG_INT && a->kind != PT2C_ARG_FLOAT && a->kind != PT2C_ARG_BOOL))
        return NULL;
    return a;
}

static double scalar_value(const pt2c_arg *a) {
    return a->kind == PT2C_ARG_FLOAT ? a->f : a->kind == PT2C_ARG_INT ? (double)a->i : a->b;
}

/* scalar_tensor(v, dtype, layout, device): a 0-d tensor of the Scalar argument a. */
static pt2c_status emit_scalar_tensor(pt2c_decomposer *d, const pt2c_arg *a, pt2c_dtype dtype,
                                      const pt2c_tensor_meta *like, const char **out) {
    dec_shape s0 = {.dtype = dtype, .rank = 0};
    pt2c_named_arg args[] = {{"s", *a, PT2C_PASS_POSITIONAL},
                             dec_scalar_type("dtype", dtype),
                             dec_layout_strided(),
                             dec_device(like)};
    return dec_emit(d, ATEN("scalar_tensor.default"), args, 4, &s0, NULL, out);
}

/* ---------------------------------------------------------------------------------------- */
/* Elementwise                                                                              */

/* clamp_min(x, v) -> clamp(x, v); clamp_max(x, v) -> clamp(x, None, v) (.Tensor alike). */
static pt2c_status clamp_one(pt2c_decomposer *d, const pt2c_node *n, bool is_max, bool tensor,
                             bool *done) {
    bool found;
    pt2c_named_arg bound = dec_copy_arg(n, is_max ? "max" : "min", is_max ? "max" : "min", &found);
    const char *x = dec_input(n, "self");
    if (!found || !x || (tensor && bound.arg.kind != PT2C_ARG_TENSOR) ||
        (!tensor && !scalar_arg(n, is_max ? "max" : "min")))
        return PT2C_OK;
    bound.kind = PT2C_PASS_POSITIONAL;
    pt2c_named_arg args[] = {dec_tensor("self", x), is_max ? dec_none("min") : bound, bound};
    *done = true;
    return dec_emit_like(d, tensor ? ATEN("clamp.Tensor") : ATEN("clamp.default"), args,
                         is_max ? 3 : 2, n);
}
pt2c_status dec_rule_clamp_min(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return clamp_one(d, n, false, false, done);
}
pt2c_status dec_rule_clamp_max(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return clamp_one(d, n, true, false, done);
}
pt2c_status dec_rule_clamp_min_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return clamp_one(d, n, false, true, done);
}
pt2c_status dec_rule_clamp_max_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return clamp_one(d, n, true, true, done);
}

/* rsub(x, y, alpha) -> sub(y, x, alpha=alpha); y a tensor or a Scalar. */
pt2c_status dec_rule_rsub(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool found, has_alpha;
    const char *x = dec_input(n, "self");
    pt2c_named_arg other = dec_copy_arg(n, "other", "self", &found);
    pt2c_named_arg alpha = dec_copy_arg(n, "alpha", "alpha", &has_alpha);
    if (!x || !found || (other.arg.kind != PT2C_ARG_TENSOR && !scalar_arg(n, "other")) ||
        (has_alpha && !scalar_arg(n, "alpha")))
        return PT2C_OK;
    other.kind = PT2C_PASS_POSITIONAL;
    bool one = !has_alpha || scalar_value(&alpha.arg) == 1.0;
    pt2c_named_arg args[] = {other, dec_tensor("other", x), dec_kw(alpha)};
    *done = true;
    return dec_emit_like(d, ATEN("sub.Tensor"), args, one ? 2 : 3, n);
}

/* square(x) -> pow(x, 2). */
pt2c_status dec_rule_square(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const pt2c_tensor_meta *m = dec_meta_of(d, dec_input(n, "self"));
    if (!m || m->dtype == PT2C_DTYPE_BOOL)
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")), dec_int("exponent", 2)};
    *done = true;
    return dec_emit_like(d, ATEN("pow.Tensor_Scalar"), args, 2, n);
}

/* relu6(x) -> hardtanh(x, 0, 6). */
pt2c_status dec_rule_relu6(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    if (!dec_input(n, "self"))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")), dec_int("min_val", 0),
                             dec_int("max_val", 6)};
    *done = true;
    return dec_emit_like(d, ATEN("hardtanh.default"), args, 3, n);
}

/* where(c, a, b) with Scalars: each Scalar a scalar_tensor of the result dtype (other's
 * first), a tensor operand of another dtype converted with _to_copy, then where.self. */
static pt2c_status where_scalars(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *cond = dec_input(n, "condition"), *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    if (!cond || !om)
        return PT2C_OK;
    const char *names[2] = {dec_input(n, "self"), dec_input(n, "other")};
    const pt2c_arg *scalars[2] = {scalar_arg(n, "self"), scalar_arg(n, "other")};
    for (int k = 0; k < 2; k++)
        if (!names[k] && !scalars[k])
            return PT2C_OK;
    for (int k = 1; k >= 0; k--) {
        if (scalars[k]) {
            PT2C_TRY(emit_scalar_tensor(d, scalars[k], om->dtype, om, &names[k]));
            continue;
        }
        const pt2c_tensor_meta *m = dec_meta_of(d, names[k]);
        if (!m)
            return PT2C_OK;
        if (m->dtype != om->dtype) {
            pt2c_named_arg args[] = {dec_tensor("self", names[k]),
                                     dec_scalar_type("dtype", om->dtype)};
            PT2C_TRY(dec_emit_meta(d, ATEN("_to_copy.default"), args, 2, meta_as(d, m, om->dtype),
                                   NULL, &names[k]));
        }
    }
    pt2c_named_arg args[] = {dec_tensor("condition", cond), dec_tensor("self", names[0]),
                             dec_tensor("other", names[1])};
    *done = true;
    return dec_emit_like(d, ATEN("where.self"), args, 3, n);
}
pt2c_status dec_rule_where_scalar(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return where_scalars(d, n, done);
}

/* masked_fill(x, mask, value tensor) -> where(mask, value, x) (the same dtypes). */
pt2c_status dec_rule_masked_fill_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *mask = dec_input(n, "mask"), *v = dec_input(n, "value");
    const pt2c_tensor_meta *xm = dec_meta_of(d, x), *vm = dec_meta_of(d, v);
    if (!xm || !vm || !mask || xm->dtype != vm->dtype || vm->rank != 0)
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("condition", mask), dec_tensor("self", v),
                             dec_tensor("other", x)};
    *done = true;
    return dec_emit_like(d, ATEN("where.self"), args, 3, n);
}

/* fill(x, value tensor) -> copy(x, value). */
pt2c_status dec_rule_fill_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *v = dec_input(n, "value");
    if (!x || !v)
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_tensor("src", v)};
    *done = true;
    return dec_emit_like(d, ATEN("copy.default"), args, 2, n);
}

/* fill(x, Scalar) -> full_like(x, value, pin_memory=False). */
pt2c_status dec_rule_fill_scalar(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self");
    const pt2c_arg *v = scalar_arg(n, "value");
    if (!x || !v)
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", x),
                             {"fill_value", *v, PT2C_PASS_POSITIONAL},
                             dec_kw(dec_bool("pin_memory", false))};
    *done = true;
    return dec_emit_like(d, ATEN("full_like.default"), args, 3, n);
}

/* isfinite(x) (float) -> mul(eq(x, x), ne(abs(x), inf)). */
pt2c_status dec_rule_isfinite(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *a, *ne, *eq;
    const pt2c_tensor_meta *xm = dec_meta_of(d, x), *om = dec_meta_of(d, dec_output(n));
    if (!xm || !om || !dec_is_float(xm->dtype))
        return PT2C_OK;
    pt2c_named_arg a1[] = {dec_tensor("self", x)};
    PT2C_TRY(dec_emit_meta(d, ATEN("abs.default"), a1, 1, xm, NULL, &a));
    pt2c_named_arg a2[] = {dec_tensor("self", a), dec_float("other", (double)INFINITY)};
    PT2C_TRY(dec_emit_meta(d, ATEN("ne.Scalar"), a2, 2, om, NULL, &ne));
    pt2c_named_arg a3[] = {dec_tensor("self", x), dec_tensor("other", x)};
    PT2C_TRY(dec_emit_meta(d, ATEN("eq.Tensor"), a3, 2, om, NULL, &eq));
    pt2c_named_arg a4[] = {dec_tensor("self", eq), dec_tensor("other", ne)};
    *done = true;
    return dec_emit_like(d, ATEN("mul.Tensor"), a4, 2, n);
}

/* baddbmm(s, b1, b2, beta, alpha) -> bmm, times alpha, plus s (times beta; dropped at 0). */
pt2c_status dec_rule_baddbmm(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *s = dec_input(n, "self"), *b1 = dec_input(n, "batch1"),
               *b2 = dec_input(n, "batch2");
    const pt2c_tensor_meta *om = dec_meta_of(d, dec_output(n)), *sm = dec_meta_of(d, s);
    const pt2c_arg *beta = pt2c_node_arg(n, "beta"), *alpha = pt2c_node_arg(n, "alpha");
    if (!s || !b1 || !b2 || !om || !sm || !dec_is_float(om->dtype) ||
        (beta && !scalar_arg(n, "beta")) || (alpha && !scalar_arg(n, "alpha")))
        return PT2C_OK;
    bool scale = alpha && scalar_value(alpha) != 1.0, keep = !beta || scalar_value(beta) != 0.0;
    bool scale_self = beta && scalar_value(beta) != 1.0;
    const char *r;
    pt2c_named_arg a1[] = {dec_tensor("self", b1), dec_tensor("mat2", b2)};
    *done = true;
    if (!scale && !keep)
        return dec_emit_like(d, ATEN("bmm.default"), a1, 2, n);
    PT2C_TRY(dec_emit_meta(d, ATEN("bmm.default"), a1, 2, om, NULL, &r));
    if (scale) {
        pt2c_named_arg a2[] = {dec_tensor("self", r), {"other", *alpha, PT2C_PASS_POSITIONAL}};
        if (!keep)
            return dec_emit_like(d, ATEN("mul.Tensor"), a2, 2, n);
        PT2C_TRY(dec_emit_meta(d, ATEN("mul.Tensor"), a2, 2, om, NULL, &r));
    }
    if (scale_self) {
        pt2c_named_arg a3[] = {dec_tensor("self", s), {"other", *beta, PT2C_PASS_POSITIONAL}};
        PT2C_TRY(dec_emit_meta(d, ATEN("mul.Tensor"), a3, 2, sm, NULL, &s));
    }
    pt2c_named_arg a4[] = {dec_tensor("self", s), dec_tensor("other", r)};
    return dec_emit_like(d, ATEN("add.Tensor"), a4, 2, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Reductions                                                                               */

/* sum(x, dtype?) -> sum.dim_IntList(x, [], dtype=dtype). */
pt2c_status dec_rule_sum(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool has_dtype;
    pt2c_named_arg dt = dec_copy_arg(n, "dtype", "dtype", &has_dtype);
    if (!dec_input(n, "self"))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")), dec_ints(d, "dim", NULL, 0),
                             dec_kw(dt)};
    *done = true;
    return dec_emit_like(d, ATEN("sum.dim_IntList"), args,
                         has_dtype && dt.arg.kind != PT2C_ARG_NONE ? 3 : 2, n);
}

/* all(x[, dims, keepdim]) -> logical_not(any(logical_not(x)[, dims, keepdim])). */
static pt2c_status all_like(pt2c_decomposer *d, const pt2c_node *n, const char *any_target,
                            bool *done) {
    const char *x = dec_input(n, "self"), *nx, *any;
    const pt2c_tensor_meta *xm = dec_meta_of(d, x), *om = dec_meta_of(d, dec_output(n));
    if (!xm || !om || om->dtype != PT2C_DTYPE_BOOL)
        return PT2C_OK;
    pt2c_named_arg args[3];
    int32_t k = 0;
    bool f1, f2;
    args[k++] = (pt2c_named_arg){0};
    pt2c_named_arg dim = dec_copy_arg(n, "dim", "dim", &f1);
    pt2c_named_arg keep = dec_copy_arg(n, "keepdim", "keepdim", &f2);
    if (f1 && dim.arg.kind != PT2C_ARG_NONE)
        args[k++] = dim;
    if (f2 && (keep.arg.kind != PT2C_ARG_BOOL || keep.arg.b)) {
        if (k == 1)
            return PT2C_OK;
        args[k++] = keep;
    }
    pt2c_named_arg a1[] = {dec_tensor("self", x)};
    PT2C_TRY(dec_emit_meta(d, ATEN("logical_not.default"), a1, 1, meta_as(d, xm, PT2C_DTYPE_BOOL),
                           NULL, &nx));
    args[0] = dec_tensor("self", nx);
    PT2C_TRY(dec_emit_meta(d, any_target, args, k, om, NULL, &any));
    pt2c_named_arg a2[] = {dec_tensor("self", any)};
    *done = true;
    return dec_emit_like(d, ATEN("logical_not.default"), a2, 1, n);
}
pt2c_status dec_rule_all(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return all_like(d, n, ATEN("any.dims"), done);
}
pt2c_status dec_rule_all_dim(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return all_like(d, n, ATEN("any.dim"), done);
}

/* The correction of var/std's overloads: .correction's own (None: 1), unbiased's 1 or 0. */
static bool read_correction(const pt2c_node *n, double *out) {
    const pt2c_arg *c = pt2c_node_arg(n, "correction"), *u = pt2c_node_arg(n, "unbiased");
    *out = 1.0;
    if (c && c->kind != PT2C_ARG_NONE) {
        if (c->kind != PT2C_ARG_INT && c->kind != PT2C_ARG_FLOAT)
            return false;
        *out = scalar_value(c);
    }
    if (u && u->kind != PT2C_ARG_NONE) {
        if (u->kind != PT2C_ARG_BOOL)
            return false;
        *out = u->b ? 1.0 : 0.0;
    }
    return true;
}

/* var / std / var_mean / std_mean overloads -> var(_mean).correction (+ sqrt for std): the
 * correction an int for var's, a float for std's, as torch/_decomp writes them. */
static pt2c_status var_family(pt2c_decomposer *d, const pt2c_node *n, bool is_std, bool is_mean,
                              bool *done) {
    const char *x = dec_input(n, "self");
    double corr;
    bool f1, f2;
    if (!x || !read_correction(n, &corr) || n->n_outputs != (is_mean ? 2 : 1))
        return PT2C_OK;
    for (int32_t k = 0; k < n->n_outputs; k++)
        if (n->outputs[k].kind != PT2C_ARG_TENSOR || !n->outputs[k].name ||
            !dec_meta_of(d, n->outputs[k].name))
            return PT2C_OK;
    pt2c_named_arg dim = dec_copy_arg(n, "dim", "dim", &f1);
    pt2c_named_arg keep = dec_copy_arg(n, "keepdim", "keepdim", &f2);
    pt2c_named_arg args[4];
    int32_t k = 0;
    args[k++] = dec_tensor("self", x);
    if (f1 && dim.arg.kind != PT2C_ARG_NONE) {
        if (dim.arg.kind != PT2C_ARG_INTS)
            return PT2C_OK;
        args[k++] = dim;
    }
    args[k++] = dec_kw(is_std ? dec_float("correction", corr) : dec_number("correction", corr));
    if (f2 && keep.arg.kind == PT2C_ARG_BOOL && keep.arg.b)
        args[k++] = dec_kw(keep);
    const char *var = n->outputs[0].name;
    const pt2c_tensor_meta *vm = dec_meta_of(d, var);
    if (is_std) {
        var = dec_fresh(d, is_mean ? "getitem" : "var");
        if (!var)
            return nomem(d);
        PT2C_TRY(dec_describe(d, var, vm));
    }
    *done = true;
    if (is_mean) {
        const char *names[] = {var, n->outputs[1].name};
        const pt2c_tensor_meta *metas[] = {vm, dec_meta_of(d, n->outputs[1].name)};
        PT2C_TRY(dec_emit_multi(d, ATEN("var_mean.correction"), args, k, names, metas, 2));
    } else if (is_std) {
        PT2C_TRY(dec_emit_meta(d, ATEN("var.correction"), args, k, vm, var, NULL));
    } else {
        return dec_emit_like(d, ATEN("var.correction"), args, k, n);
    }
    if (!is_std)
        return PT2C_OK;
    pt2c_named_arg a2[] = {dec_tensor("self", var)};
    return dec_emit_meta(d, ATEN("sqrt.default"), a2, 1, vm, n->outputs[0].name, NULL);
}
pt2c_status dec_rule_var(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return var_family(d, n, false, false, done);
}
pt2c_status dec_rule_std(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return var_family(d, n, true, false, done);
}
pt2c_status dec_rule_var_mean(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return var_family(d, n, false, true, done);
}
pt2c_status dec_rule_std_mean(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return var_family(d, n, true, true, done);
}

/* logsumexp(x, dims, keepdim) (float, literal shape) -> amax kept, its infinities zeroed,
 * log(sum(exp(x - m))) + m (m squeezed unless keepdim). */
pt2c_status dec_rule_logsumexp(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t dims[DEC_MAX_RANK];
    int32_t nd;
    bool keepdim;
    const char *x = dec_input(n, "self");
    const pt2c_tensor_meta *om = dec_meta_of(d, dec_output(n));
    if (!om || !dec_shape_of(d, x, &xs) || !dec_is_float(xs.dtype) || xs.rank == 0 ||
        !dec_get_ints(n, "dim", 0, 0, dims, DEC_MAX_RANK, &nd) || nd == 0 ||
        !dec_get_bool(n, "keepdim", false, &keepdim))
        return PT2C_OK;
    dec_shape ks = xs;
    for (int32_t j = 0; j < nd; j++) {
        int64_t k;
        if (!dec_norm_dim(dims[j], xs.rank, &k))
            return PT2C_OK;
        ks.size[k] = 1;
    }
    dec_contiguous(&ks);
    ks.requires_grad = false;
    dec_shape bs = ks, es;
    bs.dtype = PT2C_DTYPE_BOOL;
    dec_like_elementwise(&xs, &es);
    const char *amax, *abs, *eq, *zero, *m, *msq = NULL, *sub, *exp, *sum, *log;
    pt2c_named_arg a1[] = {dec_tensor("self", x), dec_ints(d, "dim", dims, nd),
                           dec_bool("keepdim", true)};
    PT2C_TRY(dec_emit(d, ATEN("amax.default"), a1, 3, &ks, NULL, &amax));
    pt2c_named_arg a2[] = {dec_tensor("self", amax)};
    PT2C_TRY(dec_emit(d, ATEN("abs.default"), a2, 1, &ks, NULL, &abs));
    pt2c_named_arg a3[] = {dec_tensor("self", abs), dec_float("other", (double)INFINITY)};
    PT2C_TRY(dec_emit(d, ATEN("eq.Scalar"), a3, 2, &bs, NULL, &eq));
    pt2c_arg z = {.kind = PT2C_ARG_FLOAT, .f = 0.0};
    PT2C_TRY(emit_scalar_tensor(d, &z, xs.dtype, om, &zero));
    pt2c_named_arg a4[] = {dec_tensor("condition", eq), dec_tensor("self", zero),
                           dec_tensor("other", amax)};
    PT2C_TRY(dec_emit(d, ATEN("where.self"), a4, 3, &ks, NULL, &m));
    if (!keepdim) {
        pt2c_named_arg a5[] = {dec_tensor("self", m), dec_ints(d, "dim", dims, nd)};
        PT2C_TRY(dec_emit_meta(d, ATEN("squeeze.dims"), a5, 2, om, NULL, &msq));
    }
    pt2c_named_arg a6[] = {dec_tensor("self", x), dec_tensor("other", m)};
    PT2C_TRY(dec_emit(d, ATEN("sub.Tensor"), a6, 2, &es, NULL, &sub));
    pt2c_named_arg a7[] = {dec_tensor("self", sub)};
    PT2C_TRY(dec_emit(d, ATEN("exp.default"), a7, 1, &es, NULL, &exp));
    pt2c_named_arg a8[] = {dec_tensor("self", exp), dec_ints(d, "dim", dims, nd),
                           dec_bool("keepdim", true)};
    PT2C_TRY(dec_emit_meta(d, ATEN("sum.dim_IntList"), a8, keepdim ? 3 : 2, om, NULL, &sum));
    pt2c_named_arg a9[] = {dec_tensor("self", sum)};
    PT2C_TRY(dec_emit_meta(d, ATEN("log.default"), a9, 1, om, NULL, &log));
    pt2c_named_arg a10[] = {dec_tensor("self", log), dec_tensor("other", keepdim ? m : msq)};
    *done = true;
    return dec_emit_like(d, ATEN("add.Tensor"), a10, 2, n);
}

/* argsort(x, dim, descending[, stable]) -> sort's indices (its values unused). */
pt2c_status dec_rule_argsort(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *out = dec_output(n);
    const pt2c_tensor_meta *xm = dec_meta_of(d, x), *om = dec_meta_of(d, out);
    bool stable = strcmp(n->target, ATEN("argsort.stable")) == 0;
    if (!xm || !om || om->dtype != PT2C_DTYPE_I64)
        return PT2C_OK;
    pt2c_named_arg args[4];
    int32_t k = 0;
    args[k++] = dec_tensor("self", x);
    const char *names[] = {"stable", "dim", "descending"};
    for (int j = stable ? 0 : 1; j < 3; j++) {
        bool f;
        pt2c_named_arg a = dec_copy_arg(n, names[j], names[j], &f);
        if (f)
            args[k++] = a;
    }
    const char *outs[] = {NULL, out};
    const pt2c_tensor_meta *metas[] = {meta_as(d, om, xm->dtype), om};
    if (!metas[0])
        return nomem(d);
    *done = true;
    return dec_emit_multi(d, stable ? ATEN("sort.stable") : ATEN("sort.default"), args, k, outs,
                          metas, 2);
}

/* ---------------------------------------------------------------------------------------- */
/* Softmax and normalisation                                                                */

/* _safe_softmax(x, dim) -> _softmax, zeroed on rows that are all -inf. */
pt2c_status dec_rule_safe_softmax(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t dim, k;
    const char *x = dec_input(n, "self"), *sm, *eq, *nz, *any, *none, *fl;
    const pt2c_arg *dt = pt2c_node_arg(n, "dtype");
    if (!dec_shape_of(d, x, &xs) || !dec_is_float(xs.dtype) || xs.rank == 0 ||
        !dec_get_int(n, "dim", 0, &dim) || !dec_norm_dim(dim, xs.rank, &k) ||
        (dt && dt->kind != PT2C_ARG_NONE))
        return PT2C_OK;
    dec_shape ss, bs, rs;
    dec_like_elementwise(&xs, &ss);
    bs = ss;
    bs.dtype = PT2C_DTYPE_BOOL;
    bs.requires_grad = false;
    rs = bs;
    rs.size[k] = 1;
    dec_contiguous(&rs);
    pt2c_named_arg a1[] = {dec_tensor("self", x), dec_int("dim", dim),
                           dec_bool("half_to_float", false)};
    PT2C_TRY(dec_emit(d, ATEN("_softmax.default"), a1, 3, &ss, NULL, &sm));
    pt2c_named_arg a2[] = {dec_tensor("self", x), dec_float("other", -(double)INFINITY)};
    PT2C_TRY(dec_emit(d, ATEN("eq.Scalar"), a2, 2, &bs, NULL, &eq));
    pt2c_named_arg a3[] = {dec_tensor("self", eq)};
    PT2C_TRY(dec_emit(d, ATEN("logical_not.default"), a3, 1, &bs, NULL, &nz));
    pt2c_named_arg a4[] = {dec_tensor("self", nz), dec_int("dim", dim), dec_bool("keepdim", true)};
    PT2C_TRY(dec_emit(d, ATEN("any.dim"), a4, 3, &rs, NULL, &any));
    pt2c_named_arg a5[] = {dec_tensor("self", any)};
    PT2C_TRY(dec_emit(d, ATEN("logical_not.default"), a5, 1, &rs, NULL, &none));
    pt2c_named_arg a6[] = {dec_tensor("self", sm), dec_int("fill_value", 0),
                           dec_kw(dec_bool("pin_memory", false)),
                           dec_memory_format(DEC_PRESERVE_FORMAT)};
    PT2C_TRY(dec_emit(d, ATEN("full_like.default"), a6, 4, &ss, NULL, &fl));
    pt2c_named_arg a7[] = {dec_tensor("condition", none), dec_tensor("self", fl),
                           dec_tensor("other", sm)};
    *done = true;
    return dec_emit_like(d, ATEN("where.self"), a7, 3, n);
}

/* rms_norm(x, shape, w, eps) -> x * rsqrt(mean(x^2, last dims, keepdim) + eps) (* w); eps
 * None is the dtype's machine epsilon. */
pt2c_status dec_rule_rms_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t norm[DEC_MAX_RANK], dims[DEC_MAX_RANK];
    int32_t nn;
    const char *x = dec_input(n, "input"), *w = dec_input(n, "weight");
    const pt2c_arg *e = pt2c_node_arg(n, "eps");
    const pt2c_tensor_meta *wm = w ? dec_meta_of(d, w) : NULL;
    if (!dec_shape_of(d, x, &xs) || (xs.dtype != PT2C_DTYPE_F32 && xs.dtype != PT2C_DTYPE_F64) ||
        !dec_get_ints(n, "normalized_shape", 0, 0, norm, DEC_MAX_RANK, &nn) || nn == 0 ||
        nn > xs.rank || (e && e->kind != PT2C_ARG_NONE && e->kind != PT2C_ARG_FLOAT) ||
        (w && (!wm || wm->dtype != xs.dtype)))
        return PT2C_OK;
    double eps = xs.dtype == PT2C_DTYPE_F32 ? (double)FLT_EPSILON : DBL_EPSILON;
    if (e && e->kind == PT2C_ARG_FLOAT)
        eps = e->f;
    dec_shape es, ms;
    dec_like_elementwise(&xs, &es);
    ms = xs;
    for (int32_t j = 0; j < nn; j++) {
        dims[j] = xs.rank - 1 - j;
        ms.size[dims[j]] = 1;
    }
    dec_contiguous(&ms);
    const char *p, *mean, *add, *rs, *mul;
    pt2c_named_arg a1[] = {dec_tensor("self", x), dec_int("exponent", 2)};
    PT2C_TRY(dec_emit(d, ATEN("pow.Tensor_Scalar"), a1, 2, &es, NULL, &p));
    pt2c_named_arg a2[] = {dec_tensor("self", p), dec_ints(d, "dim", dims, nn),
                           dec_bool("keepdim", true)};
    PT2C_TRY(dec_emit(d, ATEN("mean.dim"), a2, 3, &ms, NULL, &mean));
    pt2c_named_arg a3[] = {dec_tensor("self", mean), dec_float("other", eps)};
    PT2C_TRY(dec_emit(d, ATEN("add.Scalar"), a3, 2, &ms, NULL, &add));
    pt2c_named_arg a4[] = {dec_tensor("self", add)};
    PT2C_TRY(dec_emit(d, ATEN("rsqrt.default"), a4, 1, &ms, NULL, &rs));
    pt2c_named_arg a5[] = {dec_tensor("self", x), dec_tensor("other", rs)};
    *done = true;
    if (!w)
        return dec_emit_like(d, ATEN("mul.Tensor"), a5, 2, n);
    PT2C_TRY(dec_emit(d, ATEN("mul.Tensor"), a5, 2, &es, NULL, &mul));
    pt2c_named_arg a6[] = {dec_tensor("self", mul), dec_tensor("other", w)};
    return dec_emit_like(d, ATEN("mul.Tensor"), a6, 2, n);
}

/* group_norm(x, G, w, b, eps) -> native_group_norm(x, w, b, N, C, HxW, G, eps), output 0. */
pt2c_status dec_rule_group_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t groups;
    const char *x = dec_input(n, "input"), *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    const pt2c_arg *e = pt2c_node_arg(n, "eps");
    if (!om || !dec_shape_of(d, x, &xs) || xs.rank < 2 || !dec_is_float(xs.dtype) ||
        !dec_get_int(n, "num_groups", 0, &groups) || groups <= 0 || xs.size[1] % groups != 0 ||
        (e && e->kind != PT2C_ARG_FLOAT && e->kind != PT2C_ARG_INT))
        return PT2C_OK;
    int64_t hxw = 1;
    for (int32_t k = 2; k < xs.rank; k++)
        hxw *= xs.size[k];
    bool f1, f2;
    pt2c_named_arg args[] = {
        dec_tensor("input", x),
        dec_copy_arg(n, "weight", "weight", &f1),
        dec_copy_arg(n, "bias", "bias", &f2),
        dec_int("N", xs.size[0]),
        dec_int("C", xs.size[1]),
        dec_int("HxW", hxw),
        dec_int("group", groups),
        e ? (pt2c_named_arg){"eps", *e, PT2C_PASS_POSITIONAL} : dec_float("eps", 1e-5),
    };
    dec_shape st = {.dtype = xs.dtype, .rank = 2, .size = {xs.size[0], groups}};
    dec_contiguous(&st);
    const pt2c_tensor_meta *sm = dec_meta_from_shape(d, &st, om);
    const char *names[] = {out, NULL, NULL};
    const pt2c_tensor_meta *metas[] = {om, sm, sm};
    if (!sm)
        return nomem(d);
    *done = true;
    return dec_emit_multi(d, ATEN("native_group_norm.default"), args, 8, names, metas, 3);
}
