/*
 * decompose.c - the decompose pass: training-IR ops rewritten as the Core ATen ops
 * run_decompositions() gives (the rules: decompose_rules.c), plus the builder and the shape
 * arithmetic the rules share (decompose.h).
 *
 * The new graph is built as a fresh node list: every node is either copied or replaced by
 * what its rule emits. New values are described in a side table appended to tensor_values
 * at the end, so a graph of thousands of nodes is rebuilt in one pass (adding values one by
 * one would copy the table each time).
 */
#include "passes/decompose.h"

#include <math.h>
#include <string.h>

static pt2c_status nomem(pt2c_decomposer *d) {
    return pt2c_error_set(d->pass->err, PT2C_ERR_NOMEM, "decompose: out of memory");
}

/* ---------------------------------------------------------------------------------------- */
/* Reading the node                                                                         */

const char *dec_input(const pt2c_node *n, const char *arg_name) {
    return pt2c_node_tensor_arg(n, arg_name);
}

bool dec_get_int(const pt2c_node *n, const char *arg_name, int64_t dflt, int64_t *out) {
    const pt2c_arg *a = pt2c_node_arg(n, arg_name);
    if (!a) {
        *out = dflt;
        return true;
    }
    if ((a->kind == PT2C_ARG_INT || a->kind == PT2C_ARG_SYM_INT) && !a->name) {
        *out = a->i;
        return true;
    }
    return false;
}

bool dec_get_bool(const pt2c_node *n, const char *arg_name, bool dflt, bool *out) {
    const pt2c_arg *a = pt2c_node_arg(n, arg_name);
    if (!a || a->kind == PT2C_ARG_NONE) {
        *out = dflt;
        return true;
    }
    if ((a->kind == PT2C_ARG_BOOL || a->kind == PT2C_ARG_SYM_BOOL) && !a->name) {
        *out = a->b;
        return true;
    }
    return false;
}

bool dec_get_ints(const pt2c_node *n, const char *arg_name, int64_t dflt, int32_t n_dflt,
                  int64_t *out, int32_t cap, int32_t *count) {
    const pt2c_arg *a = pt2c_node_arg(n, arg_name);
    if (!a) {
        if (n_dflt > cap)
            return false;
        for (int32_t k = 0; k < n_dflt; k++)
            out[k] = dflt;
        *count = n_dflt;
        return true;
    }
    if (a->kind == PT2C_ARG_INT || (a->kind == PT2C_ARG_SYM_INT && !a->name)) {
        if (cap < 1)
            return false;
        out[0] = a->i;
        *count = 1;
        return true;
    }
    if (a->kind != PT2C_ARG_INTS && a->kind != PT2C_ARG_SYM_INTS)
        return false;
    if (a->n_items > cap)
        return false;
    for (int64_t k = 0; k < a->n_items; k++) {
        const pt2c_arg *it = &a->items[k];
        if (it->name || (it->kind != PT2C_ARG_INT && it->kind != PT2C_ARG_SYM_INT))
            return false;
        out[k] = it->i;
    }
    *count = (int32_t)a->n_items;
    return true;
}

const char *dec_output(const pt2c_node *n) {
    if (n->n_outputs < 1 || n->outputs[0].kind != PT2C_ARG_TENSOR)
        return NULL;
    return n->outputs[0].name;
}

const pt2c_tensor_meta *dec_meta_of(pt2c_decomposer *d, const char *value) {
    int64_t i;
    if (value && pt2c_strmap_get(&d->new_values, value, &i))
        return &d->values[i].meta;
    return pt2c_graph_meta(d->g, value);
}

bool dec_shape_of(pt2c_decomposer *d, const char *value, dec_shape *out) {
    const pt2c_tensor_meta *m = dec_meta_of(d, value);
    if (!m || m->rank > DEC_MAX_RANK || !pt2c_meta_static(m, NULL))
        return false;
    memset(out, 0, sizeof *out);
    out->dtype = m->dtype;
    out->rank = m->rank;
    for (int32_t k = 0; k < m->rank; k++) {
        out->size[k] = m->sizes[k].i;
        out->stride[k] = m->strides[k].i;
    }
    out->offset = m->storage_offset.i;
    out->requires_grad = m->requires_grad;
    return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Arguments                                                                                */

pt2c_named_arg dec_tensor(const char *arg_name, const char *value) {
    return (pt2c_named_arg){
        arg_name, {.kind = PT2C_ARG_TENSOR, .name = value}, PT2C_PASS_POSITIONAL};
}

pt2c_named_arg dec_int(const char *arg_name, int64_t v) {
    return (pt2c_named_arg){arg_name, {.kind = PT2C_ARG_INT, .i = v}, PT2C_PASS_POSITIONAL};
}

pt2c_named_arg dec_float(const char *arg_name, double v) {
    return (pt2c_named_arg){arg_name, {.kind = PT2C_ARG_FLOAT, .f = v}, PT2C_PASS_POSITIONAL};
}

pt2c_named_arg dec_bool(const char *arg_name, bool v) {
    return (pt2c_named_arg){arg_name, {.kind = PT2C_ARG_BOOL, .b = v}, PT2C_PASS_POSITIONAL};
}

pt2c_named_arg dec_none(const char *arg_name) {
    return (pt2c_named_arg){arg_name, {.kind = PT2C_ARG_NONE}, PT2C_PASS_POSITIONAL};
}

pt2c_named_arg dec_ints(pt2c_decomposer *d, const char *arg_name, const int64_t *v, int32_t n) {
    pt2c_arg *items = PT2C_ARENA_ARRAY(&d->pass->prog->arena, pt2c_arg, n + 1);
    pt2c_named_arg a = {arg_name, {.kind = PT2C_ARG_INTS, .items = items}, PT2C_PASS_POSITIONAL};
    if (!items) /* dec_emit sees the NULL list and reports it */
        return a;
    for (int32_t k = 0; k < n; k++)
        items[k] = (pt2c_arg){.kind = PT2C_ARG_INT, .i = v[k]};
    a.arg.n_items = n;
    return a;
}

pt2c_named_arg dec_kw(pt2c_named_arg a) {
    a.kind = PT2C_PASS_KEYWORD;
    return a;
}

pt2c_named_arg dec_copy_arg(const pt2c_node *n, const char *arg_name, const char *new_name,
                            bool *found) {
    const pt2c_named_arg *a = pt2c_node_find_arg(n, arg_name);
    *found = a != NULL;
    if (!a)
        return dec_none(new_name);
    pt2c_named_arg c = *a;
    c.name = new_name;
    return c;
}

/* Argument kinds as export writes them (memory_format, dtype, layout, device, Scalar). */
pt2c_named_arg dec_memory_format(int64_t format) {
    return dec_kw((pt2c_named_arg){
        "memory_format", {.kind = PT2C_ARG_MEMORY_FORMAT, .i = format}, PT2C_PASS_KEYWORD});
}

pt2c_named_arg dec_scalar_type(const char *arg_name, pt2c_dtype dtype) {
    return dec_kw(
        (pt2c_named_arg){arg_name, {.kind = PT2C_ARG_SCALAR_TYPE, .i = dtype}, PT2C_PASS_KEYWORD});
}

pt2c_named_arg dec_layout_strided(void) {
    return dec_kw((pt2c_named_arg){
        "layout", {.kind = PT2C_ARG_LAYOUT, .i = DEC_LAYOUT_STRIDED}, PT2C_PASS_KEYWORD});
}

pt2c_named_arg dec_device(const pt2c_tensor_meta *like) {
    pt2c_device dev = like && like->device.type ? like->device : (pt2c_device){"cpu", -1};
    return dec_kw(
        (pt2c_named_arg){"device", {.kind = PT2C_ARG_DEVICE, .device = dev}, PT2C_PASS_KEYWORD});
}

/* A Scalar argument as export writes a Python number: int when integral. */
pt2c_named_arg dec_number(const char *arg_name, double v) {
    if (v == floor(v) && fabs(v) < 9.0e15)
        return dec_int(arg_name, (int64_t)v);
    return dec_float(arg_name, v);
}

bool dec_is_float(pt2c_dtype t) {
    return t == PT2C_DTYPE_F32 || t == PT2C_DTYPE_F64 || t == PT2C_DTYPE_F16 ||
           t == PT2C_DTYPE_BF16;
}

/* ---------------------------------------------------------------------------------------- */
/* Emitting                                                                                 */

#define ATEN(op) "torch.ops.aten." op

/* ---------------------------------------------------------------------------------------- */

static bool args_ok(const pt2c_named_arg *args, int32_t n_args) {
    for (int32_t k = 0; k < n_args; k++)
        if (args[k].arg.kind == PT2C_ARG_INTS && args[k].arg.n_items > 0 && !args[k].arg.items)
            return false;
    return true;
}

static pt2c_status push_node(pt2c_decomposer *d, const pt2c_node *n) {
    if (!PT2C_ARENA_RESERVE(&d->pass->prog->arena, d->nodes, d->n_nodes, d->cap_nodes, 64))
        return nomem(d);
    d->nodes[d->n_nodes++] = *n;
    return PT2C_OK;
}

static pt2c_status add_value(pt2c_decomposer *d, const char *name, const pt2c_tensor_meta *m) {
    if (!PT2C_ARENA_RESERVE(d->pass->scratch, d->values, d->n_values, d->cap_values, 64))
        return nomem(d);
    d->values[d->n_values] = (pt2c_named_tensor_meta){name, *m};
    if (pt2c_strmap_put(&d->new_values, name, d->n_values) != PT2C_OK)
        return nomem(d);
    d->n_values++;
    return PT2C_OK;
}

/* A name nothing uses yet: base, else base_1, base_2, ... (registered as used). */
static const char *fresh_name(pt2c_decomposer *d, const char *base) {
    pt2c_arena *A = &d->pass->prog->arena;
    int64_t unused;
    const char *name = pt2c_arena_strdup(A, base);
    for (int k = 1; name && pt2c_strmap_get(&d->names, name, &unused); k++)
        name = pt2c_arena_sprintf(A, "%s_%d", base, k);
    if (name && pt2c_strmap_put(&d->names, name, 1) != PT2C_OK)
        return NULL;
    return name;
}

const char *dec_fresh(pt2c_decomposer *d, const char *base) { return fresh_name(d, base); }

/* "torch.ops.aten.max_pool2d_with_indices.default" -> "max_pool2d_with_indices" (scratch). */
static const char *op_base(pt2c_decomposer *d, const char *target) {
    const char *p = strncmp(target, "torch.ops.aten.", 15) == 0 ? target + 15 : target;
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    char *s = pt2c_arena_alloc(d->pass->scratch, len + 1, 1);
    if (!s)
        return NULL;
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

static pt2c_status make_node(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                             int32_t n_args, pt2c_arg *outs, int32_t n_outs, const char *name) {
    pt2c_arena *A = &d->pass->prog->arena;
    pt2c_named_arg *in = PT2C_ARENA_ARRAY(A, pt2c_named_arg, n_args + 1);
    if (!in || !args_ok(args, n_args))
        return nomem(d);
    if (n_args)
        memcpy(in, args, sizeof *in * (size_t)n_args);
    pt2c_node node = {0};
    node.target = target;
    node.name = name;
    node.has_name = true;
    node.inputs = in;
    node.n_inputs = n_args;
    node.outputs = outs;
    node.n_outputs = n_outs;
    node.metadata = d->origin->metadata; /* the stack trace of the op it comes from */
    node.n_metadata = d->origin->n_metadata;
    node.is_hop_single_tensor_return = -1;
    return push_node(d, &node);
}

pt2c_status dec_emit_meta(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                          int32_t n_args, const pt2c_tensor_meta *meta, const char *out_name,
                          const char **out) {
    const char *base = op_base(d, target);
    const char *name = out_name ? out_name : base ? fresh_name(d, base) : NULL;
    pt2c_arg *o = PT2C_ARENA_NEW(&d->pass->prog->arena, pt2c_arg);
    if (!name || !o || !meta)
        return nomem(d);
    *o = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = name};
    /* Fresh names, names reserved with dec_fresh, and existing names given a layout of their
     * own (the decomposition's strides can differ from the training IR's) are described. */
    if (!dec_meta_of(d, name) || (out_name && meta != dec_meta_of(d, name)))
        PT2C_TRY(add_value(d, name, meta));
    PT2C_TRY(make_node(d, target, args, n_args, o, 1, name));
    if (out)
        *out = name;
    return PT2C_OK;
}

pt2c_tensor_meta *dec_meta_from_shape(pt2c_decomposer *d, const dec_shape *s,
                                      const pt2c_tensor_meta *like) {
    pt2c_arena *A = &d->pass->prog->arena;
    pt2c_tensor_meta *m = PT2C_ARENA_NEW(A, pt2c_tensor_meta);
    pt2c_sym *sizes = PT2C_ARENA_ARRAY(A, pt2c_sym, s->rank + 1);
    pt2c_sym *strides = PT2C_ARENA_ARRAY(A, pt2c_sym, s->rank + 1);
    if (!m || !sizes || !strides)
        return NULL;
    memset(m, 0, sizeof *m);
    for (int32_t k = 0; k < s->rank; k++) {
        sizes[k] = (pt2c_sym){.i = s->size[k]};
        strides[k] = (pt2c_sym){.i = s->stride[k]};
    }
    m->dtype = s->dtype;
    m->rank = s->rank;
    m->sizes = sizes;
    m->strides = strides;
    m->storage_offset = (pt2c_sym){.i = s->offset};
    m->requires_grad = s->requires_grad;
    m->device = like ? like->device : (pt2c_device){"cpu", -1};
    m->layout = like ? like->layout : 7;
    return m;
}

pt2c_status dec_emit(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                     int32_t n_args, const dec_shape *shape, const char *out_name,
                     const char **out) {
    const pt2c_tensor_meta *like = dec_meta_of(d, dec_output(d->origin));
    const pt2c_tensor_meta *m = dec_meta_from_shape(d, shape, like);
    if (!m)
        return nomem(d);
    return dec_emit_meta(d, target, args, n_args, m, out_name, out);
}

pt2c_status dec_emit_like(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                          int32_t n_args, const pt2c_node *n) {
    const char *o = dec_output(n);
    const pt2c_tensor_meta *m = dec_meta_of(d, o);
    if (!o || !m)
        return pt2c_error_set(d->pass->err, PT2C_ERR_INTERNAL,
                              "decompose: node '%s' (%s) has no tensor output metadata", n->name,
                              n->target);
    return dec_emit_meta(d, target, args, n_args, m, o, NULL);
}

pt2c_status dec_emit_multi(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                           int32_t n_args, const char *const *names,
                           const pt2c_tensor_meta *const *metas, int32_t n_out) {
    pt2c_arena *A = &d->pass->prog->arena;
    const char *base = op_base(d, target);
    const char *node_name = base ? fresh_name(d, base) : NULL;
    pt2c_arg *outs = PT2C_ARENA_ARRAY(A, pt2c_arg, n_out + 1);
    if (!node_name || !outs)
        return nomem(d);
    for (int32_t k = 0; k < n_out; k++) {
        const char *name = names[k];
        if (!name) {
            char *want = pt2c_arena_sprintf(d->pass->scratch, "%s_unused_%d", node_name, k);
            name = want ? fresh_name(d, want) : NULL;
            if (!name || !metas[k])
                return nomem(d);
            PT2C_TRY(add_value(d, name, metas[k]));
        }
        outs[k] = (pt2c_arg){.kind = PT2C_ARG_TENSOR, .name = name};
    }
    return make_node(d, target, args, n_args, outs, n_out, node_name);
}

pt2c_status dec_describe(pt2c_decomposer *d, const char *name, const pt2c_tensor_meta *meta) {
    return add_value(d, name, meta);
}

pt2c_status dec_emit_list(pt2c_decomposer *d, const char *target, const pt2c_named_arg *args,
                          int32_t n_args, pt2c_arg *list) {
    const char *base = op_base(d, target);
    const char *name = base ? fresh_name(d, base) : NULL;
    if (!name)
        return nomem(d);
    return make_node(d, target, args, n_args, list, 1, name);
}

pt2c_status dec_emit_retarget(pt2c_decomposer *d, const pt2c_node *n, const char *target,
                              const pt2c_named_arg *args, int32_t n_args) {
    const char *base = op_base(d, target);
    const char *name = base ? fresh_name(d, base) : NULL;
    if (!name)
        return nomem(d);
    return make_node(d, target, args, n_args, n->outputs, n->n_outputs, name);
}

typedef struct use_finder {
    const char *value;
    bool found;
} use_finder;

static void find_use(void *user, const char **name) {
    use_finder *f = user;
    if (*name && strcmp(*name, f->value) == 0)
        f->found = true;
}

bool dec_value_used(pt2c_decomposer *d, const char *value) {
    use_finder f = {value, false};
    for (int64_t i = 0; i < d->g->n_nodes && !f.found; i++)
        for (int32_t k = 0; k < d->g->nodes[i].n_inputs; k++)
            pt2c_arg_visit_names(&d->g->nodes[i].inputs[k].arg, find_use, &f);
    for (int32_t k = 0; k < d->g->n_outputs && !f.found; k++)
        pt2c_arg_visit_names(&d->g->outputs[k], find_use, &f);
    return f.found;
}

pt2c_status dec_alias(pt2c_decomposer *d, const char *value, const char *to) {
    int64_t cap_to = d->cap_renamed;
    if (!PT2C_ARENA_RESERVE(d->pass->scratch, d->rename_from, d->n_renamed, d->cap_renamed, 16) ||
        !PT2C_ARENA_RESERVE(d->pass->scratch, d->rename_to, d->n_renamed, cap_to, 16))
        return nomem(d);
    d->rename_from[d->n_renamed] = value;
    d->rename_to[d->n_renamed] = to;
    if (pt2c_strmap_put(&d->renamed, value, d->n_renamed) != PT2C_OK)
        return nomem(d);
    d->n_renamed++;
    return PT2C_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Shapes                                                                                   */

int64_t dec_numel(const dec_shape *s) {
    int64_t n = 1;
    for (int32_t k = 0; k < s->rank; k++)
        n *= s->size[k];
    return n;
}

void dec_contiguous(dec_shape *s) {
    int64_t stride = 1;
    for (int32_t k = s->rank - 1; k >= 0; k--) {
        s->stride[k] = stride;
        stride *= s->size[k] > 1 ? s->size[k] : 1;
    }
    s->offset = 0;
}

bool dec_is_contiguous(const dec_shape *s) {
    if (dec_numel(s) == 0)
        return true;
    int64_t expected = 1;
    for (int32_t k = s->rank - 1; k >= 0; k--) {
        if (s->size[k] == 1)
            continue;
        if (s->stride[k] != expected)
            return false;
        expected *= s->size[k];
    }
    return true;
}

bool dec_norm_dim(int64_t dim, int32_t rank, int64_t *out) {
    int64_t r = rank > 0 ? rank : 1;
    if (dim < -r || dim >= r)
        return false;
    *out = dim < 0 ? dim + r : dim;
    return true;
}

void dec_permute(const dec_shape *in, const int64_t *perm, dec_shape *out) {
    dec_shape r = *in;
    for (int32_t k = 0; k < in->rank; k++) {
        r.size[k] = in->size[perm[k]];
        r.stride[k] = in->stride[perm[k]];
    }
    *out = r;
}

bool dec_infer_sizes(int64_t numel, const int64_t *sizes, int32_t rank, int64_t *resolved) {
    int64_t known = 1, infer = -1;
    for (int32_t k = 0; k < rank; k++) {
        if (sizes[k] == -1) {
            if (infer >= 0)
                return false;
            infer = k;
        } else if (sizes[k] < 0) {
            return false;
        } else {
            known *= sizes[k];
        }
        resolved[k] = sizes[k];
    }
    if (infer >= 0) {
        if (known == 0 || numel % known)
            return false;
        resolved[infer] = numel / known;
        return true;
    }
    return known == numel;
}

/* ATen's computeStride: the strides a view of in with sizes has, if it can share in's bytes. */
static bool view_strides(const dec_shape *in, const int64_t *sizes, int32_t rank,
                         int64_t *strides) {
    if (in->rank == 0 || dec_numel(in) == 0) {
        dec_shape c = {.rank = rank};
        memcpy(c.size, sizes, sizeof *sizes * (size_t)rank);
        dec_contiguous(&c);
        memcpy(strides, c.stride, sizeof *strides * (size_t)rank);
        return true;
    }
    int64_t view_d = rank - 1;
    int64_t chunk_base_stride = in->stride[in->rank - 1];
    int64_t tensor_numel = 1, view_numel = 1;
    for (int64_t tensor_d = in->rank - 1; tensor_d >= 0; tensor_d--) {
        tensor_numel *= in->size[tensor_d];
        if (tensor_d == 0 || (in->size[tensor_d - 1] != 1 &&
                              in->stride[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel || sizes[view_d] == 1)) {
                strides[view_d] = view_numel * chunk_base_stride;
                view_numel *= sizes[view_d];
                view_d--;
            }
            if (view_numel != tensor_numel)
                return false;
            if (tensor_d > 0) {
                chunk_base_stride = in->stride[tensor_d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    return view_d == -1;
}

bool dec_view(const dec_shape *in, const int64_t *sizes, int32_t rank, dec_shape *out) {
    dec_shape r = *in;
    r.rank = rank;
    if (rank > DEC_MAX_RANK || !dec_infer_sizes(dec_numel(in), sizes, rank, r.size))
        return false;
    bool ok = view_strides(in, r.size, rank, r.stride);
    if (!ok)
        dec_contiguous(&r);
    *out = r;
    return ok;
}

bool dec_expand(const dec_shape *in, const int64_t *sizes, int32_t rank, dec_shape *out) {
    if (rank < in->rank || rank > DEC_MAX_RANK)
        return false;
    dec_shape r = *in;
    r.rank = rank;
    int32_t lead = rank - in->rank;
    for (int32_t k = 0; k < rank; k++) {
        int64_t want = sizes[k];
        if (k < lead) {
            if (want < 0)
                return false;
            r.size[k] = want;
            r.stride[k] = 0;
            continue;
        }
        int64_t have = in->size[k - lead], st = in->stride[k - lead];
        if (want == -1 || want == have) {
            r.size[k] = have;
            r.stride[k] = st;
        } else if (have == 1) {
            r.size[k] = want;
            r.stride[k] = 0;
        } else {
            return false;
        }
    }
    *out = r;
    return true;
}

/* TensorIterator's output layout: the input's dim order (outermost = largest stride; size-1
 * dims and ties keep their place), with dense strides in that order. */
void dec_like_elementwise(const dec_shape *in, dec_shape *out) {
    dec_shape r = *in;
    r.offset = 0;
    int32_t order[DEC_MAX_RANK]; /* order[0] is the innermost dim */
    int32_t n = 0;
    for (int32_t k = in->rank - 1; k >= 0; k--)
        order[n++] = k;
    /* Insertion sort, innermost first: a dim moves inward past one with a larger stride. */
    for (int32_t a = 1; a < n; a++)
        for (int32_t b = a; b > 0; b--) {
            int32_t inner = order[b - 1], outer = order[b];
            if (in->size[inner] == 1 || in->size[outer] == 1 ||
                in->stride[outer] >= in->stride[inner])
                break;
            order[b - 1] = outer;
            order[b] = inner;
        }
    int64_t stride = 1;
    for (int32_t k = 0; k < n; k++) {
        r.stride[order[k]] = stride;
        stride *= in->size[order[k]] > 1 ? in->size[order[k]] : 1;
    }
    *out = r;
}

/* ---------------------------------------------------------------------------------------- */
/* The pass                                                                                 */

typedef struct name_collector {
    pt2c_strmap *map;
    pt2c_status st;
} name_collector;

static void collect(void *user, const char **name) {
    name_collector *c = user;
    if (pt2c_strmap_put(c->map, *name, 1) != PT2C_OK)
        c->st = PT2C_ERR_NOMEM;
}

static void apply_rename(void *user, const char **name) {
    pt2c_decomposer *d = user;
    int64_t i;
    if (pt2c_strmap_get(&d->renamed, *name, &i))
        *name = d->rename_to[i];
}

static pt2c_status init(pt2c_decomposer *d, pt2c_pass_ctx *ctx) {
    memset(d, 0, sizeof *d);
    d->pass = ctx;
    d->g = &ctx->prog->ep.graph_module.graph;
    pt2c_strmap_init(&d->new_values, ctx->scratch);
    pt2c_strmap_init(&d->names, ctx->scratch);
    pt2c_strmap_init(&d->renamed, ctx->scratch);
    name_collector c = {&d->names, PT2C_OK};
    for (int32_t i = 0; i < d->g->n_inputs; i++)
        pt2c_arg_visit_names(&d->g->inputs[i], collect, &c);
    for (int64_t i = 0; i < d->g->n_nodes; i++) {
        const char *node_name = d->g->nodes[i].name;
        collect(&c, &node_name);
        pt2c_node_visit_outputs(&d->g->nodes[i], collect, &c);
    }
    for (int64_t i = 0; i < d->g->n_tensor_values; i++)
        collect(&c, &d->g->tensor_values[i].name);
    return c.st == PT2C_OK ? PT2C_OK : nomem(d);
}

/* The values the new nodes make join tensor_values (those no node defines are dropped by
 * compaction). */
static pt2c_status commit(pt2c_decomposer *d) {
    pt2c_program *prog = d->pass->prog;
    pt2c_graph *g = d->g;
    /* A value the graph already described gets its new layout in place; the rest append
     * (for a name described twice, the last description wins). */
    int64_t appended = 0;
    for (int64_t k = 0; k < d->n_values; k++) {
        int64_t at, last;
        if (pt2c_strmap_get(&d->new_values, d->values[k].name, &last) && last != k)
            continue;
        if (pt2c_strmap_get(&g->tensor_index, d->values[k].name, &at))
            g->tensor_values[at].meta = d->values[k].meta;
        else
            d->values[appended++] = d->values[k];
    }
    d->n_values = appended;
    int64_t n = g->n_tensor_values + d->n_values;
    pt2c_named_tensor_meta *values = PT2C_ARENA_ARRAY(&prog->arena, pt2c_named_tensor_meta, n + 1);
    if (!values)
        return nomem(d);
    if (g->n_tensor_values)
        memcpy(values, g->tensor_values, sizeof *values * (size_t)g->n_tensor_values);
    if (d->n_values)
        memcpy(values + g->n_tensor_values, d->values, sizeof *values * (size_t)d->n_values);
    for (int64_t k = 0; k < d->n_values; k++)
        if (pt2c_strmap_put(&g->tensor_index, d->values[k].name, g->n_tensor_values + k) != PT2C_OK)
            return nomem(d);
    g->tensor_values = values;
    g->n_tensor_values = n;
    g->nodes = d->nodes;
    g->n_nodes = d->n_nodes;
    /* Graph outputs, output specs and signatures that named an aliased value name its
     * target (the nodes were renamed as they were copied). */
    for (int64_t k = 0; k < d->n_renamed; k++)
        pt2c_graph_replace_uses(prog, d->rename_from[k], d->rename_to[k]);
    return pt2c_graph_compact_values(prog, d->pass->err);
}

/* With nothing left that a rule knows, the program is in the ATEN dialect: its verifier list
 * says so, as run_decompositions() writes it (torch.export.load then reports ep.dialect
 * "ATEN"). A node a rule declined (symbolic sizes), or an in-place op, keeps it TRAINING. */
static pt2c_status mark_dialect(pt2c_decomposer *d) {
    pt2c_exported_program *ep = &d->pass->prog->ep;
    for (int64_t i = 0; i < d->g->n_nodes; i++)
        if ((dec_find_rule(d->g->nodes[i].target) &&
             strcmp(d->g->nodes[i].target, "torch.ops.aten.view.default") != 0) ||
            pt2c_node_writes_in_place(&d->g->nodes[i]))
            return PT2C_OK; /* (the ATEN verifier refuses in-place ops: functionalize first) */
    for (int32_t k = 0; k < ep->n_verifiers; k++)
        if (strcmp(ep->verifiers[k], "TRAINING") == 0)
            ep->verifiers[k] = "ATEN";
    return PT2C_OK;
}

pt2c_status pt2c_pass_decompose(pt2c_pass_ctx *ctx) {
    pt2c_decomposer d;
    PT2C_TRY(init(&d, ctx));
    pt2c_graph *g = d.g;
    for (int64_t i = 0; i < g->n_nodes; i++) {
        pt2c_node *n = &g->nodes[i];
        for (int32_t k = 0; k < n->n_inputs; k++)
            pt2c_arg_visit_names(&n->inputs[k].arg, apply_rename, &d);
        dec_rule rule = dec_find_rule(n->target);
        bool done = false;
        int64_t mark = d.n_nodes;
        if (rule) {
            d.origin = n;
            d.unchanged = false;
            PT2C_TRY(rule(&d, n, &done));
        }
        if (done) {
            ctx->rewrites += !d.unchanged;
            continue;
        }
        d.n_nodes = mark;
        PT2C_TRY(push_node(&d, n));
    }
    if (!ctx->rewrites)
        return PT2C_OK;
    PT2C_TRY(commit(&d));
    /* What a decomposition computes and nothing reads (an RNN's final states) goes, as
     * run_decompositions' retrace drops it. */
    int64_t removed;
    PT2C_TRY(pt2c_graph_remove_dead_nodes(ctx, &removed));
    return mark_dialect(&d);
}
