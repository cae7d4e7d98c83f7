/*
 * decompose_rules.c - one rule per training-IR op: the Core ATen nodes run_decompositions()
 * (PyTorch 2.13: torch/_decomp, torch/_refs and ATen's CompositeImplicit kernels) writes for
 * it, with the same ops, arguments and layouts, so the op multiset of the result is PyTorch's.
 *
 * Rules that create views (reshape, linear on 3-D input, matmul, attention) need literal
 * sizes and strides, since PyTorch's choice between a view and a copy depends on them; they
 * decline on symbolic sizes and the op stays as it is (pt2c runs it either way).
 */
#include "passes/decompose.h"

#include <math.h>
#include <string.h>

#define ATEN(op) "torch.ops.aten." op

/* ---------------------------------------------------------------------------------------- */
/* Renames: the same computation under its Core ATen name                                   */

/* conv1d/2d/3d -> convolution(..., transposed=False, output_padding=0); unbatched inputs
 * unsqueezed and squeezed back. */
static pt2c_status conv(pt2c_decomposer *d, const pt2c_node *n, int32_t k, bool transposed,
                        bool *done) {
    int64_t stride[3], padding[3], dilation[3], out_pad[3], groups;
    int32_t ns, np, nd, no;
    if (!dec_get_ints(n, "stride", 1, 1, stride, 3, &ns) ||
        !dec_get_ints(n, "padding", 0, 1, padding, 3, &np) ||
        !dec_get_ints(n, "dilation", 1, 1, dilation, 3, &nd) ||
        !dec_get_ints(n, "output_padding", 0, 1, out_pad, 3, &no) ||
        !dec_get_int(n, "groups", 1, &groups))
        return PT2C_OK; /* conv2d.padding ("same"/"valid") and symbolic lists stay */
    int64_t *lists[] = {stride, padding, dilation, out_pad};
    int32_t counts[] = {ns, np, nd, no};
    for (int l = 0; l < 4; l++) {
        if (counts[l] != 1 && counts[l] != k)
            return PT2C_OK;
        for (int32_t j = counts[l]; j < k; j++)
            lists[l][j] = lists[l][0];
    }
    if (!transposed)
        for (int32_t j = 0; j < k; j++)
            out_pad[j] = 0;
    bool has_bias;
    pt2c_named_arg args[] = {
        dec_tensor("input", dec_input(n, "input")),
        dec_tensor("weight", dec_input(n, "weight")),
        dec_copy_arg(n, "bias", "bias", &has_bias),
        dec_ints(d, "stride", stride, k),
        dec_ints(d, "padding", padding, k),
        dec_ints(d, "dilation", dilation, k),
        dec_bool("transposed", transposed),
        dec_ints(d, "output_padding", out_pad, k),
        dec_int("groups", groups),
    };
    if (!args[0].arg.name || !args[1].arg.name)
        return PT2C_OK;
    return dec_emit_convolution(d, n, args, k, done);
}
static pt2c_status conv1d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv(d, n, 1, false, done);
}
static pt2c_status conv2d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv(d, n, 2, false, done);
}
static pt2c_status conv3d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv(d, n, 3, false, done);
}
static pt2c_status conv_transpose1d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv(d, n, 1, true, done);
}
static pt2c_status conv_transpose2d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv(d, n, 2, true, done);
}
static pt2c_status conv_transpose3d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return conv(d, n, 3, true, done);
}

/* Eval batch_norm -> _native_batch_norm_legit_no_training; its statistics outputs are [0]. */
static pt2c_status batch_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool training;
    const char *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    if (!dec_get_bool(n, "training", false, &training) || training || !om ||
        !dec_input(n, "input") || !dec_input(n, "running_mean") || !dec_input(n, "running_var"))
        return PT2C_OK;
    bool f1, f2, f3;
    pt2c_named_arg args[] = {
        dec_tensor("input", dec_input(n, "input")),
        dec_copy_arg(n, "weight", "weight", &f1),
        dec_copy_arg(n, "bias", "bias", &f2),
        dec_tensor("running_mean", dec_input(n, "running_mean")),
        dec_tensor("running_var", dec_input(n, "running_var")),
        dec_copy_arg(n, "momentum", "momentum", &f3),
        dec_copy_arg(n, "eps", "eps", &f3),
    };
    dec_shape empty = {.dtype = dec_is_float(om->dtype) ? om->dtype : PT2C_DTYPE_F32, .rank = 1};
    dec_contiguous(&empty);
    const pt2c_tensor_meta *em = dec_meta_from_shape(d, &empty, om);
    const char *names[] = {out, NULL, NULL};
    const pt2c_tensor_meta *metas[] = {om, em, em};
    *done = true;
    return dec_emit_multi(d, ATEN("_native_batch_norm_legit_no_training.default"), args, 7, names,
                          metas, 3);
}

/* layer_norm -> native_layer_norm; mean and rstd are the leading sizes then 1s. */
static pt2c_status layer_norm(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape in, stat;
    int64_t norm[DEC_MAX_RANK];
    int32_t nn;
    const char *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    if (!om || !dec_shape_of(d, dec_input(n, "input"), &in) ||
        !dec_get_ints(n, "normalized_shape", 0, 0, norm, DEC_MAX_RANK, &nn) || nn > in.rank)
        return PT2C_OK;
    stat = in;
    stat.dtype = dec_is_float(om->dtype) ? om->dtype : PT2C_DTYPE_F32;
    for (int32_t k = in.rank - nn; k < in.rank; k++)
        stat.size[k] = 1;
    dec_contiguous(&stat);
    stat.requires_grad = false;
    const pt2c_tensor_meta *sm = dec_meta_from_shape(d, &stat, om);
    bool f1, f2, f3;
    pt2c_named_arg args[] = {
        dec_tensor("input", dec_input(n, "input")), dec_ints(d, "normalized_shape", norm, nn),
        dec_copy_arg(n, "weight", "weight", &f1),   dec_copy_arg(n, "bias", "bias", &f2),
        dec_copy_arg(n, "eps", "eps", &f3),
    };
    if (!f3)
        args[4] = dec_float("eps", 1e-5);
    const char *names[] = {out, NULL, NULL};
    const pt2c_tensor_meta *metas[] = {om, sm, sm};
    *done = true;
    return dec_emit_multi(d, ATEN("native_layer_norm.default"), args, 5, names, metas, 3);
}

/* max_pool2d -> max_pool2d_with_indices (the same arguments), output 0. */
static pt2c_status max_pool(pt2c_decomposer *d, const pt2c_node *n, const char *target,
                            bool *done) {
    const char *out = dec_output(n);
    const pt2c_tensor_meta *om = dec_meta_of(d, out);
    pt2c_tensor_meta *im = PT2C_ARENA_NEW(&d->pass->prog->arena, pt2c_tensor_meta);
    if (!om || !im)
        return PT2C_OK;
    *im = *om;
    im->dtype = PT2C_DTYPE_I64;
    im->requires_grad = false;
    const char *names[] = {out, NULL};
    const pt2c_tensor_meta *metas[] = {om, im};
    *done = true;
    return dec_emit_multi(d, target, n->inputs, n->n_inputs, names, metas, 2);
}
static pt2c_status max_pool2d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return max_pool(d, n, ATEN("max_pool2d_with_indices.default"), done);
}
static pt2c_status max_pool3d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return max_pool(d, n, ATEN("max_pool3d_with_indices.default"), done);
}

/* adaptive_avg_pool2d: to 1x1 it is a mean over the last two dims. */
static pt2c_status adaptive_avg_pool2d(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t size[2];
    int32_t k;
    if (!dec_get_ints(n, "output_size", 0, 0, size, 2, &k) || k != 2 || !dec_input(n, "self"))
        return PT2C_OK;
    *done = true;
    if (size[0] == 1 && size[1] == 1) {
        int64_t dims[] = {-1, -2};
        pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")),
                                 dec_ints(d, "dim", dims, 2), dec_bool("keepdim", true)};
        return dec_emit_like(d, ATEN("mean.dim"), args, 3, n);
    }
    return dec_emit_like(d, ATEN("_adaptive_avg_pool2d.default"), n->inputs, n->n_inputs, n);
}

static pt2c_status squeeze_dim(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t dim;
    if (!dec_get_int(n, "dim", 0, &dim) || !dec_input(n, "self"))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")), dec_ints(d, "dim", &dim, 1)};
    *done = true;
    dec_shape xs;
    int64_t k;
    if (!dec_shape_of(d, dec_input(n, "self"), &xs) || !dec_output(n) ||
        !dec_norm_dim(dim, xs.rank, &k) || xs.rank == 0)
        return dec_emit_like(d, ATEN("squeeze.dims"), args, 2, n);
    dec_shape r = xs;
    if (xs.size[k] == 1) {
        r.rank = xs.rank - 1;
        for (int32_t j = (int32_t)k; j < r.rank; j++) {
            r.size[j] = xs.size[j + 1];
            r.stride[j] = xs.stride[j + 1];
        }
    }
    return dec_emit(d, ATEN("squeeze.dims"), args, 2, &r, dec_output(n), NULL);
}

/* transpose / t -> permute with the two dims swapped. */
static pt2c_status transpose_dims(pt2c_decomposer *d, const pt2c_node *n, int64_t d0, int64_t d1,
                                  bool *done) {
    const pt2c_tensor_meta *m = dec_meta_of(d, dec_input(n, "self"));
    int64_t a, b, perm[DEC_MAX_RANK];
    if (!m || m->rank > DEC_MAX_RANK || !dec_norm_dim(d0, m->rank, &a) ||
        !dec_norm_dim(d1, m->rank, &b))
        return PT2C_OK;
    int32_t rank = m->rank > 0 ? m->rank : 0;
    for (int32_t k = 0; k < rank; k++)
        perm[k] = k;
    if (rank > 0) {
        perm[a] = b;
        perm[b] = a;
    }
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")),
                             dec_ints(d, "dims", perm, rank)};
    *done = true;
    dec_shape xs, ps;
    if (!dec_shape_of(d, dec_input(n, "self"), &xs) || !dec_output(n))
        return dec_emit_like(d, ATEN("permute.default"), args, 2, n);
    dec_permute(&xs, perm, &ps);
    return dec_emit(d, ATEN("permute.default"), args, 2, &ps, dec_output(n), NULL);
}
static pt2c_status transpose(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t d0, d1;
    if (!dec_get_int(n, "dim0", 0, &d0) || !dec_get_int(n, "dim1", 0, &d1))
        return PT2C_OK;
    return transpose_dims(d, n, d0, d1, done);
}
static pt2c_status swapaxes(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t d0, d1;
    if (!dec_get_int(n, "axis0", 0, &d0) || !dec_get_int(n, "axis1", 0, &d1))
        return PT2C_OK;
    return transpose_dims(d, n, d0, d1, done);
}
static pt2c_status t(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const pt2c_tensor_meta *m = dec_meta_of(d, dec_input(n, "self"));
    if (!m || m->rank != 2)
        return PT2C_OK;
    return transpose_dims(d, n, 0, 1, done);
}

/* softmax.int / log_softmax.int without dtype -> _softmax / _log_softmax. */
static pt2c_status softmax_like(pt2c_decomposer *d, const pt2c_node *n, const char *target,
                                bool *done) {
    int64_t dim;
    const pt2c_arg *dt = pt2c_node_arg(n, "dtype");
    if ((dt && dt->kind != PT2C_ARG_NONE) || !dec_get_int(n, "dim", 0, &dim) ||
        !dec_input(n, "self"))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")), dec_int("dim", dim),
                             dec_bool("half_to_float", false)};
    *done = true;
    return dec_emit_like(d, target, args, 3, n);
}
static pt2c_status softmax(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return softmax_like(d, n, ATEN("_softmax.default"), done);
}
static pt2c_status log_softmax(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return softmax_like(d, n, ATEN("_log_softmax.default"), done);
}

/* split(size) / chunk(n) -> split_with_sizes with the sizes spelled out. */
static pt2c_status split_sizes(pt2c_decomposer *d, const pt2c_node *n, int64_t piece, int64_t dim,
                               bool *done) {
    dec_shape in;
    int64_t k;
    if (!dec_shape_of(d, dec_input(n, "self"), &in) || !dec_norm_dim(dim, in.rank, &k) ||
        piece <= 0 || in.rank == 0 || n->n_outputs != 1 || n->outputs[0].kind != PT2C_ARG_TENSORS)
        return PT2C_OK;
    int64_t total = in.size[k], count = total ? (total + piece - 1) / piece : 1;
    if (count != n->outputs[0].n_items || count > 4096)
        return PT2C_OK;
    int64_t *sizes = PT2C_ARENA_ARRAY(d->pass->scratch, int64_t, count);
    if (!sizes)
        return PT2C_OK;
    for (int64_t j = 0; j < count; j++)
        sizes[j] = j == count - 1 ? total - piece * (count - 1) : piece;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")),
                             dec_ints(d, "split_sizes", sizes, (int32_t)count),
                             dec_int("dim", dim)};
    *done = true;
    return dec_emit_retarget(d, n, ATEN("split_with_sizes.default"), args, 3);
}
static pt2c_status split(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t size, dim;
    if (!dec_get_int(n, "split_size", 0, &size) || !dec_get_int(n, "dim", 0, &dim))
        return PT2C_OK;
    return split_sizes(d, n, size, dim, done);
}
static pt2c_status chunk(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    int64_t chunks, dim, k;
    dec_shape in;
    if (!dec_get_int(n, "chunks", 0, &chunks) || !dec_get_int(n, "dim", 0, &dim) || chunks <= 0 ||
        !dec_shape_of(d, dec_input(n, "self"), &in) || !dec_norm_dim(dim, in.rank, &k))
        return PT2C_OK;
    return split_sizes(d, n, (in.size[k] + chunks - 1) / chunks, dim, done);
}

/* split(sizes) -> split_with_sizes with the same sizes (literal or symbolic). */
static pt2c_status split_list(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool has_sizes, has_dim;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")),
                             dec_copy_arg(n, "split_size", "split_sizes", &has_sizes),
                             dec_copy_arg(n, "dim", "dim", &has_dim)};
    if (!args[0].arg.name || !has_sizes)
        return PT2C_OK;
    *done = true;
    return dec_emit_retarget(d, n, ATEN("split_with_sizes.default"), args, has_dim ? 3 : 2);
}

/* _unsafe_index -> index with the same indices. */
static pt2c_status unsafe_index(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    if (!dec_input(n, "self") || !pt2c_node_arg(n, "indices"))
        return PT2C_OK;
    *done = true;
    return dec_emit_like(d, ATEN("index.Tensor"), n->inputs, n->n_inputs, n);
}

/* unbind(dim) -> a slice of each index, then squeeze.dims. */
static pt2c_status unbind(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape in;
    int64_t dim, k;
    const char *self = dec_input(n, "self");
    if (!dec_get_int(n, "dim", 0, &dim) || !dec_shape_of(d, self, &in) ||
        !dec_norm_dim(dim, in.rank, &k) || in.rank == 0 || n->n_outputs != 1 ||
        n->outputs[0].kind != PT2C_ARG_TENSORS || n->outputs[0].n_items != in.size[k])
        return PT2C_OK;
    const pt2c_arg *outs = n->outputs[0].items;
    const char **slices = PT2C_ARENA_ARRAY(d->pass->scratch, const char *, in.size[k] + 1);
    if (!slices)
        return PT2C_OK;
    for (int64_t j = 0; j < in.size[k]; j++) {
        dec_shape s = in;
        s.size[k] = 1;
        s.offset = in.offset + j * in.stride[k];
        pt2c_named_arg args[] = {dec_tensor("self", self), dec_int("dim", dim), dec_int("start", j),
                                 dec_int("end", j + 1)};
        PT2C_TRY(dec_emit(d, ATEN("slice.Tensor"), args, 4, &s, NULL, &slices[j]));
    }
    for (int64_t j = 0; j < in.size[k]; j++) {
        const char *o = outs[j].name;
        pt2c_named_arg args[] = {dec_tensor("self", slices[j]), dec_ints(d, "dim", &dim, 1)};
        if (!o)
            return PT2C_OK;
        dec_shape r = in;
        r.rank = in.rank - 1;
        r.offset = in.offset + j * in.stride[k];
        for (int32_t q = (int32_t)k; q < r.rank; q++) {
            r.size[q] = in.size[q + 1];
            r.stride[q] = in.stride[q + 1];
        }
        PT2C_TRY(dec_emit(d, ATEN("squeeze.dims"), args, 2, &r, o, NULL));
    }
    *done = true;
    return PT2C_OK;
}

/* masked_fill(self, mask, v) -> where(mask, scalar_tensor(v), self). */
static pt2c_status masked_fill(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const pt2c_arg *v = pt2c_node_arg(n, "value");
    const char *self = dec_input(n, "self"), *mask = dec_input(n, "mask");
    const pt2c_tensor_meta *sm = dec_meta_of(d, self);
    if (!v || !self || !mask || !sm || (v->kind != PT2C_ARG_FLOAT && v->kind != PT2C_ARG_INT))
        return PT2C_OK;
    dec_shape scalar = {.dtype = sm->dtype, .rank = 0};
    double value = v->kind == PT2C_ARG_FLOAT ? v->f : (double)v->i;
    pt2c_named_arg st_args[] = {
        dec_is_float(sm->dtype) ? dec_float("s", value) : dec_number("s", value),
        dec_scalar_type("dtype", sm->dtype), dec_layout_strided(), dec_device(sm)};
    const char *st;
    PT2C_TRY(dec_emit(d, ATEN("scalar_tensor.default"), st_args, 4, &scalar, NULL, &st));
    pt2c_named_arg args[] = {dec_tensor("condition", mask), dec_tensor("self", st),
                             dec_tensor("other", self)};
    *done = true;
    return dec_emit_like(d, ATEN("where.self"), args, 3, n);
}

/* arange(end) / arange(start, end) -> arange.start_step. */
static pt2c_status arange(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool has_start, has_end, f;
    pt2c_named_arg args[7];
    int32_t k = 0;
    args[k] = dec_copy_arg(n, "start", "start", &has_start);
    if (!has_start)
        args[k] = dec_int("start", 0);
    k++;
    args[k++] = dec_copy_arg(n, "end", "end", &has_end);
    if (!has_end)
        return PT2C_OK;
    pt2c_named_arg dt = dec_copy_arg(n, "dtype", "dtype", &f);
    if (f && dt.arg.kind != PT2C_ARG_NONE)
        args[k++] = dec_kw(dt);
    args[k++] = dec_layout_strided();
    args[k++] = dec_device(dec_meta_of(d, dec_output(n)));
    args[k++] = dec_kw(dec_bool("pin_memory", false));
    *done = true;
    return dec_emit_like(d, ATEN("arange.start_step"), args, k, n);
}

/* zeros / ones -> full with the dtype spelled out. */
static pt2c_status filled(pt2c_decomposer *d, const pt2c_node *n, int64_t value, bool *done) {
    const pt2c_tensor_meta *om = dec_meta_of(d, dec_output(n));
    bool f;
    pt2c_named_arg size = dec_copy_arg(n, "size", "size", &f);
    if (!om || !f)
        return PT2C_OK;
    pt2c_named_arg args[] = {size,
                             dec_int("fill_value", value),
                             dec_scalar_type("dtype", om->dtype),
                             dec_layout_strided(),
                             dec_device(om),
                             dec_kw(dec_bool("pin_memory", false))};
    *done = true;
    return dec_emit_like(d, ATEN("full.default"), args, 6, n);
}

static pt2c_status zeros(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return filled(d, n, 0, done);
}
static pt2c_status ones(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return filled(d, n, 1, done);
}

static pt2c_status floor_divide(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool f;
    pt2c_named_arg args[] = {
        dec_tensor("self", dec_input(n, "self")), dec_copy_arg(n, "other", "other", &f),
        dec_kw((pt2c_named_arg){
            "rounding_mode", {.kind = PT2C_ARG_STRING, .str = "floor"}, PT2C_PASS_KEYWORD})};
    if (!f || !args[0].arg.name)
        return PT2C_OK;
    *done = true;
    return dec_emit_like(d, ATEN("div.Tensor_mode"), args, 3, n);
}

/* __or__ / __and__ / __xor__ are their bitwise_* ops under another name. */
static pt2c_status renamed_binary(pt2c_decomposer *d, const pt2c_node *n, const char *target,
                                  bool *done) {
    *done = true;
    return dec_emit_like(d, target, n->inputs, n->n_inputs, n);
}
static pt2c_status or_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return renamed_binary(d, n, ATEN("bitwise_or.Tensor"), done);
}
static pt2c_status and_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return renamed_binary(d, n, ATEN("bitwise_and.Tensor"), done);
}
static pt2c_status xor_tensor(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return renamed_binary(d, n, ATEN("bitwise_xor.Tensor"), done);
}
static pt2c_status or_scalar(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return renamed_binary(d, n, ATEN("bitwise_or.Scalar"), done);
}
static pt2c_status and_scalar(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return renamed_binary(d, n, ATEN("bitwise_and.Scalar"), done);
}
static pt2c_status xor_scalar(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return renamed_binary(d, n, ATEN("bitwise_xor.Scalar"), done);
}

/* lift_fresh_copy -> clone; detach/alias -> nothing (Core ATen has no aliasing no-ops). */
static pt2c_status lift_fresh_copy(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    if (!dec_input(n, "self"))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self"))};
    *done = true;
    return dec_emit_like(d, ATEN("clone.default"), args, 1, n);
}
static pt2c_status no_op(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    if (!dec_input(n, "self") || !dec_output(n))
        return PT2C_OK;
    *done = true;
    return dec_alias(d, dec_output(n), dec_input(n, "self"));
}

/* to(dtype) / to(dtype, layout, device) / to(device, dtype) / type_as: nothing when the dtype
 * stays (and no copy is asked), else _to_copy with the dtype (and to.device's device). */
static pt2c_status to_dtype(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *out = dec_output(n);
    const pt2c_tensor_meta *xm = dec_meta_of(d, x), *om = dec_meta_of(d, out);
    bool copy;
    const pt2c_arg *mf = pt2c_node_arg(n, "memory_format");
    if (!xm || !om || !dec_get_bool(n, "copy", false, &copy) || copy ||
        (mf && mf->kind != PT2C_ARG_NONE))
        return PT2C_OK;
    *done = true;
    if (xm->dtype == om->dtype)
        return dec_alias(d, out, x);
    bool type_as = strcmp(n->target, ATEN("type_as.default")) == 0;
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_scalar_type("dtype", om->dtype),
                             dec_layout_strided(), dec_device(om)};
    if (strcmp(n->target, ATEN("to.device")) == 0) {
        args[2] = args[3];
        return dec_emit_like(d, ATEN("_to_copy.default"), args, 3, n);
    }
    return dec_emit_like(d, ATEN("_to_copy.default"), args, type_as ? 4 : 2, n);
}

/* view: the same op, its layout recomputed from the input's (which decompositions before it
 * may have changed); a copy first when those strides no longer allow a view, where
 * run_decompositions() itself would fail (transformers' GPT-2 Conv1D). */
static pt2c_status view(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs, v;
    int64_t sizes[DEC_MAX_RANK], resolved[DEC_MAX_RANK];
    int32_t rank;
    const char *x = dec_input(n, "self"), *out = dec_output(n);
    if (!out || !dec_shape_of(d, x, &xs) ||
        !dec_get_ints(n, "size", 0, 0, sizes, DEC_MAX_RANK, &rank) ||
        !dec_infer_sizes(dec_numel(&xs), sizes, rank, resolved))
        return PT2C_OK;
    d->unchanged = dec_view(&xs, sizes, rank, &v);
    *done = true;
    return dec_emit_reshape(d, x, &xs, sizes, rank, out, NULL);
}

/* pad(mode 'constant') -> constant_pad_nd. */
static pt2c_status pad(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const pt2c_arg *mode = pt2c_node_arg(n, "mode"), *value = pt2c_node_arg(n, "value");
    bool f;
    pt2c_named_arg p = dec_copy_arg(n, "pad", "pad", &f);
    if (!dec_input(n, "self") || !f ||
        (mode && (mode->kind != PT2C_ARG_STRING || !mode->str || strcmp(mode->str, "constant"))))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "self")), p, dec_float("value", 0.0)};
    if (value && value->kind != PT2C_ARG_NONE)
        args[2] = (pt2c_named_arg){"value", *value, PT2C_PASS_POSITIONAL};
    *done = true;
    return dec_emit_like(d, ATEN("constant_pad_nd.default"), args, 3, n);
}

/* eval alpha / feature dropouts -> nothing. */
static pt2c_status dropout_eval_alias(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool train;
    if (!dec_get_bool(n, "train", true, &train) || train || !dec_input(n, "input") ||
        !dec_output(n))
        return PT2C_OK;
    *done = true;
    return dec_alias(d, dec_output(n), dec_input(n, "input"));
}

/* eval in-place dropouts (dropout_, alpha_dropout_, feature_dropout_, ...) -> nothing:
 * ATen's _dropout_impl returns its input untouched (functionalize leaves them in place). */
static pt2c_status dropout_eval_in_place(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool train;
    if (!dec_get_bool(n, "train", true, &train) || train || !dec_input(n, "self") || !dec_output(n))
        return PT2C_OK;
    *done = true;
    return dec_alias(d, dec_output(n), dec_input(n, "self"));
}

/* eval dropout -> clone. */
static pt2c_status dropout(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    bool train;
    if (!dec_get_bool(n, "train", true, &train) || train || !dec_input(n, "input"))
        return PT2C_OK;
    pt2c_named_arg args[] = {dec_tensor("self", dec_input(n, "input"))};
    *done = true;
    return dec_emit_like(d, ATEN("clone.default"), args, 1, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Activations                                                                              */

/* One elementwise node shaped like n's output (intermediates of an activation). */
static pt2c_status elementwise(pt2c_decomposer *d, const pt2c_node *n, const char *target,
                               const pt2c_named_arg *args, int32_t n_args, const char **out) {
    return dec_emit_meta(d, target, args, n_args, dec_meta_of(d, dec_output(n)), NULL, out);
}

/* relu6(x + 3): add(x, 3), clamp(min 0), clamp(max 6), as torch's hardsigmoid/hardswish. */
static pt2c_status relu6_of_x_plus_3(pt2c_decomposer *d, const pt2c_node *n, const char *x,
                                     const char **out) {
    const char *add, *lo;
    pt2c_named_arg a1[] = {dec_tensor("self", x), dec_int("other", 3)};
    PT2C_TRY(elementwise(d, n, ATEN("add.Tensor"), a1, 2, &add));
    pt2c_named_arg a2[] = {dec_tensor("self", add), dec_int("min", 0)};
    PT2C_TRY(elementwise(d, n, ATEN("clamp.default"), a2, 2, &lo));
    pt2c_named_arg a3[] = {dec_tensor("self", lo), dec_none("min"), dec_int("max", 6)};
    return elementwise(d, n, ATEN("clamp.default"), a3, 3, out);
}

static pt2c_status hardswish(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *r, *mul;
    const pt2c_tensor_meta *m = dec_meta_of(d, x);
    if (!x || !m || !dec_is_float(m->dtype))
        return PT2C_OK;
    PT2C_TRY(relu6_of_x_plus_3(d, n, x, &r));
    pt2c_named_arg a1[] = {dec_tensor("self", x), dec_tensor("other", r)};
    PT2C_TRY(elementwise(d, n, ATEN("mul.Tensor"), a1, 2, &mul));
    pt2c_named_arg a2[] = {dec_tensor("self", mul), dec_int("other", 6)};
    *done = true;
    return dec_emit_like(d, ATEN("div.Tensor"), a2, 2, n);
}

static pt2c_status hardsigmoid(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *r;
    const pt2c_tensor_meta *m = dec_meta_of(d, x);
    if (!x || !m || !dec_is_float(m->dtype))
        return PT2C_OK;
    PT2C_TRY(relu6_of_x_plus_3(d, n, x, &r));
    pt2c_named_arg a[] = {dec_tensor("self", r), dec_int("other", 6)};
    *done = true;
    return dec_emit_like(d, ATEN("div.Tensor"), a, 2, n);
}

static pt2c_status silu(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    const char *x = dec_input(n, "self"), *s;
    const pt2c_tensor_meta *m = dec_meta_of(d, x);
    if (!x || !m || !dec_is_float(m->dtype))
        return PT2C_OK;
    pt2c_named_arg a1[] = {dec_tensor("self", x)};
    PT2C_TRY(elementwise(d, n, ATEN("sigmoid.default"), a1, 1, &s));
    pt2c_named_arg a2[] = {dec_tensor("self", x), dec_tensor("other", s)};
    *done = true;
    return dec_emit_like(d, ATEN("mul.Tensor"), a2, 2, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Views and copies                                                                         */

/* view(x, sizes) writing out_name (NULL: fresh), shape computed. */
pt2c_status dec_emit_view(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                          const int64_t *sizes, int32_t rank, const char *out_name,
                          const char **out) {
    dec_shape v;
    dec_view(xs, sizes, rank, &v);
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "size", sizes, rank)};
    return dec_emit(d, ATEN("view.default"), args, 2, &v, out_name, out);
}

static pt2c_status emit_clone_contiguous(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                                         const char **out) {
    dec_shape c = *xs;
    dec_contiguous(&c);
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_memory_format(DEC_CONTIGUOUS_FORMAT)};
    return dec_emit(d, ATEN("clone.default"), args, 2, &c, NULL, out);
}

/* reshape as ATen does it: a view when the strides allow, else a contiguous clone then a
 * view with the sizes resolved. written_sizes are what the view node spells (-1 kept). */
pt2c_status dec_emit_reshape(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                             const int64_t *sizes, int32_t rank, const char *out_name,
                             const char **out) {
    dec_shape v;
    int64_t resolved[DEC_MAX_RANK];
    if (rank > DEC_MAX_RANK || !dec_infer_sizes(dec_numel(xs), sizes, rank, resolved))
        return pt2c_error_set(d->pass->err, PT2C_ERR_SHAPE,
                              "decompose: node '%s' (%s): sizes do not fit the input",
                              d->origin->name, d->origin->target);
    if (dec_view(xs, sizes, rank, &v))
        return dec_emit_view(d, x, xs, sizes, rank, out_name, out);
    const char *c;
    dec_shape cs;
    PT2C_TRY(emit_clone_contiguous(d, x, xs, &c));
    cs = *xs;
    dec_contiguous(&cs);
    return dec_emit_view(d, c, &cs, resolved, rank, out_name, out);
}

static pt2c_status reshape(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t sizes[DEC_MAX_RANK], resolved[DEC_MAX_RANK];
    int32_t rank;
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || !dec_get_ints(n, "shape", 0, 0, sizes, DEC_MAX_RANK, &rank) ||
        !dec_infer_sizes(dec_numel(&xs), sizes, rank, resolved) || !dec_output(n))
        return PT2C_OK;
    *done = true;
    return dec_emit_reshape(d, x, &xs, sizes, rank, dec_output(n), NULL);
}

/* flatten(start, end): reshape to the merged sizes (resolved), or nothing when one dim. */
static pt2c_status flatten(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t start, end, a, b;
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || xs.rank == 0 || !dec_get_int(n, "start_dim", 0, &start) ||
        !dec_get_int(n, "end_dim", -1, &end) || !dec_norm_dim(start, xs.rank, &a) ||
        !dec_norm_dim(end, xs.rank, &b) || a > b || !dec_output(n))
        return PT2C_OK;
    *done = true;
    if (a == b)
        return dec_alias(d, dec_output(n), x);
    int64_t sizes[DEC_MAX_RANK];
    int32_t rank = 0;
    for (int64_t k = 0; k < a; k++)
        sizes[rank++] = xs.size[k];
    int64_t merged = 1;
    for (int64_t k = a; k <= b; k++)
        merged *= xs.size[k];
    sizes[rank++] = merged;
    for (int64_t k = b + 1; k < xs.rank; k++)
        sizes[rank++] = xs.size[k];
    return dec_emit_reshape(d, x, &xs, sizes, rank, dec_output(n), NULL);
}

/* unflatten(dim, sizes) -> view with the sizes resolved. */
static pt2c_status unflatten(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t dim, k, parts[DEC_MAX_RANK], resolved[DEC_MAX_RANK];
    int32_t np;
    const char *x = dec_input(n, "self");
    if (!dec_shape_of(d, x, &xs) || !dec_get_int(n, "dim", 0, &dim) ||
        !dec_norm_dim(dim, xs.rank, &k) ||
        !dec_get_ints(n, "sizes", 0, 0, parts, DEC_MAX_RANK, &np) ||
        xs.rank - 1 + np > DEC_MAX_RANK || !dec_infer_sizes(xs.size[k], parts, np, resolved) ||
        !dec_output(n))
        return PT2C_OK;
    int64_t sizes[DEC_MAX_RANK];
    int32_t rank = 0;
    for (int64_t j = 0; j < xs.rank; j++) {
        if (j != k) {
            sizes[rank++] = xs.size[j];
            continue;
        }
        for (int32_t p = 0; p < np; p++)
            sizes[rank++] = resolved[p];
    }
    *done = true;
    return dec_emit_reshape(d, x, &xs, sizes, rank, dec_output(n), NULL);
}

/* contiguous: nothing when already contiguous, else a contiguous clone. */
static pt2c_status contiguous(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape xs;
    int64_t format;
    const char *x = dec_input(n, "self");
    const pt2c_arg *mf = pt2c_node_arg(n, "memory_format");
    format = mf && mf->kind == PT2C_ARG_MEMORY_FORMAT ? mf->i : DEC_CONTIGUOUS_FORMAT;
    if (!dec_shape_of(d, x, &xs) || format != DEC_CONTIGUOUS_FORMAT || !dec_output(n))
        return PT2C_OK;
    *done = true;
    if (dec_is_contiguous(&xs))
        return dec_alias(d, dec_output(n), x);
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_memory_format(DEC_CONTIGUOUS_FORMAT)};
    return dec_emit_like(d, ATEN("clone.default"), args, 2, n);
}

/* ---------------------------------------------------------------------------------------- */
/* Matrix products                                                                          */

pt2c_status dec_emit_permute(pt2c_decomposer *d, const char *x, const dec_shape *xs,
                             const int64_t *perm, dec_shape *out_shape, const char **out) {
    dec_permute(xs, perm, out_shape);
    pt2c_named_arg args[] = {dec_tensor("self", x), dec_ints(d, "dims", perm, xs->rank)};
    return dec_emit(d, ATEN("permute.default"), args, 2, out_shape, NULL, out);
}

/* A fresh-or-named 2-D product node (mm / addmm / bmm) with a contiguous result. */
static pt2c_status emit_product(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                                int32_t n_args, pt2c_dtype dtype, const int64_t *sizes,
                                int32_t rank, bool requires_grad, const char *out_name,
                                const char **out) {
    dec_shape r = {.dtype = dtype, .rank = rank, .requires_grad = requires_grad};
    if (rank > 0)
        memcpy(r.size, sizes, sizeof *sizes * (size_t)rank);
    dec_contiguous(&r);
    return dec_emit(d, target, args, n_args, &r, out_name, out);
}

/* matmul as torch/_decomp's matmul: dot, mv, mm, folding, or expand + bmm. out_name is the
 * name of the result (the node's output). */
static pt2c_status emit_matmul(pt2c_decomposer *d, const char *a, const dec_shape *as,
                               const char *b, const dec_shape *bs, const char *out_name,
                               bool *done);

static pt2c_status matmul(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape as, bs;
    const char *a = dec_input(n, "self"), *b = dec_input(n, "other");
    if (!dec_shape_of(d, a, &as) || !dec_shape_of(d, b, &bs) || !dec_output(n))
        return PT2C_OK;
    return emit_matmul(d, a, &as, b, &bs, dec_output(n), done);
}

/* dot(a, b) / mv(m, v): matmul's forms for those ranks. */
static pt2c_status dot_or_mv(pt2c_decomposer *d, const pt2c_node *n, const char *a_name,
                             const char *b_name, int32_t rank_a, bool *done) {
    dec_shape as, bs;
    const char *a = dec_input(n, a_name), *b = dec_input(n, b_name);
    if (!dec_shape_of(d, a, &as) || !dec_shape_of(d, b, &bs) || !dec_output(n) ||
        as.rank != rank_a || bs.rank != 1)
        return PT2C_OK;
    return emit_matmul(d, a, &as, b, &bs, dec_output(n), done);
}
static pt2c_status dot(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return dot_or_mv(d, n, "self", "tensor", 1, done);
}
static pt2c_status mv(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return dot_or_mv(d, n, "self", "vec", 2, done);
}

/* mv(m, v) as Core ATen writes it: sum(mul(m, v), [1]). */
static pt2c_status emit_mv(pt2c_decomposer *d, const char *m, const dec_shape *ms, const char *v,
                           const char *out_name, const char **out) {
    dec_shape prod = *ms;
    dec_like_elementwise(ms, &prod);
    const char *mul;
    pt2c_named_arg a1[] = {dec_tensor("self", m), dec_tensor("other", v)};
    PT2C_TRY(dec_emit(d, ATEN("mul.Tensor"), a1, 2, &prod, NULL, &mul));
    int64_t one = 1;
    pt2c_named_arg a2[] = {dec_tensor("self", mul), dec_ints(d, "dim", &one, 1)};
    return emit_product(d, ATEN("sum.dim_IntList"), a2, 2, ms->dtype, ms->size, 1,
                        ms->requires_grad, out_name, out);
}

static bool should_fold(const dec_shape *t1, const dec_shape *t2) {
    const dec_shape *big = t1->rank >= t2->rank ? t1 : t2;
    const dec_shape *small = t1->rank >= t2->rank ? t2 : t1;
    if (!(big->rank >= 3 && small->rank <= 2))
        return false;
    /* (torch folds whenever t2 requires grad; run_decompositions traces without grad) */
    if (t1->rank == 2)
        return false;
    if (dec_numel(big) == 0)
        return true;
    /* big is t1 here (t1 has rank >= 3): its leading dims must be contiguous. */
    dec_shape c = *big;
    dec_contiguous(&c);
    for (int32_t k = 0; k < big->rank; k++)
        if (big->size[k] != 1 && big->stride[k] != c.stride[k])
            return false;
    return true;
}

static pt2c_status emit_matmul(pt2c_decomposer *d, const char *a, const dec_shape *as,
                               const char *b, const dec_shape *bs, const char *out_name,
                               bool *done) {
    int32_t ra = as->rank, rb = bs->rank;
    bool grad = as->requires_grad || bs->requires_grad;
    if (ra == 0 || rb == 0)
        return PT2C_OK;
    if (ra == 1 && rb == 1) { /* dot: sum(mul(a, b), []) */
        dec_shape prod;
        dec_like_elementwise(as, &prod);
        const char *mul;
        pt2c_named_arg a1[] = {dec_tensor("self", a), dec_tensor("other", b)};
        PT2C_TRY(dec_emit(d, ATEN("mul.Tensor"), a1, 2, &prod, NULL, &mul));
        pt2c_named_arg a2[] = {dec_tensor("self", mul), dec_ints(d, "dim", NULL, 0)};
        *done = true;
        return emit_product(d, ATEN("sum.dim_IntList"), a2, 2, as->dtype, NULL, 0, grad, out_name,
                            NULL);
    }
    if (ra == 2 && rb == 1) {
        *done = true;
        return emit_mv(d, a, as, b, out_name, NULL);
    }
    if (ra == 1 && rb == 2) { /* squeeze(mm(unsqueeze(a, 0), b), 0) */
        dec_shape u = {.dtype = as->dtype, .rank = 2, .requires_grad = as->requires_grad};
        u.size[0] = 1;
        u.size[1] = as->size[0];
        u.stride[0] = as->size[0] * as->stride[0];
        u.stride[1] = as->stride[0];
        const char *un, *mm;
        pt2c_named_arg a1[] = {dec_tensor("self", a), dec_int("dim", 0)};
        PT2C_TRY(dec_emit(d, ATEN("unsqueeze.default"), a1, 2, &u, NULL, &un));
        int64_t mm_sizes[] = {1, bs->size[1]};
        pt2c_named_arg a2[] = {dec_tensor("self", un), dec_tensor("mat2", b)};
        PT2C_TRY(
            emit_product(d, ATEN("mm.default"), a2, 2, as->dtype, mm_sizes, 2, grad, NULL, &mm));
        int64_t zero = 0;
        pt2c_named_arg a3[] = {dec_tensor("self", mm), dec_ints(d, "dim", &zero, 1)};
        *done = true;
        return emit_product(d, ATEN("squeeze.dims"), a3, 2, as->dtype, &bs->size[1], 1, grad,
                            out_name, NULL);
    }
    if (ra == 2 && rb == 2) {
        int64_t sizes[] = {as->size[0], bs->size[1]};
        pt2c_named_arg args[] = {dec_tensor("self", a), dec_tensor("mat2", b)};
        *done = true;
        return emit_product(d, ATEN("mm.default"), args, 2, as->dtype, sizes, 2, grad, out_name,
                            NULL);
    }
    if (should_fold(as, bs)) {
        if (rb > ra)
            return PT2C_OK; /* the transposed fold (2-D @ batched): kept */
        int64_t out_sizes[DEC_MAX_RANK], folded = 1;
        int32_t n_out = 0;
        for (int32_t k = 0; k < ra - 1; k++) {
            out_sizes[n_out++] = as->size[k];
            folded *= as->size[k];
        }
        if (rb == 2)
            out_sizes[n_out++] = bs->size[1];
        int64_t fsizes[] = {folded, as->size[ra - 1]};
        const char *f, *p;
        dec_shape fs;
        PT2C_TRY(dec_emit_reshape(d, a, as, fsizes, 2, NULL, &f));
        dec_view(as, fsizes, 2, &fs);
        fs.requires_grad = as->requires_grad;
        if (rb == 2) {
            int64_t ps[] = {folded, bs->size[1]};
            pt2c_named_arg args[] = {dec_tensor("self", f), dec_tensor("mat2", b)};
            PT2C_TRY(
                emit_product(d, ATEN("mm.default"), args, 2, as->dtype, ps, 2, grad, NULL, &p));
        } else {
            PT2C_TRY(emit_mv(d, f, &fs, b, NULL, &p));
        }
        dec_shape ps = {.dtype = as->dtype, .rank = rb == 2 ? 2 : 1};
        ps.size[0] = folded;
        ps.size[1] = rb == 2 ? bs->size[1] : 0;
        dec_contiguous(&ps);
        *done = true;
        return dec_emit_view(d, p, &ps, out_sizes, n_out, out_name, NULL);
    }
    /* Batched: expand both to the broadcast batch, fold it into one dim, bmm, view back. */
    int64_t nrow = ra > 1 ? as->size[ra - 2] : 1, m1 = as->size[ra - 1];
    int64_t m2 = rb > 1 ? bs->size[rb - 2] : bs->size[rb - 1], p = rb > 1 ? bs->size[rb - 1] : 1;
    int32_t ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
    int32_t nb = ba > bb ? ba : bb;
    int64_t batch[DEC_MAX_RANK], prod = 1;
    for (int32_t k = 0; k < nb; k++) {
        int32_t ka = k - (nb - ba), kb = k - (nb - bb);
        int64_t sa = ka >= 0 ? as->size[ka] : 1, sb = kb >= 0 ? bs->size[kb] : 1;
        if (sa != sb && sa != 1 && sb != 1)
            return PT2C_OK;
        batch[k] = sa == 1 ? sb : sa;
        prod *= batch[k];
    }
    if (rb == 1 || nb + 2 > DEC_MAX_RANK)
        return PT2C_OK; /* a vector right operand: kept */
    int64_t ea[DEC_MAX_RANK], eb[DEC_MAX_RANK];
    memcpy(ea, batch, sizeof *batch * (size_t)nb);
    memcpy(eb, batch, sizeof *batch * (size_t)nb);
    ea[nb] = nrow;
    ea[nb + 1] = m1;
    eb[nb] = m2;
    eb[nb + 1] = p;
    if (ra == 1)
        return PT2C_OK; /* vector left operand: its expand needs the unsqueeze form */
    const char *xa, *xb, *va, *vb, *mm;
    dec_shape sa, sb;
    if (!dec_expand(as, ea, nb + 2, &sa) || !dec_expand(bs, eb, nb + 2, &sb))
        return PT2C_OK;
    pt2c_named_arg e1[] = {dec_tensor("self", a), dec_ints(d, "size", ea, nb + 2)};
    PT2C_TRY(dec_emit(d, ATEN("expand.default"), e1, 2, &sa, NULL, &xa));
    int64_t fa[] = {prod, nrow, m1}, fb[] = {prod, m2, p};
    PT2C_TRY(dec_emit_reshape(d, xa, &sa, fa, 3, NULL, &va));
    pt2c_named_arg e2[] = {dec_tensor("self", b), dec_ints(d, "size", eb, nb + 2)};
    PT2C_TRY(dec_emit(d, ATEN("expand.default"), e2, 2, &sb, NULL, &xb));
    PT2C_TRY(dec_emit_reshape(d, xb, &sb, fb, 3, NULL, &vb));
    int64_t bmm_sizes[] = {prod, nrow, p};
    pt2c_named_arg args[] = {dec_tensor("self", va), dec_tensor("mat2", vb)};
    PT2C_TRY(
        emit_product(d, ATEN("bmm.default"), args, 2, as->dtype, bmm_sizes, 3, grad, NULL, &mm));
    int64_t out_sizes[DEC_MAX_RANK];
    memcpy(out_sizes, batch, sizeof *batch * (size_t)nb);
    out_sizes[nb] = nrow;
    out_sizes[nb + 1] = p;
    dec_shape ms = {.dtype = as->dtype, .rank = 3};
    memcpy(ms.size, bmm_sizes, sizeof bmm_sizes);
    dec_contiguous(&ms);
    *done = true;
    return dec_emit_view(d, mm, &ms, out_sizes, nb + 2, out_name, NULL);
}

/* linear: addmm(b, x, w^T) on 2-D input (mm without bias); contiguous 3-D input with a bias
 * is flattened to 2-D and viewed back; the rest is matmul(x, w^T) (+ bias). */
pt2c_status dec_emit_linear(pt2c_decomposer *d, const char *x, const char *w, const char *b,
                            const char *out, bool *done) {
    dec_shape xs, ws, wt;
    if (!dec_shape_of(d, x, &xs) || !dec_shape_of(d, w, &ws) || ws.rank != 2 || xs.rank < 1 || !out)
        return PT2C_OK;
    int64_t perm[] = {1, 0};
    const char *t;
    bool grad = xs.requires_grad || ws.requires_grad;
    const pt2c_tensor_meta *bm = b ? dec_meta_of(d, b) : NULL;
    bool flat = b && bm && bm->rank == 1 && xs.rank >= 3 && dec_is_contiguous(&xs);
    if (xs.rank == 2 || flat) {
        PT2C_TRY(dec_emit_permute(d, w, &ws, perm, &wt, &t));
        const char *x2 = x;
        int64_t rows = xs.size[0];
        if (xs.rank > 2) { /* the contiguous batch folds into the rows */
            for (int32_t k = 1; k < xs.rank - 1; k++)
                rows *= xs.size[k];
            int64_t fs[] = {rows, xs.size[xs.rank - 1]};
            PT2C_TRY(dec_emit_view(d, x, &xs, fs, 2, NULL, &x2));
        }
        int64_t sizes[] = {rows, ws.size[0]};
        const char *p;
        const char *pname = xs.rank == 2 ? out : NULL;
        if (b) {
            pt2c_named_arg args[] = {dec_tensor("self", b), dec_tensor("mat1", x2),
                                     dec_tensor("mat2", t)};
            PT2C_TRY(emit_product(d, ATEN("addmm.default"), args, 3, xs.dtype, sizes, 2, grad,
                                  pname, &p));
        } else {
            pt2c_named_arg args[] = {dec_tensor("self", x2), dec_tensor("mat2", t)};
            PT2C_TRY(
                emit_product(d, ATEN("mm.default"), args, 2, xs.dtype, sizes, 2, grad, pname, &p));
        }
        *done = true;
        if (xs.rank == 2)
            return PT2C_OK;
        dec_shape ps = {.dtype = xs.dtype, .rank = 2};
        memcpy(ps.size, sizes, sizeof sizes);
        dec_contiguous(&ps);
        int64_t os[DEC_MAX_RANK];
        memcpy(os, xs.size, sizeof *os * (size_t)xs.rank);
        os[xs.rank - 1] = ws.size[0];
        return dec_emit_view(d, p, &ps, os, xs.rank, out, NULL);
    }
    PT2C_TRY(dec_emit_permute(d, w, &ws, perm, &wt, &t));
    if (!b)
        return emit_matmul(d, x, &xs, t, &wt, out, done);
    /* matmul into a fresh value, then the bias added writing the output. */
    bool inner = false;
    const char *mm = dec_fresh(d, "view");
    if (!mm)
        return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
    PT2C_TRY(emit_matmul(d, x, &xs, t, &wt, mm, &inner));
    if (!inner)
        return PT2C_OK;
    dec_shape ms;
    if (!dec_shape_of(d, mm, &ms))
        return PT2C_OK;
    dec_contiguous(&ms);
    pt2c_named_arg args[] = {dec_tensor("self", mm), dec_tensor("other", b)};
    *done = true;
    return dec_emit(d, ATEN("add.Tensor"), args, 2, &ms, out, NULL);
}

static pt2c_status linear(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    return dec_emit_linear(d, dec_input(n, "input"), dec_input(n, "weight"), dec_input(n, "bias"),
                           dec_output(n), done);
}

/* ---------------------------------------------------------------------------------------- */
/* Attention                                                                                */

/* scaled_dot_product_attention -> the math path of torch/_decomp (4-D, no dropout): q and
 * k^T each scaled by sqrt(scale), matmul, mask added, softmax made safe for fully masked
 * rows, matmul with v, and the layout of the flash kernel's output. */
static pt2c_status sdpa(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    dec_shape qs, ks, vs;
    const char *q = dec_input(n, "query"), *k = dec_input(n, "key"), *v = dec_input(n, "value");
    const char *mask = dec_input(n, "attn_mask"), *out = dec_output(n);
    bool causal, gqa;
    double dropout = 0;
    const pt2c_arg *dp = pt2c_node_arg(n, "dropout_p");
    if (dp && dp->kind == PT2C_ARG_FLOAT)
        dropout = dp->f;
    else if (dp && dp->kind == PT2C_ARG_INT)
        dropout = (double)dp->i;
    if (!dec_shape_of(d, q, &qs) || !dec_shape_of(d, k, &ks) || !dec_shape_of(d, v, &vs) ||
        qs.rank != 4 || ks.rank != 4 || vs.rank != 4 || !out || dropout != 0 ||
        !dec_get_bool(n, "is_causal", false, &causal) ||
        !dec_get_bool(n, "enable_gqa", false, &gqa) || gqa || (causal && mask) ||
        qs.size[1] != ks.size[1] || !dec_is_float(qs.dtype))
        return PT2C_OK;
    double scale = 1.0 / sqrt((double)qs.size[3]);
    const pt2c_arg *sc = pt2c_node_arg(n, "scale");
    if (sc && sc->kind == PT2C_ARG_FLOAT)
        scale = sc->f;
    else if (sc && sc->kind != PT2C_ARG_NONE)
        return PT2C_OK;
    double root = sqrt(scale);
    int64_t L = qs.size[2], S = ks.size[2];
    const pt2c_tensor_meta *om = dec_meta_of(d, out);

    /* The additive mask: bool masks become 0 / -inf; causal builds one. */
    const char *bias = NULL;
    dec_shape ms;
    if (mask && !dec_shape_of(d, mask, &ms))
        return PT2C_OK;
    if (mask && ms.dtype == PT2C_DTYPE_BOOL) {
        dec_shape s0 = {.dtype = qs.dtype, .rank = 0};
        const char *ninf, *zero;
        pt2c_named_arg a1[] = {dec_float("s", -(double)INFINITY),
                               dec_scalar_type("dtype", qs.dtype), dec_device(om)};
        PT2C_TRY(dec_emit(d, ATEN("scalar_tensor.default"), a1, 3, &s0, NULL, &ninf));
        pt2c_named_arg a2[] = {dec_float("s", 0.0), dec_scalar_type("dtype", qs.dtype),
                               dec_layout_strided(), dec_device(om)};
        PT2C_TRY(dec_emit(d, ATEN("scalar_tensor.default"), a2, 4, &s0, NULL, &zero));
        dec_shape ws = ms;
        ws.dtype = qs.dtype;
        dec_contiguous(&ws);
        pt2c_named_arg a3[] = {dec_tensor("condition", mask), dec_tensor("self", zero),
                               dec_tensor("other", ninf)};
        PT2C_TRY(dec_emit(d, ATEN("where.self"), a3, 3, &ws, NULL, &bias));
    } else if (mask) {
        bias = mask;
    }
    const char *qm, *kt, *km;
    dec_shape qms, kts, kms;
    dec_like_elementwise(&qs, &qms);
    pt2c_named_arg a4[] = {dec_tensor("self", q), dec_float("other", root)};
    PT2C_TRY(dec_emit(d, ATEN("mul.Scalar"), a4, 2, &qms, NULL, &qm));
    if (causal) {
        dec_shape fs = {.dtype = PT2C_DTYPE_BOOL, .rank = 2, .size = {L, S}};
        dec_contiguous(&fs);
        int64_t fsz[] = {L, S};
        const char *full, *ar0, *ar1, *u0, *u1, *sub, *le, *land, *ninf, *zero;
        pt2c_named_arg f1[] = {dec_ints(d, "size", fsz, 2),
                               dec_bool("fill_value", true),
                               dec_scalar_type("dtype", PT2C_DTYPE_BOOL),
                               dec_layout_strided(),
                               dec_device(om),
                               dec_kw(dec_bool("pin_memory", false))};
        PT2C_TRY(dec_emit(d, ATEN("full.default"), f1, 6, &fs, NULL, &full));
        dec_shape as = {.dtype = PT2C_DTYPE_I64, .rank = 1, .size = {S}};
        dec_contiguous(&as);
        pt2c_named_arg r1[] = {dec_int("start", 0), dec_int("end", S), dec_layout_strided(),
                               dec_device(om), dec_kw(dec_bool("pin_memory", false))};
        PT2C_TRY(dec_emit(d, ATEN("arange.start_step"), r1, 5, &as, NULL, &ar0));
        dec_shape us = {.dtype = PT2C_DTYPE_I64, .rank = 2, .size = {1, S}};
        dec_contiguous(&us);
        pt2c_named_arg q1[] = {dec_tensor("self", ar0), dec_int("dim", -2)};
        PT2C_TRY(dec_emit(d, ATEN("unsqueeze.default"), q1, 2, &us, NULL, &u0));
        dec_shape as1 = {.dtype = PT2C_DTYPE_I64, .rank = 1, .size = {L}};
        dec_contiguous(&as1);
        pt2c_named_arg r2[] = {dec_int("start", 0), dec_int("end", L), dec_layout_strided(),
                               dec_device(om), dec_kw(dec_bool("pin_memory", false))};
        PT2C_TRY(dec_emit(d, ATEN("arange.start_step"), r2, 5, &as1, NULL, &ar1));
        dec_shape us1 = {.dtype = PT2C_DTYPE_I64, .rank = 2, .size = {L, 1}};
        dec_contiguous(&us1);
        pt2c_named_arg q2[] = {dec_tensor("self", ar1), dec_int("dim", -1)};
        PT2C_TRY(dec_emit(d, ATEN("unsqueeze.default"), q2, 2, &us1, NULL, &u1));
        dec_shape ls = {.dtype = PT2C_DTYPE_I64, .rank = 2, .size = {L, S}};
        dec_contiguous(&ls);
        pt2c_named_arg s1[] = {dec_tensor("self", u0), dec_tensor("other", u1)};
        PT2C_TRY(dec_emit(d, ATEN("sub.Tensor"), s1, 2, &ls, NULL, &sub));
        ls.dtype = PT2C_DTYPE_BOOL;
        pt2c_named_arg l1[] = {dec_tensor("self", sub), dec_int("other", 0)};
        PT2C_TRY(dec_emit(d, ATEN("le.Scalar"), l1, 2, &ls, NULL, &le));
        pt2c_named_arg l2[] = {dec_tensor("self", le), dec_tensor("other", full)};
        PT2C_TRY(dec_emit(d, ATEN("logical_and.default"), l2, 2, &ls, NULL, &land));
        dec_shape s0 = {.dtype = qs.dtype, .rank = 0};
        pt2c_named_arg a1[] = {dec_float("s", -(double)INFINITY),
                               dec_scalar_type("dtype", qs.dtype), dec_device(om)};
        PT2C_TRY(dec_emit(d, ATEN("scalar_tensor.default"), a1, 3, &s0, NULL, &ninf));
        pt2c_named_arg a2[] = {dec_float("s", 0.0), dec_scalar_type("dtype", qs.dtype),
                               dec_layout_strided(), dec_device(om)};
        PT2C_TRY(dec_emit(d, ATEN("scalar_tensor.default"), a2, 4, &s0, NULL, &zero));
        ls.dtype = qs.dtype;
        pt2c_named_arg w1[] = {dec_tensor("condition", land), dec_tensor("self", zero),
                               dec_tensor("other", ninf)};
        PT2C_TRY(dec_emit(d, ATEN("where.self"), w1, 3, &ls, NULL, &bias));
    }
    int64_t kperm[] = {0, 1, 3, 2};
    PT2C_TRY(dec_emit_permute(d, k, &ks, kperm, &kts, &kt));
    dec_like_elementwise(&kts, &kms);
    pt2c_named_arg a5[] = {dec_tensor("self", kt), dec_float("other", root)};
    PT2C_TRY(dec_emit(d, ATEN("mul.Scalar"), a5, 2, &kms, NULL, &km));
    bool inner = false;
    const char *scores = dec_fresh(d, "view");
    if (!scores)
        return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
    PT2C_TRY(emit_matmul(d, qm, &qms, km, &kms, scores, &inner));
    if (!inner)
        return PT2C_OK;
    dec_shape ss = {.dtype = qs.dtype, .rank = 4, .size = {qs.size[0], qs.size[1], L, S}};
    dec_contiguous(&ss);
    if (bias) {
        pt2c_named_arg a6[] = {dec_tensor("self", scores), dec_tensor("other", bias)};
        PT2C_TRY(dec_emit(d, ATEN("add.Tensor"), a6, 2, &ss, NULL, &scores));
    }
    const char *sm, *eq, *nz, *any, *none, *fl, *safe;
    pt2c_named_arg a7[] = {dec_tensor("self", scores), dec_int("dim", -1),
                           dec_bool("half_to_float", false)};
    PT2C_TRY(dec_emit(d, ATEN("_softmax.default"), a7, 3, &ss, NULL, &sm));
    dec_shape bs = ss;
    bs.dtype = PT2C_DTYPE_BOOL;
    pt2c_named_arg a8[] = {dec_tensor("self", scores), dec_float("other", -(double)INFINITY)};
    PT2C_TRY(dec_emit(d, ATEN("eq.Scalar"), a8, 2, &bs, NULL, &eq));
    pt2c_named_arg a9[] = {dec_tensor("self", eq)};
    PT2C_TRY(dec_emit(d, ATEN("logical_not.default"), a9, 1, &bs, NULL, &nz));
    dec_shape rs = bs;
    rs.size[3] = 1;
    dec_contiguous(&rs);
    pt2c_named_arg a10[] = {dec_tensor("self", nz), dec_int("dim", -1), dec_bool("keepdim", true)};
    PT2C_TRY(dec_emit(d, ATEN("any.dim"), a10, 3, &rs, NULL, &any));
    pt2c_named_arg a11[] = {dec_tensor("self", any)};
    PT2C_TRY(dec_emit(d, ATEN("logical_not.default"), a11, 1, &rs, NULL, &none));
    pt2c_named_arg a12[] = {dec_tensor("self", sm), dec_int("fill_value", 0),
                            dec_kw(dec_bool("pin_memory", false)),
                            dec_memory_format(DEC_PRESERVE_FORMAT)};
    PT2C_TRY(dec_emit(d, ATEN("full_like.default"), a12, 4, &ss, NULL, &fl));
    pt2c_named_arg a13[] = {dec_tensor("condition", none), dec_tensor("self", fl),
                            dec_tensor("other", sm)};
    PT2C_TRY(dec_emit(d, ATEN("where.self"), a13, 3, &ss, NULL, &safe));
    /* attention = matmul(p, v), then the [L, B, H, E]-ordered layout of the fused kernels. */
    dec_shape as = {.dtype = qs.dtype, .rank = 4, .size = {qs.size[0], qs.size[1], L, vs.size[3]}};
    dec_contiguous(&as);
    const char *att = dec_fresh(d, "view");
    if (!att)
        return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
    inner = false;
    PT2C_TRY(emit_matmul(d, safe, &ss, v, &vs, att, &inner));
    if (!inner)
        return PT2C_OK;
    int64_t p1[] = {2, 0, 1, 3}, p2[] = {1, 2, 0, 3};
    const char *pa, *cl;
    dec_shape pas, cls;
    PT2C_TRY(dec_emit_permute(d, att, &as, p1, &pas, &pa));
    cls = pas;
    dec_contiguous(&cls);
    pt2c_named_arg a14[] = {dec_tensor("self", pa), dec_memory_format(DEC_CONTIGUOUS_FORMAT)};
    PT2C_TRY(dec_emit(d, ATEN("clone.default"), a14, 2, &cls, NULL, &cl));
    pt2c_named_arg a15[] = {dec_tensor("self", cl), dec_ints(d, "dims", p2, 4)};
    dec_shape fin;
    dec_permute(&cls, p2, &fin);
    *done = true;
    return dec_emit(d, ATEN("permute.default"), a15, 2, &fin, out, NULL);
}

/* _scaled_dot_product_flash_attention_for_cpu -> the math path as sdpa (torch/_decomp
 * writes both through _scaled_dot_product_attention_math), when nothing reads its logsumexp
 * (the math path's second result is the attention weights, not that). */
static pt2c_status flash_attention_cpu(pt2c_decomposer *d, const pt2c_node *n, bool *done) {
    if (n->n_outputs != 2 || n->outputs[0].kind != PT2C_ARG_TENSOR ||
        (n->outputs[1].kind == PT2C_ARG_TENSOR && n->outputs[1].name &&
         dec_value_used(d, n->outputs[1].name)))
        return PT2C_OK;
    return sdpa(d, n, done);
}

/* ---------------------------------------------------------------------------------------- */
/* The table                                                                                */

static const struct {
    const char *target;
    dec_rule rule;
} rules[] = {
    {ATEN("conv1d.default"), conv1d},
    {ATEN("conv2d.default"), conv2d},
    {ATEN("conv3d.default"), conv3d},
    {ATEN("conv_transpose1d.default"), conv_transpose1d},
    {ATEN("conv_transpose2d.input"), conv_transpose2d},
    {ATEN("conv_transpose3d.input"), conv_transpose3d},
    {ATEN("batch_norm.default"), batch_norm},
    {ATEN("layer_norm.default"), layer_norm},
    {ATEN("max_pool2d.default"), max_pool2d},
    {ATEN("max_pool3d.default"), max_pool3d},
    {ATEN("adaptive_avg_pool2d.default"), adaptive_avg_pool2d},
    {ATEN("flatten.using_ints"), flatten},
    {ATEN("reshape.default"), reshape},
    {ATEN("unflatten.int"), unflatten},
    {ATEN("squeeze.dim"), squeeze_dim},
    {ATEN("transpose.int"), transpose},
    {ATEN("t.default"), t},
    {ATEN("contiguous.default"), contiguous},
    {ATEN("dropout.default"), dropout},
    {ATEN("softmax.int"), softmax},
    {ATEN("log_softmax.int"), log_softmax},
    {ATEN("split.Tensor"), split},
    {ATEN("chunk.default"), chunk},
    {ATEN("unbind.int"), unbind},
    {ATEN("masked_fill.Scalar"), masked_fill},
    {ATEN("arange.default"), arange},
    {ATEN("arange.start"), arange},
    {ATEN("zeros.default"), zeros},
    {ATEN("ones.default"), ones},
    {ATEN("new_zeros.default"), zeros},
    {ATEN("new_ones.default"), ones},
    {ATEN("lift_fresh_copy.default"), lift_fresh_copy},
    {ATEN("detach.default"), no_op},
    {ATEN("detach_.default"), no_op},
    {ATEN("alias.default"), no_op},
    {ATEN("to.dtype"), to_dtype},
    {ATEN("to.dtype_layout"), to_dtype},
    {ATEN("type_as.default"), to_dtype},
    {ATEN("view.default"), view},
    {ATEN("pad.default"), pad},
    {ATEN("floor_divide.default"), floor_divide},
    {ATEN("__or__.Tensor"), or_tensor},
    {ATEN("__and__.Tensor"), and_tensor},
    {ATEN("__xor__.Tensor"), xor_tensor},
    {ATEN("__or__.Scalar"), or_scalar},
    {ATEN("__and__.Scalar"), and_scalar},
    {ATEN("__xor__.Scalar"), xor_scalar},
    {ATEN("hardswish.default"), hardswish},
    {ATEN("hardsigmoid.default"), hardsigmoid},
    {ATEN("silu.default"), silu},
    {ATEN("linear.default"), linear},
    {ATEN("matmul.default"), matmul},
    {ATEN("scaled_dot_product_attention.default"), sdpa},
    {ATEN("to.device"), to_dtype},
    {ATEN("swapaxes.default"), swapaxes},
    {ATEN("dot.default"), dot},
    {ATEN("mv.default"), mv},
    {ATEN("floor_divide.Scalar"), floor_divide},
    {ATEN("alpha_dropout.default"), dropout_eval_alias},
    {ATEN("feature_alpha_dropout.default"), dropout_eval_alias},
    {ATEN("feature_dropout.default"), dropout_eval_alias},
    {ATEN("dropout_.default"), dropout_eval_in_place},
    {ATEN("alpha_dropout_.default"), dropout_eval_in_place},
    {ATEN("feature_dropout_.default"), dropout_eval_in_place},
    {ATEN("feature_alpha_dropout_.default"), dropout_eval_in_place},
    {ATEN("split.sizes"), split_list},
    {ATEN("_unsafe_index.Tensor"), unsafe_index},
    {ATEN("_scaled_dot_product_flash_attention_for_cpu.default"), flash_attention_cpu},
    /* decompose_nn.c */
    {ATEN("conv1d.padding"), dec_rule_conv1d_padding},
    {ATEN("conv2d.padding"), dec_rule_conv2d_padding},
    {ATEN("conv3d.padding"), dec_rule_conv3d_padding},
    {ATEN("max_pool1d.default"), dec_rule_max_pool1d},
    {ATEN("instance_norm.default"), dec_rule_instance_norm},
    {ATEN("upsample_nearest1d.vec"), dec_rule_upsample_nearest},
    {ATEN("_upsample_nearest_exact2d.vec"), dec_rule_upsample_nearest_exact},
    {ATEN("upsample_linear1d.vec"), dec_rule_upsample_linear1d},
    /* decompose_math.c */
    {ATEN("clamp_min.default"), dec_rule_clamp_min},
    {ATEN("clamp_max.default"), dec_rule_clamp_max},
    {ATEN("clamp_min.Tensor"), dec_rule_clamp_min_tensor},
    {ATEN("clamp_max.Tensor"), dec_rule_clamp_max_tensor},
    {ATEN("rsub.Scalar"), dec_rule_rsub},
    {ATEN("rsub.Tensor"), dec_rule_rsub},
    {ATEN("square.default"), dec_rule_square},
    {ATEN("relu6.default"), dec_rule_relu6},
    {ATEN("where.Scalar"), dec_rule_where_scalar},
    {ATEN("where.ScalarOther"), dec_rule_where_scalar},
    {ATEN("where.ScalarSelf"), dec_rule_where_scalar},
    {ATEN("masked_fill.Tensor"), dec_rule_masked_fill_tensor},
    {ATEN("fill.Tensor"), dec_rule_fill_tensor},
    {ATEN("fill.Scalar"), dec_rule_fill_scalar},
    {ATEN("isfinite.default"), dec_rule_isfinite},
    {ATEN("baddbmm.default"), dec_rule_baddbmm},
    {ATEN("sum.default"), dec_rule_sum},
    {ATEN("all.default"), dec_rule_all},
    {ATEN("all.dims"), dec_rule_all},
    {ATEN("all.dim"), dec_rule_all_dim},
    {ATEN("var.default"), dec_rule_var},
    {ATEN("var.dim"), dec_rule_var},
    {ATEN("std.default"), dec_rule_std},
    {ATEN("std.dim"), dec_rule_std},
    {ATEN("std.correction"), dec_rule_std},
    {ATEN("var_mean.dim"), dec_rule_var_mean},
    {ATEN("std_mean.dim"), dec_rule_std_mean},
    {ATEN("std_mean.correction"), dec_rule_std_mean},
    {ATEN("logsumexp.default"), dec_rule_logsumexp},
    {ATEN("argsort.default"), dec_rule_argsort},
    {ATEN("argsort.stable"), dec_rule_argsort},
    {ATEN("_safe_softmax.default"), dec_rule_safe_softmax},
    {ATEN("rms_norm.default"), dec_rule_rms_norm},
    {ATEN("group_norm.default"), dec_rule_group_norm},
    /* decompose_shape.c */
    {ATEN("expand_as.default"), dec_rule_expand_as},
    {ATEN("view_as.default"), dec_rule_view_as},
    {ATEN("_unsafe_view.default"), dec_rule_unsafe_view},
    {ATEN("movedim.int"), dec_rule_movedim},
    {ATEN("narrow.default"), dec_rule_narrow},
    {ATEN("squeeze.default"), dec_rule_squeeze},
    {ATEN("stack.default"), dec_rule_stack},
    {ATEN("tile.default"), dec_rule_tile},
    {ATEN("tril.default"), dec_rule_tril},
    {ATEN("triu.default"), dec_rule_triu},
    {ATEN("roll.default"), dec_rule_roll},
    {ATEN("diff.default"), dec_rule_diff},
    {ATEN("repeat_interleave.self_int"), dec_rule_repeat_interleave},
    {ATEN("repeat_interleave.self_Tensor"), dec_rule_repeat_interleave_tensor},
    {ATEN("zeros_like.default"), dec_rule_zeros_like},
    {ATEN("ones_like.default"), dec_rule_ones_like},
    {ATEN("empty_like.default"), dec_rule_empty_like},
    {ATEN("new_full.default"), dec_rule_new_full},
    {ATEN("new_empty.default"), dec_rule_new_empty},
    /* decompose_rnn.c */
    {ATEN("lstm.input"), dec_rule_lstm},
    {ATEN("gru.input"), dec_rule_gru},
    {ATEN("rnn_tanh.input"), dec_rule_rnn_tanh},
    {ATEN("rnn_relu.input"), dec_rule_rnn_relu},
};

dec_rule dec_find_rule(const char *target) {
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++)
        if (strcmp(rules[k].target, target) == 0)
            return rules[k].rule;
    return NULL;
}
