/*
 * pattern.c - what the pattern fusions (fuse_activations.c, fuse_norms.c, fuse_attention.c)
 * share: an index of who makes each value and how many read it, a match built by walking
 * back from a root node through producers, the checks that make replacing the root safe,
 * and the removal of the nodes the fusions swallowed.
 *
 * A match is closed when every read of each swallowed node's result comes from the match
 * itself: then the root, rewritten to read only the pattern's inputs, leaves them all unread.
 * The counts are exact for the graph as it stands (a rewrite updates them), so matches made
 * one after another in the same pass never share a node.
 */
#include "passes/passes.h"

#include <math.h>
#include <string.h>

static const char *const assert_meta = "torch.ops.aten._assert_tensor_metadata.default";

static const char *single_output(const pt2c_node *n) {
    return n->n_outputs == 1 && n->outputs[0].kind == PT2C_ARG_TENSOR ? n->outputs[0].name : NULL;
}

typedef struct use_delta {
    pt2c_strmap *uses;
    int64_t delta;
    pt2c_status st;
} use_delta;

static void add_use(void *user, const char **name) {
    use_delta *u = user;
    int64_t n = 0;
    pt2c_strmap_get(u->uses, *name, &n);
    if (pt2c_strmap_put(u->uses, *name, n + u->delta) != PT2C_OK)
        u->st = PT2C_ERR_NOMEM;
}

static void count_inputs(pt2c_node *n, use_delta *u) {
    for (int32_t k = 0; k < n->n_inputs; k++)
        pt2c_arg_visit_names(&n->inputs[k].arg, add_use, u);
}

pt2c_status pt2c_pattern_init(pt2c_pass_ctx *ctx, pt2c_pattern *p) {
    memset(p, 0, sizeof *p);
    p->ctx = ctx;
    p->g = &ctx->prog->ep.graph_module.graph;
    pt2c_strmap_init(&p->producer, ctx->scratch);
    pt2c_strmap_init(&p->uses, ctx->scratch);
    p->consumed = PT2C_ARENA_ARRAY(ctx->scratch, bool, p->g->n_nodes + 1);
    PT2C_CHECK(p->consumed, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    use_delta u = {&p->uses, 1, PT2C_OK};
    for (int64_t i = 0; i < p->g->n_nodes && u.st == PT2C_OK; i++) {
        pt2c_node *n = &p->g->nodes[i];
        const char *o = single_output(n);
        if (o && pt2c_strmap_put(&p->producer, o, i) != PT2C_OK)
            u.st = PT2C_ERR_NOMEM;
        if (strcmp(n->target, assert_meta) != 0)
            count_inputs(n, &u);
    }
    for (int32_t o = 0; o < p->g->n_outputs && u.st == PT2C_OK; o++)
        pt2c_arg_visit_names(&p->g->outputs[o], add_use, &u);
    PT2C_CHECK(u.st == PT2C_OK, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    return PT2C_OK;
}

bool pt2c_pattern_begin(pt2c_pattern *p, int64_t root) {
    p->n_match = 0;
    p->root = root;
    if (root < 0 || root >= p->g->n_nodes || p->consumed[root])
        return false;
    return single_output(&p->g->nodes[root]) != NULL;
}

pt2c_node *pt2c_pattern_root(pt2c_pattern *p) { return &p->g->nodes[p->root]; }

/* The node making name, pushed on the match if pred accepts it; NULL otherwise. */
static pt2c_node *take_if(pt2c_pattern *p, const char *name,
                          bool (*pred)(const pt2c_node *, const void *), const void *arg) {
    int64_t i;
    if (!name || !pt2c_strmap_get(&p->producer, name, &i) || i < 0 || i >= p->g->n_nodes)
        return NULL;
    pt2c_node *n = &p->g->nodes[i];
    if (!pred(n, arg) || p->consumed[i] || i == p->root)
        return NULL;
    for (int32_t k = 0; k < p->n_match; k++)
        if (p->match[k] == i)
            return n;
    if (p->n_match == PT2C_PATTERN_MAX)
        return NULL;
    p->match[p->n_match++] = i;
    return n;
}

static bool any_node(const pt2c_node *n, const void *unused) {
    (void)n;
    (void)unused;
    return true;
}

pt2c_node *pt2c_pattern_node(pt2c_pattern *p, const char *name) {
    pt2c_node *root = &p->g->nodes[p->root];
    if (pt2c_pattern_same(name, single_output(root)))
        return root;
    return take_if(p, name, any_node, NULL);
}

static bool has_target(const pt2c_node *n, const void *target) {
    return strcmp(n->target, target) == 0;
}

pt2c_node *pt2c_pattern_take(pt2c_pattern *p, const char *name, const char *target) {
    return take_if(p, name, has_target, target);
}

/* ---------------------------------------------------------------------------------------- */
/* Arguments                                                                                */

bool pt2c_pattern_scalar(const pt2c_node *n, const char *name, double *value) {
    const pt2c_arg *a = pt2c_node_arg(n, name);
    if (!a)
        return false;
    if (a->kind == PT2C_ARG_FLOAT)
        *value = a->f;
    else if (a->kind == PT2C_ARG_INT)
        *value = (double)a->i;
    else
        return false;
    return true;
}

bool pt2c_pattern_near(double value, double want) {
    return isfinite(value) && fabs(value - want) <= 1e-6 * fabs(want);
}

/* alpha (add, sub) left at 1. */
static bool unit_alpha(const pt2c_node *n) {
    double alpha;
    return !pt2c_node_arg(n, "alpha") || (pt2c_pattern_scalar(n, "alpha", &alpha) && alpha == 1.0);
}

/* "torch.ops.aten.<op>.<overload>" */
static bool is_op(const pt2c_node *n, const char *op, const char *overload) {
    size_t len = strlen(op);
    return strncmp(n->target, "torch.ops.aten.", 15) == 0 &&
           strncmp(n->target + 15, op, len) == 0 && n->target[15 + len] == '.' &&
           strcmp(n->target + 16 + len, overload) == 0;
}

const char *pt2c_pattern_scalar_op(const pt2c_node *n, const char *op, double *value) {
    if (!n || !(is_op(n, op, "Tensor") || is_op(n, op, "Scalar")) || !unit_alpha(n) ||
        !pt2c_pattern_scalar(n, "other", value))
        return NULL;
    return pt2c_node_tensor_arg(n, "self");
}

static bool is_scalar_op(const pt2c_node *n, const void *op) {
    double unused;
    return pt2c_pattern_scalar_op(n, op, &unused) != NULL;
}

const char *pt2c_pattern_take_scalar_op(pt2c_pattern *p, const char *name, const char *op,
                                        double *value) {
    pt2c_node *n = take_if(p, name, is_scalar_op, op);
    return n ? pt2c_pattern_scalar_op(n, op, value) : NULL;
}

bool pt2c_pattern_tensor_op(const pt2c_node *n, const char *op, const char **self,
                            const char **other) {
    if (!n || !is_op(n, op, "Tensor") || !unit_alpha(n))
        return false;
    *self = pt2c_node_tensor_arg(n, "self");
    *other = pt2c_node_tensor_arg(n, "other");
    return *self && *other;
}

static bool is_tensor_op(const pt2c_node *n, const void *op) {
    const char *self, *other;
    return pt2c_pattern_tensor_op(n, op, &self, &other);
}

pt2c_node *pt2c_pattern_take_tensor_op(pt2c_pattern *p, const char *name, const char *op,
                                       const char **self, const char **other) {
    pt2c_node *n = take_if(p, name, is_tensor_op, op);
    return n && pt2c_pattern_tensor_op(n, op, self, other) ? n : NULL;
}

bool pt2c_pattern_same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

const char *pt2c_pattern_skip_casts(pt2c_pattern *p, const char *name) {
    for (;;) {
        int32_t mark = p->n_match;
        pt2c_node *n = pt2c_pattern_take(p, name, "torch.ops.aten.to.dtype");
        if (!n)
            return name;
        const char *self = pt2c_node_tensor_arg(n, "self");
        const pt2c_tensor_meta *m = pt2c_graph_meta(p->g, self);
        const pt2c_arg *dtype = pt2c_node_arg(n, "dtype");
        const pt2c_arg *copy = pt2c_node_arg(n, "copy");
        const pt2c_arg *format = pt2c_node_arg(n, "memory_format");
        if (!self || !m || !dtype || dtype->kind != PT2C_ARG_SCALAR_TYPE ||
            dtype->i != (int64_t)m->dtype || (copy && (copy->kind != PT2C_ARG_BOOL || copy->b)) ||
            (format && format->kind != PT2C_ARG_NONE)) {
            p->n_match = mark;
            return name;
        }
        name = self;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Replacing the root                                                                       */

static bool same_sizes(const pt2c_tensor_meta *a, const pt2c_tensor_meta *b) {
    if (a->rank != b->rank)
        return false;
    for (int32_t d = 0; d < a->rank; d++) {
        const pt2c_sym *x = &a->sizes[d], *y = &b->sizes[d];
        if (x->is_expr != y->is_expr)
            return false;
        if (x->is_expr ? !pt2c_pattern_same(x->expr.expr_str, y->expr.expr_str) : x->i != y->i)
            return false;
    }
    return true;
}

static bool float32(const pt2c_graph *g, const char *name) {
    const pt2c_tensor_meta *m = pt2c_graph_meta(g, name);
    return m && m->dtype == PT2C_DTYPE_F32;
}

typedef struct reads {
    const char *value;
    int64_t n;
} reads;

static void count_reads(void *user, const char **name) {
    reads *r = user;
    r->n += strcmp(*name, r->value) == 0;
}

static bool in_match(const pt2c_pattern *p, int64_t i) {
    for (int32_t k = 0; k < p->n_match; k++)
        if (p->match[k] == i)
            return true;
    return i == p->root;
}

/* The new node may read value: float32, and made outside the match. */
static bool outside_input(const pt2c_pattern *p, const char *value) {
    int64_t i;
    if (!value || !float32(p->g, value))
        return false;
    return !pt2c_strmap_get(&p->producer, value, &i) || !in_match(p, i);
}

/* Every check that makes the rewrite safe (see the file comment). Elementwise: args[0] has
 * the root's sizes and every intermediate is float32 (pt2c_pattern_replace); otherwise the
 * caller has checked the new op's result (pt2c_pattern_replace_op). */
static bool replaceable(const pt2c_pattern *p, const pt2c_named_arg *args, int32_t n_args,
                        bool elementwise) {
    pt2c_node *root = &p->g->nodes[p->root];
    const char *out = single_output(root);
    const char *x = n_args > 0 && args[0].arg.kind == PT2C_ARG_TENSOR ? args[0].arg.name : NULL;
    const pt2c_tensor_meta *om = pt2c_graph_meta(p->g, out), *xm = pt2c_graph_meta(p->g, x);
    if (!out || !om || !xm || om->dtype != PT2C_DTYPE_F32 || (elementwise && !same_sizes(om, xm)))
        return false;
    for (int32_t k = 0; k < n_args; k++)
        if (args[k].arg.kind == PT2C_ARG_TENSOR && !outside_input(p, args[k].arg.name))
            return false;
    for (int32_t k = 0; k < p->n_match; k++) {
        pt2c_node *m = &p->g->nodes[p->match[k]];
        const char *v = single_output(m);
        if (p->consumed[p->match[k]] || !v || (elementwise && !float32(p->g, v)))
            return false;
        /* Closed: the match makes every read of v (an assertion aside). */
        reads r = {v, 0};
        for (int32_t j = 0; j < p->n_match; j++) {
            pt2c_node *reader = &p->g->nodes[p->match[j]];
            for (int32_t a = 0; a < reader->n_inputs; a++)
                pt2c_arg_visit_names(&reader->inputs[a].arg, count_reads, &r);
        }
        for (int32_t a = 0; a < root->n_inputs; a++)
            pt2c_arg_visit_names(&root->inputs[a].arg, count_reads, &r);
        int64_t uses = 0;
        pt2c_strmap_get(&p->uses, v, &uses);
        if (r.n != uses)
            return false;
    }
    return true;
}

static pt2c_status replace(pt2c_pattern *p, const char *target, const pt2c_named_arg *args,
                           int32_t n_args, bool elementwise, bool *replaced) {
    *replaced = false;
    if (!replaceable(p, args, n_args, elementwise))
        return PT2C_OK;
    pt2c_pass_ctx *ctx = p->ctx;
    pt2c_arena *A = &ctx->prog->arena;
    pt2c_named_arg *in = PT2C_ARENA_ARRAY(A, pt2c_named_arg, n_args);
    PT2C_CHECK(in, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    for (int32_t k = 0; k < n_args; k++) {
        in[k] = args[k];
        if (args[k].arg.n_items > 0) { /* lists are one level deep here: normalized_shape */
            in[k].arg.items = PT2C_ARENA_ARRAY(A, pt2c_arg, args[k].arg.n_items);
            PT2C_CHECK(in[k].arg.items, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
            memcpy(in[k].arg.items, args[k].arg.items,
                   sizeof(pt2c_arg) * (size_t)args[k].arg.n_items);
        }
    }
    pt2c_node *root = &p->g->nodes[p->root];
    use_delta u = {&p->uses, -1, PT2C_OK};
    count_inputs(root, &u);
    root->target = target;
    root->inputs = in;
    root->n_inputs = n_args;
    u.delta = 1;
    count_inputs(root, &u);
    PT2C_CHECK(u.st == PT2C_OK, ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    for (int32_t k = 0; k < p->n_match; k++)
        p->consumed[p->match[k]] = true;
    p->n_match = 0;
    ctx->rewrites++;
    *replaced = true;
    return PT2C_OK;
}

pt2c_status pt2c_pattern_replace(pt2c_pattern *p, const char *target, const pt2c_named_arg *args,
                                 int32_t n_args, bool *replaced) {
    return replace(p, target, args, n_args, true, replaced);
}

pt2c_status pt2c_pattern_replace_op(pt2c_pattern *p, const char *target, const pt2c_named_arg *args,
                                    int32_t n_args, bool *replaced) {
    return replace(p, target, args, n_args, false, replaced);
}

/* ---------------------------------------------------------------------------------------- */
/* Removing what was swallowed                                                              */

typedef struct swallowed_probe {
    const pt2c_pattern *p;
    bool hit;
} swallowed_probe;

static void probe_swallowed(void *user, const char **name) {
    swallowed_probe *s = user;
    int64_t i;
    if (pt2c_strmap_get(&s->p->producer, *name, &i) && i >= 0 && i < s->p->g->n_nodes &&
        s->p->consumed[i])
        s->hit = true;
}

pt2c_status pt2c_pattern_finish(pt2c_pattern *p) {
    if (p->ctx->rewrites == 0)
        return PT2C_OK;
    bool *remove = PT2C_ARENA_ARRAY(p->ctx->scratch, bool, p->g->n_nodes + 1);
    PT2C_CHECK(remove, p->ctx->err, PT2C_ERR_NOMEM, "passes: out of memory");
    for (int64_t i = 0; i < p->g->n_nodes; i++) {
        pt2c_node *n = &p->g->nodes[i];
        remove[i] = p->consumed[i];
        /* An assertion on a swallowed value goes with it: it checked the dtype, device and
         * layout of a tensor that no longer exists (the match required float32 throughout). */
        if (!remove[i] && strcmp(n->target, assert_meta) == 0) {
            swallowed_probe s = {p, false};
            for (int32_t k = 0; k < n->n_inputs; k++)
                pt2c_arg_visit_names(&n->inputs[k].arg, probe_swallowed, &s);
            remove[i] = s.hit;
        }
    }
    pt2c_graph_remove_nodes(p->ctx->prog, remove);
    return PT2C_OK;
}
