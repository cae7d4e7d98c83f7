/*
 * decompose_nn.c - decomposition rules for network layers (conv*.padding with 'same' or
 * 'valid', max_pool1d, instance_norm, the nearest and linear upsamplings): the Core ATen
 * nodes ATen's CompositeImplicit kernels and torch/_decomp (PyTorch 2.13) write for them,
 * with the same arguments (trailing arguments left at their defaults are not written, as
 * export's tracer drops them). The table of rules is in decompose_rules.c.
 *
 * They need literal sizes (padding amounts, index vectors and views are computed from them)
 * and decline on symbolic ones, on unbatched inputs and on non-contiguous inputs (where
 * ATen's memory-format choice would add copies these rules do not write).
 */
#include "passes/decompose.h"

#include <math.h>
#include <string.h>

#define ATEN(op) "torch.ops.aten." op

/* A literal int list argument expanded to k entries (one value repeats, as int[k] does). */
static bool ints_k(const pt2c_node *n, const char *arg_name, int64_t dflt, int32_t k,
                   int64_t *out) {
    int32_t count;
    if (!dec_get_ints(n, arg_name, dflt, 1, out, 3, &count) || (count != 1 && count != k))
        return false;
    for (int32_t j = count; j < k; j++)
        out[j] = out[0];
    return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Convolution with a padding mode                                                          */

/* unsqueeze(x, 0) of a static x. */
static pt2c_status unsqueeze0(pt2c_decomposer *d, const char *x, const dec_shape *xs, dec_shape *us,
                              const char **out) {
    *us = *xs;
    us->rank = xs->rank + 1;
    us->size[0] = 1;
    us->stride[0] = xs->size[0] * xs->stride[0];
    memcpy(&us->size[1], xs->size, sizeof *xs->size * (size_t)xs->rank);
    memcpy(&us->stride[1], xs->stride, sizeof *xs->stride * (size_t)xs->rank);
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_int("dim", 0)};
    return dec_emit(d, ATEN("unsqueeze.default"), args, 2, us, NULL, out);
}

/* convolution(args) of an unsqueezed input, then squeeze.dims(0) writing n's output. */
static pt2c_status convolution_squeezed(pt2c_decomposer *d, const pt2c_node *n,
                                        const pt2c_named_arg *args, bool *done) {
    dec_shape os, cs;
    if (!dec_shape_of(d, dec_output(n), &os))
        return PT2C_OK;
    cs = os;
    cs.rank = os.rank + 1;
    cs.size[0] = 1;
    memcpy(&cs.size[1], os.size, sizeof *os.size * (size_t)os.rank);
    dec_contiguous(&cs);
    const char *c;
    PT2C_TRY(dec_emit(d, ATEN("convolution.default"), args, 9, &cs, NULL, &c));
    int64_t zero = 0;
    pt2c_named_arg a[] = {dec_tensor("self", c), dec_ints(d, "dim", &zero, 1)};
    *done = true;
    return dec_emit_like(d, ATEN("squeeze.dims"), a, 2, n);
}

pt2c_status dec_emit_convolution(pt2c_decomposer *d, const pt2c_node *n, pt2c_named_arg *args,
                                 int32_t k, bool *done) {
    const char *x = args[0].arg.name, *out = dec_output(n);
    const pt2c_tensor_meta *xm = dec_meta_of(d, x);
    dec_shape xs, os, us;
    if (!xm || !out || (xm->rank != k + 1 && xm->rank != k + 2))
        return PT2C_OK;
    if (xm->rank == k + 2) {
        *done = true;
        return dec_emit_like(d, ATEN("convolution.default"), args, 9, n);
    }
    if (!dec_shape_of(d, x, &xs) || !dec_shape_of(d, out, &os))
        return PT2C_OK; /* (symbolic: the unsqueezed layouts are not computed) */
    PT2C_TRY(unsqueeze0(d, x, &xs, &us, &args[0].arg.name));
    return convolution_squeezed(d, n, args, done);
}

/* conv{1,2}d.padding (ATen's _convolution_mode): 'valid' is convolution with padding [0];
 * 'same' pads dilation * (kernel - 1) in total per dim, the odd element after (a
 * constant_pad_nd of the input), the rest symmetric in the convolution. */
static pt2c_status conv_padding(pt2c_decomposer *d, const pt2c_node *n, int32_t k, bool *done) {
    int64_t stride[3], dilation[3], groups, pad_l[3] = {0}, pad_nd[6] = {0}, zeros[3] = {0};
    dec_shape xs, ws;
    const char *x = dec_input(n, "input"), *w = dec_input(n, "weight");
    const pt2c_arg *mode = pt2c_node_arg(n, "padding");
    const char *m = !mode ? "valid" : mode->kind == PT2C_ARG_STRING ? mode->str : NULL;
    if (!m || !dec_shape_of(d, x, &xs) || !dec_shape_of(d, w, &ws) || ws.rank != k + 2 ||
        (xs.rank != k + 2 && xs.rank != k + 1) || !ints_k(n, "stride", 1, k, stride) ||
        !ints_k(n, "dilation", 1, k, dilation) || !dec_get_int(n, "groups", 1, &groups))
        return PT2C_OK;
    bool unbatched = xs.rank == k + 1;
    bool valid = strcmp(m, "valid") == 0, asymmetric = false;
    if (!valid && strcmp(m, "same") != 0)
        return PT2C_OK;
    for (int32_t i = 0; i < k && !valid; i++) {
        int64_t total = dilation[i] * (ws.size[i + 2] - 1);
        if (stride[i] != 1) /* torch refuses strided 'same' */
            return PT2C_OK;
        pad_l[i] = total / 2;
        if (total - pad_l[i] != pad_l[i]) { /* F.pad order: last dim first, right side */
            pad_nd[2 * (k - 1 - i) + 1] = total - 2 * pad_l[i];
            asymmetric = true;
        }
    }
    const char *in = x;
    if (unbatched) { /* ATen's batchify first (the output's layout must be static too) */
        dec_shape os, us;
        if (!dec_shape_of(d, dec_output(n), &os))
            return PT2C_OK;
        PT2C_TRY(unsqueeze0(d, x, &xs, &us, &in));
        xs = us;
    }
    if (asymmetric) {
        if (!dec_is_contiguous(&xs))
            return PT2C_OK;
        dec_shape ps = xs;
        for (int32_t i = 0; i < k; i++)
            ps.size[i + 2] += pad_nd[2 * (k - 1 - i) + 1];
        dec_contiguous(&ps);
        pt2c_named_arg a[] = {dec_tensor("self", in), dec_ints(d, "pad", pad_nd, 2 * k)};
        PT2C_TRY(dec_emit(d, ATEN("constant_pad_nd.default"), a, 2, &ps, NULL, &in));
    }
    bool has_bias;
    pt2c_named_arg args[] = {
        dec_tensor("input", in),
        dec_tensor("weight", w),
        dec_copy_arg(n, "bias", "bias", &has_bias),
        dec_ints(d, "stride", stride, k),
        dec_ints(d, "padding", valid ? zeros : pad_l, valid ? 1 : k),
        dec_ints(d, "dilation", dilation, k),
        dec_bool("transposed", false),
        dec_ints(d, "output_padding", zeros, valid ? 1 : k),
        dec_int("groups", groups),
    };
    if (unbatched)
        return convolution_squeezed(d, n, args, done);
    *done = true;
    return dec_emit_like(d, ATEN("convolution.default"), args, 9, n);
}
pt2c_status dec_rule_conv1d_padding(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv_padding(d, n, 1, done);
}
pt2c_status dec_rule_conv2d_padding(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv_padding(d, n, 2, done);
}
pt2c_status dec_rule_conv3d_padding(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv_padding(d, n, 3, done);
}

/* ---------------------------------------------------------------------------------------- */
/* Pooling and normalisation                                                                */

/* max_pool1d -> unsqueeze(-2), max_pool2d_with_indices with [1, k] windows, squeeze(-2)
 * (ATen's max_pool1d_with_indices). */
pt2c_status dec_rule_max_pool1d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, os, us, ps;
    int64_t kernel, stride, padding, dilation;
    int32_t count;
    bool ceil_mode;
    const char *x = dec_input(n, "self"), *out = dec_output(n), *u;
    if (!out || !dec_shape_of(d, x, &xs) || !dec_shape_of(d, out, &os) ||
        (xs.rank != 2 && xs.rank != 3) || !dec_is_contiguous(&xs) ||
        !dec_get_ints(n, "kernel_size", 0, 0, &kernel, 1, &count) || count != 1 ||
        !dec_get_ints(n, "stride", kernel, 1, &stride, 1, &count) ||
        !dec_get_ints(n, "padding", 0, 1, &padding, 1, &count) ||
        !dec_get_ints(n, "dilation", 1, 1, &dilation, 1, &count) ||
        !dec_get_bool(n, "ceil_mode", false, &ceil_mode))
        return PT2C_OK;
    const pt2c_arg *sa = pt2c_node_arg(n, "stride");
    if (sa && (sa->kind == PT2C_ARG_INTS || sa->kind == PT2C_ARG_SYM_INTS) && sa->n_items == 0)
        stride = kernel; /* stride=[] means the kernel size */
    /* unsqueeze(x, -2): the new dim's stride is the last dim's extent */
    us = xs;
    us.rank = xs.rank + 1;
    us.size[xs.rank] = xs.size[xs.rank - 1];
    us.stride[xs.rank] = xs.stride[xs.rank - 1];
    us.size[xs.rank - 1] = 1;
    us.stride[xs.rank - 1] = xs.size[xs.rank - 1] * xs.stride[xs.rank - 1];
    pt2c_named_arg a1[] = {dec_tensor("self", x), dec_int("dim", -2)};
    PT2C_TRY(dec_emit(d, ATEN("unsqueeze.default"), a1, 2, &us, NULL, &u));
    int64_t kk[] = {1, kernel}, ss[] = {1, stride}, pp[] = {0, padding}, dd[] = {1, dilation};
    pt2c_named_arg a2[] = {dec_tensor("self", u),          dec_ints(d, "kernel_size", kk, 2),
                           dec_ints(d, "stride", ss, 2),   dec_ints(d, "padding", pp, 2),
                           dec_ints(d, "dilation", dd, 2), dec_bool("ceil_mode", ceil_mode)};
    int32_t n_args = 6;
    if (!ceil_mode) {
        n_args = 5;
        if (dilation == 1)
            n_args = padding == 0 ? 3 : 4;
    }
    ps = os;
    ps.rank = os.rank + 1;
    ps.size[os.rank] = os.size[os.rank - 1];
    ps.size[os.rank - 1] = 1;
    dec_contiguous(&ps);
    dec_shape is = ps;
    is.dtype = PT2C_DTYPE_I64;
    is.requires_grad = false;
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    const char *pooled = dec_fresh(d, "getitem");
    const pt2c_tensor_meta *pm = dec_meta_from_shape(d, &ps, om);
    const pt2c_tensor_meta *im = dec_meta_from_shape(d, &is, om);
    if (!pooled || !pm || !im)
        return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
    PT2C_TRY(dec_describe(d, pooled, pm));
    const char *names[] = {pooled, NULL};
    const pt2c_tensor_meta *metas[] = {pm, im};
    PT2C_TRY(
        dec_emit_multi(d, ATEN("max_pool2d_with_indices.default"), a2, n_args, names, metas, 2));
    int64_t minus2 = -2;
    pt2c_named_arg a3[] = {dec_tensor("self", pooled), dec_ints(d, "dim", &minus2, 1)};
    *done = true;
    return dec_emit_like(d, ATEN("squeeze.dims"), a3, 2, n);
}

/* instance_norm -> the per-channel parameters repeated over the batch, the input viewed as
 * one sample of N * C channels, batch norm (from its own statistics, or eval with the
 * repeated running ones), viewed back (ATen's instance_norm). */
pt2c_status dec_rule_instance_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    bool use_input_stats, f;
    const char *x = dec_input(n, "input"), *out = dec_output(n);
    const char *rm = dec_input(n, "running_mean"), *rv = dec_input(n, "running_var");
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    if (!out || !om || !dec_shape_of(d, x, &xs) || xs.rank < 2 || xs.rank > DEC_MAX_RANK ||
        !dec_is_contiguous(&xs) || !dec_get_bool(n, "use_input_stats", true, &use_input_stats) ||
        !dec_is_float(xs.dtype))
        return PT2C_OK;
    /* (input statistics with running ones would update the buffers: kept) */
    if (use_input_stats ? (rm || rv) : (!rm || !rv))
        return PT2C_OK;
    int64_t b = xs.size[0], c = xs.size[1];
    const char *params[] = {dec_input(n, "weight"), dec_input(n, "bias"), rm, rv};
    const char *rep[4] = {NULL, NULL, NULL, NULL};
    for (int j = 0; j < 4; j++) {
        dec_shape ps;
        if (!params[j])
            continue;
        if (!dec_shape_of(d, params[j], &ps) || ps.rank != 1)
            return PT2C_OK;
        ps.size[0] *= b;
        dec_contiguous(&ps);
        pt2c_named_arg a[] = {dec_tensor("self", params[j]), dec_ints(d, "repeats", &b, 1)};
        PT2C_TRY(dec_emit(d, ATEN("repeat.default"), a, 2, &ps, NULL, &rep[j]));
    }
    int64_t shape[DEC_MAX_RANK];
    memcpy(shape, xs.size, sizeof *shape * (size_t)xs.rank);
    shape[0] = 1;
    shape[1] = b * c;
    const char *v;
    PT2C_TRY(dec_emit_view(d, x, &xs, shape, xs.rank, NULL, &v));
    dec_shape ys = xs, st = {.dtype = xs.dtype, .rank = 1, .size = {use_input_stats ? b * c : 0}};
    memcpy(ys.size, shape, sizeof *shape * (size_t)xs.rank);
    dec_contiguous(&ys);
    dec_contiguous(&st);
    const char *y = dec_fresh(d, "getitem");
    const pt2c_tensor_meta *ym = dec_meta_from_shape(d, &ys, om);
    const pt2c_tensor_meta *sm = dec_meta_from_shape(d, &st, om);
    if (!y || !ym || !sm)
        return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
    PT2C_TRY(dec_describe(d, y, ym));
    const char *names[] = {y, NULL, NULL};
    const pt2c_tensor_meta *metas[] = {ym, sm, sm};
    pt2c_named_arg wb[] = {rep[0] ? dec_tensor("weight", rep[0]) : dec_none("weight"),
                           rep[1] ? dec_tensor("bias", rep[1]) : dec_none("bias")};
    pt2c_named_arg momentum = dec_copy_arg(n, "momentum", "momentum", &f);
    pt2c_named_arg eps = dec_copy_arg(n, "eps", "eps", &f);
    momentum.kind = eps.kind = PT2C_PASS_POSITIONAL;
    if (use_input_stats) {
        pt2c_named_arg a[] = {dec_tensor("input", v),     wb[0],    wb[1],
                              dec_bool("training", true), momentum, eps};
        PT2C_TRY(
            dec_emit_multi(d, ATEN("_native_batch_norm_legit.no_stats"), a, 6, names, metas, 3));
    } else {
        pt2c_named_arg a[] = {dec_tensor("input", v),
                              wb[0],
                              wb[1],
                              dec_tensor("running_mean", rep[2]),
                              dec_tensor("running_var", rep[3]),
                              momentum,
                              eps};
        PT2C_TRY(dec_emit_multi(d, ATEN("_native_batch_norm_legit_no_training.default"), a, 7,
                                names, metas, 3));
    }
    *done = true;
    return dec_emit_view(d, y, &ys, xs.size, xs.rank, out, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Upsampling (torch/_decomp's _upsample_nearest and _upsample_linear)                      */

typedef struct upsample_args {
    const char *x;
    dec_shape xs;
    int32_t n_spatial;
    int64_t osize[3];
    bool has_scale[3];
    double scale[3];
} upsample_args;

/* The input and output sizes of an upsample .vec (output_size or scale_factors). false
 * declines. (The overloads taking output_size and scales_*, upsample_nearest2d.default and
 * _upsample_nearest_exact2d.default, come out of run_decompositions() unchanged.) */
static bool upsample_read(pt2c_decomposer *d, const pt2c_node *n, upsample_args *u) {
    memset(u, 0, sizeof *u);
    u->x = dec_input(n, "input");
    if (!u->x || !dec_shape_of(d, u->x, &u->xs) || u->xs.rank < 3 || u->xs.rank > 5 ||
        !dec_is_contiguous(&u->xs) ||
        (u->xs.dtype != PT2C_DTYPE_F32 && u->xs.dtype != PT2C_DTYPE_F64))
        return false; /* (pw_cast_for_opmath casts other dtypes: kept) */
    u->n_spatial = u->xs.rank - 2;
    const pt2c_arg *os = pt2c_node_arg(n, "output_size");
    const pt2c_arg *sf = pt2c_node_arg(n, "scale_factors");
    bool has_size = os && os->kind != PT2C_ARG_NONE, has_sf = sf && sf->kind != PT2C_ARG_NONE;
    if (has_sf == has_size)
        return false;
    if (has_size) {
        int32_t count;
        return dec_get_ints(n, "output_size", 0, 0, u->osize, 3, &count) && count == u->n_spatial;
    }
    if (sf->kind != PT2C_ARG_FLOATS || sf->n_items != u->n_spatial)
        return false;
    for (int32_t k = 0; k < u->n_spatial; k++) {
        double s = sf->items[k].f;
        int64_t in = u->xs.size[k + 2];
        u->has_scale[k] = true;
        u->scale[k] = s;
        u->osize[k] = s == trunc(s) ? in * (int64_t)s : (int64_t)trunc((double)in * s);
    }
    return true;
}

/* A 1-D value of length len, its dtype, contiguous. */
static dec_shape vec_shape(pt2c_dtype dtype, int64_t len) {
    dec_shape s = {.dtype = dtype, .rank = 1, .size = {len}};
    dec_contiguous(&s);
    return s;
}

static pt2c_status emit_arange(pt2c_decomposer *d, int64_t end, bool f32,
                               const pt2c_tensor_meta *like, const char **out) {
    dec_shape s = vec_shape(f32 ? PT2C_DTYPE_F32 : PT2C_DTYPE_I64, end);
    pt2c_named_arg args[6];
    int32_t k = 0;
    args[k++] = dec_int("start", 0);
    args[k++] = dec_int("end", end);
    if (f32)
        args[k++] = dec_scalar_type("dtype", PT2C_DTYPE_F32);
    args[k++] = dec_layout_strided();
    args[k++] = dec_device(like);
    args[k++] = dec_kw(dec_bool("pin_memory", false));
    return dec_emit(d, ATEN("arange.start_step"), args, k, &s, NULL, out);
}

/* x op Scalar, x's shape and dtype. */
static pt2c_status scalar_op(pt2c_decomposer *d, const char *target, const char *x,
                             pt2c_named_arg other, const char **out) {
    dec_shape xs;
    dec_shape_of(d, x, &xs);
    pt2c_named_arg args[] = {dec_tensor("self", x), other};
    return dec_emit(d, target, args, 2, &xs, NULL, out);
}

static pt2c_status to_dtype(pt2c_decomposer *d, const char *x, pt2c_dtype dtype, const char **out) {
    dec_shape xs;
    dec_shape_of(d, x, &xs);
    xs.dtype = dtype;
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_scalar_type("dtype", dtype)};
    return dec_emit(d, ATEN("_to_copy.default"), args, 2, &xs, NULL, out);
}

/* index(x, [None, None, idx...]) shaped like the output (out_name NULL: fresh). */
static pt2c_status emit_index(pt2c_decomposer *d, const upsample_args *u, const char *const *idx,
                              const dec_shape *os, const char *out_name, const char **out) {
    pt2c_arg *items = PT2C_ARENA_ARRAY(&d->pass->prog->arena, pt2c_arg, 2 + u->n_spatial);
    if (!items)
        return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
    for (int32_t k = 0; k < 2 + u->n_spatial; k++)
        items[k] = (pt2c_arg){.kind = PT2C_ARG_OPTIONAL_TENSOR, .name = k < 2 ? NULL : idx[k - 2]};
    pt2c_named_arg args[] = {
        dec_tensor("self", u->x),
        {"indices",
         {.kind = PT2C_ARG_OPTIONAL_TENSORS, .items = items, .n_items = 2 + u->n_spatial},
         PT2C_PASS_POSITIONAL}};
    return dec_emit(d, ATEN("index.Tensor"), args, 2, os, out_name, out);
}

/* unsqueeze(x, -1) times count. */
static pt2c_status unsqueeze_last(pt2c_decomposer *d, const char *x, int32_t count,
                                  const char **out) {
    *out = x;
    for (int32_t j = 0; j < count; j++) {
        dec_shape xs, us;
        dec_shape_of(d, *out, &xs);
        us = xs;
        us.size[xs.rank] = 1;
        us.stride[xs.rank] = 1;
        us.rank = xs.rank + 1;
        pt2c_named_arg args[] = {dec_tensor("self", *out), dec_int("dim", -1)};
        PT2C_TRY(dec_emit(d, ATEN("unsqueeze.default"), args, 2, &us, NULL, out));
    }
    return PT2C_OK;
}

/* Nearest: input index = int64((arange(osize) + offset) * isize / osize) per spatial dim
 * (offset 0.5 for nearest-exact), each shaped to broadcast, then one index. */
static pt2c_status upsample_nearest(pt2c_decomposer *d, const pt2c_node *n, bool exact,
                                    bool *done) {
    upsample_args u;
    dec_shape os;
    const char *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    if (!out || !om || !upsample_read(d, n, &u) || !dec_shape_of(d, out, &os) ||
        !dec_is_contiguous(&os))
        return PT2C_OK;
    for (int32_t k = 0; k < u.n_spatial; k++)
        if (os.size[k + 2] != u.osize[k])
            return PT2C_OK;
    const char *idx[3];
    for (int32_t k = 0; k < u.n_spatial; k++) {
        int64_t in = u.xs.size[k + 2];
        double scale = u.has_scale[k] && u.scale[k] > 0 ? (double)in / ((double)in * u.scale[k])
                                                        : (double)in / (double)u.osize[k];
        const char *ar, *add, *mul, *ix;
        PT2C_TRY(emit_arange(d, u.osize[k], true, om, &ar));
        PT2C_TRY(scalar_op(d, ATEN("add.Tensor"), ar, dec_float("other", exact ? 0.5 : 0.0), &add));
        PT2C_TRY(scalar_op(d, ATEN("mul.Tensor"), add, dec_float("other", scale), &mul));
        PT2C_TRY(to_dtype(d, mul, PT2C_DTYPE_I64, &ix));
        PT2C_TRY(unsqueeze_last(d, ix, u.n_spatial - 1 - k, &idx[k]));
    }
    *done = true;
    return emit_index(d, &u, idx, &os, out, NULL);
}
pt2c_status dec_rule_upsample_nearest(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return upsample_nearest(d, n, false, done);
}
pt2c_status dec_rule_upsample_nearest_exact(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return upsample_nearest(d, n, true, done);
}

/* upsample_linear1d.vec: the source position x (clamped at 0), its floor index and the next
 * (clamped to the last), the two gathered inputs, lerped by x - floor clamped to [0, 1]. */
pt2c_status dec_rule_upsample_linear1d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    upsample_args u;
    dec_shape os;
    bool align;
    const char *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    if (!out || !om || !upsample_read(d, n, &u) || u.n_spatial != 1 || !dec_shape_of(d, out, &os) ||
        !dec_is_contiguous(&os) || os.size[2] != u.osize[0] ||
        !dec_get_bool(n, "align_corners", false, &align))
        return PT2C_OK;
    int64_t in = u.xs.size[2], osize = u.osize[0];
    pt2c_dtype dt = u.xs.dtype;
    const char *ar, *i, *src, *t1, *clamped, *xf, *xi, *xp, *xp1, *v0, *v1, *diff, *w, *dv, *mul;
    PT2C_TRY(emit_arange(d, osize, false, om, &ar));
    PT2C_TRY(to_dtype(d, ar, dt, &i));
    if (align) {
        pt2c_named_arg s = osize > 1
                               ? dec_float("other", ((double)in - 1.0) / ((double)osize - 1.0))
                               : dec_int("other", 0);
        PT2C_TRY(scalar_op(d, ATEN("mul.Tensor"), i, s, &src));
    } else {
        double scale =
            u.has_scale[0] && u.scale[0] > 0 ? 1.0 / u.scale[0] : (double)in / (double)osize;
        PT2C_TRY(scalar_op(d, ATEN("add.Tensor"), i, dec_float("other", 0.5), &t1));
        PT2C_TRY(scalar_op(d, ATEN("mul.Tensor"), t1, dec_float("other", scale), &t1));
        PT2C_TRY(scalar_op(d, ATEN("sub.Tensor"), t1, dec_float("other", 0.5), &src));
    }
    PT2C_TRY(scalar_op(d, ATEN("clamp.default"), src, dec_float("min", 0.0), &clamped));
    dec_shape vs = vec_shape(dt, osize);
    PT2C_TRY(dec_emit_view(d, clamped, &vs, &osize, 1, NULL, &xf));
    PT2C_TRY(to_dtype(d, xf, PT2C_DTYPE_I64, &xi));
    PT2C_TRY(scalar_op(d, ATEN("add.Tensor"), xi, dec_int("other", 1), &xp));
    dec_shape is = vec_shape(PT2C_DTYPE_I64, osize);
    pt2c_named_arg ca[] = {dec_tensor("self", xp), dec_none("min"), dec_int("max", in - 1)};
    PT2C_TRY(dec_emit(d, ATEN("clamp.default"), ca, 3, &is, NULL, &xp1));
    dec_shape gs = os;
    gs.requires_grad = false;
    PT2C_TRY(emit_index(d, &u, &xi, &gs, NULL, &v0));
    PT2C_TRY(emit_index(d, &u, &xp1, &gs, NULL, &v1));
    pt2c_named_arg sa[] = {dec_tensor("self", xf), dec_tensor("other", xi)};
    PT2C_TRY(dec_emit(d, ATEN("sub.Tensor"), sa, 2, &vs, NULL, &diff));
    pt2c_named_arg cl[] = {dec_tensor("self", diff), dec_float("min", 0.0), dec_float("max", 1.0)};
    PT2C_TRY(dec_emit(d, ATEN("clamp.default"), cl, 3, &vs, NULL, &w));
    pt2c_named_arg s2[] = {dec_tensor("self", v1), dec_tensor("other", v0)};
    PT2C_TRY(dec_emit(d, ATEN("sub.Tensor"), s2, 2, &gs, NULL, &dv));
    pt2c_named_arg m2[] = {dec_tensor("self", dv), dec_tensor("other", w)};
    PT2C_TRY(dec_emit(d, ATEN("mul.Tensor"), m2, 2, &gs, NULL, &mul));
    pt2c_named_arg a2[] = {dec_tensor("self", v0), dec_tensor("other", mul)};
    *done = true;
    return dec_emit_like(d, ATEN("add.Tensor"), a2, 2, n);
}
